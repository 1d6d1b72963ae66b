// qconv2d_add and qlinear_add: the target's fused qf_qgemm_add, or its int32 GEMM (qf_qgemm_i32) into a block of rows that
// stays in cache, then the residual-add epilogue qf_requant_add_i32 (one portable C loop that the
// compiler vectorises), block after block: qf_par_gemm_add in qforge_threads.c.
//   1x1, stride 1, no padding, one group, and qlinear -> rows of x as they are (all images at once)
//   one group, no column dilation, r_scale a float32 value, a target with qconv
//                                                    -> implicit GEMM with the epilogue on its tiles
//   any other conv                                   -> im2col row blocks, per group
import type { DType } from '../../ir/dtype.js';
import type { Graph, Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import { numel } from '../../ir/types.js';
import { f32Bytes, f32lit, i32Bytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { kernelForm } from '../plan/forms.js';
import { im2colRows, IM2COL_BYTES, implicitConv } from './qconv.js';
import { requantScaleIssue } from './qelementwise.js';
import { at, attrsOf, geom, imageLoop, indent, outQuant, perChannel, shiftOf, winOf, type OpEmitter } from './util.js';
import { centred, foldBias, packedTable } from './weights.js';

/** Rows of int32 sums per block when no im2col sets the block (the 1x1 GEMM, qlinear). */
const ACC_BYTES = 64 * 1024;

function unsupported(n: Node, g: Graph): string | undefined {
  if (!(n.inputs[1]! in g.constants)) return 'weights must be constants (they are packed at compile time)';
  if (n.inputs[3] && !(n.inputs[3] in g.constants)) return 'bias must be a constant';
  return requantScaleIssue(attrsOf(n).acc_scale as number[]);
}

/** The qf_radd of each of G groups of Mg channels (scales and bias offset per group); returns the table symbol. */
function raddDecl(L: Lowering, node: Node, M: number, G: number, rDtype: DType, yDtype: DType): string {
  const a = attrsOf(node), oq = outQuant(a, yDtype), Mg = M / G;
  const b = node.inputs[3] ? Array.from(L.constTensor(node.inputs[3])!.data as Float32Array) : new Array<number>(M).fill(0);
  const sc = L.pool.bytes(`${node.name}_scale`, f32Bytes(perChannel(a.acc_scale as number[], M)));
  const bs = L.pool.bytes(`${node.name}_fbias`, f32Bytes(b));
  const ys = a.y_scale as number;
  const tail = [`${a.r_scale as number}`, `${(a.r_zero_point as number) + shiftOf(rDtype)}`, f32lit(fround(1 / ys)), f32lit(fround(ys)), a.scaling === 'divide' ? '1' : '0', `${oq.zp}`, `${oq.qmin}`, `${oq.qmax}`];
  const one = (g: number) => `{(const float *)(${sc} + ${g * Mg * 4}), (const float *)(${bs} + ${g * Mg * 4}), ${tail.join(', ')}}`;
  return L.pool.decl(`${node.name}_radd`, 'qf_radd', `{${Array.from({ length: G }, (_, g) => one(g)).join(',\n  ')}}`, `[${G}]`);
}

/** Packed weights per group and their folded int32 biases (x_zp·Σk W only: the op's bias is float). */
function gemmWeights(L: Lowering, node: Node, rows: Int8Array[], N: number, K: number, xz: number): [string, string] {
  const folded = rows.flatMap((wg) => foldBias(node, wg, N, K, undefined, xz));
  return [packedTable(L, node.name, rows.map((wg) => L.target.packGemm(wg, N, K))), L.pool.bytes(`${node.name}_bias32`, i32Bytes(folded))];
}

function qconvAdd(node: Node, L: Lowering): void {
  const a = attrsOf(node);
  const [xn, wn, rn] = node.inputs as [string, string, string];
  const yn = node.outputs[0]!;
  const xt = L.type(xn), rt = L.type(rn), yt = L.type(yn), w = L.constTensor(wn)!;
  const [N, C, H, W] = xt.shape as [number, number, number, number];
  const [M, Cg, kh, kw] = w.shape as [number, number, number, number];
  const [, , OH, OW] = yt.shape as [number, number, number, number];
  const G = a.group as number, Mg = M / G, K = Cg * kh * kw, P = OH * OW;
  const win = winOf(a, [kh, kw]);
  const xz = (a.x_zero_point as number) + shiftOf(xt.dtype);
  const pointwise = kh === 1 && kw === 1 && win.sh === 1 && win.sw === 1 && win.pt + win.pl + win.pb + win.pr === 0 && G === 1;
  // The 1x1 GEMM over-reads rows of x: it must sit in the arena (slack), not in the caller's buffer.
  const x = L.need(xn, kernelForm(xt.dtype, 'nhwc'), pointwise ? { arena: true } : {});
  const r = L.need(rn, kernelForm(rt.dtype, 'nhwc'));
  // The implicit GEMM has the epilogue on its tiles only in float32 (r_scale a float32 value, as quantizers give).
  const imp = !pointwise && fround(a.r_scale as number) === a.r_scale ? implicitConv(L, G, win, [kh, kw], C, [OH, OW]) : undefined;
  const [wp, b32] = L.pool.memo(`${node.name}\u0000add`, () => {
    const wc = centred(node, w, a.w_zero_point as number[], (i) => Math.floor(i / K));
    return imp ? gemmWeights(L, node, [imp.rows(wc, M)], M, imp.K, xz) : gemmWeights(L, node, im2colRows(wc, G, Mg, Cg, kh * kw), Mg, K, xz);
  });
  const p = raddDecl(L, node, M, G, rt.dtype, yt.dtype);
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'nhwc'));
  const shape = `${N}x${C}x${H}x${W} -> ${M}x${OH}x${OW}, ${kh}x${kw}/${win.sh},${win.sw} + residual`;
  if (pointwise) {
    const R = Math.max(1, Math.min(N * P, Math.floor(ACC_BYTES / (4 * M))));
    const s = L.scratch(R * M * 4, `${node.name}_acc`, { perThread: true });
    L.emit(`pointwise GEMM ${shape}`, [`qf_par_gemm_add(ctx, NULL, ${x.cname}, 0, 0, ${N * P}, ${M}, ${K}, ${R}, ${wp}[0], (const int32_t *)${b32}, ${r.cname}, ${M}, &${p}[0], ${y.cname}, ${M}, ${s});`]);
    return;
  }
  const gm = geom(L, node.name, { H, W, C, OH, OW, win, xzp: xz });
  const img = imageLoop(N), g = G === 1 ? '0' : 'g';
  const ri = at(r.cname, [img.n, P * M], [g, Mg]), yi = at(y.cname, [img.n, P * M], [g, Mg]);
  if (imp) {
    const xp = L.scratch(imp.padBytes, `${node.name}_pad`, { perThread: true });
    const call = `qf_par_conv_implicit(ctx, &${gm}, ${at(x.cname, [img.n, H * W * C])}, ${P}, ${imp.K}, ${M}, ${wp}[0], NULL, (const int32_t *)${b32}, ${ri}, ${M}, &${p}[0], ${yi}, ${M}, ${xp});`;
    L.emit(`implicit GEMM ${shape}`, [...img.open, ...indent([call], img.open.length), ...img.close]);
    return;
  }
  const R = Math.max(1, Math.min(P, Math.floor(IM2COL_BYTES / K)));
  const s = L.scratch((Math.ceil((R * Mg * 4) / 64) * 64) + R * K, `${node.name}_acc`, { perThread: true });
  const call = `qf_par_gemm_add(ctx, &${gm}, ${at(x.cname, [img.n, H * W * C])}, ${G === 1 ? '0' : `(int32_t)(g * ${Cg})`}, ${Cg}, ${P}, ${Mg}, ${K}, ${R}, ${wp}[${g}], (const int32_t *)${b32}${G === 1 ? '' : ` + g * ${Mg}`}, ${ri}, ${M}, &${p}[${g}], ${yi}, ${M}, ${s});`;
  const body = G === 1 ? [call] : [`for (size_t g = 0; g < ${G}; g++) {`, `  ${call}`, '}'];
  L.emit(`im2col GEMM ${shape}, group ${G}`, [...img.open, ...indent(body, img.open.length), ...img.close]);
}

function qlinearAdd(node: Node, L: Lowering): void {
  const a = attrsOf(node);
  const [xn, wn, rn] = node.inputs as [string, string, string];
  const yn = node.outputs[0]!;
  const xt = L.type(xn), rt = L.type(rn), yt = L.type(yn), w = L.constTensor(wn)!;
  const [Nout, K] = w.shape as [number, number];
  const Rows = numel(xt.shape) / K;
  // Over-reading GEMM rows: the operand must sit in the arena (slack), not in the caller's buffer.
  const x = L.need(xn, kernelForm(xt.dtype, 'plain'), { arena: true });
  const r = L.need(rn, kernelForm(rt.dtype, 'plain'));
  const xz = (a.x_zero_point as number) + shiftOf(xt.dtype);
  const [wp, b32] = L.pool.memo(`${node.name}\u0000add`, () => gemmWeights(L, node, [centred(node, w, a.w_zero_point as number[], (i) => Math.floor(i / K))], Nout, K, xz));
  const p = raddDecl(L, node, Nout, 1, rt.dtype, yt.dtype);
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'plain'));
  const R = Math.max(1, Math.min(Rows, Math.floor(ACC_BYTES / (4 * Nout))));
  const s = L.scratch(R * Nout * 4, `${node.name}_acc`, { perThread: true });
  L.emit(`${Rows}x${K} x ${K}x${Nout} + residual`, [`qf_par_gemm_add(ctx, NULL, ${x.cname}, 0, 0, ${Rows}, ${Nout}, ${K}, ${R}, ${wp}[0], (const int32_t *)${b32}, ${r.cname}, ${Nout}, &${p}[0], ${y.cname}, ${Nout}, ${s});`]);
}

export const QCONV_ADD_EMITTERS: Record<string, OpEmitter> = {
  qconv2d_add: { unsupported, emit: qconvAdd },
  qlinear_add: { unsupported, emit: qlinearAdd },
};

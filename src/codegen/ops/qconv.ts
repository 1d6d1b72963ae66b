// qconv2d, qconv_transpose2d and qlinear: int8 GEMMs on NHWC activations.
//   depthwise (one input and one output channel per group) -> qf_qdwconv3x3 / qf_qdwconv (with the pointwise
//     GEMM right after it: one qf_par_dw_pw step, dw-pw.ts)
//   1x1, stride 1, no padding, one group                    -> one qf_qgemm over all pixels
//   one group, no column dilation, a target with qconv       -> implicit GEMM on a padded copy of the image
//   otherwise                                               -> im2col row blocks x packed weights
//   conv_transpose2d: qf_qgemm_i32 (pixels x (taps, channels)) then col2im into int32, requantise
import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { numel } from '../../ir/types.js';
import type { Lowering } from '../emit/lower.js';
import { kernelForm } from '../plan/forms.js';
import type { Window2d } from '../../ir/compute/window.js';
import { at, attrsOf, geom, imageLoop, indent, outQuant, perChannel, shiftOf, winOf, type OpEmitter } from './util.js';
import { centred, foldBias, packedTable, rqDecl } from './weights.js';
import { fuseDepthwise, noteDepthwise } from './dw-pw.js';

/** Target im2col block: rows x K bytes of scratch per GEMM call (and per thread). Every block streams
 *  all the weights once: at 64 KiB ResNet-18's 7x7 layers (K = 4608, 2.4 MB of weights, more than an
 *  L2) ran in 4 blocks of 14 rows at ~150 GMAC/s; in one block of 49 rows (225 KiB) at ~195. */
export const IM2COL_BYTES = 256 * 1024;

/** Each group's centred weights [Mg][C/G][taps] reordered to [Mg][(i, j, c)], the im2col column order (channels innermost). */
export function im2colRows(wc: Int8Array, G: number, Mg: number, Cg: number, taps: number): Int8Array[] {
  const K = Cg * taps;
  return Array.from({ length: G }, (_, g) => {
    const wg = new Int8Array(Mg * K);
    for (let m = 0; m < Mg; m++)
      for (let c = 0; c < Cg; c++)
        for (let t = 0; t < taps; t++) wg[m * K + t * Cg + c] = wc[(g * Mg + m) * K + c * taps + t]!;
    return wg;
  });
}

/** The implicit-GEMM form of a convolution, where the target has one (qf_qconv_cols: one group, no column
 *  dilation): K with each kernel row's run of kw·C bytes rounded up to whole groups of the target's qconvGran bytes
 *  (zero weights there), the centred weights [M][C][kh][kw] in that order, and the bytes of the padded image (the
 *  arena's QF_SLACK covers the up to qconvGran - 1 bytes read past a run). */
export function implicitConv(L: Lowering, G: number, win: Window2d, [kh, kw]: [number, number], C: number, [OH, OW]: [number, number]):
  { K: number; rows: (wc: Int8Array, M: number) => Int8Array; padBytes: number } | undefined {
  if (G !== 1 || win.dw !== 1 || !L.target.provides.includes('qconv')) return undefined;
  const run = kw * C, gran = L.target.qconvGran ?? 4, stride = Math.ceil(run / gran) * gran;
  return {
    K: kh * stride,
    rows: (wc, M) => padRuns(im2colRows(wc, 1, M, C, kh * kw)[0]!, M, kh, run, stride),
    padBytes: ((OH - 1) * win.sh + (kh - 1) * win.dh + 1) * ((OW - 1) * win.sw + kw) * C,
  };
}

/** Rows [M][kh][run] laid out as [M][kh][stride] (stride >= run), zeros after each run. */
function padRuns(w: Int8Array, M: number, kh: number, run: number, stride: number): Int8Array {
  if (stride === run) return w;
  const out = new Int8Array(M * kh * stride);
  for (let r = 0; r < M * kh; r++) out.set(w.subarray(r * run, (r + 1) * run), r * stride);
  return out;
}

export const constWeights = (n: Node, g: { constants: Record<string, unknown> }): string | undefined =>
  !(n.inputs[1]! in g.constants) ? 'weights must be constants (they are packed at compile time)'
    : n.inputs[2] && !(n.inputs[2] in g.constants) ? 'bias must be a constant' : undefined;

function qconv(node: Node, L: Lowering): void {
  const a = attrsOf(node);
  const [xn, wn, bn] = node.inputs as [string, string, string | undefined];
  const yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn), w = L.constTensor(wn)!;
  const [N, C, H, W] = xt.shape as [number, number, number, number];
  const [M, Cg, kh, kw] = w.shape as [number, number, number, number];
  const [, , OH, OW] = yt.shape as [number, number, number, number];
  const G = a.group as number, Mg = M / G, K = Cg * kh * kw, P = OH * OW;
  const win = winOf(a, [kh, kw]);
  const x = L.need(xn, kernelForm(xt.dtype, 'nhwc'));
  const xz = (a.x_zero_point as number) + shiftOf(xt.dtype);
  const bias = bn ? (L.constTensor(bn)!.data as Int32Array) : undefined;
  const mult = perChannel(a.requant_scale as number[], M);
  const oq = outQuant(a, yt.dtype as DType);
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'nhwc'));
  // Packing and folding depend only on the node: done once for both entry points.
  const once = <T>(what: string, f: (wc: Int8Array) => T): T =>
    L.pool.memo(`${node.name}\u0000${what}`, () => f(centred(node, w, a.w_zero_point as number[], (i) => Math.floor(i / K))));
  const gm = () => geom(L, node.name, { H, W, C, OH, OW, win, xzp: xz });
  const img = imageLoop(N);
  const xi = at(x.cname, [img.n, H * W * C]), yi = at(y.cname, [img.n, P * M]);
  const shape = `${N}x${C}x${H}x${W} -> ${M}x${OH}x${OW}, ${kh}x${kw}/${win.sh},${win.sw}`;

  if (Cg === 1 && Mg === 1) {
    const taps = kh * kw;
    const [rq, wsym] = once('dw', (wc) => {
      const dw = new Int8Array(taps * C);
      for (let c = 0; c < C; c++) for (let t = 0; t < taps; t++) dw[t * C + c] = wc[c * taps + t]!;
      return [rqDecl(L, node.name, foldBias(node, wc, M, K, bias, xz), mult, oq), L.pool.bytes(`${node.name}_w`, L.target.packDepthwise(dw, taps, C))];
    });
    const k3 = kh === 3 && kw === 3 && win.dh === 1 && win.dw === 1, fn = k3 ? 'qf_par_qdwconv3x3' : 'qf_par_qdwconv', gs = gm();
    L.emit(`depthwise ${shape}`, [...img.open, ...indent([`${fn}(ctx, &${gs}, ${xi}, ${wsym}, &${rq}, ${yi});`], img.open.length), ...img.close]);
    if (N === 1) noteDepthwise(L, { k3, geom: gs, x, w: wsym, rq, y });
    return;
  }
  const pads = win.pt + win.pl + win.pb + win.pr;
  if (kh === 1 && kw === 1 && win.sh === 1 && win.sw === 1 && pads === 0 && G === 1) {
    const [rq, wsym] = once('pw', (wc) => [rqDecl(L, node.name, foldBias(node, wc, M, K, bias, xz), mult, oq), L.pool.bytes(`${node.name}_w`, L.target.packGemm(wc, M, K))]);
    if (N === 1 && fuseDepthwise(L, x, C, M, wsym, rq, y, `pointwise GEMM ${shape}`)) return;
    L.emit(`pointwise GEMM ${shape}`, [`qf_par_qgemm(ctx, ${N * P}, ${M}, ${K}, ${x.cname}, ${C}, ${wsym}, &${rq}, ${y.cname}, ${M});`]);
    return;
  }
  const imp = implicitConv(L, G, win, [kh, kw], C, [OH, OW]);
  if (imp) {
    const [rq, wsym] = once('implicit', (wc) => {
      const wg = imp.rows(wc, M);
      return [rqDecl(L, node.name, foldBias(node, wg, M, imp.K, bias, xz), mult, oq), L.pool.bytes(`${node.name}_w`, L.target.packGemm(wg, M, imp.K))];
    });
    const xp = L.scratch(imp.padBytes, `${node.name}_pad`, { perThread: true });
    const call = `qf_par_conv_implicit(ctx, &${gm()}, ${xi}, ${P}, ${imp.K}, ${M}, ${wsym}, &${rq}, NULL, NULL, 0, NULL, ${yi}, ${M}, ${xp});`;
    L.emit(`implicit GEMM ${shape}`, [...img.open, ...indent([call], img.open.length), ...img.close]);
    return;
  }
  const [rq, wp] = once('im2col', (wc) => {
    const blobs: Uint8Array[] = [], folded: number[] = [];
    im2colRows(wc, G, Mg, Cg, kh * kw).forEach((wg, g) => {
      folded.push(...foldBias(node, wg, Mg, K, bias && Array.from({ length: Mg }, (_, m) => Number(bias[g * Mg + m])), xz));
      blobs.push(L.target.packGemm(wg, Mg, K));
    });
    return [rqDecl(L, node.name, folded, mult, oq, G), packedTable(L, node.name, blobs)];
  });
  const R = Math.max(1, Math.min(P, Math.floor(IM2COL_BYTES / K)));
  const cols = L.scratch(R * K, `${node.name}_cols`, { perThread: true });
  const gl = G === 1 ? { open: [] as string[], close: [] as string[], g: '0' } : { open: [`for (size_t g = 0; g < ${G}; g++) {`], close: ['}'], g: 'g' };
  // Rows of im2col blocks of at most R rows (each thread blocks its own rows in its own scratch).
  const inner = [
    `qf_par_conv_im2col(ctx, &${gm()}, ${xi}, ${G === 1 ? '0' : `(int32_t)(g * ${Cg})`}, ${Cg}, ${P}, ${R}, ${K}, ${Mg}, ${wp}[${gl.g}], &${rq}${G === 1 ? '' : '[g]'}, ${at(yi, [gl.g, Mg])}, ${M}, ${cols});`,
  ];
  const body = [...gl.open, ...indent(inner, gl.open.length), ...gl.close];
  L.emit(`im2col GEMM ${shape}, group ${G}`, [...img.open, ...indent(body, img.open.length), ...img.close]);
}

function qconvTranspose(node: Node, L: Lowering): void {
  const a = attrsOf(node);
  const [xn, wn, bn] = node.inputs as [string, string, string | undefined];
  const yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn), w = L.constTensor(wn)!;
  const [N, C, H, W] = xt.shape as [number, number, number, number];
  const [, Mg, kh, kw] = w.shape as [number, number, number, number];
  const [, M, OH, OW] = yt.shape as [number, number, number, number];
  const G = a.group as number, Cg = C / G, taps = kh * kw, NC = taps * Mg;
  const win = winOf(a, [kh, kw]);
  const x = L.need(xn, kernelForm(xt.dtype, 'nhwc'));
  const xz = (a.x_zero_point as number) + shiftOf(xt.dtype);
  // w [C][Mg][kh][kw]: output channel of element i is group(ci)·Mg + mg.
  const wc = centred(node, w, a.w_zero_point as number[], (i) => Math.floor(Math.floor(i / (Mg * taps)) / Cg) * Mg + (Math.floor(i / taps) % Mg));
  const bias = bn ? Array.from(L.constTensor(bn)!.data as Int32Array) : new Array<number>(M).fill(0);
  // Bound of the final sum: every tap of every input channel may land on one output.
  const chk = new Int8Array(M * Cg * taps);
  for (let ci = 0; ci < C; ci++)
    for (let m = 0; m < Mg; m++)
      for (let t = 0; t < taps; t++) chk[((Math.floor(ci / Cg) * Mg + m) * Cg + (ci % Cg)) * taps + t] = wc[(ci * Mg + m) * taps + t]!;
  foldBias(node, chk, M, Cg * taps, bias, 0);
  const blobs: Uint8Array[] = [], colBias: number[] = [];
  for (let g = 0; g < G; g++) {
    const wg = new Int8Array(NC * Cg); // [(t, m)][c]
    for (let c = 0; c < Cg; c++)
      for (let m = 0; m < Mg; m++)
        for (let t = 0; t < taps; t++) wg[(t * Mg + m) * Cg + c] = wc[((g * Cg + c) * Mg + m) * taps + t]!;
    colBias.push(...foldBias(node, wg, NC, Cg, undefined, xz));
    blobs.push(L.target.packGemm(wg, NC, Cg));
  }
  const wp = packedTable(L, node.name, blobs);
  const cb = L.pool.bytes(`${node.name}_colbias`, new Uint8Array(Int32Array.from(colBias).buffer));
  const rq = rqDecl(L, node.name, bias, perChannel(a.requant_scale as number[], M), outQuant(a, yt.dtype as DType));
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'nhwc'));
  const gm = geom(L, node.name, { H, W, C, OH, OW, win, xzp: xz });
  const cols = L.scratch(H * W * NC * 4, `${node.name}_cols`), acc = L.scratch(OH * OW * M * 4, `${node.name}_acc`);
  const img = imageLoop(N);
  const body = [
    `memset(${acc}, 0, ${OH * OW * M * 4});`,
    `for (size_t g = 0; g < ${G}; g++) {`,
    `  qf_par_qgemm_i32(ctx, ${H * W}, ${NC}, ${Cg}, ${at(x.cname, [img.n, H * W * C], ['g', Cg])}, ${C}, ${wp}[g], (const int32_t *)${cb} + g * ${NC}, (int32_t *)${cols}, ${NC});`,
    `  qf_par_col2im_i32(ctx, &${gm}, ${Mg}, (int32_t)(g * ${Mg}), ${M}, (const int32_t *)${cols}, ${NC}, (int32_t *)${acc});`,
    '}',
    `qf_par_requant_i32(ctx, ${OH * OW}, ${M}, (const int32_t *)${acc}, &${rq}, ${at(y.cname, [img.n, OH * OW * M])});`,
  ];
  L.emit(`GEMM + col2im ${N}x${C}x${H}x${W} -> ${M}x${OH}x${OW}, group ${G}`, [...img.open, ...indent(body, img.open.length), ...img.close]);
}

function qlinear(node: Node, L: Lowering): void {
  const a = attrsOf(node);
  const [xn, wn, bn] = node.inputs as [string, string, string | undefined];
  const yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn), w = L.constTensor(wn)!;
  const [Nout, K] = w.shape as [number, number];
  const R = numel(xt.shape) / K;
  // Over-reading GEMM rows: the operand must sit in the arena (slack), not in the caller's buffer.
  const x = L.need(xn, kernelForm(xt.dtype, 'plain'), { arena: true });
  const xz = (a.x_zero_point as number) + shiftOf(xt.dtype);
  const bias = bn ? (L.constTensor(bn)!.data as Int32Array) : undefined;
  const [rq, wsym] = L.pool.memo(`${node.name}\u0000linear`, () => {
    const wc = centred(node, w, a.w_zero_point as number[], (i) => Math.floor(i / K));
    return [rqDecl(L, node.name, foldBias(node, wc, Nout, K, bias, xz), perChannel(a.requant_scale as number[], Nout), outQuant(a, yt.dtype as DType)), L.pool.bytes(`${node.name}_w`, L.target.packGemm(wc, Nout, K))];
  });
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'plain'));
  L.emit(`${R}x${K} x ${K}x${Nout}`, [`qf_par_qgemm(ctx, ${R}, ${Nout}, ${K}, ${x.cname}, ${K}, ${wsym}, &${rq}, ${y.cname}, ${Nout});`]);
}

export const QCONV_EMITTERS: Record<string, OpEmitter> = {
  qconv2d: { unsupported: constWeights, emit: qconv },
  qconv_transpose2d: { unsupported: constWeights, emit: qconvTranspose },
  qlinear: { unsupported: constWeights, emit: qlinear },
};

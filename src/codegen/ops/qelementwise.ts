// Layout-agnostic integer ops (quantize/dequantize at the edges, requantize, qadd/qmul, integer
// relu/clip) keep their operand's layout; integer pools run on NHWC.
import { dtypeRange, type DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import { numel } from '../../ir/types.js';
import { f32Bytes, f32lit, f64Bytes, i32Bytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { axisStride, dtypeCode, kernelForm } from '../plan/forms.js';
import { binaryOperands } from './broadcast.js';
import { at, attrsOf, geom, imageLoop, indent, outQuant, shiftOf, winOf, type OpEmitter } from './util.js';

/** The layout the operand has now (constants are plain). */
const layoutOf = (L: Lowering, name: string) => L.val(name).form.layout;

/** Channel addressing of per-tensor or per-channel params: element i uses channel (i / inner) % C. */
function channels(L: Lowering, name: string, axis: number, count: number, layout: 'plain' | 'nhwc'): [number, number] {
  if (count === 1) return [1, 1];
  const shape = L.type(name).shape, ax = axis < 0 ? axis + shape.length : axis;
  return [axisStride(shape, ax, layout), shape[ax]!];
}

const isAct = (d: DType): boolean => d === 'u8' || d === 'i8';
/** scaling 'divide' (ONNX QuantizeLinear): the C divides by fround(scale) instead of multiplying by fround(1/scale). */
const divides = (a: Record<string, unknown>): boolean => a.scaling === 'divide';

function quantize(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const yt = L.type(yn), dtype = yt.dtype as DType, s = shiftOf(dtype);
  const layout = layoutOf(L, xn);
  const x = L.need(xn, { layout, shifted: false });
  const scale = a.scale as number[], zp = a.zero_point as number[];
  const [inner, C] = channels(L, xn, a.axis as number, scale.length, layout);
  const [lo, hi] = dtypeRange(dtype);
  const div = divides(a);
  // Multiplied by fround(1/scale), or divided by fround(scale) (scaling 'divide').
  const f = div ? L.pool.bytes(`${node.name}_scale`, f32Bytes(scale.map(fround))) : L.pool.bytes(`${node.name}_inv`, f32Bytes(scale.map((v) => fround(1 / v))));
  const zps = L.pool.bytes(`${node.name}_zp`, i32Bytes(zp.map((z) => z + s)));
  const y = L.define(yn, yt, kernelForm(dtype, layout));
  const qmin = ((a.qmin as number | undefined) ?? lo) + s, qmax = ((a.qmax as number | undefined) ?? hi) + s;
  const head = `${numel(yt.shape)}, ${inner}, ${C}, ${x.cname}, (const float *)${f}`, tail = `(const int32_t *)${zps}, ${qmin}, ${qmax}, ${y.cname}`;
  // A graph's NCHW image goes to NHWC next (a convolution): split by pixels, as that conversion is.
  const image = isAct(dtype) && C === 1 && layout === 'plain' && yt.shape.length === 4 && L.graph.inputs.includes(xn);
  const [n, c, h, w] = yt.shape as number[];
  const call = image
    ? `qf_par_quantize_planes_u8(ctx, ${n}, ${c}, ${h! * w!}, ${x.cname}, ${div ? 1 : 0}, (const float *)${f}, ${tail});`
    : isAct(dtype)
      ? `${div ? 'qf_par_quantize_div_u8' : 'qf_par_quantize_u8'}(ctx, ${head}, ${tail});`
      : `qf_quantize_any(${dtypeCode(dtype)}, ${head}, ${div ? 1 : 0}, ${tail});`;
  L.emit(`f32 -> ${dtype}${C > 1 ? ` per channel (${C})` : ''}${div ? ', x / scale' : ''}`, [call]);
}

function dequantize(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  // Transposing the int8 operand is cheaper than the float result when the result leaves the graph.
  const xt = L.type(xn), layout = L.graph.outputs.includes(yn) ? 'plain' : layoutOf(L, xn);
  const x = L.need(xn, kernelForm(xt.dtype, layout));
  const scale = a.scale as number[], zp = a.zero_point as number[];
  const [inner, C] = channels(L, xn, a.axis as number, scale.length, layout);
  const ss = L.pool.bytes(`${node.name}_scale`, f64Bytes(scale));
  const zps = L.pool.bytes(`${node.name}_zp`, i32Bytes(zp.map((z) => z + shiftOf(xt.dtype))));
  const y = L.define(yn, L.type(yn), { layout, shifted: false });
  const args = `${numel(xt.shape)}, ${inner}, ${C}, ${x.cname}, (const double *)${ss}, (const int32_t *)${zps}, ${y.cname}`;
  L.emit(`${xt.dtype} -> f32`, [isAct(xt.dtype) ? `qf_par_dequantize_u8(ctx, ${args});` : `qf_dequantize_any(${dtypeCode(xt.dtype)}, ${args});`]);
}

function requantize(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn), layout = layoutOf(L, xn);
  const x = L.need(xn, kernelForm(xt.dtype, layout));
  const oq = outQuant(a, yt.dtype as DType);
  const y = L.define(yn, yt, kernelForm(yt.dtype, layout));
  const xs = a.x_scale as number, xzp = (a.x_zero_point as number) + shiftOf(xt.dtype);
  // Same scale and stored zero point (a relu6/clip that kept its input's qparams) only clamps:
  // with |q - zp| <= 255, fround(fround((q - zp)·s)·fround(1/s)) is within 255·3·2^-24 of q - zp
  // (fround(fround((q - zp)·s) / fround(s)) within 255·2·2^-24, scaling 'divide'), so rint returns
  // q - zp exactly; a vectorised integer clamp instead of float math per element.
  if (isAct(xt.dtype) && isAct(yt.dtype) && xs === a.y_scale && xs >= 2 ** -100 && xs <= 2 ** 100 && xzp === oq.zp && oq.qmin <= oq.qmax) {
    L.emit(`${xt.dtype} -> ${yt.dtype}, same qparams: clamp to [${oq.qmin}, ${oq.qmax}] (stored)`, [`qf_par_clamp_u8(ctx, ${numel(xt.shape)}, ${x.cname}, ${oq.qmin}, ${oq.qmax}, ${y.cname});`]);
    return;
  }
  const div = divides(a), ys = a.y_scale as number;
  const head = `${numel(xt.shape)}, ${x.cname}, ${xs}, ${xzp}, ${f32lit(div ? fround(ys) : fround(1 / ys))}`, tail = `${oq.zp}, ${oq.qmin}, ${oq.qmax}, ${y.cname}`;
  const call = isAct(xt.dtype) ? `${div ? 'qf_par_requantize_div_u8' : 'qf_par_requantize_u8'}(ctx, ${head}, ${tail});` : `qf_requantize_any(${dtypeCode(xt.dtype)}, ${head}, ${div ? 1 : 0}, ${tail});`;
  L.emit(`${xt.dtype} -> ${yt.dtype}${div ? ', / y_scale' : ''}`, [call]);
}

function qbinary(node: Node, L: Lowering): void {
  const a = attrsOf(node), yn = node.outputs[0]!, yt = L.type(yn);
  const ops = binaryOperands(L, node, (t, layout) => kernelForm(t.dtype, layout));
  const [at, bt] = node.inputs.map((n) => L.type(n!)) as [typeof yt, typeof yt];
  const oq = outQuant(a, yt.dtype as DType);
  const init = [
    `${a.a_scale as number}`, `${a.b_scale as number}`, f32lit(fround(1 / (a.y_scale as number))),
    `${(a.a_zero_point as number) + shiftOf(at.dtype)}`, `${(a.b_zero_point as number) + shiftOf(bt.dtype)}`, `${oq.zp}`, `${oq.qmin}`, `${oq.qmax}`,
    divides(a) ? '1' : '0', f32lit(fround(a.y_scale as number)),
  ];
  const p = L.pool.decl(`${node.name}_p`, 'qf_qbin', `{${init.join(', ')}}`);
  const y = L.define(yn, yt, kernelForm(yt.dtype, ops.layout));
  const op = node.op === 'qadd' ? 'qadd' : 'qmul';
  L.emit(`[${at.shape}] ${op === 'qadd' ? '+' : '*'} [${bt.shape}]`, [ops.call(`qf_par_${op}`, `qf_${op}_row`, [1, 1, 1], `&${p}`, y, 'ctx')]);
}

/** relu / clip on u8 and i8: a clamp in the stored domain. */
function intClamp(node: Node, L: Lowering): void {
  const xn = node.inputs[0]!, yn = node.outputs[0]!, xt = L.type(xn), s = shiftOf(xt.dtype);
  const [dlo, dhi] = dtypeRange(xt.dtype);
  let lo = dlo, hi = dhi;
  if (node.op === 'clip') {
    const a = attrsOf(node);
    lo = Math.max(dlo, Math.ceil(a.min as number));
    hi = Math.min(dhi, Math.floor(a.max as number));
    lo = Math.min(lo, hi); // min(max(x, lo), hi) is hi everywhere when lo > hi
  } else lo = Math.max(dlo, 0);
  const layout = layoutOf(L, xn);
  const x = L.need(xn, kernelForm(xt.dtype, layout));
  const y = L.define(yn, L.type(yn), kernelForm(xt.dtype, layout));
  L.emit(`clamp to [${lo}, ${hi}]`, [`qf_par_clamp_u8(ctx, ${numel(xt.shape)}, ${x.cname}, ${lo + s}, ${hi + s}, ${y.cname});`]);
}

/** maxpool2d on u8/i8 (the +128 shift keeps the order) and qavgpool2d, on NHWC. */
function intPool(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn);
  const [N, C, H, W] = xt.shape as [number, number, number, number];
  const [, , OH, OW] = yt.shape as [number, number, number, number];
  const x = L.need(xn, kernelForm(xt.dtype, 'nhwc'));
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'nhwc'));
  const win = winOf(a, a.kernel_shape as number[]);
  const xz = node.op === 'maxpool2d' ? 0 : (a.x_zero_point as number) + shiftOf(xt.dtype);
  const gm = geom(L, node.name, { H, W, C, OH, OW, win, xzp: xz });
  const img = imageLoop(N);
  const xi = at(x.cname, [img.n, H * W * C]), yi = at(y.cname, [img.n, OH * OW * C]);
  let call: string;
  if (node.op === 'maxpool2d') call = `qf_par_maxpool_u8(ctx, &${gm}, ${xi}, ${yi});`;
  else {
    const oq = outQuant(a, yt.dtype as DType);
    call = `qf_par_qavgpool(ctx, &${gm}, ${a.count_include_pad ? 1 : 0}, ${f32lit(a.requant_scale as number)}, ${oq.zp}, ${oq.qmin}, ${oq.qmax}, ${xi}, ${yi});`;
  }
  L.emit(`${win.kh}x${win.kw}/${win.sh},${win.sw} on ${N}x${C}x${H}x${W}`, [...img.open, ...indent([call], img.open.length), ...img.close]);
}

function qgavgpool(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn);
  const [N, C] = xt.shape as [number, number], S = numel(xt.shape.slice(2));
  const oq = outQuant(a, yt.dtype as DType);
  const mult = f32lit(fround((a.requant_scale as number) / S)), xz = (a.x_zero_point as number) + shiftOf(xt.dtype);
  const tail = `${xz}, ${mult}, ${oq.zp}, ${oq.qmin}, ${oq.qmax}`;
  if (xt.shape.length === 4) {
    const x = L.need(xn, kernelForm(xt.dtype, 'nhwc'));
    const y = L.define(yn, yt, kernelForm(yt.dtype, 'nhwc'));
    const img = imageLoop(N);
    L.emit(`mean of ${S} pixels x ${C} channels`, [...img.open, ...indent([`qf_par_qgavgpool(ctx, ${S}, ${C}, ${tail}, ${at(x.cname, [img.n, S * C])}, ${at(y.cname, [img.n, C])});`], img.open.length), ...img.close]);
    return;
  }
  // Other ranks stay plain: each of the N·C planes is one "pixel row" of one channel.
  const x = L.need(xn, kernelForm(xt.dtype, 'plain'));
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'plain'));
  L.emit(`mean of ${S} elements x ${N * C} planes`, [`for (size_t p = 0; p < ${N * C}; p++) qf_qgavgpool(${S}, 1, ${tail}, ${x.cname} + p * ${S}, ${y.cname} + p);`]);
}

/**
 * qlut: stored bytes index the table directly (i8 is stored + 128, so x − dtype_min is the stored
 * byte); its entries are stored too. A per-channel table ([C, 256]) follows x's layout.
 */
function qlut(node: Node, L: Lowering): void {
  const xn = node.inputs[0]!, yn = node.outputs[0]!, xt = L.type(xn), yt = L.type(yn);
  const layout = layoutOf(L, xn);
  const x = L.need(xn, kernelForm(xt.dtype, layout));
  const t = L.constTensor(node.inputs[1]!)!, s = shiftOf(yt.dtype), n = numel(xt.shape);
  const table = L.pool.bytes(`${node.name}_table`, Uint8Array.from(t.data as ArrayLike<number>, (v) => v + s));
  const [inner, C] = t.shape.length === 2 && t.shape[0]! > 1 ? channels(L, xn, attrsOf(node).axis as number, t.shape[0]!, layout) : [n, 1];
  const y = L.define(yn, yt, kernelForm(yt.dtype, layout));
  L.emit(`${xt.dtype} -> ${yt.dtype} table lookup${C > 1 ? ` per channel (${C})` : ''}`, [`qf_par_lut_u8(ctx, ${n}, ${inner}, ${C}, ${x.cname}, ${table}, ${y.cname});`]);
}

const f32Exact = (v: number) => fround(v) === v;

export const QELEMENTWISE_EMITTERS: Record<string, OpEmitter> = {
  quantize: { emit: quantize },
  // Per-group params (weight-only int4) compile inside qlinear_weight_only only: refuse a standalone one rather than read it per channel.
  dequantize: {
    emit: dequantize,
    unsupported: (n) =>
      n.attrs['group_size'] !== undefined
        ? "per-group dequantize (group_size) has no C implementation on its own: run 'lower-weight-only' (qforge quantize does) to fold it into a gemm/matmul as qlinear_weight_only"
        : undefined,
  },
  requantize: { emit: requantize },
  qadd: { emit: qbinary },
  qmul: { emit: qbinary },
  qavgpool2d: { emit: intPool, unsupported: (n) => (f32Exact(attrsOf(n).requant_scale as number) ? undefined : 'requant_scale is not a float32 value') },
  qglobal_avgpool: { emit: qgavgpool },
  qlut: { emit: qlut, unsupported: (n, g) => (n.inputs[1]! in g.constants ? undefined : 'the table must be a constant') },
};
export const INT_CLAMP: OpEmitter = { emit: intClamp };
export const INT_MAXPOOL: OpEmitter = { emit: intPool };
/** Multipliers must be float32 values: the C multiplies in float32, the interpreter by the attribute. */
export const requantScaleIssue = (scales: readonly number[]): string | undefined =>
  scales.every(f32Exact) ? undefined : 'requant_scale holds values that are not float32 (round them with Math.fround)';

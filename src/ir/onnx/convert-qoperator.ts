// ONNX's integer operators (the "QOperator" format of onnxruntime's quantizer, and its dynamic
// quantization) -> qforge's quantized ops:
//   QLinearConv               -> qconv2d (1-D lifted to 2-D)
//   QLinearMatMul             -> qlinear when b is a constant 2-D matrix (per-column b allowed), else qmatmul
//   ConvInteger, MatMulInteger -> conv_integer, matmul_integer (raw int32 accumulators)
//   DynamicQuantizeLinear     -> dynamic_quantize_linear
// Scales and zero points of the QLinear ops must be constants. Their requantization multiplier is
// onnxruntime's, m = fround(fround(x_scale · w_scale[c]) / y_scale) (a float32 product, then a
// division), applied as y = clamp(rint(fround(acc · m)) + y_zp) like every qforge quantized op;
// PyTorch's lowering multiplies by fround(1 / y_scale) instead, which can differ in the last bit.
import { fround } from '../quant-math.js';
import { tensor, type Tensor } from '../tensor.js';
import type { NodeContext } from './context.js';
import type { Converter } from './convert-math.js';
import { autoPads, axes2d, emitSpatial, type Spatial } from './convert-nn.js';

/** onnxruntime's requantization multiplier. */
export const requantMultiplier = (xScale: number, wScale: number, yScale: number): number => fround(fround(xScale * wScale) / yScale);

function scalarParam(c: NodeContext, i: number, what: string): number {
  const v = c.constantNumbers(i, what);
  if (v.length !== 1) c.unsupported(`${what} must be one value (per tensor), got ${v.length}`);
  return v[0]!;
}

/** A zero point (default 0), checked to have the dtype of its tensor (input `like`; the result's: none). */
function zeroPoint(c: NodeContext, i: number, what: string, like?: number): { z: number[]; t?: Tensor } {
  if (!c.hasInput(i)) return { z: [0] };
  const t = c.constant(i, what);
  if (like !== undefined && t.dtype !== c.type(like).dtype) c.invalid(`${what} is ${t.dtype} but its tensor is ${c.type(like).dtype}`);
  return { z: Array.from(t.data, Number), t };
}

/** 1-D or 2-D conv operands as 4-D values: input `xi` and weight `wi`. */
function lift(c: NodeContext, xi: number, wi: number): { s: Spatial; w: string; kernel: number[] } {
  const xt = c.type(xi), wt = c.type(wi), dims = xt.shape.length - 2;
  if (dims !== 1 && dims !== 2) c.unsupported(`${dims}-D ${c.opType} is not supported (only 1-D and 2-D)`);
  if (wt.shape.length !== dims + 2) c.invalid(`weight must have rank ${dims + 2}, got [${wt.shape.join(',')}]`);
  if (dims === 2) return { s: { dims, x: c.input(xi), inSize: xt.shape.slice(2) }, w: c.input(wi), kernel: wt.shape.slice(2) };
  const [n, ch, l] = xt.shape as [number, number, number], [m, cg, k] = wt.shape as [number, number, number];
  const x = c.emit1('reshape', [c.input(xi)], { shape: [n, ch, 1, l] }, c.temp('as2d'));
  const w = c.emit1('reshape', [c.input(wi)], { shape: [m, cg, 1, k] }, c.temp('w2d'));
  return { s: { dims, x, inSize: [1, l] }, w, kernel: [1, k] };
}

function geometry(c: NodeContext, s: Spatial, kernel: number[]) {
  const ks = c.ints('kernel_shape');
  if (ks && ks.join() !== kernel.slice(-s.dims).join()) c.invalid(`kernel_shape [${ks.join(',')}] disagrees with the weight`);
  const strides = axes2d(c, s, 'strides', 1, 1), dilations = axes2d(c, s, 'dilations', 1, 1);
  return { strides, dilations, pads: autoPads(c, s, kernel, strides, dilations), group: c.int('group', 1) };
}

const qlinearConv: Converter = (c) => {
  const { s, w, kernel } = lift(c, 0, 3);
  const M = c.type(3).shape[0]!;
  const xs = scalarParam(c, 1, 'x_scale'), ys = scalarParam(c, 6, 'y_scale'), ws = c.constantNumbers(4, 'w_scale');
  const xz = zeroPoint(c, 2, 'x_zero_point', 0), wz = zeroPoint(c, 5, 'w_zero_point', 3), yz = zeroPoint(c, 7, 'y_zero_point');
  if (xz.z.length !== 1) c.unsupported('x_zero_point must be one value (per tensor)');
  for (const [what, v] of [['w_scale', ws], ['w_zero_point', wz.z]] as const)
    if (v.length !== 1 && v.length !== M) c.invalid(`${what} needs 1 or ${M} values, got ${v.length}`);
  emitSpatial(c, s, 'qconv2d', [s.x, w, c.input(8)], {
    ...geometry(c, s, kernel),
    x_zero_point: xz.z[0]!, w_zero_point: wz.z,
    requant_scale: ws.map((v) => requantMultiplier(xs, v, ys)),
    y_scale: ys, y_zero_point: yz.z[0]!, dtype: yz.t?.dtype ?? c.type(0).dtype,
  });
};

/** b [K, N] -> [N, K], the weight layout of qlinear. */
function transpose2d(t: Tensor): Tensor {
  const [K, N] = t.shape as [number, number], out = tensor(t.dtype, [N, K]);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out.data[n * K + k] = t.data[k * N + n]!;
  return out;
}

const qlinearMatMul: Converter = (c) => {
  const as = scalarParam(c, 1, 'a_scale'), ys = scalarParam(c, 6, 'y_scale'), bs = c.constantNumbers(4, 'b_scale');
  const az = zeroPoint(c, 2, 'a_zero_point', 0), bz = zeroPoint(c, 5, 'b_zero_point', 3), yz = zeroPoint(c, 7, 'y_zero_point');
  if (az.z.length !== 1) c.unsupported('a_zero_point must be one value (per tensor)');
  const result = { y_scale: ys, y_zero_point: yz.z[0]!, dtype: yz.t?.dtype ?? c.type(0).dtype };
  const b = c.constantOrUndefined(3);
  if (b && b.shape.length === 2) {
    const N = b.shape[1]!;
    if ((bs.length !== 1 && bs.length !== N) || (bz.z.length !== 1 && bz.z.length !== N)) c.invalid(`b_scale and b_zero_point need 1 or ${N} values`);
    const w = c.addConstant('w', transpose2d(b));
    return void c.emit('qlinear', [c.input(0), w], {
      ...result, x_zero_point: az.z[0]!, w_zero_point: bz.z, requant_scale: bs.map((v) => requantMultiplier(as, v, ys)),
    });
  }
  if (bs.length !== 1 || bz.z.length !== 1) c.unsupported('per-column b_scale needs a constant 2-D b');
  c.emit('qmatmul', [c.input(0), c.input(3)], { ...result, a_zero_point: az.z[0]!, b_zero_point: bz.z[0]!, requant_scale: requantMultiplier(as, bs[0]!, ys) });
};

const convInteger: Converter = (c) => {
  const { s, w, kernel } = lift(c, 0, 1);
  emitSpatial(c, s, 'conv_integer', [s.x, w, c.input(2), c.input(3)], geometry(c, s, kernel));
};

export const QOPERATOR_CONVERTERS: Record<string, Converter> = {
  QLinearConv: qlinearConv,
  QLinearMatMul: qlinearMatMul,
  ConvInteger: convInteger,
  MatMulInteger: (c) => void c.emit('matmul_integer', [0, 1, 2, 3].map((i) => c.input(i))),
};

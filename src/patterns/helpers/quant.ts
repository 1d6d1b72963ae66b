// Helpers of the quantization patterns (spec/patterns/qdq.qpat, lower-quantized.qpat,
// lower-dynamic.qpat): the numbers the integer ops carry, computed with PyTorch's float32
// arithmetic so that the lowered ops reproduce PyTorch (QNNPACK) bit for bit:
//   s_b[c]  = fround(x_s·w_s[c])                         (bias scale)
//   bias_q  = rint(fround(b·fround(1/s_b[c])))           (int32 bias)
//   m[c]    = fround(s_b[c]·fround(1/y_s))               (requantization multiplier)
// and the output clamp of a fused activation, quantize(bound) (quantize is monotone, so
// quantize(clamp(v, lo, hi)) = clamp(quantize(v), quantize(lo), quantize(hi)) exactly).
import { dtypeRange, type DType } from '../../ir/dtype.js';
import { OpError } from '../../ir/ops/index.js';
import { dequantizeValue, fround, quantizeValue, rint } from '../../ir/quant-math.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { defineHelper, type Helper } from './registry.js';

const I32_MAX = 2 ** 31 - 1;
const T = (name: string) => ({ name, type: 'tensor' }) as const;
const F = (name: string) => ({ name, type: 'float' }) as const;
const I = (name: string) => ({ name, type: 'int' }) as const;
const FS = (name: string) => ({ name, type: 'floats' }) as const;
const IS = (name: string) => ({ name, type: 'ints' }) as const;
const D = (name: string) => ({ name, type: 'dtype' }) as const;

const at = (l: readonly number[], c: number): number => (l.length === 1 ? l[0]! : l[c]!);

/** fround(x_s·w_s[c]) per output channel: the scale of the int32 bias and the accumulator. */
export const biasScales = (xScale: number, wScale: readonly number[]): number[] => wScale.map((s) => fround(fround(s) * fround(xScale)));

/** PyTorch's requantization multipliers fround(fround(x_s·w_s[c])·fround(1/y_s)). */
export const requantScales = (xScale: number, wScale: readonly number[], yScale: number): number[] => {
  const inv = fround(1 / fround(yScale));
  return biasScales(xScale, wScale).map((sb) => fround(sb * inv));
};

/**
 * The int32 bias [C] of an integer op. A float bias b is quantized with PyTorch's formula
 * (after scaling by beta, gemm's bias factor); an int32 bias read through a dequantize with
 * scales `bScale` is used as is when those are the derived scales s_b, else requantized to them.
 * No bias gives zeros.
 */
export function quantizeBias(b: Tensor | undefined, bScale: readonly number[], beta: number, xScale: number, wScale: readonly number[], channels: number): Tensor {
  const sb = biasScales(xScale, wScale);
  const out = tensor('i32', [channels]);
  if (!b) return out;
  if (b.data.length !== channels) throw new OpError(`bias has ${b.data.length} elements, the op has ${channels} output channels`);
  const o = out.data as Int32Array;
  const clampI32 = (v: number) => (v > I32_MAX ? I32_MAX : v < -I32_MAX - 1 ? -I32_MAX - 1 : v);
  if (b.dtype === 'f32') {
    if (bScale.length) throw new OpError('a float bias cannot be read through a dequantize');
    for (let c = 0; c < channels; c++) {
      const v = beta === 1 ? (b.data[c] as number) : fround(fround(beta) * (b.data[c] as number));
      o[c] = clampI32(rint(fround(v * fround(1 / at(sb, c)))));
    }
    return out;
  }
  if (b.dtype !== 'i32' || !bScale.length) throw new OpError(`the bias must be f32, or i32 read through a dequantize; got ${b.dtype}`);
  for (let c = 0; c < channels; c++) {
    const q = b.data[c] as number, s = at(bScale, c);
    o[c] = s === at(sb, c) ? q : clampI32(rint(fround(fround(q * s) * fround(1 / at(sb, c)))));
  }
  return out;
}

/**
 * The float32 bias [channels] a float op reads: a float bias as is, an i32 bias through its
 * dequantize (fround(q·b_scale[c]), the dequantize op's values).
 */
export function floatBias(b: Tensor, bScale: readonly number[], channels: number): Tensor {
  if (b.data.length !== channels) throw new OpError(`bias has ${b.data.length} elements, the op has ${channels} output channels`);
  if (b.dtype === 'f32' && !bScale.length) return { dtype: 'f32', shape: [channels], data: Float32Array.from(b.data as Float32Array) };
  if (b.dtype !== 'i32' || !bScale.length) throw new OpError(`the bias must be f32, or i32 read through a dequantize; got ${b.dtype}`);
  return { dtype: 'f32', shape: [channels], data: Float32Array.from(b.data as Int32Array, (q, c) => dequantizeValue(q, at(bScale, c), 0)) };
}

/** Largest |x − x_zp| for an x of this dtype. */
const xSpan = (d: DType, zp: number): number => {
  const [lo, hi] = dtypeRange(d);
  return Math.max(Math.abs(lo - zp), Math.abs(hi - zp));
};

/**
 * Whether Σ (x − x_zp)(w − w_zp[c]) fits int32 for every output channel c (the slices of
 * `outAxis`) and any x of the dtype: the generated C accumulates in int32.
 */
export function accFits(w: Tensor, wZero: readonly number[], outAxis: number, xDtype: DType, xZero: number): boolean {
  const rank = w.shape.length, ax = outAxis < 0 ? outAxis + rank : outAxis;
  const C = w.shape[ax]!, inner = w.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const sums = new Float64Array(C);
  for (let i = 0; i < w.data.length; i++) {
    const c = Math.floor(i / inner) % C;
    sums[c]! += Math.abs((w.data[i] as number) - at(wZero, c));
  }
  const span = xSpan(xDtype, xZero);
  return sums.every((s) => s * span <= I32_MAX);
}

export function transpose2d(t: Tensor): Tensor {
  if (t.shape.length !== 2) throw new OpError(`transpose2d: expects a 2-D tensor, got [${t.shape.join(',')}]`);
  const [R, C] = t.shape as [number, number];
  const out = tensor(t.dtype, [C, R]);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out.data[c * R + r] = t.data[r * C + c]!;
  return out;
}

export const QUANT_HELPERS: Helper[] = [
  defineHelper({ name: 'dtype_min', doc: 'smallest value of an integer dtype', params: [D('d')], result: 'int', fn: (d) => dtypeRange(d as DType)[0] }),
  defineHelper({ name: 'dtype_max', doc: 'largest value of an integer dtype', params: [D('d')], result: 'int', fn: (d) => dtypeRange(d as DType)[1] }),
  defineHelper({
    name: 'clamp_int',
    doc: 'an integer bound v clamped to [lo, hi] (lo ≤ hi): min(max(v, lo), hi), e.g. a qmin inside another clamp',
    params: [I('v'), I('lo'), I('hi')],
    result: 'int',
    fn: (v, lo, hi) => Math.min(Math.max(v, lo), hi),
  }),
  defineHelper({
    name: 'quantize_value',
    doc: 'quantize one float as the quantize op does (±inf give qmin/qmax): clamp(zp + rint(v·fround(1/scale)), qmin, qmax)',
    params: [F('v'), F('scale'), I('zero_point'), I('qmin'), I('qmax')],
    result: 'int',
    fn: quantizeValue,
  }),
  defineHelper({
    name: 'requant_scale',
    doc: "PyTorch's requantization multipliers fround(fround(x_s·w_s[c])·fround(1/y_s)), one per weight scale",
    params: [F('x_scale'), FS('w_scale'), F('y_scale')],
    result: 'floats',
    fn: requantScales,
  }),
  defineHelper({
    name: 'scale_ratio',
    doc: 'fround(a/b): the multiplier of ops without weights (pools); exactly 1 for equal scales',
    params: [F('a'), F('b')],
    result: 'float',
    fn: (a, b) => fround(fround(a) / fround(b)),
  }),
  defineHelper({
    name: 'quantize_bias',
    doc: 'int32 bias [channels] with scale fround(x_s·w_s[c]): a float bias b·beta quantized as PyTorch does, an i32 bias (dequantized with b_scale) kept or requantized, none as zeros',
    params: [{ name: 'b', type: 'tensor?' }, FS('b_scale'), F('beta'), F('x_scale'), FS('w_scale'), I('channels')],
    result: 'tensor',
    fn: quantizeBias,
  }),
  defineHelper({
    name: 'acc_scale',
    doc: 'fround(x_s·w_s[c]), one per weight scale: the float32 scale of an int32 sum (and of its bias)',
    params: [F('x_scale'), FS('w_scale')],
    result: 'floats',
    fn: biasScales,
  }),
  defineHelper({
    name: 'float_bias',
    doc: 'the float32 bias [channels] a float op reads: an f32 bias as is, an i32 bias dequantized with b_scale',
    params: [T('b'), FS('b_scale'), I('channels')],
    result: 'tensor',
    fn: floatBias,
  }),
  defineHelper({
    name: 'bias_ok',
    doc: 'the bias is absent, or has `channels` elements and is f32 (not dequantized) or i32 (dequantized)',
    params: [{ name: 'b', type: 'tensor?' }, { name: 'dequantized', type: 'bool' }, I('channels')],
    result: 'bool',
    fn: (b, dq, channels) => !b || (b.data.length === channels && b.dtype === (dq ? 'i32' : 'f32')),
  }),
  defineHelper({
    name: 'channel_ok',
    doc: 'the quantization is per tensor (one scale), or per channel along axis `want` of a rank-`rank` tensor',
    params: [FS('scale'), I('axis'), I('rank'), I('want')],
    result: 'bool',
    fn: (scale, axis, rank, want) => scale.length === 1 || (axis < 0 ? axis + rank : axis) === want,
  }),
  defineHelper({
    name: 'acc_fits',
    doc: 'Σ (x − x_zp)(w − w_zp[c]) fits int32 for every output channel c (slices of out_axis) and any x of x_dtype',
    params: [T('w'), IS('w_zero_point'), I('out_axis'), D('x_dtype'), I('x_zero_point')],
    result: 'bool',
    fn: (w, wz, axis, xd, xz) => accFits(w, wz, axis, xd as DType, xz),
  }),
  defineHelper({
    name: 'acc_fits_act',
    doc: 'a K-term sum of products of two activations of these dtypes and zero points fits int32',
    params: [I('k'), D('a_dtype'), I('a_zero_point'), D('b_dtype'), I('b_zero_point')],
    result: 'bool',
    fn: (k, ad, az, bd, bz) => k * xSpan(ad as DType, az) * xSpan(bd as DType, bz) <= I32_MAX,
  }),
  defineHelper({ name: 'transpose2d', doc: 'a 2-D tensor of any dtype transposed ([K, N] -> [N, K])', params: [T('t')], result: 'tensor', fn: transpose2d }),
];

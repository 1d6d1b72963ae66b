// Quantized integer ops: what `lower-quantized` produces and what codegen compiles. Each carries
// every number the C needs (zero points, int32 bias, float32 requantization multipliers, clamp
// bounds) so that codegen makes no numeric decisions. Semantics (bit-exact, see README):
//   acc = bias[c] + Σ (x - x_zp)(w - w_zp[c])                     (exact integers, |acc| < 2^31)
//   y   = clamp(rint(fround(fround(acc) · requant_scale[c])) + y_zp, qmin, qmax)   (rint: half to even)
// This is PyTorch/QNNPACK's formula with requant_scale = fround(fround(x_s·w_s[c]) · fround(1/y_s)).
import type { DType } from '../dtype.js';
import { dtypeRange } from '../dtype.js';
import { qconv2d, qconvTranspose2d, qlinear, requantize, type QConvArgs, type Requant } from '../compute/qconv.js';
import { broadcastStrides, forEachBroadcast2 } from '../compute/broadcast.js';
import { matmulShapes } from '../compute/matmul.js';
import { validRange, window2d } from '../compute/window.js';
import { fround, dequantizeValue, quantizer, type QuantScaling } from '../quant-math.js';
import { SCALING_ATTR } from './quant.js';
import { tensor, type Tensor } from '../tensor.js';
import { numel, type TensorType } from '../types.js';
import { broadcastShapes, checkBias, linearOperands, operand, perChannel } from './infer-util.js';
import { check, getOp, type AttrSpec, type InferContext, type OpDef, type OperandSpec, type ResolvedAttrs } from './registry.js';

export const ACT: readonly DType[] = ['u8', 'i8'];
export const WEIGHT: readonly DType[] = ['i8', 'u8', 'i4', 'u4'];
/** The operands of a linear op with a float activation and an integer weight (dynamic, weight-only). */
export const FLOAT_LINEAR_OPERANDS = [
  { name: 'x', dtypes: ['f32'] },
  { name: 'w', dtypes: WEIGHT },
  { name: 'b', optional: true, dtypes: ['f32'] },
] as const satisfies readonly OperandSpec[];
const OUT_DTYPE: AttrSpec = { type: 'dtype', oneOf: ['u8', 'i8'], doc: 'result dtype' };

/** Result qparams and clamp, shared by every quantized op. */
export const RESULT: Record<string, AttrSpec> = {
  y_scale: { type: 'float', doc: 'result scale (for the result type)' },
  y_zero_point: { type: 'int', default: 0 },
  dtype: OUT_DTYPE,
  qmin: { type: 'int', optional: true, doc: 'fused clamp in the quantized domain (relu: y_zero_point); default: dtype min' },
  qmax: { type: 'int', optional: true, doc: 'default: dtype max' },
};
/** Integer accumulation ops: input/weight zero points and the per-channel multiplier. */
export const ACCUM: Record<string, AttrSpec> = {
  x_zero_point: { type: 'int', default: 0 },
  w_zero_point: { type: 'ints', default: [0], doc: 'one, or one per output channel' },
  requant_scale: { type: 'floats', doc: 'float32 multiplier per output channel (or one): x_s·w_s/y_s' },
  ...RESULT,
};
export const GEOM: Record<string, AttrSpec> = {
  strides: { type: 'ints', default: [1, 1] },
  pads: { type: 'ints', default: [0, 0, 0, 0] },
  dilations: { type: 'ints', default: [1, 1] },
  group: { type: 'int', default: 1 },
};

export function resultType(attrs: ResolvedAttrs, shape: number[]): TensorType {
  const dtype = attrs.dtype as DType;
  const [lo, hi] = dtypeRange(dtype);
  const qmin = (attrs.qmin as number | undefined) ?? lo, qmax = (attrs.qmax as number | undefined) ?? hi;
  check(lo <= qmin && qmin <= qmax && qmax <= hi, `clamp [${qmin}, ${qmax}] must lie within ${dtype}'s range [${lo}, ${hi}]`);
  const ys = attrs.y_scale as number, yz = attrs.y_zero_point as number;
  check(ys > 0 && Number.isFinite(ys), `y_scale must be positive and finite, got ${ys}`);
  check(yz >= lo && yz <= hi, `y_zero_point ${yz} is outside ${dtype}'s range`);
  return { dtype, shape, quant: { scale: [ys], zeroPoint: [yz] } };
}

export function requantOf(attrs: ResolvedAttrs, scale: readonly number[]): Requant {
  const [lo, hi] = dtypeRange(attrs.dtype as DType);
  return { scale, zeroPoint: attrs.y_zero_point as number, qmin: (attrs.qmin as number | undefined) ?? lo, qmax: (attrs.qmax as number | undefined) ?? hi };
}

/** The operand's quant params, when its type carries them, must agree with the op's attributes. */
export function checkZero(t: TensorType, name: string, zp: readonly number[]): void {
  if (!t.quant) return;
  const z = t.quant.zeroPoint;
  check(z.length === zp.length ? z.every((v, i) => v === zp[i]) : z.every((v) => v === zp[0]), () => `${name}'s type has zero point ${JSON.stringify(z)} but the op uses ${JSON.stringify(zp)}`);
}

const asF32 = (t: TensorType | undefined): TensorType | undefined => t && { dtype: 'f32', shape: t.shape };

/** Where an accumulating op keeps its per-channel scale and its bias (qconv2d: requant_scale, i32 operand 2). */
export interface AccForm {
  scale: string;
  bias: { index: number; dtype: DType };
}
const REQUANT_FORM: AccForm = { scale: 'requant_scale', bias: { index: 2, dtype: 'i32' } };

export function inferAccum(op: string, floatOp: string, ctx: InferContext, channelsOf: (out: number[]) => number, form: AccForm = REQUANT_FORM): TensorType[] {
  const x = operand(ctx.inputs, 0, 'x'), w = operand(ctx.inputs, 1, 'w');
  check(ACT.includes(x.dtype), `${op}: x must be u8 or i8, got ${x.dtype}`);
  check(WEIGHT.includes(w.dtype), `${op}: w must be an integer weight (i8/u8/i4/u4), got ${w.dtype}`);
  const fl = getOp(floatOp)!;
  const floatAttrs: ResolvedAttrs = {};
  for (const k of Object.keys(fl.attrs)) if (k in ctx.attrs) floatAttrs[k] = ctx.attrs[k]!;
  for (const [k, spec] of Object.entries(fl.attrs)) if (!(k in floatAttrs) && spec.default !== undefined) floatAttrs[k] = spec.default;
  const [ft] = fl.infer({ inputs: [asF32(x), asF32(w)], attrs: floatAttrs });
  const channels = channelsOf(ft!.shape);
  perChannel(op, ctx.attrs, channels, form.scale);
  checkBias(op, ctx.inputs[form.bias.index], form.bias.dtype, channels);
  checkZero(x, 'x', [ctx.attrs.x_zero_point as number]);
  checkZero(w, 'w', ctx.attrs.w_zero_point as number[]);
  return [resultType(ctx.attrs, ft!.shape)];
}

/** The integer conv kernels' arguments for x, w (an int32 bias b) and the result tensor out. */
export const convArgs = (x: Tensor, w: Tensor, b: Tensor | undefined, attrs: ResolvedAttrs, out: Tensor): QConvArgs => ({
  x: x.data, xShape: x.shape, xZero: attrs.x_zero_point as number,
  w: w.data, wShape: w.shape, wZero: attrs.w_zero_point as number[],
  bias: b?.data as Int32Array | undefined,
  win: window2d([w.shape[2]!, w.shape[3]!], attrs.strides as number[], attrs.pads as number[], attrs.dilations as number[]),
  group: attrs.group as number, out: out.data, outShape: out.shape,
  requant: requantOf(attrs, (attrs.requant_scale as number[] | undefined) ?? []),
});

/** The checks of an integer linear op (x [..., K] times weight [N, K]); its result shape [..., N]. */
export function checkLinear(op: string, ctx: InferContext, form: AccForm = REQUANT_FORM): number[] {
  const { x, w, N } = linearOperands(op, ctx.inputs, form.bias.index, form.bias.dtype);
  check(ACT.includes(x.dtype), `${op}: x must be u8 or i8, got ${x.dtype}`);
  perChannel(op, ctx.attrs, N, form.scale);
  checkZero(x, 'x', [ctx.attrs.x_zero_point as number]);
  checkZero(w, 'w', ctx.attrs.w_zero_point as number[]);
  return [...x.shape.slice(0, -1), N];
}

/** qlinear's result type: x [..., K] times weight [N, K] gives [..., N]. */
export const inferLinear = (op: string, ctx: InferContext, form: AccForm = REQUANT_FORM): TensorType[] => [resultType(ctx.attrs, checkLinear(op, ctx, form))];

function convKernel(transpose: boolean) {
  return ([x, w, b]: (Tensor | undefined)[], attrs: ResolvedAttrs, [yt]: TensorType[]): Tensor[] => {
    const out = tensor(yt!.dtype, yt!.shape);
    (transpose ? qconvTranspose2d : qconv2d)(convArgs(x!, w!, b, attrs, out));
    return [out];
  };
}

const ACC_OPERANDS = [
  { name: 'x', dtypes: ACT },
  { name: 'w', dtypes: WEIGHT },
  { name: 'b', optional: true, dtypes: ['i32'] as readonly DType[] },
];

const qconv: OpDef = {
  name: 'qconv2d',
  doc: 'quantized conv2d: int32 accumulation, per-channel requantization, fused clamp',
  category: 'quantized',
  operands: ACC_OPERANDS,
  results: 1,
  attrs: { ...GEOM, ...ACCUM },
  infer: (ctx) => inferAccum('qconv2d', 'conv2d', ctx, (s) => s[1]!),
  kernel: convKernel(false),
};

const qconvT: OpDef = {
  name: 'qconv_transpose2d',
  doc: 'quantized conv_transpose2d (weight [C, M/group, kH, kW])',
  category: 'quantized',
  operands: ACC_OPERANDS,
  results: 1,
  attrs: { ...GEOM, output_padding: { type: 'ints', default: [0, 0] }, ...ACCUM },
  infer: (ctx) => inferAccum('qconv_transpose2d', 'conv_transpose2d', ctx, (s) => s[1]!),
  kernel: convKernel(true),
};

const qlinearOp: OpDef = {
  name: 'qlinear',
  doc: 'quantized linear: y[..., n] = requant(b[n] + Σk (x[..., k] - xz)(w[n, k] - wz[n])), weight [N, K]',
  category: 'quantized',
  operands: ACC_OPERANDS,
  results: 1,
  attrs: ACCUM,
  infer: (ctx) => inferLinear('qlinear', ctx),
  kernel([x, w, b], attrs, [yt]) {
    const K = w!.shape[1]!, N = w!.shape[0]!;
    const out = tensor(yt!.dtype, yt!.shape);
    qlinear(x!.data, attrs.x_zero_point as number, w!.data, attrs.w_zero_point as number[], b?.data as Int32Array | undefined, numel(x!.shape) / K, K, N, out.data, requantOf(attrs, attrs.requant_scale as number[]));
    return [out];
  },
};

const qmatmul: OpDef = {
  name: 'qmatmul',
  doc: 'quantized matmul of two activations (NumPy batching): requant(Σk (a - az)(b - bz))',
  category: 'quantized',
  operands: [{ name: 'a', dtypes: ACT }, { name: 'b', dtypes: ACT }],
  results: 1,
  attrs: { a_zero_point: { type: 'int', default: 0 }, b_zero_point: { type: 'int', default: 0 }, requant_scale: { type: 'float' }, ...RESULT },
  infer(ctx) {
    const a = operand(ctx.inputs, 0, 'a'), b = operand(ctx.inputs, 1, 'b');
    checkZero(a, 'a', [ctx.attrs.a_zero_point as number]);
    checkZero(b, 'b', [ctx.attrs.b_zero_point as number]);
    return [resultType(ctx.attrs, matmulShapes(a.shape, b.shape).out)];
  },
  kernel([a, b], attrs, [yt]) {
    const s = matmulShapes(a!.shape, b!.shape);
    const M = s.a[s.a.length - 2]!, K = s.a[s.a.length - 1]!, N = s.b[s.b.length - 1]!;
    const out = tensor(yt!.dtype, yt!.shape);
    const sa = broadcastStrides(s.batch, s.a.slice(0, -2)), sb = broadcastStrides(s.batch, s.b.slice(0, -2));
    const az = attrs.a_zero_point as number, bz = attrs.b_zero_point as number;
    const rq = requantOf(attrs, [attrs.requant_scale as number]);
    const nb = numel(s.batch), rank = s.batch.length, idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < nb; i++) {
      let ao = 0, bo = 0;
      for (let d = 0; d < rank; d++) (ao += idx[d]! * sa[d]!), (bo += idx[d]! * sb[d]!);
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N; n++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += ((a!.data[ao * M * K + m * K + k] as number) - az) * ((b!.data[bo * K * N + k * N + n] as number) - bz);
          out.data[(i * M + m) * N + n] = requantize(acc, rq.scale[0]!, rq);
        }
      for (let d = rank - 1; d >= 0 && ++idx[d]! === s.batch[d]!; d--) idx[d] = 0;
    }
    return [out];
  },
};

/** add/mul on quantized tensors, defined as dequantize → float op → quantize (so lowering is exact; `scaling` is that quantize's). */
function qbinary(name: 'qadd' | 'qmul', f: (a: number, b: number) => number): OpDef {
  return {
    name,
    doc: `quantized ${name.slice(1)}: quantize(fround(deq(a) ${name === 'qadd' ? '+' : '*'} deq(b))) with the fused clamp`,
    category: 'quantized',
    operands: [{ name: 'a', dtypes: ACT }, { name: 'b', dtypes: ACT }],
    results: 1,
    attrs: {
      a_scale: { type: 'float' }, a_zero_point: { type: 'int', default: 0 },
      b_scale: { type: 'float' }, b_zero_point: { type: 'int', default: 0 },
      ...RESULT,
      scaling: SCALING_ATTR,
    },
    infer(ctx) {
      const a = operand(ctx.inputs, 0, 'a'), b = operand(ctx.inputs, 1, 'b');
      checkZero(a, 'a', [ctx.attrs.a_zero_point as number]);
      checkZero(b, 'b', [ctx.attrs.b_zero_point as number]);
      return [resultType(ctx.attrs, broadcastShapes(a.shape, b.shape))];
    },
    kernel([a, b], attrs, [yt]) {
      const out = tensor(yt!.dtype, yt!.shape);
      const rq = requantOf(attrs, []);
      const as = attrs.a_scale as number, az = attrs.a_zero_point as number, bs = attrs.b_scale as number, bz = attrs.b_zero_point as number;
      const ys = attrs.y_scale as number, q = quantizer(attrs.scaling as QuantScaling);
      forEachBroadcast2(out.shape, a!.shape, b!.shape, (o, i, j) => {
        const v = fround(f(dequantizeValue(a!.data[i] as number, as, az), dequantizeValue(b!.data[j] as number, bs, bz)));
        out.data[o] = q(v, ys, rq.zeroPoint, rq.qmin, rq.qmax);
      });
      return [out];
    },
  };
}

const POOL_ATTRS: Record<string, AttrSpec> = {
  x_zero_point: { type: 'int', default: 0 },
  requant_scale: { type: 'float', doc: 'x_scale / y_scale (float32); divided by the window count per output' },
  ...RESULT,
};

/** Integer average: acc = Σ (x - xz) over the counted window, y = requant(acc) with multiplier fround(m / count). */
const qavgpool: OpDef = {
  name: 'qavgpool2d',
  doc: 'quantized average pooling: integer window sums, multiplier requant_scale / count',
  category: 'quantized',
  operands: [{ name: 'x', dtypes: ACT }],
  results: 1,
  attrs: {
    kernel_shape: { type: 'ints' }, strides: { type: 'ints', default: [1, 1] }, pads: { type: 'ints', default: [0, 0, 0, 0] },
    ceil_mode: { type: 'bool', default: false }, count_include_pad: { type: 'bool', default: false }, ...POOL_ATTRS,
  },
  infer(ctx) {
    const x = operand(ctx.inputs, 0, 'x');
    const pool = getOp('avgpool2d')!;
    const floatAttrs: ResolvedAttrs = {};
    for (const k of Object.keys(pool.attrs)) if (k in ctx.attrs) floatAttrs[k] = ctx.attrs[k]!;
    const [ft] = pool.infer({ inputs: [asF32(x)], attrs: floatAttrs });
    checkZero(x, 'x', [ctx.attrs.x_zero_point as number]);
    return [resultType(ctx.attrs, ft!.shape)];
  },
  kernel([x], attrs, [yt]) {
    const out = tensor(yt!.dtype, yt!.shape);
    const [N, C, H, W] = x!.shape as [number, number, number, number];
    const [, , Ho, Wo] = yt!.shape as [number, number, number, number];
    const k = attrs.kernel_shape as number[];
    const win = window2d(k, attrs.strides as number[], attrs.pads as number[], [1, 1]);
    const rq = requantOf(attrs, []), m = attrs.requant_scale as number, xz = attrs.x_zero_point as number;
    const includePad = attrs.count_include_pad as boolean;
    for (let p = 0; p < N * C; p++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++) {
          const h0 = oh * win.sh - win.pt, w0 = ow * win.sw - win.pl;
          const [i0, i1] = validRange(win.kh, 1, h0, H), [j0, j1] = validRange(win.kw, 1, w0, W);
          let acc = 0;
          for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) acc += (x!.data[(p * H + h0 + i) * W + w0 + j] as number) - xz;
          // count_include_pad counts the window clipped to the padded input, as avgpool2d does
          const count = includePad
            ? (Math.min(h0 + win.kh, H + win.pb) - Math.max(h0, -win.pt)) * (Math.min(w0 + win.kw, W + win.pr) - Math.max(w0, -win.pl))
            : (i1 - i0) * (j1 - j0);
          out.data[(p * Ho + oh) * Wo + ow] = requantize(acc, fround(m / count), rq);
        }
    return [out];
  },
};

const qglobalAvg: OpDef = {
  name: 'qglobal_avgpool',
  doc: 'quantized global average pooling: integer plane sums, multiplier requant_scale / (H·W)',
  category: 'quantized',
  operands: [{ name: 'x', dtypes: ACT }],
  results: 1,
  attrs: POOL_ATTRS,
  infer(ctx) {
    const x = operand(ctx.inputs, 0, 'x');
    check(x.shape.length >= 3, `qglobal_avgpool: x must be [N, C, ...spatial], got [${x.shape.join(',')}]`);
    checkZero(x, 'x', [ctx.attrs.x_zero_point as number]);
    return [resultType(ctx.attrs, [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)])];
  },
  kernel([x], attrs, [yt]) {
    const out = tensor(yt!.dtype, yt!.shape);
    const planes = x!.shape[0]! * x!.shape[1]!, size = numel(x!.shape.slice(2));
    const rq = requantOf(attrs, []), xz = attrs.x_zero_point as number;
    const m = fround((attrs.requant_scale as number) / size);
    for (let p = 0; p < planes; p++) {
      let acc = 0;
      for (let i = 0; i < size; i++) acc += (x!.data[p * size + i] as number) - xz;
      out.data[p] = requantize(acc, m, rq);
    }
    return [out];
  },
};

/** Changes qparams: quantize(dequantize(x)) in one op (exactly that composition, `scaling` the quantize's). */
const requantizeOp: OpDef = {
  name: 'requantize',
  doc: 'quantize(dequantize(x, x_scale, x_zero_point), y_scale, y_zero_point) in one step',
  category: 'quantized',
  operands: [{ name: 'x', dtypes: ['u8', 'i8', 'i16', 'i32'] }],
  results: 1,
  attrs: { x_scale: { type: 'float' }, x_zero_point: { type: 'int', default: 0 }, ...RESULT, scaling: SCALING_ATTR },
  infer(ctx) {
    const x = operand(ctx.inputs, 0, 'x');
    checkZero(x, 'x', [ctx.attrs.x_zero_point as number]);
    return [resultType(ctx.attrs, [...x.shape])];
  },
  kernel([x], attrs, [yt]) {
    const out = tensor(yt!.dtype, yt!.shape);
    const rq = requantOf(attrs, []);
    const xs = attrs.x_scale as number, xz = attrs.x_zero_point as number, ys = attrs.y_scale as number;
    const q = quantizer(attrs.scaling as QuantScaling);
    for (let i = 0; i < out.data.length; i++) out.data[i] = q(dequantizeValue(x!.data[i] as number, xs, xz), ys, rq.zeroPoint, rq.qmin, rq.qmax);
    return [out];
  },
};

/** Entries of a qlut table: one per value of an 8-bit input. */
export const LUT_SIZE = 256;

/**
 * Any elementwise function of one 8-bit operand as a 256-entry table, computed at compile time
 * (lower-quantized: quantize(f(dequantize(q))) for every q, so the lookup is exact); a [C, 256]
 * table holds one function per channel along `axis` (batch_norm).
 */
const qlut: OpDef = {
  name: 'qlut',
  doc: 'table lookup y = table[x − dtype_min(x)] (table [256]), or table[c][x − dtype_min(x)] for channel c along axis (table [C, 256]): sigmoid, tanh, gelu, batch_norm… between dequantize and quantize',
  category: 'quantized',
  operands: [{ name: 'x', dtypes: ACT }, { name: 'table', dtypes: ACT }],
  results: 1,
  attrs: { axis: { type: 'int', default: 1, doc: 'channel axis of x for a per-channel table' }, y_scale: RESULT.y_scale!, y_zero_point: RESULT.y_zero_point!, dtype: OUT_DTYPE },
  infer(ctx) {
    const x = operand(ctx.inputs, 0, 'x'), t = operand(ctx.inputs, 1, 'table');
    check(ACT.includes(x.dtype), `qlut: x must be u8 or i8, got ${x.dtype}`);
    check(t.dtype === ctx.attrs.dtype, `qlut: table dtype ${t.dtype} must be the result dtype ${String(ctx.attrs.dtype)}`);
    if (t.shape.length === 2) {
      const axis = ctx.attrs.axis as number, ax = axis < 0 ? axis + x.shape.length : axis;
      check(ax >= 0 && ax < x.shape.length, `qlut: axis ${axis} is out of range for x [${x.shape.join(',')}]`);
      check(t.shape[0] === x.shape[ax] && t.shape[1] === LUT_SIZE, `qlut: a per-channel table must be [${x.shape[ax]}, ${LUT_SIZE}], got [${t.shape.join(',')}]`);
    } else check(t.shape.length === 1 && t.shape[0] === LUT_SIZE, `qlut: table must be [${LUT_SIZE}] or [C, ${LUT_SIZE}], got [${t.shape.join(',')}]`);
    return [resultType(ctx.attrs, [...x.shape])];
  },
  kernel([x, table], attrs, [yt]) {
    const out = tensor(yt!.dtype, yt!.shape);
    const lo = dtypeRange(x!.dtype)[0], t = table!.data;
    const [inner, C] = table!.shape.length === 2 ? lutChannels(x!.shape, attrs.axis as number) : [1, 1];
    for (let i = 0; i < out.data.length; i++) out.data[i] = t[(Math.floor(i / inner) % C) * LUT_SIZE + (x!.data[i] as number) - lo]!;
    return [out];
  },
};

/** [elements per channel step, channels] of x along axis (row-major). */
export function lutChannels(shape: readonly number[], axis: number): [number, number] {
  const ax = axis < 0 ? axis + shape.length : axis;
  return [numel(shape.slice(ax + 1)), shape[ax]!];
}

export const QUANTIZED_OPS: OpDef[] = [
  qconv,
  qconvT,
  qlinearOp,
  qmatmul,
  qbinary('qadd', (a, b) => a + b),
  qbinary('qmul', (a, b) => a * b),
  qavgpool,
  qglobalAvg,
  requantizeOp,
  qlut,
];

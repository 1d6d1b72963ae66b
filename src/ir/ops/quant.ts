// Quantize / dequantize / fake-quantize with PyTorch's float32 formulas, bit for bit (see
// quant-math.ts): q = clamp(zp + rint(x * fround(1/scale)), qmin, qmax), x = fround((q - zp) * scale).
// `scaling: divide` quantizes with ONNX QuantizeLinear's float32 division instead,
// q = clamp(zp + rint(fround(x / scale)), qmin, qmax) (what the ONNX importer sets).
// Per-channel when scale has more than one entry, along `axis`.
import { dtypeRange, type DType } from '../dtype.js';
import { dequantizeValue, quantizer, QUANT_SCALINGS, type QuantScaling } from '../quant-math.js';
import { strides, tensor, type Tensor } from '../tensor.js';
import { sameQuant, type QuantParams, type TensorType } from '../types.js';
import { normAxis, operandOf } from './infer-util.js';
import { check, type AttrSpec, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

export const QUANT_DTYPES = ['i4', 'u4', 'i8', 'u8', 'i16', 'i32'] as const satisfies readonly DType[];

const QPARAM_ATTRS: Record<string, AttrSpec> = {
  scale: { type: 'floats', doc: 'one scale (per tensor) or one per channel of axis' },
  zero_point: { type: 'ints', doc: 'as many as scale' },
  axis: { type: 'int', default: 1, doc: 'channel axis when per-channel' },
};

/** quantize's and fake_quantize's `scaling`, and the ops defined through a quantize (qadd, qmul, requantize). */
export const SCALING_ATTR: AttrSpec = {
  type: 'string',
  default: 'reciprocal',
  oneOf: QUANT_SCALINGS,
  doc: "how x is scaled before rounding: 'reciprocal' x·fround(1/scale) (PyTorch), 'divide' fround(x/scale), a float32 division (ONNX QuantizeLinear)",
};

interface QParams {
  quant: QuantParams;
  qmin: number;
  qmax: number;
}

/** Validates scale/zero_point/axis against a shape and an integer range; the result type's params. */
function qparams(op: string, a: ResolvedAttrs, shape: readonly number[], qmin: number, qmax: number): QParams {
  const scale = a['scale'] as number[], zeroPoint = a['zero_point'] as number[];
  check(scale.length > 0, `${op}: scale is empty`);
  check(zeroPoint.length === scale.length, `${op}: ${scale.length} scale(s) but ${zeroPoint.length} zero point(s)`);
  for (const s of scale) check(Number.isFinite(s) && s > 0, `${op}: scale ${s} must be positive and finite`);
  check(Number.isInteger(qmin) && Number.isInteger(qmax) && qmin <= qmax, `${op}: qmin ${qmin} must not exceed qmax ${qmax}`);
  for (const z of zeroPoint) check(z >= qmin && z <= qmax, `${op}: zero point ${z} is outside [${qmin}, ${qmax}]`);
  if (scale.length === 1) return { quant: { scale: [...scale], zeroPoint: [...zeroPoint] }, qmin, qmax };
  const axis = normAxis(a['axis'] as number, shape.length, `${op} axis`);
  check(shape[axis] === scale.length, `${op}: ${scale.length} scales for axis ${axis} of size ${shape[axis]}`);
  return { quant: { scale: [...scale], zeroPoint: [...zeroPoint], axis }, qmin, qmax };
}

/** qmin/qmax attributes (default: the dtype's range), checked to fit the dtype. */
function qrange(op: string, a: ResolvedAttrs, dtype: DType): [number, number] {
  const [lo, hi] = dtypeRange(dtype);
  const qmin = (a['qmin'] as number | undefined) ?? lo, qmax = (a['qmax'] as number | undefined) ?? hi;
  check(qmin >= lo && qmax <= hi, `${op}: [${qmin}, ${qmax}] does not fit ${dtype} [${lo}, ${hi}]`);
  return [qmin, qmax];
}

/** Calls f(i, channel) for every element; channel is 0 per tensor. */
function forEachChannel(shape: readonly number[], q: QuantParams, f: (i: number, c: number) => void): void {
  const n = shape.reduce((x, y) => x * y, 1);
  if (q.axis === undefined) {
    for (let i = 0; i < n; i++) f(i, 0);
    return;
  }
  const inner = strides(shape)[q.axis]!, channels = shape[q.axis]!;
  // Channel-major blocks rather than a division per element (this runs for every dequantized weight).
  for (let i = 0; i < n; ) for (let c = 0; c < channels; c++) for (let end = i + inner; i < end; i++) f(i, c);
}

const floatOperand = (inputs: (TensorType | undefined)[], op: string): TensorType => operandOf(inputs, 0, 'x', ['f32'], op);

const quantize: OpDef = {
  name: 'quantize',
  qdq: true,
  doc: 'f32 -> integer: clamp(zp + rint(x * fround(1/scale)), qmin, qmax), or rint(fround(x / scale)) with scaling divide (NaN -> zp); result type carries the params',
  category: 'quant',
  operands: [{ name: 'x', dtypes: ['f32'] }],
  results: 1,
  attrs: {
    ...QPARAM_ATTRS,
    dtype: { type: 'dtype', oneOf: QUANT_DTYPES },
    qmin: { type: 'int', optional: true },
    qmax: { type: 'int', optional: true },
    scaling: SCALING_ATTR,
  },
  infer({ inputs, attrs }) {
    const x = floatOperand(inputs, 'quantize');
    const dtype = attrs['dtype'] as DType;
    const { quant } = qparams('quantize', attrs, x.shape, ...qrange('quantize', attrs, dtype));
    return [{ dtype, shape: [...x.shape], quant }];
  },
  kernel([x], attrs) {
    const t = x!, dtype = attrs['dtype'] as DType;
    const { quant, qmin, qmax } = qparams('quantize', attrs, t.shape, ...qrange('quantize', attrs, dtype));
    const out = tensor(dtype, t.shape);
    const o = out.data as Int32Array, d = t.data as Float32Array, q = quantizer(attrs['scaling'] as QuantScaling);
    forEachChannel(t.shape, quant, (i, c) => (o[i] = q(d[i]!, quant.scale[c]!, quant.zeroPoint[c]!, qmin, qmax)));
    return [out];
  },
};

/**
 * Per-group params of a dequantize with `group_size` (weight-only int4/int8): blocks of
 * group_size consecutive indices along `axis`, one scale per block and position of the other
 * dims, in the order of the per-group observer — row-major over the dims before the axis, then
 * the dims after it, then the block: block(o, c, i) = (o·inner + i)·(len/g) + ⌊c/g⌋.
 */
function groupParams(a: ResolvedAttrs, shape: readonly number[], qmin: number, qmax: number): { scale: number[]; zeroPoint: number[]; block: (i: number) => number } {
  const g = a['group_size'] as number, scale = a['scale'] as number[], zeroPoint = a['zero_point'] as number[];
  const axis = normAxis(a['axis'] as number, shape.length, 'dequantize axis');
  const len = shape[axis]!;
  check(Number.isInteger(g) && g > 0 && len % g === 0, `dequantize: group_size ${g} must divide axis ${axis} of size ${len}`);
  const blocks = shape.reduce((x, y) => x * y, 1) / g;
  check(scale.length === blocks && zeroPoint.length === blocks, `dequantize: group_size ${g} needs ${blocks} scales and zero points, got ${scale.length} and ${zeroPoint.length}`);
  for (const s of scale) check(Number.isFinite(s) && s > 0, `dequantize: scale ${s} must be positive and finite`);
  for (const z of zeroPoint) check(z >= qmin && z <= qmax, `dequantize: zero point ${z} is outside [${qmin}, ${qmax}]`);
  return { scale, zeroPoint, block: groupBlock(shape, axis, g) };
}

/** Flat element index -> its block of a per-group layout (see groupParams). */
export function groupBlock(shape: readonly number[], axis: number, g: number): (i: number) => number {
  const len = shape[axis]!, inner = strides(shape)[axis]!, per = len / g;
  return (i) => (Math.floor(i / (inner * len)) * inner + (i % inner)) * per + Math.floor((Math.floor(i / inner) % len) / g);
}

const dequantize: OpDef = {
  name: 'dequantize',
  qdq: true,
  doc: 'integer -> f32: fround((q - zp) * scale); an operand type with quant params must agree with the attributes; group_size: per-group params along axis',
  category: 'quant',
  operands: [{ name: 'x', dtypes: QUANT_DTYPES }],
  results: 1,
  attrs: { ...QPARAM_ATTRS, group_size: { type: 'int', optional: true, doc: 'per-group: one scale per group_size consecutive elements along axis (weight-only)' } },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', QUANT_DTYPES, 'dequantize');
    if (attrs['group_size'] !== undefined) {
      groupParams(attrs, x.shape, ...dtypeRange(x.dtype));
      check(!x.quant, 'dequantize: a per-group operand cannot carry per-tensor or per-channel params in its type');
      return [{ dtype: 'f32', shape: [...x.shape] }];
    }
    const { quant } = qparams('dequantize', attrs, x.shape, ...dtypeRange(x.dtype));
    check(!x.quant || sameQuant(x.quant, quant), 'dequantize: the attributes disagree with the quantization params of the operand type');
    return [{ dtype: 'f32', shape: [...x.shape] }];
  },
  kernel: ([x], attrs) => [dequantizeTensor(x!, attrs)],
};

/** Validates dequantize's scale/zero_point/axis/group_size for a shape and dtype (throws OpError). */
export function checkDequantizeParams(attrs: ResolvedAttrs, shape: readonly number[], dtype: DType): void {
  if (attrs['group_size'] !== undefined) groupParams(attrs, shape, ...dtypeRange(dtype));
  else qparams('dequantize', attrs, shape, ...dtypeRange(dtype));
}

/** dequantize's semantics on a tensor (scale, zero_point, axis and optional group_size as the op's attributes). */
export function dequantizeTensor(t: Tensor, attrs: ResolvedAttrs): Tensor {
  const out = tensor('f32', t.shape);
  const o = out.data as Float32Array, d = t.data as Int32Array;
  if (attrs['group_size'] !== undefined) {
    const { scale, zeroPoint, block } = groupParams(attrs, t.shape, ...dtypeRange(t.dtype));
    for (let i = 0; i < o.length; i++) o[i] = dequantizeValue(d[i]!, scale[block(i)]!, zeroPoint[block(i)]!);
    return out;
  }
  const { quant } = qparams('dequantize', attrs, t.shape, ...dtypeRange(t.dtype));
  forEachChannel(t.shape, quant, (i, c) => (o[i] = dequantizeValue(d[i]!, quant.scale[c]!, quant.zeroPoint[c]!)));
  return out;
}

/**
 * The training state a QAT fake_quantize carries (PyTorch FakeQuantize's buffers and observer):
 * the kernel only reads scale/zero_point and the fake-quant switch; `qforge qat` observes each
 * batch when observer_enabled and writes min/max/scale/zero_point back (see src/train/observer.ts).
 */
const FAKE_QUANT_STATE: Record<string, AttrSpec> = {
  fake_quant_enabled: { type: 'bool', default: true, doc: 'off: identity (PyTorch disable_fake_quant)' },
  observer_enabled: { type: 'bool', default: false, doc: 'training: update min/max and the qparams from each batch first (PyTorch enable_observer)' },
  observer: { type: 'string', oneOf: ['moving-average', 'minmax', 'fixed', 'derived'], optional: true, doc: 'training statistics (moving-average: PyTorch MovingAverage[PerChannel]MinMaxObserver)' },
  averaging_constant: { type: 'float', default: 0.01, doc: 'moving-average: min += c·(batch min − min)' },
  scheme: { type: 'string', oneOf: ['affine', 'symmetric'], default: 'affine' },
  granularity: { type: 'string', oneOf: ['per-tensor', 'per-channel'], default: 'per-tensor', doc: 'per-channel: one observer range per index of axis' },
  eps: { type: 'float', default: 2 ** -23, doc: 'smallest scale' },
  dtype: { type: 'dtype', oneOf: QUANT_DTYPES, optional: true, doc: 'the integer type convert quantizes to' },
  group: { type: 'int', optional: true, doc: 'sharing group: fake quants of one group share one observer' },
  tensor: { type: 'string', optional: true, doc: 'the original name of the tensor, for reports' },
  derived_from: { type: 'ints', optional: true, doc: 'derived (bias): the groups whose scales multiply' },
  min: { type: 'floats', optional: true, doc: 'observed (moving-average) minimum per channel' },
  max: { type: 'floats', optional: true },
};

const fakeQuantize: OpDef = {
  name: 'fake_quantize',
  qdq: true,
  doc: 'f32 -> f32: dequantize(quantize(x)) with the range [qmin, qmax] and the scaling of quantize (PyTorch FakeQuantize forward); identity when fake_quant_enabled is false; optional QAT observer state',
  category: 'quant',
  operands: [{ name: 'x', dtypes: ['f32'] }],
  results: 1,
  attrs: { ...QPARAM_ATTRS, qmin: { type: 'int' }, qmax: { type: 'int' }, scaling: SCALING_ATTR, ...FAKE_QUANT_STATE },
  infer({ inputs, attrs }) {
    const x = floatOperand(inputs, 'fake_quantize');
    qparams('fake_quantize', attrs, x.shape, attrs['qmin'] as number, attrs['qmax'] as number);
    if (attrs['dtype'] !== undefined) qrange('fake_quantize', attrs, attrs['dtype'] as DType);
    return [{ dtype: 'f32', shape: [...x.shape] }];
  },
  kernel([x], attrs) {
    const t = x!;
    const { quant, qmin, qmax } = qparams('fake_quantize', attrs, t.shape, attrs['qmin'] as number, attrs['qmax'] as number);
    if (!attrs['fake_quant_enabled']) return [tensor('f32', t.shape, (t.data as Float32Array).slice())];
    const out = tensor('f32', t.shape);
    fakeQuantizeInto(t.data as Float32Array, t.shape, quant, qmin, qmax, attrs['scaling'] as QuantScaling, out.data as Float32Array);
    return [out];
  },
};

/**
 * out = fake_quantize(x); with `mask`, mask[i] = 1 where the unclamped integer lies in [qmin, qmax]
 * (PyTorch's cachemask: the straight-through estimator passes the gradient only there).
 */
export function fakeQuantizeInto(x: Float32Array, shape: readonly number[], quant: QuantParams, qmin: number, qmax: number, scaling: QuantScaling, out: Float32Array, mask?: Uint8Array): void {
  const q = quantizer(scaling);
  forEachChannel(shape, quant, (i, c) => {
    const s = quant.scale[c]!, z = quant.zeroPoint[c]!;
    const v = q(x[i]!, s, z, qmin - 1, qmax + 1);
    if (mask) mask[i] = v >= qmin && v <= qmax ? 1 : 0;
    out[i] = dequantizeValue(v < qmin ? qmin : v > qmax ? qmax : v, s, z);
  });
}

export const QUANT_OPS: OpDef[] = withOnnx([quantize, dequantize, fakeQuantize], { quantize: 'QuantizeLinear', dequantize: 'DequantizeLinear' });

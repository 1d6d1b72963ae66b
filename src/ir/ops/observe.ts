// The `observe` op: an identity on f32 that marks where the quantization flow watches a tensor.
// `prepare` inserts it, `calibrate` fills in scale/zero_point (and the observed range), `convert`
// turns it into quantize/dequantize. Its attributes carry the whole observer config, so a
// prepared or calibrated graph can be printed, edited and read back like any other.
import { QUANT_DTYPES } from './quant.js';
import { operandOf } from './infer-util.js';
import { check, type AttrSpec, type OpDef } from './registry.js';
import { dtypeRange, type DType } from '../dtype.js';

/** Observer kinds an observe node may name ('fixed' and 'derived' have no statistics). */
export const OBSERVE_KINDS = ['minmax', 'moving-average', 'histogram', 'percentile', 'fixed', 'derived'] as const;

const ATTRS: Record<string, AttrSpec> = {
  group: { type: 'int', doc: 'sharing group: observe nodes of one group share one observer and one set of qparams' },
  tensor: { type: 'string', optional: true, doc: 'the original (e.g. ONNX) name of the observed tensor, for reports' },
  observer: { type: 'string', oneOf: OBSERVE_KINDS, default: 'minmax' },
  dtype: { type: 'dtype', oneOf: QUANT_DTYPES, doc: 'quantized element type' },
  qmin: { type: 'int', optional: true, doc: "default: the dtype's minimum" },
  qmax: { type: 'int', optional: true, doc: "default: the dtype's maximum" },
  scheme: { type: 'string', oneOf: ['affine', 'symmetric'], default: 'affine' },
  granularity: { type: 'string', oneOf: ['per-tensor', 'per-channel', 'per-group'], default: 'per-tensor' },
  axis: { type: 'int', optional: true, doc: 'channel axis (per-channel) or the axis split into groups (per-group)' },
  group_size: { type: 'int', optional: true },
  eps: { type: 'float', default: 2 ** -23, doc: 'smallest scale' },
  dynamic: { type: 'bool', default: false, doc: 'qparams computed at run time (dynamic quantization)' },
  bins: { type: 'int', optional: true },
  upsample_rate: { type: 'int', optional: true },
  averaging_constant: { type: 'float', optional: true },
  percentile: { type: 'float', optional: true },
  derived_from: { type: 'ints', optional: true, doc: "derived: the groups whose scales multiply (bias: input and weight)" },
  derive: { type: 'string', optional: true, doc: "derived: the derive rule (default 'bias'; other names are a quantizer's own functions)" },
  scale: { type: 'floats', optional: true, doc: 'set by calibration (or fixed)' },
  zero_point: { type: 'ints', optional: true },
  min: { type: 'floats', optional: true, doc: 'observed minimum (per channel/group), set by calibration' },
  max: { type: 'floats', optional: true },
  users: { type: 'strings', optional: true, doc: 'the annotated nodes reading it: convert gives each its own dequantize (PT2E DuplicateDQ)' },
};

export const observe: OpDef = {
  name: 'observe',
  doc: 'identity; marks a tensor the quantization flow observes (attributes: observer config, then calibrated qparams)',
  category: 'quant',
  qdq: true,
  operands: [{ name: 'x', dtypes: ['f32'] }],
  results: 1,
  attrs: ATTRS,
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', ['f32'], 'observe');
    const [lo, hi] = dtypeRange(attrs['dtype'] as DType);
    const qmin = (attrs['qmin'] as number | undefined) ?? lo, qmax = (attrs['qmax'] as number | undefined) ?? hi;
    check(lo <= qmin && qmin <= qmax && qmax <= hi, `observe: [${qmin}, ${qmax}] must lie within ${attrs['dtype']}'s range [${lo}, ${hi}]`);
    const scale = attrs['scale'] as number[] | undefined, zp = attrs['zero_point'] as number[] | undefined;
    check((scale === undefined) === (zp === undefined) && (!scale || scale.length === zp!.length), 'observe: scale and zero_point must come together, one zero point per scale');
    return [{ dtype: 'f32', shape: [...x.shape] }];
  },
  kernel: ([x]) => [x!],
};

export const OBSERVE_OPS: OpDef[] = [observe];

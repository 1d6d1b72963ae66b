// Integer conv / linear with a fused residual add: what lower-quantized makes of the x86
// quantizer's conv → add (→ relu) → quantize, where the conv's result is not quantized and the
// other add operand is a dequantized 8-bit tensor r. Exact semantics, per output element of
// channel c (float32 after every step, rint half to even):
//   acc = Σ (x − x_zp)(w − w_zp[c])                    (exact integers, |acc| < 2^31)
//   v   = fround(fround(acc) · acc_scale[c])           (acc_scale[c] = fround(x_s·w_s[c]))
//   v   = fround(v + b[c])                             (the float32 bias, when present)
//   s   = fround(v + fround((r − r_zp) · r_scale))     (r dequantized as the dequantize op does)
//   y   = quantize(s) with y_scale, y_zero_point, qmin/qmax and `scaling` (the quantize op's formula)
// A relu/clip after the add is the clamp [qmin, qmax] (quantize is monotone). Against the float
// graph it replaces, the only difference is the conv's sum: exact here, a float32 sum there; the
// results agree within one quantization step (docs/int8-ops.md).
import { qconv2d, qlinear, type Finish } from '../compute/qconv.js';
import { dequantizeValue, fround, quantizer, type QuantScaling } from '../quant-math.js';
import { tensor, type Tensor } from '../tensor.js';
import { numel, type TensorType } from '../types.js';
import { operand } from './infer-util.js';
import { SCALING_ATTR } from './quant.js';
import { ACT, ACCUM, WEIGHT, GEOM, checkZero, convArgs, inferAccum, inferLinear, requantOf } from './quantized.js';
import { check, type AttrSpec, type OpDef, type ResolvedAttrs } from './registry.js';

/** The accumulating ops' attributes with acc_scale in place of requant_scale, plus the residual's qparams. */
const { requant_scale: _requant, ...ACC_IN } = ACCUM;
const RESIDUAL_ATTRS: Record<string, AttrSpec> = {
  ...ACC_IN,
  acc_scale: { type: 'floats', doc: 'float32 scale of the sum per output channel (or one): fround(x_s·w_s[c])' },
  r_scale: { type: 'float', doc: 'scale of the residual r' },
  r_zero_point: { type: 'int', default: 0 },
  scaling: SCALING_ATTR,
};

const OPERANDS = [
  { name: 'x', dtypes: ACT },
  { name: 'w', dtypes: WEIGHT },
  { name: 'r', dtypes: ACT },
  { name: 'b', optional: true, dtypes: ['f32'] as const },
];
const FORM = { scale: 'acc_scale', bias: { index: 3, dtype: 'f32' as const } };

/** The residual has the result's shape (no broadcasting) and the zero point the op reads it with. */
function checkResidual(op: string, r: TensorType, y: TensorType, attrs: ResolvedAttrs): TensorType[] {
  check(ACT.includes(r.dtype), `${op}: r must be u8 or i8, got ${r.dtype}`);
  check(r.shape.length === y.shape.length && r.shape.every((d, i) => d === y.shape[i]), () => `${op}: r [${r.shape.join(',')}] must have the result's shape [${y.shape.join(',')}]`);
  const rs = attrs.r_scale as number;
  check(rs > 0 && Number.isFinite(rs), `${op}: r_scale must be positive and finite, got ${rs}`);
  checkZero(r, 'r', [attrs.r_zero_point as number]);
  return [y];
}

/** The epilogue above for result element o of channel c, reading the residual r and the float bias b. */
function residualFinish(attrs: ResolvedAttrs, r: Tensor, b: Tensor | undefined): Finish {
  const sc = attrs.acc_scale as number[], rs = attrs.r_scale as number, rz = attrs.r_zero_point as number;
  const rq = requantOf(attrs, []), ys = attrs.y_scale as number, q = quantizer(attrs.scaling as QuantScaling);
  return (acc, c, o) => {
    let v = fround(fround(acc) * sc[sc.length === 1 ? 0 : c]!);
    if (b) v = fround(v + (b.data[c] as number));
    return q(fround(v + dequantizeValue(r.data[o] as number, rs, rz)), ys, rq.zeroPoint, rq.qmin, rq.qmax);
  };
}

const qconvAdd: OpDef = {
  name: 'qconv2d_add',
  doc: 'quantized conv2d + residual add (+ relu/clamp): int32 sum, then in float32 fround(acc·acc_scale[c]) + b[c] + dequantize(r), quantized',
  category: 'quantized',
  operands: OPERANDS,
  results: 1,
  attrs: { ...GEOM, ...RESIDUAL_ATTRS },
  infer(ctx) {
    const [y] = inferAccum('qconv2d_add', 'conv2d', ctx, (s) => s[1]!, FORM);
    return checkResidual('qconv2d_add', operand(ctx.inputs, 2, 'r'), y!, ctx.attrs);
  },
  kernel([x, w, r, b], attrs, [yt]) {
    const out = tensor(yt!.dtype, yt!.shape);
    qconv2d({ ...convArgs(x!, w!, undefined, attrs, out), finish: residualFinish(attrs, r!, b) });
    return [out];
  },
};

const qlinearAdd: OpDef = {
  name: 'qlinear_add',
  doc: 'quantized linear + residual add (+ relu/clamp), weight [N, K]: the epilogue of qconv2d_add',
  category: 'quantized',
  operands: OPERANDS,
  results: 1,
  attrs: RESIDUAL_ATTRS,
  infer(ctx) {
    const [y] = inferLinear('qlinear_add', ctx, FORM);
    return checkResidual('qlinear_add', operand(ctx.inputs, 2, 'r'), y!, ctx.attrs);
  },
  kernel([x, w, r, b], attrs, [yt]) {
    const K = w!.shape[1]!, N = w!.shape[0]!;
    const out = tensor(yt!.dtype, yt!.shape);
    qlinear(x!.data, attrs.x_zero_point as number, w!.data, attrs.w_zero_point as number[], undefined, numel(x!.shape) / K, K, N, out.data, requantOf(attrs, []), residualFinish(attrs, r!, b));
    return [out];
  },
};

export const QUANTIZED_RESIDUAL_OPS: OpDef[] = [qconvAdd, qlinearAdd];

// LayerNorm on 8-bit integers: what lower-quantized makes of dequantize → layer_norm (last axis) →
// quantize (a transformer's norms between its integer residual adds and linears). Per row of the
// last axis (n values, d_k = x_k − x_zero_point):
//   S1 = Σ d_k,  S2 = Σ d_k²                                   (exact integers)
//   μ = S1 / n,  var = max(S2 / n − μ², 0),  r = 1 / sqrt(var·(x_s·x_s) + ε)   (float64)
//   a = fround(x_s · r),  m = fround(μ)
//   v_k = fround(fround(fround(fround(d_k − m) · a) · γ_k) + β_k)      (float32 steps)
//   y_k = quantize(v_k) with y_scale, y_zero_point, qmin/qmax (reciprocal scaling)
// The statistics of the dequantized row are those of d_k times x_s, so against the float graph
// only the float32 roundings differ: a result moves by at most one quantization step where they
// cross a rounding boundary of the quantize (docs/int8-ops.md).
import { fround, quantizeValue } from '../quant-math.js';
import { tensor } from '../tensor.js';
import { operand } from './infer-util.js';
import { ACT, checkZero, requantOf, RESULT, resultType } from './quantized.js';
import { check, type OpDef } from './registry.js';

const qlayernorm: OpDef = {
  name: 'qlayernorm',
  doc: 'layer normalization over the last axis of 8-bit x (exact integer row sums), float32 gamma/beta, quantized result',
  category: 'quantized',
  operands: [{ name: 'x', dtypes: ACT }, { name: 'gamma', dtypes: ['f32'] }, { name: 'beta', dtypes: ['f32'] }],
  results: 1,
  // Exported as the float graph it replaces: DequantizeLinear → LayerNormalization → QuantizeLinear.
  onnx: { since: 17 },
  attrs: { x_scale: { type: 'float' }, x_zero_point: { type: 'int', default: 0 }, epsilon: { type: 'float', default: 1e-5 }, ...RESULT },
  infer(ctx) {
    const x = operand(ctx.inputs, 0, 'x'), n = x.shape[x.shape.length - 1];
    for (const [i, name] of [[1, 'gamma'], [2, 'beta']] as const) {
      const t = operand(ctx.inputs, i, name);
      check(t.shape.length === 1 && t.shape[0] === n, () => `qlayernorm: ${name} must be f32[${n}], got [${t.shape.join(',')}]`);
    }
    const xs = ctx.attrs.x_scale as number;
    check(xs > 0 && Number.isFinite(xs), `qlayernorm: x_scale must be positive and finite, got ${xs}`);
    check((ctx.attrs.epsilon as number) >= 0, 'qlayernorm: epsilon must be non-negative');
    checkZero(x, 'x', [ctx.attrs.x_zero_point as number]);
    return [resultType(ctx.attrs, [...x.shape])];
  },
  kernel([x, gamma, beta], attrs, [yt]) {
    const out = tensor(yt!.dtype, yt!.shape), n = x!.shape[x!.shape.length - 1]!;
    const xs = attrs.x_scale as number, xz = attrs.x_zero_point as number, eps = attrs.epsilon as number;
    const rq = requantOf(attrs, []), ys = attrs.y_scale as number, g = gamma!.data, b = beta!.data;
    for (let o = 0; o < out.data.length; o += n) {
      let s1 = 0, s2 = 0;
      for (let k = 0; k < n; k++) {
        const d = (x!.data[o + k] as number) - xz;
        s1 += d;
        s2 += d * d;
      }
      const mu = s1 / n, v = s2 / n - mu * mu, r = 1 / Math.sqrt((v > 0 ? v : 0) * (xs * xs) + eps);
      const a = fround(xs * r), m = fround(mu);
      for (let k = 0; k < n; k++) {
        const d = fround((x!.data[o + k] as number) - xz - m);
        const val = fround(fround(fround(d * a) * (g[k] as number)) + (b[k] as number));
        out.data[o + k] = quantizeValue(val, ys, rq.zeroPoint, rq.qmin, rq.qmax);
      }
    }
    return [out];
  },
};

export const QUANTIZED_NORM_OPS: OpDef[] = [qlayernorm];

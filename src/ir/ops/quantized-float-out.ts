// Integer linear with a float32 result: what lower-quantized makes of the x86 quantizer's linear
// whose result is not quantized (X86InductorQuantizer gives conv/linear no output spec; the next
// op quantizes its input only when it is quantizable, so a linear before a reshape, a residual
// add or a layer norm ends in float — PyTorch's inductor runs it as an int8 GEMM with an fp32
// output). Exact semantics, per output element of column n (float32 after every step):
//   acc = Σk (x − x_zp)(w[n, k] − w_zp[n])       (exact integers, |acc| < 2^31)
//   y   = fround(fround(acc) · acc_scale[n])     (acc_scale[n] = fround(x_s·w_s[n]))
//   y   = fround(y + b[n])                       (the float32 bias, when present)
//   y   = min(max(y, clamp_min), clamp_max)      (a fused activation)
// The same epilogue as qlinear_dynamic with x's qparams known at compile time. Against the float
// graph it replaces (dequantize → matmul/gemm (+ bias)) only the sum differs: exact here, a
// float32 sum there.
import { qlinear } from '../compute/qconv.js';
import { fround } from '../quant-math.js';
import { tensor } from '../tensor.js';
import { numel } from '../types.js';
import { checkClamp } from './infer-util.js';
import { ACT, WEIGHT, checkLinear } from './quantized.js';
import type { OpDef } from './registry.js';

const qlinearF32: OpDef = {
  name: 'qlinear_f32',
  doc: 'quantized linear with a float32 result, weight [N, K]: int32 sum, then fround(acc)·acc_scale[n] + b[n] (f32), clamped',
  category: 'quantized',
  operands: [
    { name: 'x', dtypes: ACT },
    { name: 'w', dtypes: WEIGHT },
    { name: 'b', optional: true, dtypes: ['f32'] },
  ],
  results: 1,
  attrs: {
    x_zero_point: { type: 'int', default: 0 },
    w_zero_point: { type: 'ints', default: [0], doc: 'one, or one per output column n' },
    acc_scale: { type: 'floats', doc: 'float32 scale of the sum per output column (or one): fround(x_s·w_s[n])' },
    clamp_min: { type: 'float', default: -Infinity, doc: 'fused activation, applied last' },
    clamp_max: { type: 'float', default: Infinity },
  },
  infer(ctx) {
    const shape = checkLinear('qlinear_f32', ctx, { scale: 'acc_scale', bias: { index: 2, dtype: 'f32' } });
    checkClamp('qlinear_f32', ctx.attrs);
    return [{ dtype: 'f32', shape }];
  },
  kernel([x, w, b], attrs, [yt]) {
    const [N, K] = w!.shape as [number, number];
    const sc = attrs.acc_scale as number[], lo = attrs.clamp_min as number, hi = attrs.clamp_max as number;
    const bias = b?.data as Float32Array | undefined;
    const out = tensor('f32', yt!.shape);
    const finish = (acc: number, n: number): number => {
      let y = fround(fround(acc) * sc[sc.length === 1 ? 0 : n]!);
      if (bias) y = fround(y + bias[n]!);
      return Math.min(Math.max(y, lo), hi);
    };
    qlinear(x!.data, attrs.x_zero_point as number, w!.data, attrs.w_zero_point as number[], undefined, numel(x!.shape) / K, K, N, out.data, { scale: [], zeroPoint: 0, qmin: 0, qmax: 0 }, finish);
    return [out];
  },
};

export const QUANTIZED_FLOAT_OUT_OPS: OpDef[] = [qlinearF32];

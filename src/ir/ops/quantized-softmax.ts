// Softmax on 8-bit integers (what onnxruntime's QLinearSoftmax does): what lower-quantized makes of
// dequantize → softmax (last axis) → quantize, attention's probabilities. Per row of the last axis:
//   m   = max_k x_k                                   (integers: the stored domain's max)
//   e_k = T[x_k − m + 255],  T[j] = rint(exp(x_scale·(j − 255)) · 2^20)   (a 256-entry table, j ≤ 255)
//   S   = Σ_k e_k                                     (an exact integer)
//   f   = fround(1 / (S · y_scale))                   (in float64, then float32)
//   y_k = clamp(rint(fround(e_k · f)) + y_zero_point, qmin, qmax)   (the integer ops' requantize)
// so e_k / S is the softmax of the dequantized row (the zero point cancels in x_k − m) with each
// exponential rounded to 2^-20 of the row's largest: against the float graph (exp in float64,
// quantize) a result differs by at most one quantization step where that rounding crosses a
// rounding boundary of the quantize (docs/int8-ops.md).
import { requantize } from '../compute/qconv.js';
import { fround, rint } from '../quant-math.js';
import { tensor } from '../tensor.js';
import { operand } from './infer-util.js';
import { ACT, checkZero, requantOf, RESULT, resultType } from './quantized.js';
import { check, type OpDef } from './registry.js';

/** Fixed-point scale of the exponentials: T[255] = e^0 = 2^20 (row sums stay exact integers far beyond any row length). */
export const QSOFTMAX_ONE = 2 ** 20;

/** T[j] = rint(exp(x_scale·(j − 255)) · 2^20) for j = 0..255: e^(x_s·d) for the difference d = j − 255 ≤ 0 to the row max. */
export function qsoftmaxTable(xScale: number): Uint32Array {
  return Uint32Array.from({ length: 256 }, (_, j) => rint(Math.exp(xScale * (j - 255)) * QSOFTMAX_ONE));
}

const qsoftmax: OpDef = {
  name: 'qsoftmax',
  doc: 'softmax over the last axis on 8-bit integers: a 256-entry exp table of the difference to the row max, exact integer row sums, one requantize',
  category: 'quantized',
  operands: [{ name: 'x', dtypes: ACT }],
  results: 1,
  attrs: { x_scale: { type: 'float', doc: 'scale of x (its zero point cancels)' }, x_zero_point: { type: 'int', default: 0 }, ...RESULT },
  infer(ctx) {
    const x = operand(ctx.inputs, 0, 'x');
    check(x.shape.length >= 1, 'qsoftmax: x must have at least one dim');
    const xs = ctx.attrs.x_scale as number;
    check(xs > 0 && Number.isFinite(xs), `qsoftmax: x_scale must be positive and finite, got ${xs}`);
    checkZero(x, 'x', [ctx.attrs.x_zero_point as number]);
    return [resultType(ctx.attrs, [...x.shape])];
  },
  kernel([x], attrs, [yt]) {
    const out = tensor(yt!.dtype, yt!.shape), n = x!.shape[x!.shape.length - 1]!;
    const table = qsoftmaxTable(attrs.x_scale as number), rq = requantOf(attrs, []), ys = attrs.y_scale as number;
    const e = new Uint32Array(n);
    for (let o = 0; o < out.data.length; o += n) {
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, x!.data[o + k] as number);
      let s = 0;
      for (let k = 0; k < n; k++) s += e[k] = table[(x!.data[o + k] as number) - m + 255]!;
      const f = fround(1 / (s * ys));
      for (let k = 0; k < n; k++) out.data[o + k] = requantize(e[k]!, f, rq);
    }
    return [out];
  },
};

export const QUANTIZED_SOFTMAX_OPS: OpDef[] = [qsoftmax];

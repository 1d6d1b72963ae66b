// Weight-only quantization (`--mode weight-only`) as one op: a linear layer whose weight is an
// int8 (per output channel) or int4 (per group of input features) constant, dequantized on the
// fly; activations and the result stay float. Exact semantics: with W = dequantize(w) (the
// dequantize op's formula fround((q − zp)·scale), per tensor, per row n, or per group of
// group_size consecutive k of a row),
//   y[r, n] = clamp(fround(alpha·Σk x[r, k]·W[n, k] + beta·b[n]), clamp_min, clamp_max)
// summed exactly as the gemm op sums (src/ir/compute/gemm.ts: float64, k in order within blocks
// of 256, the blocks added in order), so it equals gemm(x, dequantize(w)ᵀ, b) — and matmul — bit
// for bit: lower-weight-only.qpat only changes where the dequantize happens.
import { gemm, storeSink, view } from '../compute/gemm.js';
import { tensor, type Tensor } from '../tensor.js';
import { numel } from '../types.js';
import { checkClamp, linearOperands } from './infer-util.js';
import { FLOAT_LINEAR_OPERANDS } from './quantized.js';
import { checkDequantizeParams, dequantizeTensor } from './quant.js';
import type { OpDef, ResolvedAttrs } from './registry.js';

/** The dequantize attributes of the [N, K] weight: per row on axis 0, per group along axis 1. */
export function weightDequantAttrs(a: ResolvedAttrs): ResolvedAttrs {
  const g = a['group_size'] as number | undefined;
  return { scale: a['scale']!, zero_point: a['zero_point']!, axis: g === undefined ? 0 : 1, ...(g === undefined ? {} : { group_size: g }) };
}

const qlinearWeightOnly: OpDef = {
  name: 'qlinear_weight_only',
  doc: 'weight-only quantized linear: int8/int4 weight [N, K] (per tensor, per row, or per group of group_size k), dequantized and multiplied as gemm does: y = clamp(fround(alpha·Σk x·W[n] + beta·b[n])) (f32)',
  category: 'quantized',
  operands: FLOAT_LINEAR_OPERANDS,
  results: 1,
  attrs: {
    scale: { type: 'floats', doc: 'one, one per row n, or N·K/group_size (row-major [N][K/group_size])' },
    zero_point: { type: 'ints', doc: 'as many as scale' },
    group_size: { type: 'int', optional: true, doc: 'input features per scale (per-group weights); absent: per tensor or per row' },
    alpha: { type: 'float', default: 1, doc: "scales Σk x·W (gemm's alpha)" },
    beta: { type: 'float', default: 1, doc: 'scales the bias' },
    clamp_min: { type: 'float', default: -Infinity, doc: 'fused activation, applied last' },
    clamp_max: { type: 'float', default: Infinity },
  },
  infer({ inputs, attrs }) {
    const { x, w, N } = linearOperands('qlinear_weight_only', inputs);
    checkDequantizeParams(weightDequantAttrs(attrs), w.shape, w.dtype);
    checkClamp('qlinear_weight_only', attrs);
    return [{ dtype: 'f32', shape: [...x.shape.slice(0, -1), N] }];
  },
  kernel([x, w, b], attrs, [yt]) {
    const [N, K] = w!.shape as [number, number];
    const R = numel(x!.shape) / K;
    const W: Tensor = dequantizeTensor(w!, weightDequantAttrs(attrs));
    const out = tensor('f32', yt!.shape);
    const sink = storeSink(R, out.data as Float32Array, 0, N, {
      alpha: attrs['alpha'] as number,
      beta: attrs['beta'] as number,
      ...(b ? { addend: view(b.data as Float32Array, 0, 0, 1) } : {}),
      lo: attrs['clamp_min'] as number,
      hi: attrs['clamp_max'] as number,
    });
    // B(k, n) = W[n][k]: the weight read transposed, as gemm reads a trans_b operand.
    gemm(R, N, K, view(x!.data as Float32Array, 0, K, 1), view(W.data as Float32Array, 0, 1, K), sink);
    return [out];
  },
};

export const QUANTIZED_WEIGHT_ONLY_OPS: OpDef[] = [qlinearWeightOnly];

// Normalisations over channels or spatial positions: instance_norm and lrn (local response
// normalisation across channels). Sums in float64, each result rounded once.
import { tensor } from '../tensor.js';
import { numel, sameShape } from '../types.js';
import { FLOATS } from './activation.js';
import { operandOf, sameDType } from './infer-util.js';
import { check, type OpDef, withOnnx } from './registry.js';

const instanceNorm: OpDef = {
  name: 'instance_norm',
  doc: 'per (image, channel): (x - mean) / sqrt(var + epsilon) * scale[c] + bias[c] over the spatial dims (biased variance)',
  category: 'nn',
  operands: [{ name: 'x', dtypes: FLOATS }, { name: 'scale', dtypes: FLOATS }, { name: 'bias', dtypes: FLOATS }],
  results: 1,
  attrs: { epsilon: { type: 'float', default: 1e-5 } },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', FLOATS, 'instance_norm'), s = operandOf(inputs, 1, 'scale', FLOATS, 'instance_norm');
    const b = operandOf(inputs, 2, 'bias', FLOATS, 'instance_norm');
    const dtype = sameDType([x, s, b], 'instance_norm');
    check(x.shape.length >= 3, `instance_norm: x must be [N, C, spatial...], got [${x.shape.join(',')}]`);
    for (const [what, t] of [['scale', s], ['bias', b]] as const)
      check(sameShape(t.shape, [x.shape[1]!]), () => `instance_norm: ${what} must be [${x.shape[1]}], got [${t.shape.join(',')}]`);
    check((attrs['epsilon'] as number) >= 0, 'instance_norm: epsilon must be non-negative');
    return [{ dtype, shape: [...x.shape] }];
  },
  kernel([x, scale, bias], attrs) {
    const t = x!, d = t.data as Float32Array, out = tensor(t.dtype, t.shape), o = out.data as Float32Array;
    const C = t.shape[1]!, n = numel(t.shape.slice(2)), eps = attrs['epsilon'] as number;
    const g = scale!.data as Float32Array, b = bias!.data as Float32Array;
    for (let base = 0, p = 0; base < d.length; base += n, p++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += d[base + k]!;
      const mean = s / n;
      let v = 0;
      for (let k = 0; k < n; k++) v += (d[base + k]! - mean) ** 2;
      const c = p % C, a = g[c]! / Math.sqrt(v / n + eps);
      for (let k = 0; k < n; k++) o[base + k] = (d[base + k]! - mean) * a + b[c]!;
    }
    return [out];
  },
};

const lrn: OpDef = {
  name: 'lrn',
  doc: 'x / (bias + alpha / size · Σ x² over the size neighbouring channels)^beta',
  category: 'nn',
  operands: [{ name: 'x', dtypes: FLOATS }],
  results: 1,
  attrs: {
    size: { type: 'int' },
    alpha: { type: 'float', default: 1e-4 },
    beta: { type: 'float', default: 0.75 },
    bias: { type: 'float', default: 1 },
  },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', FLOATS, 'lrn');
    check(x.shape.length >= 2, 'lrn: x must be [N, C, ...]');
    check((attrs['size'] as number) >= 1, 'lrn: size must be positive');
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  kernel([x], attrs) {
    const t = x!, d = t.data as Float32Array, out = tensor(t.dtype, t.shape), o = out.data as Float32Array;
    const [N, C] = t.shape as [number, number], inner = numel(t.shape.slice(2)), size = attrs['size'] as number;
    const alpha = attrs['alpha'] as number, beta = attrs['beta'] as number, bias = attrs['bias'] as number;
    // ONNX: channels c - floor((size-1)/2) .. c + ceil((size-1)/2).
    const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let k = Math.max(0, c - lo); k <= Math.min(C - 1, c + hi); k++) s += d[(n * C + k) * inner + i]! ** 2;
          const p = (n * C + c) * inner + i;
          o[p] = d[p]! / Math.pow(bias + (alpha / size) * s, beta);
        }
    return [out];
  },
};

export const NORM_OPS: OpDef[] = withOnnx([instanceNorm, lrn], { instance_norm: 'InstanceNormalization', lrn: 'LRN' });

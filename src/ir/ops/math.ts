// Binary math (pow, min, max) and the normalisations softmax, log_softmax and layer_norm.
// Floats: sums and means are accumulated in float64 in row-major order and each result is rounded
// once to the result dtype (PyTorch and onnxruntime accumulate in float32, so they may differ from
// this reference by a few ulp).
import { tensor, strides } from '../tensor.js';
import { binary } from './elementwise.js';
import { FLOATS } from './activation.js';
import { normAxis, operandOf, sameDType } from './infer-util.js';
import { check, type OpDef, withOnnx } from './registry.js';
import { numel, sameShape } from '../types.js';

/** C's pow: unlike Math.pow, 1^y = 1 for every y (NaN included) and (-1)^±inf = 1. */
function cPow(a: number, b: number): number {
  if (a === 1 || (a === -1 && !Number.isFinite(b) && !Number.isNaN(b))) return 1;
  return Math.pow(a, b);
}

/** a^b for integers, wrapping like repeated C multiplication; a negative exponent truncates 1/a^|b| toward zero. */
function intPow(a: number, b: number): number {
  if (b < 0) {
    check(a !== 0, 'integer pow: zero to a negative power');
    return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  }
  let r = 1, base = a, e = b;
  for (; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
  }
  return r;
}

function bigPow(a: bigint, b: bigint): bigint {
  if (b < 0n) {
    check(a !== 0n, 'integer pow: zero to a negative power');
    return a === 1n ? 1n : a === -1n ? (b % 2n === 0n ? 1n : -1n) : 0n;
  }
  let r = 1n, base = a, e = b;
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = BigInt.asIntN(64, r * base);
    base = BigInt.asIntN(64, base * base);
  }
  return r;
}

/** Splits a shape at an axis into (outer, n, inner) so that element (o, k, i) is at (o * n + k) * inner + i. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  return [numel(shape.slice(0, axis)), shape[axis]!, strides(shape)[axis]!];
}

function softmaxOp(name: 'softmax' | 'log_softmax', doc: string): OpDef {
  const log = name === 'log_softmax';
  return {
    name,
    doc,
    category: 'activation',
    operands: [{ name: 'x', dtypes: FLOATS }],
    results: 1,
    attrs: { axis: { type: 'int', default: -1 } },
    infer({ inputs, attrs }) {
      const x = operandOf(inputs, 0, 'x', FLOATS, name);
      normAxis(attrs['axis'] as number, x.shape.length);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    kernel([x], attrs) {
      const t = x!;
      const out = tensor(t.dtype, t.shape);
      const d = t.data as Float32Array, o = out.data as Float32Array;
      const [outer, n, inner] = around(t.shape, normAxis(attrs['axis'] as number, t.shape.length));
      const e = new Float64Array(n);
      for (let a = 0; a < outer; a++) {
        for (let i = 0; i < inner; i++) {
          const base = a * n * inner + i;
          // Subtract the maximum so exp never overflows.
          let m = -Infinity;
          for (let k = 0; k < n; k++) m = Math.max(m, d[base + k * inner]!);
          let sum = 0;
          for (let k = 0; k < n; k++) sum += e[k] = Math.exp(d[base + k * inner]! - m);
          const lse = Math.log(sum);
          for (let k = 0; k < n; k++) o[base + k * inner] = log ? d[base + k * inner]! - m - lse : e[k]! / sum;
        }
      }
      return [out];
    },
  };
}

const layerNorm: OpDef = {
  name: 'layer_norm',
  doc: '(x - mean) / sqrt(var + epsilon) * scale + bias over dims axis..rank-1 (biased variance)',
  category: 'activation',
  operands: [
    { name: 'x', dtypes: FLOATS },
    { name: 'scale', dtypes: FLOATS },
    { name: 'bias', dtypes: FLOATS, optional: true },
  ],
  results: 1,
  attrs: { axis: { type: 'int', default: -1 }, epsilon: { type: 'float', default: 1e-5 } },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', FLOATS, 'layer_norm'), scale = operandOf(inputs, 1, 'scale', FLOATS, 'layer_norm');
    const bias = inputs[2] && operandOf(inputs, 2, 'bias', FLOATS, 'layer_norm');
    const dtype = sameDType([x, scale, bias], 'layer_norm');
    const axis = normAxis(attrs['axis'] as number, x.shape.length);
    const norm = x.shape.slice(axis);
    for (const [what, t] of [['scale', scale], ['bias', bias]] as const)
      check(!t || sameShape(t.shape, norm), () => `layer_norm: ${what} must have shape [${norm.join(',')}], got [${t!.shape.join(',')}]`);
    check((attrs['epsilon'] as number) >= 0, 'layer_norm: epsilon must be non-negative');
    return [{ dtype, shape: [...x.shape] }];
  },
  kernel([x, scale, bias], attrs) {
    const t = x!;
    const out = tensor(t.dtype, t.shape);
    const d = t.data as Float32Array, o = out.data as Float32Array;
    const g = scale!.data as Float32Array, b = bias?.data as Float32Array | undefined;
    const n = numel(t.shape.slice(normAxis(attrs['axis'] as number, t.shape.length)));
    const eps = attrs['epsilon'] as number;
    for (let base = 0; base < d.length; base += n) {
      // Two passes in float64: mean, then the biased variance around it.
      let s = 0;
      for (let k = 0; k < n; k++) s += d[base + k]!;
      const mean = s / n;
      let v = 0;
      for (let k = 0; k < n; k++) v += (d[base + k]! - mean) ** 2;
      const inv = 1 / Math.sqrt(v / n + eps);
      for (let k = 0; k < n; k++) o[base + k] = (d[base + k]! - mean) * inv * g[k]! + (b ? b[k]! : 0);
    }
    return [out];
  },
};

export const MATH_OPS: OpDef[] = withOnnx([
  binary('pow', 'a ^ b with broadcasting (integers: repeated wrapping multiplication)', {
    float: cPow,
    int: intPow,
    big: bigPow,
  }),
  binary('min', 'elementwise minimum with broadcasting (NaN propagates)', { float: Math.min, big: (a, b) => (a < b ? a : b) }, true),
  binary('max', 'elementwise maximum with broadcasting (NaN propagates)', { float: Math.max, big: (a, b) => (a > b ? a : b) }, true),
  softmaxOp('softmax', 'exp(x) / sum(exp(x)) along axis'),
  softmaxOp('log_softmax', 'x - log(sum(exp(x))) along axis'),
  layerNorm,
], {
  pow: 'Pow', min: 'Min', max: 'Max', softmax: 'Softmax', log_softmax: 'LogSoftmax',
  layer_norm: { opType: 'LayerNormalization', since: 17 },
});

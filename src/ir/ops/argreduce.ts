// Ops along one axis that pick or scan rather than sum: argmax/argmin (i64 indices), top_k, hardmax,
// cumsum, and reduce_log_sum_exp over a set of axes. Ties pick the lower index (select_last_index:
// the higher); NaN counts as larger than every number (NumPy's argmax/argmin return the first NaN).
// Float sums accumulate in float64 and each result is rounded once.
import { isFloatDType } from '../dtype.js';
import { strides, tensor, type Tensor } from '../tensor.js';
import { numel, type TensorType } from '../types.js';
import { FLOATS, INTS } from './activation.js';
import { normAxis, operandOf } from './infer-util.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

const NUMERIC = [...FLOATS, ...INTS];

/** (outer, n, inner): element (o, k, i) of `shape` around `axis` is at (o * n + k) * inner + i. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  return [numel(shape.slice(0, axis)), shape[axis]!, numel(shape.slice(axis + 1))];
}

/** Calls f(base, n, stride) for every line along `axis`; line element k is at base + k * stride. */
function forEachLine(shape: readonly number[], axis: number, f: (base: number, n: number, stride: number, line: number) => void): void {
  const [outer, n, inner] = around(shape, axis);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) f(o * n * inner + i, n, inner, o * inner + i);
}

const axisOf = (x: TensorType, a: ResolvedAttrs, op: string) => normAxis(a['axis'] as number, x.shape.length, `${op} axis`);

/** a ranks above b: larger for max (smaller for min), NaN above all numbers. */
function above(a: number, b: number, max: boolean): boolean {
  if (Number.isNaN(a)) return !Number.isNaN(b);
  if (Number.isNaN(b)) return false;
  return max ? a > b : a < b;
}

function argOp(name: 'argmax' | 'argmin'): OpDef {
  const max = name === 'argmax';
  return {
    name,
    doc: `index (i64) of the ${max ? 'largest' : 'smallest'} element along axis; ties: first (or last with select_last_index)`,
    category: 'reduce',
    operands: [{ name: 'x', dtypes: NUMERIC }],
    results: 1,
    attrs: { axis: { type: 'int', default: 0 }, keepdims: { type: 'bool', default: true }, select_last_index: { type: 'bool', default: false } },
    infer({ inputs, attrs }) {
      const x = operandOf(inputs, 0, 'x', NUMERIC, name), axis = axisOf(x, attrs, name);
      check(x.shape[axis]! > 0, `${name}: axis ${axis} is empty`);
      const shape = attrs['keepdims'] ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      return [{ dtype: 'i64', shape }];
    },
    kernel([x], attrs, [yt]) {
      const t = x!, d = Array.from(t.data as ArrayLike<number | bigint>, Number), last = attrs['select_last_index'] as boolean;
      const out = tensor('i64', yt!.shape), o = out.data as BigInt64Array;
      forEachLine(t.shape, axisOf(t, attrs, name), (base, n, stride, line) => {
        let best = 0;
        for (let k = 1; k < n; k++) {
          const v = d[base + k * stride]!, b = d[base + best * stride]!;
          if (above(v, b, max) || (last && (v === b || (Number.isNaN(v) && Number.isNaN(b))))) best = k;
        }
        o[line] = BigInt(best);
      });
      return [out];
    },
  };
}

const topK: OpDef = {
  name: 'top_k',
  doc: 'the k largest (or smallest) elements along axis, sorted, and their i64 indices (ties: lower index first)',
  category: 'reduce',
  operands: [{ name: 'x', dtypes: NUMERIC }],
  results: 2,
  attrs: { k: { type: 'int' }, axis: { type: 'int', default: -1 }, largest: { type: 'bool', default: true } },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', NUMERIC, 'top_k'), axis = axisOf(x, attrs, 'top_k'), k = attrs['k'] as number;
    check(k >= 0 && k <= x.shape[axis]!, `top_k: k = ${k} is outside [0, ${x.shape[axis]}]`);
    const shape = x.shape.map((d, i) => (i === axis ? k : d));
    return [{ dtype: x.dtype, shape }, { dtype: 'i64', shape: [...shape] }];
  },
  kernel([x], attrs, [vt, it]) {
    const t = x!, axis = axisOf(t, attrs, 'top_k'), k = attrs['k'] as number, largest = attrs['largest'] as boolean;
    const vals = tensor(t.dtype, vt!.shape), idx = tensor('i64', it!.shape);
    const d = t.data as unknown as (number | bigint)[], vo = vals.data as unknown as (number | bigint)[], io = idx.data as BigInt64Array;
    const [, , inner] = around(t.shape, axis);
    forEachLine(t.shape, axis, (base, n, stride, line) => {
      const order = Array.from({ length: n }, (_, j) => j);
      const key = (j: number) => Number(d[base + j * stride]!);
      order.sort((p, q) => (above(key(p), key(q), largest) ? -1 : above(key(q), key(p), largest) ? 1 : p - q));
      const o = Math.floor(line / inner) * k * inner + (line % inner);
      for (let j = 0; j < k; j++) {
        vo[o + j * inner] = d[base + order[j]! * stride]!;
        io[o + j * inner] = BigInt(order[j]!);
      }
    });
    return [vals, idx];
  },
};

const hardmax: OpDef = {
  name: 'hardmax',
  doc: '1 at the first largest element along axis, 0 elsewhere',
  category: 'activation',
  operands: [{ name: 'x', dtypes: FLOATS }],
  results: 1,
  attrs: { axis: { type: 'int', default: -1 } },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', FLOATS, 'hardmax');
    axisOf(x, attrs, 'hardmax');
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  kernel([x], attrs) {
    const t = x!, d = t.data as Float32Array, out = tensor(t.dtype, t.shape);
    forEachLine(t.shape, axisOf(t, attrs, 'hardmax'), (base, n, stride) => {
      let best = 0;
      for (let k = 1; k < n; k++) if (above(d[base + k * stride]!, d[base + best * stride]!, true)) best = k;
      if (n > 0) out.data[base + best * stride] = 1;
    });
    return [out];
  },
};

const cumsum: OpDef = {
  name: 'cumsum',
  doc: 'running sum along axis; exclusive leaves out the element itself, reverse runs from the end',
  category: 'reduce',
  operands: [{ name: 'x', dtypes: NUMERIC }],
  results: 1,
  attrs: { axis: { type: 'int' }, exclusive: { type: 'bool', default: false }, reverse: { type: 'bool', default: false } },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', NUMERIC, 'cumsum');
    axisOf(x, attrs, 'cumsum');
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  kernel([x], attrs) {
    const t = x!, out = tensor(t.dtype, t.shape), excl = attrs['exclusive'] as boolean, rev = attrs['reverse'] as boolean;
    const big = t.data instanceof BigInt64Array, float = isFloatDType(t.dtype);
    const d = t.data as unknown as (number | bigint)[], o = out.data as unknown as (number | bigint)[];
    forEachLine(t.shape, axisOf(t, attrs, 'cumsum'), (base, n, stride) => {
      let acc: number | bigint = big ? 0n : 0;
      for (let j = 0; j < n; j++) {
        const p = base + (rev ? n - 1 - j : j) * stride;
        if (excl) o[p] = acc;
        if (big) acc = BigInt.asIntN(64, (acc as bigint) + (d[p] as bigint));
        else acc = float ? (acc as number) + (d[p] as number) : ((acc as number) + (d[p] as number)) | 0;
        if (!excl) o[p] = acc;
      }
    });
    return [out];
  },
};

/** Reduced axes (all when empty), sorted. */
function axesOf(a: ResolvedAttrs, rank: number): number[] {
  const given = a['axes'] as number[];
  const axes = given.length ? given.map((x) => normAxis(x, rank, 'reduce axis')) : [...Array(rank).keys()];
  check(new Set(axes).size === axes.length, `reduce axes [${given.join(',')}] repeat an axis`);
  return axes.sort((p, q) => p - q);
}

/** For each input element, the flat index of its output element (reduced coordinates dropped). */
function outIndex(shape: readonly number[], axes: number[]): Int32Array {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d)), ks = strides(kept);
  const n = numel(shape), idx = new Int32Array(n), st = strides(shape);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) o += (Math.floor(i / st[d]!) % shape[d]!) * ks[d]!;
    idx[i] = o;
  }
  return idx;
}

const reduceLogSumExp: OpDef = {
  name: 'reduce_log_sum_exp',
  doc: 'log(sum(exp(x))) over axes, computed as m + log(sum(exp(x - m))) with m the maximum (no overflow)',
  category: 'reduce',
  operands: [{ name: 'x', dtypes: FLOATS }],
  results: 1,
  attrs: { axes: { type: 'ints', default: [] }, keepdims: { type: 'bool', default: true } },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', FLOATS, 'reduce_log_sum_exp'), axes = axesOf(attrs, x.shape.length);
    const shape = attrs['keepdims'] ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return [{ dtype: x.dtype, shape }];
  },
  kernel([x], attrs, [yt]) {
    const t: Tensor = x!, d = t.data as Float32Array, out = tensor(t.dtype, yt!.shape);
    const map = outIndex(t.shape, axesOf(attrs, t.shape.length)), m = new Float64Array(out.data.length).fill(-Infinity);
    for (let i = 0; i < d.length; i++) if (above(d[i]!, m[map[i]!]!, true)) m[map[i]!] = d[i]!;
    const s = new Float64Array(m.length);
    for (let i = 0; i < d.length; i++) s[map[i]!] += Math.exp(d[i]! - m[map[i]!]!);
    for (let k = 0; k < m.length; k++) out.data[k] = Number.isFinite(m[k]!) ? m[k]! + Math.log(s[k]!) : m[k]!;
    return [out];
  },
};

export const ARGREDUCE_OPS: OpDef[] = withOnnx([argOp('argmax'), argOp('argmin'), topK, hardmax, cumsum, reduceLogSumExp], {
  argmax: 'ArgMax', argmin: 'ArgMin', top_k: 'TopK', hardmax: 'Hardmax', cumsum: 'CumSum', reduce_log_sum_exp: 'ReduceLogSumExp',
});

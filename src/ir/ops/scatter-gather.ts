// Index-driven data movement (every dtype, exact): gather_elements, gather_nd, scatter_elements,
// scatter_nd (with an optional add/mul/max/min reduction), one_hot, and trilu (triangular masks).
// Negative indices count from the end of their axis; out-of-range ones are errors.
import type { DType } from '../dtype.js';
import { strides, tensor, type Tensor } from '../tensor.js';
import { numel, sameShape } from '../types.js';
import { normAxis, operand, operandOf } from './infer-util.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

const INDEX: readonly DType[] = ['i32', 'i64'];
type Cell = number | bigint;
const cells = (t: Tensor) => t.data as unknown as Cell[];

function index(v: Cell, n: number, what: string): number {
  const k = Number(v);
  check(k >= -n && k < n, `${what}: index ${k} is out of range for a dim of ${n}`);
  return k < 0 ? k + n : k;
}

/** Flat offset of element `flat` of `shape` with the coordinate on `axis` replaced by `k`, in `st` strides. */
function withAxis(flat: number, shape: readonly number[], st: readonly number[], axis: number, k: number): number {
  let off = 0, rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const c = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
    off += (d === axis ? k : c) * st[d]!;
  }
  return off;
}

const gatherElements: OpDef = {
  name: 'gather_elements',
  doc: 'y[i..] = x[i.. with the axis coordinate replaced by indices[i..]]; y has the shape of indices',
  category: 'shape',
  operands: [{ name: 'x' }, { name: 'indices', dtypes: INDEX }],
  results: 1,
  attrs: { axis: { type: 'int', default: 0 } },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x'), idx = operandOf(inputs, 1, 'indices', INDEX, 'gather_elements');
    normAxis(attrs['axis'] as number, x.shape.length);
    check(idx.shape.length === x.shape.length, `gather_elements: indices must have rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: [...idx.shape] }];
  },
  kernel([x, indices], attrs) {
    const t = x!, idx = indices!, axis = normAxis(attrs['axis'] as number, t.shape.length);
    const out = tensor(t.dtype, idx.shape), o = cells(out), d = cells(t), st = strides(t.shape), n = t.shape[axis]!;
    cells(idx).forEach((v, i) => (o[i] = d[withAxis(i, idx.shape, st, axis, index(v, n, 'gather_elements'))]!));
    return [out];
  },
};

const REDUCTION = { type: 'string', default: 'none', oneOf: ['none', 'add', 'mul', 'max', 'min'] } as const;

function combine(reduction: string): (old: Cell, upd: Cell) => Cell {
  const big = (f: (a: bigint, b: bigint) => bigint, g: (a: number, b: number) => number) => (a: Cell, b: Cell) =>
    typeof a === 'bigint' ? BigInt.asIntN(64, f(a, b as bigint)) : g(a, b as number);
  switch (reduction) {
    case 'add': return big((a, b) => a + b, (a, b) => a + b);
    case 'mul': return big((a, b) => a * b, (a, b) => a * b);
    case 'max': return (a, b) => (b > a ? b : a);
    case 'min': return (a, b) => (b < a ? b : a);
    default: return (_, b) => b;
  }
}

const scatterElements: OpDef = {
  name: 'scatter_elements',
  doc: 'a copy of x with x[i.. with axis coordinate indices[i..]] = updates[i..] (or combined by reduction), in order',
  category: 'shape',
  operands: [{ name: 'x' }, { name: 'indices', dtypes: INDEX }, { name: 'updates' }],
  results: 1,
  attrs: { axis: { type: 'int', default: 0 }, reduction: REDUCTION },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x'), idx = operandOf(inputs, 1, 'indices', INDEX, 'scatter_elements'), u = operand(inputs, 2, 'updates');
    normAxis(attrs['axis'] as number, x.shape.length);
    check(idx.shape.length === x.shape.length && sameShape(idx.shape, u.shape), 'scatter_elements: indices and updates must have equal shapes of the rank of x');
    check(u.dtype === x.dtype, `scatter_elements: updates must be ${x.dtype}`);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  kernel([x, indices, updates], attrs) {
    const t = x!, idx = indices!, axis = normAxis(attrs['axis'] as number, t.shape.length);
    const out = tensor(t.dtype, t.shape, t.data.slice()), o = cells(out), u = cells(updates!), st = strides(t.shape), n = t.shape[axis]!;
    const f = combine(attrs['reduction'] as string);
    cells(idx).forEach((v, i) => {
      const p = withAxis(i, idx.shape, st, axis, index(v, n, 'scatter_elements'));
      o[p] = f(o[p]!, u[i]!);
    });
    return [out];
  },
};

/** gather_nd / scatter_nd geometry: each index row of length q addresses a slice of `slice` elements. */
function ndPlan(x: readonly number[], idx: readonly number[], batch: number, op: string) {
  check(idx.length >= 1, `${op}: indices must have rank ≥ 1`);
  const q = idx[idx.length - 1]!;
  check(batch >= 0 && batch < Math.min(x.length, idx.length), `${op}: batch_dims ${batch} is too large`);
  for (let d = 0; d < batch; d++) check(x[d] === idx[d], `${op}: batch dim ${d} differs (${x[d]} vs ${idx[d]})`);
  check(q >= 1 && batch + q <= x.length, `${op}: index rows of length ${q} do not fit x of rank ${x.length}`);
  const rows = numel(idx.slice(batch, -1)), slice = numel(x.slice(batch + q)), st = strides(x);
  return { q, rows, slice, st, batches: numel(x.slice(0, batch)), batchStride: numel(x.slice(batch)) };
}

/** Calls f(row, offset of the addressed slice in x) for every index row. */
function forEachRow(x: Tensor, idx: Tensor, batch: number, op: string, f: (row: number, off: number) => void): ReturnType<typeof ndPlan> {
  const p = ndPlan(x.shape, idx.shape, batch, op), iv = cells(idx);
  for (let b = 0; b < p.batches; b++)
    for (let r = 0; r < p.rows; r++) {
      const row = b * p.rows + r;
      let off = b * p.batchStride;
      for (let j = 0; j < p.q; j++) off += index(iv[row * p.q + j]!, x.shape[batch + j]!, op) * p.st[batch + j]!;
      f(row, off);
    }
  return p;
}

const gatherNd: OpDef = {
  name: 'gather_nd',
  doc: 'slices of x addressed by the last axis of indices (after batch_dims shared leading dims)',
  category: 'shape',
  operands: [{ name: 'x' }, { name: 'indices', dtypes: INDEX }],
  results: 1,
  attrs: { batch_dims: { type: 'int', default: 0 } },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x'), idx = operandOf(inputs, 1, 'indices', INDEX, 'gather_nd'), b = attrs['batch_dims'] as number;
    const { q } = ndPlan(x.shape, idx.shape, b, 'gather_nd');
    return [{ dtype: x.dtype, shape: [...idx.shape.slice(0, -1), ...x.shape.slice(b + q)] }];
  },
  kernel([x, indices], attrs, [yt]) {
    const out = tensor(x!.dtype, yt!.shape), o = cells(out), d = cells(x!);
    const b = attrs['batch_dims'] as number, { slice } = ndPlan(x!.shape, indices!.shape, b, 'gather_nd');
    forEachRow(x!, indices!, b, 'gather_nd', (row, off) => {
      for (let k = 0; k < slice; k++) o[row * slice + k] = d[off + k]!;
    });
    return [out];
  },
};

const scatterNd: OpDef = {
  name: 'scatter_nd',
  doc: 'a copy of x with the slices addressed by indices set to (or combined with) updates, in order',
  category: 'shape',
  operands: [{ name: 'x' }, { name: 'indices', dtypes: INDEX }, { name: 'updates' }],
  results: 1,
  attrs: { reduction: REDUCTION },
  infer({ inputs }) {
    const x = operand(inputs, 0, 'x'), idx = operandOf(inputs, 1, 'indices', INDEX, 'scatter_nd'), u = operand(inputs, 2, 'updates');
    const { q } = ndPlan(x.shape, idx.shape, 0, 'scatter_nd');
    const want = [...idx.shape.slice(0, -1), ...x.shape.slice(q)];
    check(u.dtype === x.dtype && sameShape(u.shape, want), `scatter_nd: updates must be ${x.dtype}[${want.join(',')}]`);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  kernel([x, indices, updates], attrs) {
    const out = tensor(x!.dtype, x!.shape, x!.data.slice()), o = cells(out), u = cells(updates!);
    const f = combine(attrs['reduction'] as string), { slice } = ndPlan(x!.shape, indices!.shape, 0, 'scatter_nd');
    forEachRow(x!, indices!, 0, 'scatter_nd', (row, off) => {
      for (let k = 0; k < slice; k++) o[off + k] = f(o[off + k]!, u[row * slice + k]!);
    });
    return [out];
  },
};

const oneHot: OpDef = {
  name: 'one_hot',
  doc: 'a new axis of size depth holding values[1] at each index (negative counts from the end) and values[0] elsewhere',
  category: 'shape',
  operands: [{ name: 'indices' }, { name: 'values' }],
  results: 1,
  attrs: { depth: { type: 'int' }, axis: { type: 'int', default: -1 } },
  infer({ inputs, attrs }) {
    const idx = operand(inputs, 0, 'indices'), v = operand(inputs, 1, 'values');
    check(numel(v.shape) === 2, 'one_hot: values must hold [off, on]');
    check((attrs['depth'] as number) >= 1, 'one_hot: depth must be positive');
    const r = idx.shape.length + 1, axis = normAxis(attrs['axis'] as number, r);
    return [{ dtype: v.dtype, shape: [...idx.shape.slice(0, axis), attrs['depth'] as number, ...idx.shape.slice(axis)] }];
  },
  kernel([indices, values], attrs, [yt]) {
    const depth = attrs['depth'] as number, axis = normAxis(attrs['axis'] as number, indices!.shape.length + 1);
    const out = tensor(values!.dtype, yt!.shape), o = cells(out), [off, on] = cells(values!) as [Cell, Cell];
    const inner = numel(indices!.shape.slice(axis));
    o.fill(off);
    cells(indices!).forEach((v, i) => {
      let k = Math.trunc(Number(v));
      if (k < 0) k += depth;
      if (k < 0 || k >= depth) return;
      o[(Math.floor(i / inner) * depth + k) * inner + (i % inner)] = on;
    });
    return [out];
  },
};

const trilu: OpDef = {
  name: 'trilu',
  doc: 'keeps the upper (j - i ≥ k) or lower (j - i ≤ k) triangle of the last two dims, zeroes the rest',
  category: 'shape',
  operands: [{ name: 'x' }],
  results: 1,
  attrs: { upper: { type: 'bool', default: true }, k: { type: 'int', default: 0 } },
  infer({ inputs }) {
    const x = operand(inputs, 0, 'x');
    check(x.shape.length >= 2, 'trilu: x must have rank ≥ 2');
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  kernel([x], a: ResolvedAttrs) {
    const t = x!, [rows, cols] = t.shape.slice(-2) as [number, number], k = a['k'] as number, upper = a['upper'] as boolean;
    const out = tensor(t.dtype, t.shape), o = cells(out), d = cells(t);
    for (let p = 0; p < d.length; p++) {
      const j = p % cols, i = Math.floor(p / cols) % rows;
      if (upper ? j - i >= k : j - i <= k) o[p] = d[p]!;
    }
    return [out];
  },
};

export const SCATTER_GATHER_OPS: OpDef[] = withOnnx([gatherElements, gatherNd, scatterElements, scatterNd, oneHot, trilu], {
  gather_elements: 'GatherElements', gather_nd: 'GatherND', scatter_elements: { opType: 'ScatterElements', alsoFrom: ['Scatter'] },
  scatter_nd: 'ScatterND', one_hot: 'OneHot', trilu: 'Trilu',
});

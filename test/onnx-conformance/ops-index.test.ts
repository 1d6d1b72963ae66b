// Semantics of argreduce.ts (argmax/argmin, top_k, hardmax, cumsum, reduce_log_sum_exp) and
// scatter-gather.ts (gather_elements, gather_nd, scatter_elements, scatter_nd, one_hot, trilu),
// against naive coordinate-based references.
import { describe, expect, it } from 'vitest';
import { inferOp, runOp, t, vals } from '../ir/op-harness.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { numel, ravel, rng, unravel } from './naive.js';

const f = Math.fround;

/** The values along `axis` through the element at coordinates c (the axis coordinate ignored). */
function line(x: Tensor, c: number[], axis: number): number[] {
  return Array.from({ length: x.shape[axis]! }, (_, k) => vals(x)[ravel(c.map((v, d) => (d === axis ? k : v)), x.shape)]!);
}

describe('argmax / argmin', () => {
  const r = rng(3);
  // Few distinct values: ties are common.
  const x = t('f32', [3, 4, 5], Array.from({ length: 60 }, () => r.int(0, 3)));
  it.each([0, 1, 2, -1])('along axis %i, first and last index of ties, with and without keepdims', (axis) => {
    const a = axis < 0 ? axis + 3 : axis;
    for (const [op, pick] of [['argmax', Math.max], ['argmin', Math.min]] as const)
      for (const last of [false, true]) {
        const y = runOp(op, [x], { axis, keepdims: false, select_last_index: last })[0]!;
        expect(y.dtype).toBe('i64');
        const want = Array.from({ length: numel(y.shape) }, (_, i) => {
          const c = unravel(i, y.shape);
          c.splice(a, 0, 0);
          const l = line(x, c, a), best = pick(...l);
          return last ? l.lastIndexOf(best) : l.indexOf(best);
        });
        expect(vals(y), `${op} last=${last}`).toEqual(want);
        expect(runOp(op, [x], { axis })[0]!.shape).toEqual(x.shape.map((d, k) => (k === a ? 1 : d)));
      }
  });

  it('NaN wins argmax and argmin (first NaN), like NumPy', () => {
    const x2 = t('f32', [5], [1, NaN, 7, NaN, -3]);
    expect(vals(runOp('argmax', [x2])[0]!)).toEqual([1]);
    expect(vals(runOp('argmin', [x2])[0]!)).toEqual([1]);
  });
});

describe('top_k, hardmax, cumsum, reduce_log_sum_exp', () => {
  it('top_k gives sorted values and indices, ties by lower index', () => {
    const x = t('f32', [2, 5], [3, 1, 3, 2, 5, 0, 0, -1, 4, 0]);
    const [v, i] = runOp('top_k', [x], { k: 3 });
    expect([vals(v!), vals(i!), i!.dtype]).toEqual([[5, 3, 3, 4, 0, 0], [4, 0, 2, 3, 0, 1], 'i64']);
    const [vs, is] = runOp('top_k', [x], { k: 2, axis: 0, largest: false });
    expect([vs!.shape, vals(vs!), vals(is!)]).toEqual([[2, 5], [0, 0, -1, 2, 0, 3, 1, 3, 4, 5], [1, 1, 1, 0, 1, 0, 0, 0, 1, 0]]);
    expect(() => inferOp('top_k', [{ dtype: 'f32', shape: [2, 5] }], { k: 6 })).toThrow(/outside/);
  });

  it('hardmax puts one 1 at the first maximum of each line', () => {
    expect(vals(runOp('hardmax', [t('f32', [2, 3], [1, 3, 3, -1, -2, -5])])[0]!)).toEqual([0, 1, 0, 1, 0, 0]);
    expect(vals(runOp('hardmax', [t('f32', [2, 2], [1, 3, 2, 0])], { axis: 0 })[0]!)).toEqual([0, 1, 1, 0]);
  });

  it('cumsum: inclusive, exclusive, reverse; integers wrap', () => {
    const x = t('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(vals(runOp('cumsum', [x], { axis: 1 })[0]!)).toEqual([1, 3, 6, 4, 9, 15]);
    expect(vals(runOp('cumsum', [x], { axis: 1, exclusive: true })[0]!)).toEqual([0, 1, 3, 0, 4, 9]);
    expect(vals(runOp('cumsum', [x], { axis: 1, reverse: true })[0]!)).toEqual([6, 5, 3, 15, 11, 6]);
    expect(vals(runOp('cumsum', [x], { axis: 0, reverse: true, exclusive: true })[0]!)).toEqual([4, 5, 6, 0, 0, 0]);
    expect(vals(runOp('cumsum', [t('i8', [3], [100, 100, 100])], { axis: 0 })[0]!)).toEqual([100, -56, 44]);
    expect(vals(runOp('cumsum', [tensor('i64', [2], [2 ** 52, 2 ** 52])], { axis: 0 })[0]!)).toEqual([2 ** 52, 2 ** 53]);
  });

  it('reduce_log_sum_exp matches log(sum(exp)) and does not overflow', () => {
    const r = rng(11), data = r.floats(24);
    const y = runOp('reduce_log_sum_exp', [t('f32', [2, 3, 4], data)], { axes: [0, 2], keepdims: false })[0]!;
    const want = [0, 1, 2].map((j) => {
      let s = 0;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) s += Math.exp(data[(i * 3 + j) * 4 + k]!);
      return Math.log(s);
    });
    vals(y).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(want[i]!)));
    expect(vals(runOp('reduce_log_sum_exp', [t('f32', [2], [1000, 1000])])[0]!)).toEqual([f(1000 + Math.log(2))]);
    expect(vals(runOp('reduce_log_sum_exp', [t('f32', [2], [-Infinity, -Infinity])])[0]!)).toEqual([-Infinity]);
  });
});

describe('gather and scatter', () => {
  it('gather_elements and scatter_elements address one axis, negative indices from the end', () => {
    const x = t('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const idx = tensor('i64', [2, 2], [2, -3, 1, 1]);
    expect(vals(runOp('gather_elements', [x, idx], { axis: 1 })[0]!)).toEqual([3, 1, 5, 5]);
    expect(vals(runOp('gather_elements', [x, tensor('i32', [1, 3], [1, 0, 1])], { axis: 0 })[0]!)).toEqual([4, 2, 6]);
    const u = t('f32', [2, 2], [10, 20, 30, 40]);
    expect(vals(runOp('scatter_elements', [x, idx, u], { axis: 1 })[0]!)).toEqual([20, 2, 10, 4, 40, 6]);
    // Duplicates apply in order: the last write wins, add and mul accumulate.
    expect(vals(runOp('scatter_elements', [x, idx, u], { axis: 1, reduction: 'add' })[0]!)).toEqual([21, 2, 13, 4, 75, 6]);
    expect(vals(runOp('scatter_elements', [x, idx, u], { axis: 1, reduction: 'mul' })[0]!)).toEqual([20, 2, 30, 4, 6000, 6]);
    expect(vals(runOp('scatter_elements', [x, idx, u], { axis: 1, reduction: 'max' })[0]!)).toEqual([20, 2, 10, 4, 40, 6]);
    expect(() => runOp('gather_elements', [x, tensor('i64', [1, 1], [3])], { axis: 1 })).toThrow(/out of range/);
  });

  it('gather_nd and scatter_nd address slices, gather_nd with batch_dims', () => {
    const x = t('f32', [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(vals(runOp('gather_nd', [x, tensor('i64', [2, 2], [0, 1, 1, 0])])[0]!)).toEqual([3, 4, 5, 6]);
    expect(vals(runOp('gather_nd', [x, tensor('i64', [1, 3], [1, 1, -1])])[0]!)).toEqual([8]);
    const gb = runOp('gather_nd', [x, tensor('i64', [2, 1], [1, 0])], { batch_dims: 1 })[0]!;
    expect([gb.shape, vals(gb)]).toEqual([[2, 2], [3, 4, 5, 6]]);
    const u = t('f32', [2, 2], [10, 20, 30, 40]);
    expect(vals(runOp('scatter_nd', [x, tensor('i64', [2, 2], [1, 1, 0, 0]), u])[0]!)).toEqual([30, 40, 3, 4, 5, 6, 10, 20]);
    expect(vals(runOp('scatter_nd', [x, tensor('i64', [2, 1], [1, 1]), t('f32', [2, 2, 2], [1, 1, 1, 1, 2, 2, 2, 2])], { reduction: 'add' })[0]!))
      .toEqual([1, 2, 3, 4, 8, 9, 10, 11]);
    expect(() => inferOp('scatter_nd', [{ dtype: 'f32', shape: [2, 2, 2] }, { dtype: 'i64', shape: [2, 2] }, { dtype: 'f32', shape: [2] }])).toThrow(/updates must be f32\[2,2\]/);
  });

  it('one_hot puts on/off values along a new axis', () => {
    const y = runOp('one_hot', [tensor('i64', [3], [0, -1, 5]), t('f32', [2], [-1, 7])], { depth: 3 })[0]!;
    expect([y.shape, vals(y)]).toEqual([[3, 3], [7, -1, -1, -1, -1, 7, -1, -1, -1]]);
    const y0 = runOp('one_hot', [tensor('i32', [2], [1, 2]), tensor('i64', [2], [0, 1])], { depth: 3, axis: 0 })[0]!;
    expect([y0.shape, y0.dtype, vals(y0)]).toEqual([[3, 2], 'i64', [0, 0, 1, 0, 0, 1]]);
  });

  it('trilu keeps a triangle of the last two dims', () => {
    const x = t('f32', [2, 3, 4], Array.from({ length: 24 }, (_, i) => i + 1));
    for (const upper of [true, false])
      for (const k of [-2, -1, 0, 1, 3]) {
        const want = vals(x).map((v, p) => {
          const [, i, j] = unravel(p, x.shape) as [number, number, number];
          return (upper ? j - i >= k : j - i <= k) ? v : 0;
        });
        expect(vals(runOp('trilu', [x], { upper, k })[0]!), `upper=${upper} k=${k}`).toEqual(want);
      }
  });
});

import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { inferOp, runOp, t, vals } from './op-harness.js';

const f = Math.fround;

/** Naive reduction: for every output multi-index, fold over the reduced coordinates in row-major order. */
function naiveReduce(data: number[], shape: number[], axes: number[], fold: (acc: number, x: number) => number, init: number): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(init);
  data.forEach((v, flat) => {
    // unravel against `shape`, ravel against outShape with reduced coordinates zeroed
    let rest = flat, o = 0, mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      o += (axes.includes(d) ? 0 : c) * mul;
      mul *= outShape[d]!;
    }
    out[o] = fold(out[o]!, v);
  });
  return out;
}

const FOLDS: Record<string, [(a: number, x: number) => number, number]> = {
  reduce_sum: [(a, x) => a + x, 0],
  reduce_max: [Math.max, -Infinity],
  reduce_min: [Math.min, Infinity],
  reduce_prod: [(a, x) => a * x, 1],
};

/** A shape of rank 1..4 with small dims, its data, and a subset of axes (possibly empty = all). */
const case_ = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
      fc.subarray([...shape.keys()]),
      fc.boolean(),
    ),
  );

describe('reductions', () => {
  it('hand-checked values', () => {
    const x = t('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(vals(runOp('reduce_sum', [x], { axes: [1], keepdims: false })[0]!)).toEqual([6, 15]);
    expect(vals(runOp('reduce_mean', [x], { axes: [0] })[0]!)).toEqual([2.5, 3.5, 4.5]);
    expect(vals(runOp('reduce_max', [x])[0]!)).toEqual([6]);
    expect(vals(runOp('reduce_min', [x], { axes: [-1] })[0]!)).toEqual([1, 4]);
    expect(vals(runOp('reduce_prod', [x], { axes: [0, 1], keepdims: false })[0]!)).toEqual([720]);
    expect(vals(runOp('reduce_mean', [t('f32', [3], [0.1, 0.2, 0.4])])[0]!)).toEqual([f((f(0.1) + f(0.2) + f(0.4)) / 3)]);
  });

  it('result shapes with and without keepdims', () => {
    const x = { dtype: 'f32' as const, shape: [2, 3, 4] };
    expect(inferOp('reduce_sum', [x], { axes: [0, 2] })[0]!.shape).toEqual([1, 3, 1]);
    expect(inferOp('reduce_sum', [x], { axes: [0, 2], keepdims: false })[0]!.shape).toEqual([3]);
    expect(inferOp('reduce_mean', [x], { keepdims: false })[0]!.shape).toEqual([]);
  });

  it('integers wrap like C; i64 uses BigInt', () => {
    expect(vals(runOp('reduce_sum', [t('i8', [3], [100, 100, 1])])[0]!)).toEqual([-55]);
    expect(vals(runOp('reduce_max', [t('u8', [3], [7, 255, 0])])[0]!)).toEqual([255]);
    expect(vals(runOp('reduce_prod', [t('i32', [2], [65536, 65537])])[0]!)).toEqual([65536]);
    const big = runOp('reduce_sum', [t('i64', [2, 2], [2 ** 40, 1, 2 ** 40, 2])], { axes: [0] })[0]!;
    expect([...(big.data as BigInt64Array)]).toEqual([2n ** 41n, 3n]);
    expect([...(runOp('reduce_min', [t('i64', [2], [-5, 3])])[0]!.data as BigInt64Array)]).toEqual([-5n]);
  });

  it('NaN propagates through max and min', () => {
    expect(vals(runOp('reduce_max', [t('f32', [3], [1, NaN, 2])])[0]!)).toEqual([NaN]);
  });

  it('rejects bad axes and reduce_mean on integers', () => {
    const x = { dtype: 'f32' as const, shape: [2, 3] };
    expect(() => inferOp('reduce_sum', [x], { axes: [2] })).toThrow(/reduce axis 2 is out of range/);
    expect(() => inferOp('reduce_sum', [x], { axes: [1, -1] })).toThrow(/repeat an axis/);
    expect(() => inferOp('reduce_mean', [{ dtype: 'i8', shape: [2] }])).toThrow(/reduce_mean: x must be f32/);
    expect(() => inferOp('reduce_sum', [x], { keepdims: 1 })).toThrow(/keepdims/);
  });

  // The documented order (float64, row-major, one rounding) makes every result bit-exact.
  fcTest.prop([case_])('match a naive float64 row-major fold exactly', ([shape, data, axes, keepdims]) => {
    const x = t('f32', shape, data), xs = [...(x.data as Float32Array)];
    const all = axes.length === 0 ? [...shape.keys()] : axes;
    for (const [op, [fold, init]] of Object.entries(FOLDS)) {
      const got = runOp(op, [x], { axes, keepdims })[0]!;
      const want = naiveReduce(xs, shape, all, fold, init).map(f);
      const g = vals(got);
      expect(g).toEqual(want);
      expect(got.shape).toEqual(keepdims ? shape.map((d, i) => (all.includes(i) ? 1 : d)) : shape.filter((_, i) => !all.includes(i)));
    }
    const count = all.reduce((p, a) => p * shape[a]!, 1);
    const mean = vals(runOp('reduce_mean', [x], { axes, keepdims })[0]!);
    expect(mean).toEqual(naiveReduce(xs, shape, all, (a, v) => a + v, 0).map((s) => f(s / count)));
  });
});

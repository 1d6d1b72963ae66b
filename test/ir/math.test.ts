import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { inferOp, runOp, t, ulps, vals } from './op-harness.js';

const f = Math.fround;

/** A [rows, n] f32 matrix of moderate values, as its rows. */
const matrix = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }))
  .chain(([r, n]) => fc.array(fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: n, maxLength: n }), { minLength: r, maxLength: r }));

describe('pow, min, max', () => {
  it('broadcast with hand-checked values', () => {
    const a = t('f32', [2, 2], [1, 2, 3, 4]), b = t('f32', [2], [2, 0.5]);
    expect(vals(runOp('pow', [a, b])[0]!)).toEqual([1, f(Math.SQRT2), 9, 2]);
    expect(vals(runOp('min', [a, t('f32', [1], [2.5])])[0]!)).toEqual([1, 2, 2.5, 2.5]);
    expect(vals(runOp('max', [a, t('f32', [1], [2.5])])[0]!)).toEqual([2.5, 2.5, 3, 4]);
  });

  it('pow follows C: 1^y = 1 even for NaN and inf, (-1)^inf = 1', () => {
    const r = vals(runOp('pow', [t('f32', [3], [1, -1, 2]), t('f32', [3], [NaN, Infinity, -1])])[0]!);
    expect(r).toEqual([1, 1, 0.5]);
  });

  it('integer pow wraps and truncates negative powers', () => {
    const r = vals(runOp('pow', [t('i8', [4], [3, 2, -1, 2]), t('i8', [4], [2, 7, -3, -1])])[0]!);
    expect(r).toEqual([9, -128, -1, 0]);
    expect([...(runOp('pow', [t('i64', [2], [3, -2]), t('i64', [2], [40, 3])])[0]!.data as BigInt64Array)]).toEqual([BigInt.asIntN(64, 3n ** 40n), -8n]);
    expect(() => runOp('pow', [t('i32', [1], [0]), t('i32', [1], [-1])])).toThrow(/zero to a negative power/);
  });

  it('min and max propagate NaN', () => {
    expect(vals(runOp('min', [t('f32', [2], [NaN, 1]), t('f32', [2], [0, NaN])])[0]!)).toEqual([NaN, NaN]);
  });
});

describe('softmax and log_softmax', () => {
  it('hand-checked values on the last and first axis', () => {
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)], s = e[0]! + e[1]! + e[2]!;
    expect(vals(runOp('softmax', [t('f32', [1, 3], [1, 2, 3])])[0]!)).toEqual(e.map((v) => f(v / s)));
    // axis 0 of [2, 2]: columns normalise.
    const col = vals(runOp('softmax', [t('f32', [2, 2], [0, 5, 0, 5])], { axis: 0 })[0]!);
    expect(col).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(vals(runOp('log_softmax', [t('f32', [2], [0, 0])])[0]!)).toEqual([f(-Math.LN2), f(-Math.LN2)]);
  });

  it('does not overflow on large inputs', () => {
    expect(vals(runOp('softmax', [t('f32', [2], [1e30, 1e30])])[0]!)).toEqual([0.5, 0.5]);
  });

  it('rejects a bad axis and integer operands', () => {
    expect(() => inferOp('softmax', [{ dtype: 'f32', shape: [2, 3] }], { axis: 2 })).toThrow(/axis 2 is out of range/);
    expect(() => inferOp('softmax', [{ dtype: 'i8', shape: [2] }])).toThrow(/must be f32/);
  });

  // Reference: float64 exp(x) / sum exp(x) without the max shift (inputs stay below 30). The kernel
  // also works in float64, so the results agree to 1 ulp of float32 (a float64 difference of a few
  // ulp can straddle a float32 rounding boundary).
  fcTest.prop([matrix])('matches a float64 reference within 1 ulp; rows sum to 1', (rows) => {
    const n = rows[0]!.length, flat = rows.flat();
    const out = vals(runOp('softmax', [t('f32', [rows.length, n], flat)])[0]!);
    const lout = vals(runOp('log_softmax', [t('f32', [rows.length, n], flat)])[0]!);
    rows.forEach((row, r) => {
      const x = row.map(f), e = x.map(Math.exp), s = e.reduce((p, q) => p + q, 0);
      let sum = 0;
      x.forEach((xi, k) => {
        const got = out[r * n + k]!;
        sum += got;
        expect(ulps(got, f(e[k]! / s))).toBeLessThanOrEqual(1);
        // log_softmax near 0 cancels (x - max - lse): there compare absolutely, on the scale of x.
        const lref = xi - Math.log(s), lgot = lout[r * n + k]!;
        expect(ulps(lgot, f(lref)) <= 1 || Math.abs(lgot - lref) <= 1e-14 * Math.max(1, Math.abs(xi))).toBe(true);
      });
      expect(Math.abs(sum - 1)).toBeLessThanOrEqual(n * 2 ** -24);
    });
  });
});

describe('layer_norm', () => {
  it('normalises over the trailing dims with scale and bias', () => {
    // Row [1, 3]: mean 2, var 1 -> [-1, 1] / sqrt(1 + eps).
    const x = t('f32', [2, 2], [1, 3, 5, 5]);
    const out = vals(runOp('layer_norm', [x, t('f32', [2], [2, 1]), t('f32', [2], [0, 10])], { epsilon: 0 })[0]!);
    // A constant row has zero variance: 0/0 without epsilon, like PyTorch.
    expect(out).toEqual([-2, 11, NaN, NaN]);
    const noBias = vals(runOp('layer_norm', [x, t('f32', [2], [1, 1]), ''])[0]!);
    expect(noBias).toEqual([f(-1 / Math.sqrt(1 + 1e-5)), f(1 / Math.sqrt(1 + 1e-5)), 0, 0]);
  });

  it('axis covers several dims', () => {
    const out = vals(runOp('layer_norm', [t('f32', [1, 2, 2], [1, 2, 3, 4]), t('f32', [2, 2], [1, 1, 1, 1])], { axis: 1, epsilon: 0 })[0]!);
    const sd = Math.sqrt(1.25);
    expect(out).toEqual([-1.5, -0.5, 0.5, 1.5].map((v) => f(v / sd)));
  });

  it('checks scale and bias shapes', () => {
    const x = { dtype: 'f32' as const, shape: [2, 3] };
    expect(() => inferOp('layer_norm', [x, { dtype: 'f32', shape: [2] }])).toThrow(/scale must have shape \[3\]/);
    expect(() => inferOp('layer_norm', [x, { dtype: 'f32', shape: [3] }, { dtype: 'f32', shape: [1, 3] }])).toThrow(/bias must have shape/);
    expect(() => inferOp('layer_norm', [x, { dtype: 'f32', shape: [3] }], { epsilon: -1 })).toThrow(/epsilon/);
  });

  fcTest.prop([matrix])('matches a float64 reference within 1 ulp', (rows) => {
    const n = rows[0]!.length, flat = rows.flat();
    const g = Array.from({ length: n }, (_, k) => f(0.5 + k / 4)), b = g.map((v) => f(-v / 3));
    const out = vals(runOp('layer_norm', [t('f32', [rows.length, n], flat), t('f32', [n], g), t('f32', [n], b)])[0]!);
    rows.forEach((row, r) => {
      const x = row.map(f), mean = x.reduce((p, q) => p + q, 0) / n;
      const v = x.reduce((p, q) => p + (q - mean) ** 2, 0) / n;
      x.forEach((xi, k) => {
        const ref = ((xi - mean) / Math.sqrt(v + 1e-5)) * g[k]! + b[k]!;
        // Cancellation near zero: compare on the scale of the row's largest output as well.
        const got = out[r * n + k]!;
        expect(ulps(got, f(ref)) <= 1 || Math.abs(got - ref) <= 1e-12 * (1 + Math.abs(g[k]!))).toBe(true);
      });
    });
  });
});

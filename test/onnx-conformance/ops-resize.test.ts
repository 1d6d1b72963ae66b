// Semantics of resize.ts, norm.ts (instance_norm, lrn) and einsum.ts.
import { describe, expect, it } from 'vitest';
import { inferOp, runOp, t, vals } from '../ir/op-harness.js';
import type { Attrs } from '../../src/ir/graph.js';
import { numel, ravel, rng, unravel } from './naive.js';

const f = Math.fround;
const row = (v: number[]) => t('f32', [1, 1, 1, v.length], v);
const resize1d = (v: number[], out: number, attrs: Attrs) => vals(runOp('resize', [row(v)], { sizes: [1, 1, 1, out], ...attrs })[0]!);

describe('resize', () => {
  it('nearest: each nearest_mode on ties and non-ties (asymmetric)', () => {
    const up2 = (m: string) => resize1d([1, 2, 3, 4], 8, { coordinate_transformation_mode: 'asymmetric', nearest_mode: m });
    // x / 2 = 0, 0.5, 1, 1.5, ...: ties
    expect(up2('round_prefer_floor')).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(up2('round_prefer_ceil')).toEqual([1, 2, 2, 3, 3, 4, 4, 4]);
    // x / 3 = 0, 1/3, 2/3, 1, 4/3, 5/3: no ties
    const up3 = (m: string) => resize1d([5, 6], 6, { coordinate_transformation_mode: 'asymmetric', nearest_mode: m });
    expect(up3('floor')).toEqual([5, 5, 5, 6, 6, 6]);
    expect(up3('ceil')).toEqual([5, 6, 6, 6, 6, 6]);
    expect(up3('round_prefer_floor')).toEqual([5, 5, 6, 6, 6, 6]);
  });

  it('nearest half_pixel (the default) and on integer data', () => {
    expect(resize1d([1, 2, 3, 4], 8, {})).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    const y = runOp('resize', [t('i8', [1, 3], [-1, 0, 1])], { sizes: [2, 6] })[0]!;
    expect([y.dtype, vals(y)]).toEqual(['i8', [-1, -1, 0, 0, 1, 1, -1, -1, 0, 0, 1, 1]]);
  });

  it('linear: half_pixel clamps at the edges, align_corners keeps the corners', () => {
    expect(resize1d([0, 10], 4, { mode: 'linear' })).toEqual([0, 2.5, 7.5, 10]);
    const y = runOp('resize', [t('f32', [1, 1, 2, 2], [0, 1, 2, 3])], { sizes: [1, 1, 3, 3], mode: 'linear', coordinate_transformation_mode: 'align_corners' })[0]!;
    expect(vals(y)).toEqual([0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
  });

  it('pytorch_half_pixel differs from half_pixel only for a 1-wide output', () => {
    expect(resize1d([1, 2, 3, 4], 1, { mode: 'linear' })).toEqual([2.5]);
    expect(resize1d([1, 2, 3, 4], 1, { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' })).toEqual([1]);
    expect(resize1d([1, 2, 3, 4], 2, { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' })).toEqual([1.5, 3.5]);
  });

  it('cubic keeps constants (weights sum to 1) and reproduces a linear ramp away from the edges', () => {
    for (const exclude_outside of [false, true])
      for (const ct of ['half_pixel', 'align_corners', 'asymmetric'])
        expect(resize1d([3, 3, 3], 7, { mode: 'cubic', coordinate_transformation_mode: ct, exclude_outside }).every((v) => Math.abs(v - 3) < 1e-6)).toBe(true);
    const ramp = Array.from({ length: 8 }, (_, i) => i);
    const y = resize1d(ramp, 15, { mode: 'cubic', coordinate_transformation_mode: 'align_corners', cubic_coeff_a: -0.5 });
    // Output x samples input x · 7 / 14; taps stay inside for 1 <= x_ori <= 6.
    for (let x = 2; x <= 12; x++) expect(Math.abs(y[x]! - x / 2)).toBeLessThan(1e-6);
  });

  it('exclude_outside renormalises only where taps fall outside', () => {
    const v = [1, 4, 2, 8, 5, 7];
    const a = resize1d(v, 12, { mode: 'cubic' }), b = resize1d(v, 12, { mode: 'cubic', exclude_outside: true });
    expect(a.slice(3, 9)).toEqual(b.slice(3, 9));
    expect(a[0]).not.toBe(b[0]);
  });

  it('tf_crop_and_resize samples the roi and extrapolates outside', () => {
    const y = resize1d([0, 10, 20, 30], 3, {
      mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', roi: [0, 0, 0, 0.5, 1, 1, 1, 1.5], extrapolation_value: -1,
    });
    // x_ori = 0.5·3·(x/2)·... : 1.5, 3, 4.5 (outside [0, 3])
    expect(y).toEqual([15, 30, -1]);
  });

  it('same sizes leave data unchanged; bad requests are rejected', () => {
    const r = rng(5), x = t('f32', [1, 2, 3, 4], r.floats(24));
    for (const mode of ['nearest', 'linear', 'cubic']) expect(vals(runOp('resize', [x], { sizes: [1, 2, 3, 4], mode })[0]!)).toEqual(vals(x));
    expect(() => inferOp('resize', [{ dtype: 'i8', shape: [4] }], { sizes: [8], mode: 'linear' })).toThrow(/needs a float input/);
    expect(() => inferOp('resize', [{ dtype: 'f32', shape: [4] }], { sizes: [8, 1] })).toThrow(/sizes needs 1 values/);
  });
});

describe('instance_norm and lrn', () => {
  it('instance_norm normalises each (image, channel) plane', () => {
    const r = rng(9), d = r.floats(2 * 3 * 5), s = [0.5, 1, 2], b = [0, 1, -1];
    const y = vals(runOp('instance_norm', [t('f32', [2, 3, 5], d), t('f32', [3], s), t('f32', [3], b)], { epsilon: 0.01 })[0]!);
    for (let p = 0; p < 6; p++) {
      const xs = d.slice(p * 5, p * 5 + 5), mean = xs.reduce((a, c) => a + c, 0) / 5;
      const v = xs.reduce((a, c) => a + (c - mean) ** 2, 0) / 5;
      xs.forEach((x, k) => expect(Math.abs(y[p * 5 + k]! - ((x - mean) / Math.sqrt(v + 0.01)) * s[p % 3]! - b[p % 3]!)).toBeLessThan(1e-6));
    }
    expect(() => inferOp('instance_norm', [{ dtype: 'f32', shape: [1, 3, 4] }, { dtype: 'f32', shape: [4] }, { dtype: 'f32', shape: [3] }])).toThrow(/scale must be \[3\]/);
  });

  it('lrn divides by the windowed sum of squares over channels', () => {
    const r = rng(4), shape = [1, 5, 2], d = r.floats(10);
    const y = vals(runOp('lrn', [t('f32', shape, d)], { size: 4, alpha: 0.1, beta: 0.5, bias: 2 })[0]!);
    d.forEach((x, i) => {
      const [, c, k] = unravel(i, shape) as [number, number, number];
      let s = 0;
      for (let cc = c - 1; cc <= c + 2; cc++) if (cc >= 0 && cc < 5) s += d[ravel([0, cc, k], shape)]! ** 2;
      expect(y[i]).toBe(f(x / Math.pow(2 + (0.1 / 4) * s, 0.5)));
    });
  });
});

describe('einsum', () => {
  const r = rng(21);
  const A = t('f32', [2, 3], r.floats(6)), B = t('f32', [3, 4], r.floats(12)), S = t('f32', [3, 3], r.floats(9));
  const at = (x: ReturnType<typeof t>, ...c: number[]) => vals(x)[ravel(c, x.shape)]!;
  const matmul = Array.from({ length: 8 }, (_, p) => {
    const [i, k] = unravel(p, [2, 4]) as [number, number];
    return f([0, 1, 2].reduce((s, j) => s + at(A, i, j) * at(B, j, k), 0));
  });

  it('matmul, explicit and implicit, and transposes', () => {
    for (const eq of ['ij,jk->ik', 'ij,jk', ' ij , jk -> ik ']) expect(vals(runOp('einsum', [A, B], { equation: eq })[0]!), eq).toEqual(matmul);
    const tr = runOp('einsum', [A], { equation: 'ij->ji' })[0]!;
    expect([tr.shape, vals(tr)]).toEqual([[3, 2], [0, 1, 2].flatMap((j) => [0, 1].map((i) => at(A, i, j)))]);
    // Implicit result: labels used once, sorted (so 'ji' transposes too).
    expect(runOp('einsum', [A], { equation: 'ji' })[0]!.shape).toEqual([3, 2]);
  });

  it('diagonals, traces, sums and outer products', () => {
    expect(vals(runOp('einsum', [S], { equation: 'ii->i' })[0]!)).toEqual([0, 1, 2].map((i) => at(S, i, i)));
    expect(vals(runOp('einsum', [S], { equation: 'ii' })[0]!)).toEqual([f(at(S, 0, 0) + at(S, 1, 1) + at(S, 2, 2))]);
    expect(vals(runOp('einsum', [A], { equation: 'ij->' })[0]!)).toEqual([f(vals(A).reduce((a, b) => a + b, 0))]);
    const o = runOp('einsum', [t('f32', [2], [1, 2]), t('f32', [3], [3, 4, 5])], { equation: 'i,j->ij' })[0]!;
    expect(vals(o)).toEqual([3, 4, 5, 6, 8, 10]);
  });

  it('ellipsis dims broadcast like batch dims', () => {
    const X = t('f32', [2, 1, 2, 3], r.floats(12)), Y = t('f32', [4, 3, 2], r.floats(24));
    const y = runOp('einsum', [X, Y], { equation: '...ij,...jk->...ik' })[0]!;
    expect(y.shape).toEqual([2, 4, 2, 2]);
    const want = Array.from({ length: numel(y.shape) }, (_, p) => {
      const [b0, b1, i, k] = unravel(p, y.shape) as [number, number, number, number];
      return f([0, 1, 2].reduce((s, j) => s + at(X, b0, 0, i, j) * at(Y, b1, j, k), 0));
    });
    expect(vals(y)).toEqual(want);
  });

  it('rejects mismatched label sizes and terms', () => {
    expect(() => inferOp('einsum', [{ dtype: 'f32', shape: [2, 3] }, { dtype: 'f32', shape: [2, 4] }], { equation: 'ij,jk->ik' })).toThrow(/label 'j' has sizes 3 and 2/);
    expect(() => inferOp('einsum', [{ dtype: 'f32', shape: [2, 3] }], { equation: 'ijk->i' })).toThrow(/3 labels for an operand of rank 2/);
    expect(() => inferOp('einsum', [{ dtype: 'f32', shape: [2, 3] }], { equation: 'ij->iz' })).toThrow(/'z' is not in any operand/);
  });
});

import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { erf } from '../../src/ir/compute/erf.js';
import { inferOp, runOp, t, ulps, vals } from './op-harness.js';

const f = Math.fround;
const run1 = (op: string, xs: number[], attrs = {}, dtype: 'f32' | 'i8' | 'u8' | 'i32' | 'i64' = 'f32'): number[] =>
  vals(runOp(op, [t(dtype, [xs.length], xs)], attrs)[0]!);

/** erf from its Taylor series (|x| <= 2) or the continued fraction of erfc (|x| > 2), in float64. */
function erfReference(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a <= 2) {
    let term = a, sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))), evaluated backwards.
    let cf = a;
    for (let k = 200; k >= 1; k--) cf = a + k / 2 / cf;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / cf;
  }
  return x < 0 ? -r : r;
}

describe('unary activations', () => {
  it('computes hand-checked values', () => {
    expect(run1('relu', [-1, 0, 2.5])).toEqual([0, 0, 2.5]);
    expect(run1('leaky_relu', [-2, 3])).toEqual([f(-0.02), 3]);
    expect(run1('leaky_relu', [-2], { alpha: 0.5 })).toEqual([-1]);
    expect(run1('elu', [-1, 2])).toEqual([f(Math.exp(-1) - 1), 2]);
    expect(run1('sigmoid', [0, 2])).toEqual([0.5, f(1 / (1 + Math.exp(-2)))]);
    expect(run1('tanh', [0.5])).toEqual([f(Math.tanh(0.5))]);
    expect(run1('hardswish', [-4, -3, 1, 3, 5])).toEqual([-0, -0, f(4 / 6), 3, 5]);
    expect(run1('hardsigmoid', [1, -5, 5])).toEqual([f(0.7), 0, 1]);
    expect(run1('hardsigmoid', [1], { alpha: 1 / 6 })).toEqual([f(1 / 6 + 0.5)]);
    expect(run1('floor', [-1.5, 1.5])).toEqual([-2, 1]);
    expect(run1('ceil', [-1.5, 1.5])).toEqual([-1, 2]);
    expect(run1('neg', [2, -0.5])).toEqual([-2, 0.5]);
    expect(run1('abs', [-2, 3])).toEqual([2, 3]);
    expect(run1('reciprocal', [4, 0])).toEqual([0.25, Infinity]);
    expect(run1('sqrt', [4, -1])).toEqual([2, NaN]);
    expect(run1('log', [1, 0])).toEqual([0, -Infinity]);
    expect(run1('exp', [0, 1])).toEqual([1, f(Math.E)]);
  });

  it('gelu: exact erf form and tanh approximation', () => {
    // Published values: gelu(1) = 0.8413447460685429, tanh form 0.8411919906082768.
    expect(run1('gelu', [1, -1, 0])).toEqual([f(0.8413447460685429), f(-0.15865525393145707), 0]);
    expect(run1('gelu', [1], { approximate: 'tanh' })).toEqual([f(0.8411919906082768)]);
    expect(() => run1('gelu', [1], { approximate: 'fast' })).toThrow(/approximate/);
  });

  it('clip: relu6, integer operands with bounds rounded inward, i64', () => {
    expect(run1('clip', [-1, 3, 7, NaN], { min: 0, max: 6 })).toEqual([0, 3, 6, NaN]);
    expect(run1('clip', [-5, 0, 5])).toEqual([-5, 0, 5]);
    expect(run1('clip', [-5, 1, 6, 7], { min: 0.5, max: 6.5 }, 'i8')).toEqual([1, 1, 6, 6]);
    expect(run1('clip', [-5, 70], { max: 6 }, 'i64')).toEqual([-5, 6]);
    expect(run1('clip', [-5, 70], { min: -2 }, 'i64')).toEqual([-2, 70]);
  });

  it('relu, neg and abs on integers wrap like C', () => {
    expect(run1('relu', [-128, 0, 127], {}, 'i8')).toEqual([0, 0, 127]);
    expect(run1('neg', [-128, 5], {}, 'i8')).toEqual([-128, -5]);
    expect(run1('abs', [-128, -5], {}, 'i8')).toEqual([-128, 5]);
    expect(run1('neg', [3], {}, 'u8')).toEqual([253]);
    expect(run1('abs', [-7, 7], {}, 'i64')).toEqual([7, 7]);
    expect(run1('relu', [-7, 7], {}, 'i64')).toEqual([0, 7]);
  });

  it('rejects integer operands for float-only ops, and bad attributes', () => {
    expect(() => run1('sigmoid', [1], {}, 'i8')).toThrow(/sigmoid: x must be f32 \| f64, got i8/);
    expect(() => run1('leaky_relu', [1], { alpha: 'big' })).toThrow(/alpha/);
    expect(() => run1('relu', [1], { alpha: 1 })).toThrow(/unknown attribute 'alpha'/);
  });

  it('prelu broadcasts a per-channel slope and checks its shape', () => {
    const x = t('f32', [1, 2, 2], [-1, 2, -3, 4]);
    expect(vals(runOp('prelu', [x, t('f32', [2, 1], [0.5, 0.25])])[0]!)).toEqual([-0.5, 2, -0.75, 4]);
    expect(() => inferOp('prelu', [{ dtype: 'f32', shape: [2] }, { dtype: 'f32', shape: [2, 2] }])).toThrow(/must broadcast to x/);
  });

  it('keeps the operand shape', () => {
    expect(inferOp('tanh', [{ dtype: 'f32', shape: [2, 3, 4] }])).toEqual([{ dtype: 'f32', shape: [2, 3, 4] }]);
  });
});

describe('erf', () => {
  it('matches tabulated values', () => {
    const table: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-3, -0.9999779095030014],
      [0.1, 0.1124629160182849],
    ];
    for (const [x, v] of table) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-15);
    expect(erf(0)).toBe(0);
    expect(erf(30)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });

  // The series and continued fraction lose a little to cancellation; 1e-13 relative is still far
  // below the 6e-8 of float32 rounding.
  fcTest.prop([fc.double({ min: -7, max: 7, noNaN: true })])('agrees with a series / continued-fraction reference', (x) => {
    const ref = erfReference(x);
    expect(Math.abs(erf(x) - ref)).toBeLessThanOrEqual(1e-13 * Math.max(Math.abs(ref), 1e-300));
    expect(erf(-x)).toBe(-erf(x));
  });

  // Within 1 ulp: the two float64 values may straddle a float32 rounding boundary.
  fcTest.prop([fc.array(fc.float({ min: -6, max: 6, noNaN: true }), { minLength: 1, maxLength: 32 })])('op result is erf rounded to float32', (xs) => {
    run1('erf', xs).forEach((v, i) => expect(ulps(v, f(erfReference(f(xs[i]!))))).toBeLessThanOrEqual(1));
  });
});

describe('activation properties', () => {
  const floats = fc.array(fc.float({ noNaN: true, min: -1e4, max: 1e4 }), { minLength: 1, maxLength: 32 });

  fcTest.prop([floats])('leaky_relu and relu agree with their definitions', (xs) => {
    expect(run1('leaky_relu', xs, { alpha: 0.1 })).toEqual(xs.map((x) => (x < 0 ? f(f(x) * 0.1) : f(x))));
    expect(run1('relu', xs)).toEqual(xs.map((x) => (x < 0 ? 0 : f(x))));
  });

  fcTest.prop([floats])('sigmoid(x) + sigmoid(-x) = 1 within 2 ulp and lies in [0, 1]', (xs) => {
    const p = run1('sigmoid', xs), q = run1('sigmoid', xs.map((x) => -x));
    p.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(v + q[i]! - 1)).toBeLessThanOrEqual(2 ** -23);
    });
  });

  fcTest.prop([floats, fc.float({ min: -10, max: 10, noNaN: true }), fc.float({ min: 0, max: 10, noNaN: true })])(
    'clip is idempotent and bounded',
    (xs, lo, width) => {
      const attrs = { min: f(lo), max: f(lo + width) };
      const once = run1('clip', xs, attrs);
      expect(run1('clip', once, attrs)).toEqual(once);
      for (const v of once) expect(v >= attrs.min && v <= attrs.max).toBe(true);
    },
  );
});

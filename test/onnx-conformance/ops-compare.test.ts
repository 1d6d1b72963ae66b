// Semantics of compare.ts (comparisons, logic, where, is_nan/is_inf) and unary-math.ts (sign,
// round, trigonometry, softplus, celu, thresholded_relu, shrink, mod).
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { inferOp, runOp, t, vals } from '../ir/op-harness.js';
import { tensor } from '../../src/ir/tensor.js';
import { bcastIndex, numel, unravel } from './naive.js';

const f = Math.fround;

const CMP: Record<string, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b, less: (a, b) => a < b, less_equal: (a, b) => a <= b, greater: (a, b) => a > b, greater_equal: (a, b) => a >= b,
};

describe('comparisons', () => {
  // Two shapes that broadcast: b's dims are 1 or a's, and b may have fewer dims.
  const pair = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }).chain((sa) =>
    fc.tuple(fc.constant(sa), fc.tuple(...sa.map((d) => fc.constantFrom(1, d))).chain((sb) => fc.integer({ min: 0, max: sb.length }).map((k) => sb.slice(k)))),
  );
  fcTest.prop([pair, fc.constantFrom(...Object.keys(CMP))])('match the naive comparison under broadcasting', ([sa, sb], op) => {
    // Small integer values so that equality happens often.
    const a = t('f32', sa, Array.from({ length: numel(sa) }, (_, i) => (i * 7) % 3)), b = t('f32', sb, Array.from({ length: numel(sb) }, (_, i) => (i * 5) % 3));
    const y = runOp(op, [a, b])[0]!;
    expect(y.dtype).toBe('bool');
    const want = Array.from({ length: numel(y.shape) }, (_, i) => {
      const c = unravel(i, y.shape);
      return CMP[op]!(vals(a)[bcastIndex(c, sa)]!, vals(b)[bcastIndex(c, sb)]!) ? 1 : 0;
    });
    expect(vals(y)).toEqual(want);
  });

  it('NaN compares false, also to itself; i64 compares exactly beyond 2^53', () => {
    const x = t('f32', [3], [NaN, 1, NaN]), y = t('f32', [3], [NaN, NaN, 1]);
    for (const op of Object.keys(CMP)) expect(vals(runOp(op, [x, y])[0]!), op).toEqual([0, 0, 0]);
    const big = tensor('i64', [2], [0, 0]);
    (big.data as BigInt64Array).set([2n ** 53n, 2n ** 53n + 1n]);
    const other = tensor('i64', [2], [0, 0]);
    (other.data as BigInt64Array).set([2n ** 53n + 1n, 2n ** 53n + 1n]);
    expect(vals(runOp('less', [big, other])[0]!)).toEqual([1, 0]);
    expect(vals(runOp('equal', [big, other])[0]!)).toEqual([0, 1]);
  });

  it('logic ops follow their truth tables and broadcast', () => {
    const a = t('bool', [4], [0, 0, 1, 1]), b = t('bool', [4], [0, 1, 0, 1]);
    expect(vals(runOp('and', [a, b])[0]!)).toEqual([0, 0, 0, 1]);
    expect(vals(runOp('or', [a, b])[0]!)).toEqual([0, 1, 1, 1]);
    expect(vals(runOp('xor', [a, b])[0]!)).toEqual([0, 1, 1, 0]);
    expect(vals(runOp('not', [a])[0]!)).toEqual([1, 1, 0, 0]);
    expect(vals(runOp('equal', [a, b])[0]!)).toEqual([1, 0, 0, 1]);
    expect(vals(runOp('and', [t('bool', [2, 1], [0, 1]), t('bool', [2], [1, 1])])[0]!)).toEqual([0, 0, 1, 1]);
  });

  it('where broadcasts all three operands and keeps the value dtype', () => {
    const c = t('bool', [2, 1], [1, 0]), a = t('i32', [3], [1, 2, 3]), b = t('i32', [], [-1]);
    const y = runOp('where', [c, a, b])[0]!;
    expect([y.dtype, y.shape, vals(y)]).toEqual(['i32', [2, 3], [1, 2, 3, -1, -1, -1]]);
    expect(inferOp('where', [{ dtype: 'bool', shape: [4, 1, 1] }, { dtype: 'f32', shape: [3, 1] }, { dtype: 'f32', shape: [2] }])[0]!.shape).toEqual([4, 3, 2]);
  });

  it('is_nan and is_inf with its detect flags', () => {
    const x = t('f32', [4], [NaN, Infinity, -Infinity, 1]);
    expect(vals(runOp('is_nan', [x])[0]!)).toEqual([1, 0, 0, 0]);
    expect(vals(runOp('is_inf', [x])[0]!)).toEqual([0, 1, 1, 0]);
    expect(vals(runOp('is_inf', [x], { detect_negative: false })[0]!)).toEqual([0, 1, 0, 0]);
    expect(vals(runOp('is_inf', [x], { detect_positive: false })[0]!)).toEqual([0, 0, 1, 0]);
  });

  it('rejects mixed dtypes, non-bool logic operands and a non-bool condition', () => {
    expect(() => inferOp('less', [{ dtype: 'f32', shape: [2] }, { dtype: 'i32', shape: [2] }])).toThrow(/dtypes differ/);
    expect(() => inferOp('and', [{ dtype: 'i32', shape: [2] }, { dtype: 'i32', shape: [2] }])).toThrow(/must be bool/);
    expect(() => inferOp('where', [{ dtype: 'f32', shape: [2] }, { dtype: 'f32', shape: [2] }, { dtype: 'f32', shape: [2] }])).toThrow(/cond must be bool/);
    expect(() => inferOp('equal', [{ dtype: 'f32', shape: [2] }, { dtype: 'f32', shape: [3] }])).toThrow(/do not broadcast/);
  });
});

describe('unary math', () => {
  it('round takes ties to even', () => {
    const x = t('f32', [9], [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6, 3]);
    expect(vals(runOp('round', [x])[0]!)).toEqual([0, 2, 2, -0, -2, -2, 2, -3, 3]);
  });

  it('sign on floats (NaN and zero kept) and integers', () => {
    expect(vals(runOp('sign', [t('f32', [5], [-3.5, 0, 2, NaN, -0])])[0]!)).toEqual([-1, 0, 1, NaN, -0]);
    expect(vals(runOp('sign', [t('i8', [3], [-128, 0, 7])])[0]!)).toEqual([-1, 0, 1]);
    const big = tensor('i64', [2], [-5, 9]);
    expect(vals(runOp('sign', [big])[0]!)).toEqual([-1, 1]);
  });

  fcTest.prop([fc.float({ min: -10, max: 10, noNaN: true })])('trigonometric and hyperbolic functions are Math.* rounded once', (v) => {
    const x = t('f32', [1], [v]), xv = f(v);
    for (const [op, g] of [['sin', Math.sin], ['cos', Math.cos], ['tan', Math.tan], ['atan', Math.atan], ['sinh', Math.sinh], ['cosh', Math.cosh], ['asinh', Math.asinh]] as const)
      expect(vals(runOp(op, [x])[0]!), op).toEqual([f(g(xv))]);
  });

  it('softplus does not overflow and matches log(1 + e^x) where that is finite', () => {
    const y = vals(runOp('softplus', [t('f32', [5], [-100, -1, 0, 1, 100])])[0]!);
    expect(y[4]).toBe(100);
    expect(y[0]).toBe(f(Math.exp(-100)));
    for (const [i, v] of [[1, -1], [2, 0], [3, 1]] as const) expect(y[i]).toBe(f(Math.log(1 + Math.exp(v))));
  });

  it('celu, thresholded_relu and shrink', () => {
    const x = t('f32', [5], [-2, -0.5, 0, 0.5, 2]);
    expect(vals(runOp('celu', [x], { alpha: 2 })[0]!)).toEqual([-2, -0.5, 0, 0.5, 2].map((v) => f(Math.max(0, v) + Math.min(0, 2 * (Math.exp(v / 2) - 1)))));
    expect(vals(runOp('thresholded_relu', [x], { alpha: 0.5 })[0]!)).toEqual([0, 0, 0, 0, 2]);
    expect(vals(runOp('shrink', [x], { lambd: 1, bias: 0.5 })[0]!)).toEqual([-1.5, 0, 0, 0, 1.5]);
    expect(vals(runOp('shrink', [t('i32', [3], [-5, 0, 5])], { lambd: 1, bias: 1 })[0]!)).toEqual([-4, 0, 4]);
  });
});

describe('mod', () => {
  const a = [-7, 7, -7, 7, 6], b = [3, 3, -3, -3, 3];
  it('fmod = 0 takes the divisor sign (Python %), fmod = 1 the dividend sign (C fmod)', () => {
    expect(vals(runOp('mod', [t('i32', [5], a), t('i32', [5], b)])[0]!)).toEqual([2, 1, -1, -2, 0]);
    expect(vals(runOp('mod', [t('i32', [5], a), t('i32', [5], b)], { fmod: true })[0]!)).toEqual([-1, 1, -1, 1, 0]);
    expect(vals(runOp('mod', [tensor('i64', [5], a), tensor('i64', [5], b)])[0]!)).toEqual([2, 1, -1, -2, 0]);
    expect(vals(runOp('mod', [t('f32', [2], [-7.5, 7.5]), t('f32', [1], [2])], { fmod: true })[0]!)).toEqual([-1.5, 1.5]);
  });

  it('floats need fmod and integer division by zero is an error', () => {
    expect(() => inferOp('mod', [{ dtype: 'f32', shape: [1] }, { dtype: 'f32', shape: [1] }])).toThrow(/fmod = 1/);
    expect(() => runOp('mod', [t('i32', [1], [1]), t('i32', [1], [0])])).toThrow(/division by zero/);
  });
});

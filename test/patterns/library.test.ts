// The built-in library (spec/patterns): each pattern fires on random graphs that contain it
// (random shapes, strides, groups, BN statistics, clamps) and keeps the interpreter's results
// within float tolerance; each validity condition has a graph where the pattern must not fire.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { applyPatterns, builtinPatterns } from '../../src/patterns/index.js';
import { opsOf, randTensor, rewriteAndCompare, rng } from './support.js';

const LIB = builtinPatterns('fold-batchnorm', 'fuse-activation');
/** Folding reassociates float32 products: allow a few ulps of the output scale. */
const TOL = 2e-5;

/** Adds a batch_norm with random statistics over channel axis 1 of `x` (C channels). */
function addBN(b: GraphBuilder, x: string, C: number, r: () => number, eps: number, name = 'bn'): string {
  const g = b.constant(`${name}.gamma`, randTensor([C], r, -1.5, 1.5));
  const beta = b.constant(`${name}.beta`, randTensor([C], r, -1, 1));
  const mean = b.constant(`${name}.mean`, randTensor([C], r, -1, 1));
  const v = b.constant(`${name}.var`, randTensor([C], r, 0.05, 2));
  return b.op('batch_norm', [x, g, beta, mean, v], { epsilon: eps }, name);
}

const ACT = fc.constantFrom('none', 'relu', 'relu6', 'clip');
function addAct(b: GraphBuilder, x: string, act: string, r: () => number): string {
  if (act === 'relu') return b.op('relu', [x], {}, 'act');
  if (act === 'relu6') return b.op('clip', [x], { min: 0, max: 6 }, 'act');
  if (act === 'clip') {
    const lo = -1 + r(), hi = lo + 2 * r();
    return b.op('clip', [x], { min: lo, max: hi }, 'act');
  }
  return x;
}

const conv = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  group: fc.integer({ min: 1, max: 3 }),
  cinG: fc.integer({ min: 1, max: 3 }),
  coutG: fc.integer({ min: 1, max: 3 }),
  hw: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })),
  k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  pad: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
  dil: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  outPad: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
  bias: fc.boolean(),
  eps: fc.constantFrom(1e-5, 1e-3, 0.1),
  act: ACT,
  seed: fc.integer(),
});
type ConvCase = typeof conv extends fc.Arbitrary<infer T> ? T : never;
const fits = (c: ConvCase) => c.hw.every((d, i) => d + c.pad[i]! + c.pad[i + 2]! >= c.dil[i]! * (c.k[i]! - 1) + 1);
const fitsT = (c: ConvCase) =>
  c.hw.every((d, i) => (d - 1) * c.stride[i]! - c.pad[i]! - c.pad[i + 2]! + c.dil[i]! * (c.k[i]! - 1) + 1 + c.outPad[i]! >= 1) &&
  c.outPad.every((o, i) => o < Math.max(c.stride[i]!, c.dil[i]!));

function convGraph(c: ConvCase, transpose: boolean): { g: Graph; input: ReturnType<typeof randTensor> } {
  const r = rng(c.seed);
  const b = new GraphBuilder();
  const cin = c.cinG * c.group, cout = c.coutG * c.group;
  const x = b.input('x', { dtype: 'f32', shape: [c.n, cin, ...c.hw] });
  const w = b.constant('w', randTensor(transpose ? [cin, c.coutG, ...c.k] : [cout, c.cinG, ...c.k], r));
  const ins = [x, w, ...(c.bias ? [b.constant('b', randTensor([cout], r))] : [])];
  const attrs = { strides: c.stride, pads: c.pad, dilations: c.dil, group: c.group, ...(transpose ? { output_padding: c.outPad } : {}) };
  const y = b.op(transpose ? 'conv_transpose2d' : 'conv2d', ins, attrs, 'conv');
  b.output(addAct(b, addBN(b, y, cout, r, c.eps), c.act, r));
  return { g: b.build(), input: randTensor([c.n, cin, ...c.hw], r) };
}

describe('fold-batchnorm', () => {
  test.prop([conv.filter(fits)], { numRuns: 40 })('conv2d + batch_norm (+ activation) folds and fuses', (c) => {
    const { g, input } = convGraph(c, false);
    const res = rewriteAndCompare(g, LIB, [input], TOL);
    expect(opsOf(res.graph)).toEqual(['conv2d']);
    expect(res.rewrites['fold_conv_bn']).toBe(1);
  });

  test.prop([conv.filter(fitsT)], { numRuns: 40 })('conv_transpose2d + batch_norm (+ activation), any groups, folds; the activation is fused separately', (c) => {
    const { g, input } = convGraph(c, true);
    const res = rewriteAndCompare(g, LIB, [input], TOL);
    expect(opsOf(res.graph)).toEqual(['conv_transpose2d']);
    expect(res.rewrites['fold_convT_bn']).toBe(1);
    if (c.act === 'relu') expect(res.rewrites['fuse_relu']).toBe(1);
  });

  const gemm = fc.record({
    m: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 5 }),
    n: fc.integer({ min: 1, max: 5 }),
    transA: fc.boolean(),
    transB: fc.boolean(),
    alpha: fc.constantFrom(1, 0.5, -2),
    beta: fc.constantFrom(1, 0.25, 3),
    c: fc.constantFrom('none', 'scalar', 'row', 'n', 'full'),
    act: ACT,
    seed: fc.integer(),
  });
  test.prop([gemm], { numRuns: 40 })('gemm + batch_norm folds (trans_b aware, any bias shape)', (p) => {
    const r = rng(p.seed);
    const b = new GraphBuilder();
    const a = b.input('a', { dtype: 'f32', shape: p.transA ? [p.k, p.m] : [p.m, p.k] });
    const w = b.constant('w', randTensor(p.transB ? [p.n, p.k] : [p.k, p.n], r));
    const cShape = { none: null, scalar: [], row: [1, p.n], n: [p.n], full: [p.m, p.n] }[p.c];
    const ins = [a, w, ...(cShape ? [b.constant('c', randTensor(cShape, r))] : [])];
    const y = b.op('gemm', ins, { alpha: p.alpha, beta: p.beta, trans_a: p.transA, trans_b: p.transB }, 'gemm');
    b.output(addAct(b, addBN(b, y, p.n, r, 1e-5), p.act, r));
    const res = rewriteAndCompare(b.build(), LIB, [randTensor(p.transA ? [p.k, p.m] : [p.m, p.k], r)], TOL);
    expect(opsOf(res.graph)).toEqual(['gemm']);
  });

  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer()], { numRuns: 20 })(
    'matmul + batch_norm on a 2-D input becomes a gemm',
    (m, k, n, seed) => {
      const r = rng(seed);
      const b = new GraphBuilder();
      const a = b.input('a', { dtype: 'f32', shape: [m, k] });
      b.output(addBN(b, b.op('matmul', [a, b.constant('w', randTensor([k, n], r))]), n, r, 1e-3));
      expect(opsOf(rewriteAndCompare(b.build(), LIB, [randTensor([m, k], r)], TOL).graph)).toEqual(['gemm']);
    },
  );

  it('2-D matmul + batch_norm becomes a gemm; a batched matmul keeps its batch_norm', () => {
    const r = rng(7);
    const build = (aShape: number[]) => {
      const b = new GraphBuilder();
      const a = b.input('a', { dtype: 'f32', shape: aShape });
      const y = b.op('matmul', [a, b.constant('w', randTensor([4, 3], r))]);
      b.output(addBN(b, y, aShape.length === 2 ? 3 : aShape[1]!, r, 1e-5));
      return { g: b.build(), input: randTensor(aShape, r) };
    };
    const flat = build([2, 4]);
    expect(opsOf(rewriteAndCompare(flat.g, LIB, [flat.input], TOL).graph)).toEqual(['gemm']);
    const batched = build([2, 5, 4]);
    expect(opsOf(applyPatterns(batched.g, LIB).graph)).toEqual(['matmul', 'batch_norm']);
  });
});

describe('fold-batchnorm does not fire when it would be wrong', () => {
  const base = (opts: { extraUser?: boolean; inputWeight?: boolean; inputGamma?: boolean; clamp?: boolean; bnIsOutput?: boolean }) => {
    const r = rng(3);
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [1, 2, 4, 4] });
    const w = opts.inputWeight ? b.input('w', { dtype: 'f32', shape: [3, 2, 1, 1] }) : b.constant('w', randTensor([3, 2, 1, 1], r));
    const y = b.op('conv2d', [x, w], opts.clamp ? { clamp_min: 0 } : {}, 'conv');
    const g = opts.inputGamma ? b.input('gamma', { dtype: 'f32', shape: [3] }) : b.constant('gamma', randTensor([3], r));
    const ps = ['beta', 'mean'].map((n) => b.constant(n, randTensor([3], r)));
    const v = b.constant('var', randTensor([3], r, 0.5, 1));
    const bn = b.op('batch_norm', [y, g, ...ps, v], {}, 'bn');
    b.output(bn);
    if (opts.extraUser) b.output(b.op('relu', [y], {}, 'other'));
    return b.build();
  };
  const folds = (g: Graph) => applyPatterns(g, LIB).rewrites['fold_conv_bn'] ?? 0;

  it('fires on the plain graph', () => expect(folds(base({}))).toBe(1));
  it('not when the conv result has another user', () => expect(folds(base({ extraUser: true }))).toBe(0));
  it('not when the weight is not a constant', () => expect(folds(base({ inputWeight: true }))).toBe(0));
  it('not when a BN parameter is not a constant', () => expect(folds(base({ inputGamma: true }))).toBe(0));
  it('not when the conv already has a fused clamp', () => expect(folds(base({ clamp: true }))).toBe(0));
});

describe('fuse-activation', () => {
  const ops = fc.constantFrom('conv2d', 'conv_transpose2d', 'gemm');
  const clampArb = fc.option(fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true })), { nil: undefined });
  test.prop([ops, ACT.filter((a) => a !== 'none'), clampArb, fc.integer()], { numRuns: 40 })('relu, relu6 and clip compose with an existing clamp', (op, act, clamp, seed) => {
    const r = rng(seed);
    const b = new GraphBuilder();
    const gemm = op === 'gemm';
    const x = b.input('x', { dtype: 'f32', shape: gemm ? [3, 4] : [1, 2, 3, 3] });
    const w = b.constant('w', randTensor(gemm ? [4, 2] : [2, 2, 2, 2], r, -2, 2));
    const attrs: Record<string, number> = clamp ? { clamp_min: clamp[0], clamp_max: clamp[0] + clamp[1] } : {};
    const y = b.op(op, [x, w], attrs, 'p');
    b.output(addAct(b, y, act, r));
    const res = rewriteAndCompare(b.build(), LIB, [randTensor(gemm ? [3, 4] : [1, 2, 3, 3], r, -3, 3)], 0);
    expect(opsOf(res.graph)).toEqual([op]);
  });

  it('does not fuse into a producer with another user, nor an inverted clip', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [2, 2] });
    const y = b.op('gemm', [x, b.constant('w', randTensor([2, 2], rng(1)))], {}, 'g');
    b.output(b.op('relu', [y]), y);
    expect(opsOf(applyPatterns(b.build(), LIB).graph)).toEqual(['gemm', 'relu']);
    const b2 = new GraphBuilder();
    const x2 = b2.input('x', { dtype: 'f32', shape: [2, 2] });
    const y2 = b2.op('gemm', [x2, b2.constant('w', randTensor([2, 2], rng(1)))]);
    b2.output(b2.op('clip', [y2], { min: 3, max: 1 }));
    expect(opsOf(applyPatterns(b2.build(), LIB).graph)).toEqual(['gemm', 'clip']);
  });
});

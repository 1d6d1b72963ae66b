// Shared helpers of the pattern tests: seeded data, running a graph before and after rewriting.
import { expect } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { verify } from '../../src/ir/verify.js';
import { formatDiagnostic } from '../../src/diagnostics/index.js';
import { applyPatterns, type ApplyOptions, type ApplyResult, type PatternSet } from '../../src/patterns/index.js';

import { mulberry32 as rng } from '../../src/util/prng.js';
export { rng };

export function randTensor(shape: number[], r: () => number, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor('f32', shape, Array.from({ length: n }, () => lo + (hi - lo) * r()));
}

/** Largest |a-b| divided by the largest |b| (1 if that is below 1). */
export function relError(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let diff = 0, scale = 1;
  for (let i = 0; i < a.data.length; i++) {
    diff = Math.max(diff, Math.abs(Number(a.data[i]) - Number(b.data[i])));
    scale = Math.max(scale, Math.abs(Number(b.data[i])));
  }
  return diff / scale;
}

export function expectValid(g: Graph): void {
  const ds = verify(g);
  expect(ds.map(formatDiagnostic)).toEqual([]);
}

/** Applies the set, checks the result verifies and computes what the input computed. */
export function rewriteAndCompare(g: Graph, set: PatternSet, inputs: Tensor[], tol: number, opts: ApplyOptions = {}): ApplyResult {
  const res = applyPatterns(g, set, opts);
  expect(res.converged).toBe(true);
  expectValid(res.graph);
  const before = run(g, inputs).outputs, after = run(res.graph, inputs).outputs;
  expect(res.graph.outputs).toEqual(g.outputs);
  before.forEach((b, i) => expect(relError(after[i]!, b)).toBeLessThanOrEqual(tol));
  return res;
}

export const opsOf = (g: Graph): string[] => g.nodes.map((n) => n.op);

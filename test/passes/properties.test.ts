// Property tests: random graphs (with injected redundancy) through every canonicalisation pass.
// None of these passes reassociates floating-point arithmetic, so results must be bit-exact.
import { describe, expect } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { applyPatches } from 'immer';
import { run, type Graph, type Tensor } from '../../src/ir/index.js';
import { printGraph } from '../../src/ir/text/index.js';
import { verify } from '../../src/ir/verify.js';
import { flattenRecords, runPipeline } from '../../src/passes/index.js';
import { arbInputs } from '../../src/testing/index.js';
import { arbRedundantGraph } from './support/redundancy.js';

const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');
const arbCase = arbRedundantGraph({ maxNodes: 10 }).chain((g) => arbInputs(g).map((inputs) => ({ g, inputs })));
const optimize = (g: Graph, spec: string) => runPipeline(g, spec, { verifyEach: true, verifier: verify });

function expectSameResults(before: Graph, after: Graph, inputs: Tensor[]): void {
  expect(after.inputs).toEqual(before.inputs);
  expect(after.outputs).toEqual(before.outputs);
  const a = run(before, inputs).outputs, b = run(after, inputs).outputs;
  expect(b.map((t) => `${t.dtype}[${t.shape}]`)).toEqual(a.map((t) => `${t.dtype}[${t.shape}]`));
  expect(b.map(bytes)).toEqual(a.map(bytes));
}

const PIPELINES = ['infer-shapes', 'dce', 'cse', 'fold-constants', 'remove-identity', 'canonicalize', 'canonicalize,cse'];

describe('every pass keeps results bit-exact, the graph valid, and is idempotent', () => {
  for (const spec of PIPELINES)
    fcTest.prop([arbCase], { numRuns: Number(process.env.QF_RUNS ?? 40) })(spec, ({ g, inputs }) => {
      const { graph, records } = optimize(g, spec);
      expectSameResults(g, graph, inputs);
      // Second run: nothing left to do.
      const again = optimize(graph, spec);
      expect(again.records.some((r) => r.changed), printGraph(graph)).toBe(false);
      // The recorded patches replay the change.
      const patches = records.flatMap((r) => r.patches);
      expect(applyPatches(g, patches)).toEqual(graph);
    });
});

describe('canonicalize', () => {
  fcTest.prop([arbCase], { numRuns: Number(process.env.QF_RUNS ?? 40) })('leaves nothing for any of its parts, and never adds nodes', ({ g }) => {
    const { graph, records } = optimize(g, 'canonicalize');
    expect(graph.nodes.length).toBeLessThanOrEqual(g.nodes.length);
    for (const part of ['dce', 'cse', 'fold-constants', 'remove-identity']) expect(optimize(graph, part).records[0]!.changed).toBe(false);
    expect(records[0]!.warnings).toEqual([]);
    // Every value left is defined and every constant is used.
    const used = new Set([...graph.outputs, ...graph.nodes.flatMap((n) => n.inputs)]);
    expect(Object.keys(graph.constants).filter((c) => !used.has(c))).toEqual([]);
  });

  fcTest.prop([arbCase], { numRuns: Number(process.env.QF_RUNS ?? 40) })('computes what the fixpoint group of its parts computes', ({ g }) => {
    const one = optimize(g, 'canonicalize').graph;
    const group = optimize(g, 'fixpoint(remove-identity,fold-constants,cse,dce)');
    expect(printGraph(one)).toBe(printGraph(group.graph));
    expect(flattenRecords(group.records)[0]!.converged).toBe(true);
  });

  fcTest.prop([arbCase, fc.boolean()], { numRuns: 20 })('freezing changes nothing but the freezing', ({ g }, freeze) => {
    const a = runPipeline(g, 'canonicalize', { freeze }).graph;
    const b = runPipeline(g, 'canonicalize', { freeze: !freeze, recordPatches: false }).graph;
    expect(printGraph(a)).toBe(printGraph(b));
  });
});

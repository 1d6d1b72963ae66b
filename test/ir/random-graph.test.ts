// The shared random-graph generator: its graphs verify, run, and cover the op table and the
// structures property tests rely on (fan-out, several outputs, constants, multi-result nodes).
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { run, verify, type Graph } from '../../src/ir/index.js';
import { arbGraph, arbGraphText, arbGraphWithInputs, availableGeneratorOps } from '../../src/testing/index.js';
import { parseGraph } from '../../src/ir/index.js';

const fanOut = (g: Graph) => {
  const uses = new Map<string, number>();
  g.nodes.forEach((n) => n.inputs.forEach((v) => v && uses.set(v, (uses.get(v) ?? 0) + 1)));
  return [...uses.values()].some((c) => c > 1);
};

describe('random graphs', () => {
  fcTest.prop([arbGraphWithInputs()], { numRuns: 100 })('verify and run, with one result per graph output', ({ g, inputs }) => {
    expect(verify(g)).toEqual([]);
    const out = run(g, inputs).outputs;
    expect(out).toHaveLength(g.outputs.length);
    out.forEach((t, i) => expect(t.shape).toEqual(g.values[g.outputs[i]!]!.shape));
  });

  it('cover every registered generator op and the structures tests need', () => {
    const gs = fc.sample(arbGraph({ maxNodes: 10 }), { numRuns: 300, seed: 42 });
    const seen = new Set(gs.flatMap((g) => g.nodes.map((n) => n.op)));
    for (const op of availableGeneratorOps()) expect(seen, op).toContain(op === 'qdq' ? 'dequantize' : op);
    expect(gs.some(fanOut)).toBe(true);
    expect(gs.some((g) => g.outputs.length > 2)).toBe(true);
    expect(gs.some((g) => g.nodes.some((n) => n.outputs.length > 1))).toBe(true);
    expect(gs.some((g) => g.nodes.some((n) => n.inputs.includes('')))).toBe(true);
    expect(gs.some((g) => Object.values(g.values).some((t) => t.quant?.axis !== undefined))).toBe(true);
    expect(gs.every((g) => Object.keys(g.constants).every((c) => g.nodes.some((n) => n.inputs.includes(c))))).toBe(true);
  });

  it('honour the ops option and keep to it', () => {
    const gs = fc.sample(arbGraph({ ops: ['conv2d', 'relu'], maxInputs: 1 }), { numRuns: 50, seed: 7 });
    const ops = new Set(gs.flatMap((g) => g.nodes.map((n) => n.op)));
    expect([...ops].every((op) => ['conv2d', 'relu', 'add'].includes(op))).toBe(true); // add: the fallback when no step fits
    expect(ops.has('conv2d')).toBe(true);
  });

  it('special floats end up in constants when asked for', () => {
    const gs = fc.sample(arbGraph({ specialFloats: true, ops: ['add', 'mul'] }), { numRuns: 40, seed: 3 });
    expect(gs.some((g) => Object.values(g.constants).some((c) => [...c.data].some((x) => Number.isNaN(x))))).toBe(true);
  });

  fcTest.prop([arbGraphText({ maxNodes: 4 })], { numRuns: 20 })('arbGraphText gives parseable text', (text) => {
    expect(parseGraph(text).nodes.length).toBeGreaterThan(0);
  });
});

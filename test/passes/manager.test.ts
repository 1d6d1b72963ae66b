import { describe, expect, it } from 'vitest';
import { applyPatches } from 'immer';
import { QforgeError } from '../../src/diagnostics/index.js';
import { GraphBuilder, tensor, type Graph } from '../../src/ir/index.js';
import { verify } from '../../src/ir/verify.js';
import { definePass, flattenRecords, registerPass, runPipeline, type PassEvent } from '../../src/passes/index.js';

/** x -> add -> mul -> out, with a dead node and an unused constant. */
function small(): Graph {
  const b = new GraphBuilder('small');
  const x = b.input('x', { dtype: 'f32', shape: [4] });
  const c = b.constant('c', tensor('f32', [4], [1, 2, 3, 4]));
  b.constant('unused', tensor('f32', [1], [7]));
  const a = b.op('add', [x, c], {}, 'a');
  b.op('mul', [a, a], {}, 'dead');
  b.output(b.op('mul', [a, c], {}, 'out'));
  return b.build();
}

// Removes the last node per run while the graph has more than `keep` nodes (never idempotent).
const popNode = definePass({
  kind: 'transform',
  name: 'test-pop',
  description: 'removes the last node',
  options: { keep: { type: 'int', default: 0, min: 0, doc: 'nodes to keep' } },
  run(draft, ctx) {
    if (ctx.input.nodes.length <= ctx.options.keep) return;
    draft.nodes.pop();
    ctx.count('popped');
  },
});
// Breaks the graph: drops the first node although later nodes use its result.
const breaker = definePass({
  kind: 'transform',
  name: 'test-break',
  description: 'removes the first node',
  options: {},
  run(draft) {
    draft.nodes.shift();
  },
});
const thrower = definePass({
  kind: 'transform',
  name: 'test-throw',
  description: 'throws',
  options: {},
  run() {
    throw new TypeError('boom');
  },
});
// A pass as a function: returns a new graph instead of editing a draft.
const renamer = definePass({
  kind: 'transform',
  name: 'test-rename',
  description: 'renames the graph',
  options: { to: { type: 'string', default: 'renamed', doc: 'new name' } },
  transform(ctx) {
    return { ...ctx.input, name: ctx.options.to };
  },
});
// Counts runs, changes nothing.
let idleRuns = 0;
const idle = definePass({
  kind: 'transform',
  name: 'test-idle',
  description: 'does nothing',
  options: {},
  idempotent: true,
  run() {
    idleRuns++;
  },
});
const cleanup = definePass({
  kind: 'composite',
  name: 'test-cleanup',
  description: 'fixpoint of cleanups',
  options: { fold: { type: 'bool', default: true, doc: 'fold too' } },
  expand: (o) => [{ fixpoint: ['remove-identity', ...(o.fold ? ['fold-constants'] : []), 'cse', 'dce'] }],
});
[popNode, breaker, thrower, renamer, idle, cleanup].forEach((p) => registerPass(p));

describe('pass records', () => {
  it('records time, change, patches and statistics per pass; patches replay the change', () => {
    const g = small();
    const { graph, records } = runPipeline(g, 'cse,dce,test-idle');
    expect(records.map((r) => [r.name, r.index, r.changed])).toEqual([
      ['cse', 1, false],
      ['dce', 2, true],
      ['test-idle', 3, false],
    ]);
    const dce = records[1]!;
    expect(dce.stats).toEqual({ 'nodes-removed': 1, 'constants-removed': 1 });
    expect(dce.timeMs).toBeGreaterThanOrEqual(0);
    expect(records[0]!.patches).toEqual([]);
    expect(graph.nodes.map((n) => n.name)).toEqual(['a', 'out']);
    expect(applyPatches(g, dce.patches)).toEqual(graph);
  });

  it('never mutates the input; results share unchanged parts and are frozen', () => {
    const g = small();
    const snapshot = JSON.stringify(g);
    const { graph } = runPipeline(g, 'dce');
    expect(JSON.stringify(g)).toBe(snapshot);
    expect(graph).not.toBe(g);
    expect(graph.nodes[0]).toBe(g.nodes[0]);
    expect(graph.constants['c']).toBe(g.constants['c']);
    expect(Object.isFrozen(graph) && Object.isFrozen(graph.nodes) && Object.isFrozen(graph.nodes[0])).toBe(true);
    expect(() => (graph.nodes as unknown[]).push(1)).toThrow(TypeError);
    const thawed = runPipeline(small(), 'dce', { freeze: false }).graph;
    expect(Object.isFrozen(thawed.nodes)).toBe(false);
  });

  it('a pass may return a new graph; its patches replace the changed top-level containers', () => {
    const g = small();
    const { graph, records } = runPipeline(g, 'test-rename{to=other}');
    expect(graph.name).toBe('other');
    expect(records[0]!.changed).toBe(true);
    expect(records[0]!.patches).toEqual([{ op: 'replace', path: ['name'], value: 'other' }]);
    expect(applyPatches(g, records[0]!.patches)).toEqual(graph);
  });

  it('a transform pass gives exactly one of transform and run', () => {
    const both = definePass({ kind: 'transform', name: 'test-both', description: 'both forms', options: {}, transform: (ctx) => ctx.input, run() {} });
    const neither = definePass({ kind: 'transform', name: 'test-neither', description: 'no form', options: {} });
    for (const p of [both, neither]) expect(() => runPipeline(small(), p)).toThrow(/exactly one of transform\(ctx\) and run\(draft, ctx\)/);
  });

  it('recordPatches: false keeps no patches', () => {
    const { records } = runPipeline(small(), 'dce', { recordPatches: false });
    expect(records[0]!.changed).toBe(true);
    expect(records[0]!.patches).toEqual([]);
  });
});

describe('fixpoint groups', () => {
  it('runs rounds until nothing changes and reports the rounds', () => {
    const { graph, records } = runPipeline(small(), 'fixpoint(test-pop{keep=1},test-idle)');
    expect(graph.nodes.length).toBe(1);
    const group = records[0]!;
    // pops 3 -> 2 -> 1 node, then a round where nothing changes.
    expect(group.iterations).toBe(3);
    expect(group.converged).toBe(true);
    expect(group.stats).toEqual({ popped: 2 });
    expect(group.children!.map((c) => c.name)).toEqual(['test-pop', 'test-idle', 'test-pop', 'test-idle', 'test-pop']);
    expect(group.children!.every((c) => c.path === 'fixpoint/' + c.name)).toBe(true);
    expect(group.warnings).toEqual([]);
  });

  it('does not re-run an idempotent pass that made the last change', () => {
    idleRuns = 0;
    const { records } = runPipeline(small(), [{ fixpoint: ['test-idle', 'dce'] }]);
    // round 1: idle, dce (changes); round 2: idle (no change); dce is idempotent, so done.
    expect(records[0]!.children!.map((c) => c.name)).toEqual(['test-idle', 'dce', 'test-idle']);
    expect(records[0]!.converged).toBe(true);
    expect(idleRuns).toBe(2);
  });

  it('skips members that only passes they declare harmless have changed since their last run', () => {
    // cse is unaffectedBy dce: after round 1 (cse, dce both change), only dce changed since
    // cse ran, and dce is idempotent: nothing is left to run.
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [4] });
    b.op('mul', [x, x], {}, 'dead');
    const a1 = b.op('add', [x, x], {}, 'a1');
    const a2 = b.op('add', [x, x], {}, 'a2');
    b.output(b.op('mul', [a1, a2], {}, 'out'));
    const { records } = runPipeline(b.build(), 'fixpoint(cse,dce)');
    expect(records[0]!.children!.map((c) => [c.name, c.changed])).toEqual([
      ['cse', true],
      ['dce', true],
    ]);
    expect(records[0]!.converged).toBe(true);
    // Without the declaration the group needs a second round to find out.
    const { records: r2 } = runPipeline(b.build(), 'fixpoint(cse,test-idle,dce)');
    expect(r2[0]!.children!.map((c) => c.name)).toEqual(['cse', 'test-idle', 'dce', 'test-idle']);
  });

  it('warns when max-iterations is reached while the graph still changes', () => {
    const { graph, records } = runPipeline(small(), 'fixpoint(test-pop){max-iterations=2}');
    expect(graph.nodes.length).toBe(1);
    expect(records[0]!.converged).toBe(false);
    expect(records[0]!.warnings[0]).toMatchObject({ key: 'PASS_NO_FIXPOINT' });
    expect(records[0]!.warnings[0]!.message).toMatch(/still changed the graph after 2 round/);
  });

  it('composite passes keep one record per sub-pass', () => {
    const { records } = runPipeline(small(), 'test-cleanup');
    const flat = flattenRecords(records);
    expect(flat[0]!.path).toBe('test-cleanup');
    expect(flat[1]!.path).toBe('test-cleanup/fixpoint');
    expect(flat.slice(2).map((r) => r.path)).toContain('test-cleanup/fixpoint/dce');
    expect(flat.map((r) => r.index)).toEqual(flat.map((_, i) => i + 1));
    expect(flat[0]!.stats['nodes-removed']).toBe(1);
  });
});

describe('instrumentation and verify-each', () => {
  it('calls before/after hooks in order, with the graphs on either side', () => {
    const log: string[] = [];
    const seen: Graph[] = [];
    const g = small();
    const { graph } = runPipeline(g, 'cse,test-cleanup{fold=false}', {
      instrumentations: [
        {
          beforePass: (ev: PassEvent) => log.push(`> ${ev.kind} ${ev.path} ${ev.depth}`),
          afterPass: (ev, before, after, rec) => {
            log.push(`< ${ev.path} ${rec.changed}`);
            if (ev.kind === 'transform') seen.push(before, after);
          },
        },
      ],
    });
    expect(log.slice(0, 5)).toEqual(['> transform cse 0', '< cse false', '> composite test-cleanup 0', '> fixpoint test-cleanup/fixpoint 1', '> transform test-cleanup/fixpoint/remove-identity 2']);
    expect(log.at(-1)).toBe('< test-cleanup true');
    expect(seen[0]).toBe(g);
    expect(seen.at(-1)).toBe(graph);
  });

  it('names the pass that broke the graph', () => {
    let err: unknown;
    try {
      runPipeline(small(), 'dce,test-break', { verifyEach: true, verifier: verify });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QforgeError);
    const d = (err as QforgeError).diagnostics;
    expect(d[0]).toMatchObject({ key: 'PASS_VERIFY' });
    expect(d[0]!.message).toMatch(/after pass 'test-break' \(step 2\)/);
    expect(d.length).toBeGreaterThan(1);
    // Without verify-each the broken graph goes through.
    expect(() => runPipeline(small(), 'test-break')).not.toThrow();
  });

  it('blames the input, not a pass, when the input is already invalid', () => {
    const g = small();
    g.outputs.push('nowhere');
    // (the IR verifier is the default)
    expect(() => runPipeline(g, 'dce', { verifyEach: true })).toThrow(/before the first pass/);
  });

  it('wraps an internal error with the pass name', () => {
    expect(() => runPipeline(small(), 'dce,test-throw')).toThrow(/pass 'test-throw' \(step 2\) failed: boom/);
  });
});

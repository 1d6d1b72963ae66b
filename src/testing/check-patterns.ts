// The property every rewrite pattern must have, as one call for pattern authors: on random graphs
// and inputs, applying the patterns gives a graph that verifies and computes the same outputs
// (bit for bit, or within a stated number of ulps).
import fc from 'fast-check';
import { run } from '../ir/interpreter.js';
import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { printGraph } from '../ir/text/index.js';
import { verify } from '../ir/verify.js';
import { applyPatterns } from '../patterns/engine/driver.js';
import type { PatternSet } from '../patterns/engine/pattern-set.js';
import type { HelperRegistry } from '../patterns/helpers/registry.js';
import { loadPatternFile } from '../patterns/load.js';
import { compareTensors } from './compare.js';
import { GENERATORS } from './random-graph-ops.js';
import { arbGraphWithInputs, availableGeneratorOps, type GraphGenOptions, type InputGenOptions } from './random-graph.js';

export interface PatternCheckOptions extends GraphGenOptions {
  /** Random graphs to try (default 100). */
  runs?: number;
  /** fast-check seed and, to replay one failure, the path it printed. */
  seed?: number;
  path?: string;
  /** Allowed float distance per output element in ulps; absent: bit-exact. */
  ulps?: number;
  /** Input value range (default [-4, 4]). */
  inputs?: InputGenOptions;
  /** Helpers a pattern file may call, when it is given as a path (default: the built-in ones). */
  helpers?: HelperRegistry;
}

export interface PatternCheckResult {
  runs: number;
  /** Graphs on which at least one pattern fired: a check where this is 0 proved nothing. */
  graphsRewritten: number;
  /** Rewrites per pattern name over all runs. */
  rewrites: Record<string, number>;
  /** The generator ops the random graphs were built from. */
  ops: string[];
}

/** Generator ops that make the ops the patterns mention (all of them when none does). */
function opsFor(set: PatternSet): string[] {
  const mentioned = new Set<string>();
  for (const p of set.patterns) for (const v of p.variants) for (const n of [v.root, ...v.nodes.values()]) for (const op of n.ops) mentioned.add(op);
  const fitting = availableGeneratorOps().filter((k) => GENERATORS[k]!.needs.some((op) => mentioned.has(op)));
  return fitting.length ? fitting : availableGeneratorOps();
}

function why(g: Graph, after: Graph, inputs: Tensor[], ulps: number | undefined): string | undefined {
  const problems = verify(after);
  if (problems.length) return `the rewritten graph does not verify:\n  ${problems.map((d) => d.message).join('\n  ')}`;
  const want = run(g, inputs).outputs, got = run(after, inputs).outputs;
  for (let k = 0; k < want.length; k++) {
    const c = compareTensors(got[k]!, want[k]!, ulps === undefined ? {} : { ulps });
    if (!c.equal) return `output '${g.outputs[k]}' changed: ${c.reason}`;
  }
  return undefined;
}

/**
 * Applies `patterns` (a .qpat path or a loaded PatternSet) to `runs` random graphs built from
 * `ops` (default: the generator ops that produce the ops the patterns mention) and checks that
 * each result verifies and computes what the original did. Throws an Error naming the patterns
 * that fired, both graphs as text and the seed/path that replays the failure.
 */
export function checkPatternsPreserveSemantics(patterns: string | PatternSet, opts: PatternCheckOptions = {}): PatternCheckResult {
  const set = typeof patterns === 'string' ? loadPatternFile(patterns, opts.helpers ? { helpers: opts.helpers } : {}) : patterns;
  const ops = opts.ops ? [...opts.ops] : opsFor(set);
  const result: PatternCheckResult = { runs: 0, graphsRewritten: 0, rewrites: {}, ops };
  let failure = '';
  const property = fc.property(arbGraphWithInputs({ ...opts, ops }, opts.inputs), ({ g, inputs }) => {
    const r = applyPatterns(g, set);
    const problem = why(g, r.graph, inputs, opts.ulps);
    if (!problem) {
      // Without a failure the property runs exactly `runs` times (no shrinking), so these counts are per graph.
      result.runs++;
      if (r.changed) result.graphsRewritten++;
      for (const [p, n] of Object.entries(r.rewrites)) result.rewrites[p] = (result.rewrites[p] ?? 0) + n;
      return true;
    }
    const fired = Object.entries(r.rewrites).map(([p, n]) => `${p} ×${n}`).join(', ');
    const shown = inputs.map((t, i) => `  ${g.inputs[i]} = [${Array.from(t.data.subarray(0, 16) as ArrayLike<number>).join(', ')}${t.data.length > 16 ? ', …' : ''}]`);
    failure = `${problem}\npatterns that fired: ${fired || 'none'}\ninputs:\n${shown.join('\n')}\nbefore:\n${printGraph(g)}\nafter:\n${printGraph(r.graph)}`;
    return false;
  });
  const runs = opts.runs ?? 100;
  const details = fc.check(property, { numRuns: runs, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.path ? { path: opts.path } : {}) });
  if (details.failed) {
    const replay = `{ seed: ${details.seed}, path: '${details.counterexamplePath}' }`;
    throw new Error(`checkPatternsPreserveSemantics failed after ${details.numRuns} runs: ${failure || String(details.errorInstance)}\nreplay with ${replay}`);
  }
  return result;
}

// The one runner of pattern sets as passes (user files and the built-in library alike): the
// greedy driver of src/patterns with the options every pattern pass shares (max-rewrites, trace),
// rewrite counts per pattern as pass statistics, and a rewrite cycle as an error naming the
// patterns that kept firing.
import { diag, QforgeError } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { verify, verifyNodes } from '../../ir/verify.js';
import { applyPatterns, brokeGraph, formatRewriteEvent, type ApplyResult, type PatternSet } from '../../patterns/index.js';
import type { PassContext } from '../manager/pass.js';

let traceSink: ((line: string) => void) | undefined;

/** Where `trace` output goes (the CLI's --trace-patterns sets it); undefined turns tracing off. */
export function tracePatternsTo(sink: ((line: string) => void) | undefined): void {
  traceSink = sink;
}

/** The options of every pattern pass. */
export const PATTERN_OPTIONS = {
  'max-rewrites': { type: 'int', default: 0, min: 0, doc: 'stop after this many rewrites and report a cycle (0: 10 per node + 100)' },
  trace: { type: 'bool', default: false, doc: 'print each match and rewrite (to the --trace-patterns sink, else stderr)' },
  verify: { type: 'bool', default: true, doc: 'verify the result; when it fails, name the pattern whose rewrite broke the graph' },
} as const;

export type PatternOptions = { 'max-rewrites': number; trace: boolean; verify: boolean };

/**
 * Applies `set` to `graph` (default: the pass input). Returns the new graph (`graph` itself when
 * nothing changed).
 */
export function runPatternSet(ctx: PassContext<PatternOptions>, set: PatternSet, graph: Graph = ctx.input): Graph {
  const sink = traceSink ?? (ctx.options.trace ? (l: string) => process.stderr.write(`${l}\n`) : undefined);
  const res = applyPatterns(graph, set, {
    ...(ctx.options['max-rewrites'] ? { maxRewrites: ctx.options['max-rewrites'] } : {}),
    ...(sink ? { onRewrite: (e) => sink(formatRewriteEvent(e)) } : {}),
  });
  if (!res.converged) {
    const fired = res.cycle!.map((c) => `${c.pattern} (${c.count}×)`).join(', ');
    const total = Object.values(res.rewrites).reduce((a, b) => a + b, 0);
    throw new QforgeError(
      diag('PAT_NO_CONVERGENCE', `pattern rewriting stopped after ${total} rewrites; in the last ones fired: ${fired}`, {
        hint: 'a pattern matches its own replacement, or two patterns undo each other: add a where condition the replacement fails',
      }),
    );
  }
  if (res.changed && ctx.options.verify) verifyRewritten(graph, res);
  for (const [p, n] of Object.entries(res.rewrites)) ctx.count(p, n);
  if (res.erased) ctx.count('nodes-erased', res.erased);
  return res.graph;
}

/**
 * Checks only the nodes the rewrites touched (all a rewrite can break), and when that fails
 * (and the input verifies) names the last rewrite that touched the first failing node.
 */
function verifyRewritten(input: Graph, res: ApplyResult): void {
  const found = verifyNodes(res.graph, new Set(res.touched.keys()));
  if (!found.length || verify(input).length) return;
  const site = found.map((d) => d.node && res.touched.get(d.node.name)).find((s) => s !== undefined);
  throw site ? brokeGraph(site, found) : new QforgeError([diag('PAT_BROKE_GRAPH', 'pattern rewriting left a graph that fails the verifier:'), ...found]);
}

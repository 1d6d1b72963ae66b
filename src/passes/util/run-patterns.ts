// The one runner of pattern sets as passes (user files and the built-in library alike): the
// greedy driver of src/patterns with the options every pattern pass shares (max-rewrites, trace),
// rewrite counts per pattern as pass statistics, and a rewrite cycle as an error naming the
// patterns that kept firing.
import { diag, QforgeError } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { applyPatterns, formatRewriteEvent, type PatternSet } from '../../patterns/index.js';
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
} as const;

export type PatternOptions = { 'max-rewrites': number; trace: boolean };

/**
 * Applies `set` to `graph` (default: the pass input). Returns the new graph, or undefined when
 * nothing changed (the pass contract's "leave the draft alone").
 */
export function runPatternSet(ctx: PassContext<PatternOptions>, set: PatternSet, graph: Graph = ctx.input): Graph | undefined {
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
  for (const [p, n] of Object.entries(res.rewrites)) ctx.count(p, n);
  if (res.erased) ctx.count('nodes-erased', res.erased);
  return res.changed || graph !== ctx.input ? res.graph : undefined;
}

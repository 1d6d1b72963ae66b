// Pattern passes: `patterns{file=my.qpat}` applies a user pattern file, `fold-batchnorm` and
// `fuse-activation` apply the built-in library files of the same names. Each runs the greedy
// driver of src/patterns and counts rewrites per pattern as pass statistics; a rewrite cycle
// fails the pass with the patterns that kept firing.
import { diag, QforgeError } from '../diagnostics/index.js';
import type { Graph } from '../ir/graph.js';
import { applyPatterns, builtinPatterns, formatRewriteEvent, loadPatternFile, type PatternSet } from '../patterns/index.js';
import { definePass, type PassContext } from './manager/pass.js';

let traceSink: ((line: string) => void) | undefined;

/** Where `trace` output goes (the CLI's --trace-patterns sets it); undefined turns tracing off. */
export function tracePatternsTo(sink: ((line: string) => void) | undefined): void {
  traceSink = sink;
}

const COMMON = {
  'max-rewrites': { type: 'int', default: 0, min: 0, doc: 'stop after this many rewrites and report a cycle (0: 10 per node + 100)' },
  trace: { type: 'bool', default: false, doc: 'print each match and rewrite (to the --trace-patterns sink, else stderr)' },
} as const;

type CommonOptions = { 'max-rewrites': number; trace: boolean };

function applySet(draft: Graph, ctx: PassContext<CommonOptions>, set: PatternSet): void {
  const sink = traceSink ?? (ctx.options.trace ? (l: string) => process.stderr.write(`${l}\n`) : undefined);
  const res = applyPatterns(ctx.input, set, {
    ...(ctx.options['max-rewrites'] ? { maxRewrites: ctx.options['max-rewrites'] } : {}),
    ...(sink ? { onRewrite: (e) => sink(formatRewriteEvent(e)) } : {}),
  });
  if (!res.converged) {
    const fired = res.cycle!.map((c) => `${c.pattern} (${c.count}×)`).join(', ');
    throw new QforgeError(
      diag('PAT_NO_CONVERGENCE', `pattern rewriting stopped after ${Object.values(res.rewrites).reduce((a, b) => a + b, 0)} rewrites; in the last ones fired: ${fired}`, {
        hint: 'a pattern matches its own replacement, or two patterns undo each other: add a where condition the replacement fails',
      }),
    );
  }
  for (const [p, n] of Object.entries(res.rewrites)) ctx.count(p, n);
  if (res.erased) ctx.count('nodes-erased', res.erased);
  if (!res.changed) return;
  draft.nodes = res.graph.nodes;
  draft.values = res.graph.values;
  draft.constants = res.graph.constants;
}

export const patternsPass = definePass({
  kind: 'transform',
  name: 'patterns',
  description: 'applies the rewrite patterns of a .qpat file (greedy, by benefit) and counts rewrites per pattern',
  options: { file: { type: 'string', default: '', doc: "the .qpat file to apply (default: runPipeline's in-memory patterns option)" }, ...COMMON },
  run(draft, ctx) {
    const set = ctx.options.file ? loadPatternFile(ctx.options.file) : ctx.patterns;
    if (!set) throw new QforgeError(diag('PASS_OPTION', 'patterns needs a pattern file: patterns{file=my.qpat} (or, from the API, runPipeline(g, p, { patterns: set }))'));
    applySet(draft, ctx, set);
  },
});

const libraryPass = (name: string, description: string) =>
  definePass({
    kind: 'transform',
    name,
    description,
    options: COMMON,
    idempotent: true,
    run(draft, ctx) {
      applySet(draft, ctx, builtinPatterns(name));
    },
  });

export const foldBatchnormPass = libraryPass(
  'fold-batchnorm',
  'folds inference batch_norm into the constant weights and bias of conv2d, conv_transpose2d, gemm and 2-D matmul (spec/patterns/fold-batchnorm.qpat)',
);
export const fuseActivationPass = libraryPass(
  'fuse-activation',
  'fuses relu, relu6 and clip into the clamp_min/clamp_max of conv2d, conv_transpose2d and gemm (spec/patterns/fuse-activation.qpat)',
);

export const PATTERN_PASSES = [patternsPass, foldBatchnormPass, fuseActivationPass];

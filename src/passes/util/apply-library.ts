// Running built-in pattern files (spec/patterns) as a pass: the greedy driver over the union of
// the files, rewrite counts per pattern as pass statistics, a rewrite cycle as an error.
import { diag, QforgeError } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { applyPatterns, builtinPatterns } from '../../patterns/index.js';
import type { PassContext } from '../manager/pass.js';

export function applyLibrary(files: readonly string[], ctx: PassContext<unknown>): Graph {
  const res = applyPatterns(ctx.input, builtinPatterns(...files));
  if (!res.converged) {
    const fired = res.cycle!.map((c) => `${c.pattern} (${c.count}×)`).join(', ');
    throw new QforgeError(diag('PAT_NO_CONVERGENCE', `${files.join(' + ')}: rewriting did not converge; in the last rewrites fired: ${fired}`));
  }
  for (const [p, n] of Object.entries(res.rewrites)) ctx.count(p, n);
  if (res.erased) ctx.count('nodes-erased', res.erased);
  return res.graph;
}

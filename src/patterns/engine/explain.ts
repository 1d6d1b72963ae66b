// Why did a pattern (not) match at a node? Runs each variant of the pattern at the node with
// failure recording on, and reports the sub-pattern or condition that failed.
import { fail } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { Matcher } from './match.js';
import type { PatternSet } from './pattern-set.js';
import { NumberedGraph } from '../../ir/numbered/index.js';

export interface VariantExplanation {
  variant: string;
  matched: boolean;
  /** Failure sentences in the order they happened (several when commutative orders were tried). */
  reasons: string[];
}

export interface Explanation {
  pattern: string;
  node: { name: string; op: string };
  variants: VariantExplanation[];
  /** A pattern that would be applied at this node before this one, if any. */
  preempted?: string;
  /** Why it comes first: a higher benefit, or the same benefit and an earlier place in the set. */
  preemptedBy?: 'benefit' | 'order';
}

export function explainMatch(graph: Graph, set: PatternSet, patternName: string, nodeName: string): Explanation {
  const p = set.get(patternName);
  if (!p) fail('PAT_EXPLAIN', `unknown pattern '${patternName}'`, { hint: `loaded patterns: ${set.patterns.map((q) => q.name).join(', ') || 'none'}` });
  const g = new NumberedGraph(graph);
  const node = g.nodes().find((n) => g.nodeName(n) === nodeName);
  if (node === undefined) fail('PAT_EXPLAIN', `graph '${graph.name}' has no node '${nodeName}'`);
  const op = g.op(node);
  const m = new Matcher(g);
  const variants = p.variants.map((v): VariantExplanation => {
    if (!v.root.ops.has(op))
      return { variant: v.label, matched: false, reasons: [`the pattern's root is ${[...v.root.ops].join(' | ')}, node '${nodeName}' is ${op}`] };
    m.st.why = [];
    const matched = m.match(v, node);
    const reasons = m.st.why;
    m.st.why = null;
    return { variant: v.label, matched, reasons: matched ? [] : reasons };
  });
  const out: Explanation = { pattern: p.name, node: { name: nodeName, op }, variants };
  const candidates = set.candidates(op);
  const mine = candidates.find((v) => v.pattern === p);
  for (const v of mine ? candidates : []) {
    if (v === mine) break;
    if (m.match(v, node)) {
      out.preempted = v.pattern.name;
      out.preemptedBy = v.benefit > mine!.benefit ? 'benefit' : 'order';
      break;
    }
  }
  return out;
}

export function formatExplanation(e: Explanation): string {
  const lines = [`pattern ${e.pattern} at node '${e.node.name}' (${e.node.op}):`];
  for (const v of e.variants) {
    const head = e.variants.length > 1 ? `  variant ${v.variant || '(only)'}: ` : '  ';
    if (v.matched) lines.push(`${head}matches`);
    else if (v.reasons.length === 1) lines.push(`${head}no match: ${v.reasons[0]}`);
    else lines.push(`${head}no match:`, ...v.reasons.map((r) => `    - ${r}`));
  }
  if (e.preempted)
    lines.push(
      e.preemptedBy === 'benefit'
        ? `  note: pattern ${e.preempted} has a higher benefit and matches here first`
        : `  note: pattern ${e.preempted} has the same benefit, comes earlier (file order) and matches here first`,
    );
  return lines.join('\n');
}

// The greedy rewrite driver (after MLIR's GreedyPatternRewriteDriver). A worklist with set
// semantics is seeded with every node so that nodes pop from the graph outputs upward: a
// pattern rooted further down a chain (conv → bn → relu rooted at relu) gets the first chance.
// Per node: erase it if dead, else try the variants indexed under its op in benefit order and
// apply the first that matches. After a rewrite the new nodes, the users of the replaced result
// and the producers whose use counts dropped go back on the list; dead nodes are erased at once.
// A cap on the number of rewrites stops a rewrite cycle and names the patterns that kept firing.
import type { Graph } from '../../ir/graph.js';
import { Matcher } from './match.js';
import type { PatternSet } from './pattern-set.js';
import { applyRewrite } from './rewrite.js';
import { WorkGraph, type WNode } from './work-graph.js';

export interface RewriteEvent {
  pattern: string;
  /** Which variant matched (optional nodes, alternatives), '' when the pattern has one. */
  variant: string;
  root: { name: string; op: string };
  /** Captures and node bindings: name -> value name ('' for absent). Anonymous bindings are left out. */
  bindings: Record<string, string>;
  /** Names of the matched nodes. */
  matched: string[];
  /** New nodes, the new root last; empty when the root was replaced by an existing value. */
  created: { name: string; op: string; inputs: string[] }[];
  replacedBy?: string;
  /** Nodes erased because they became dead. */
  erased: string[];
}

export interface ApplyOptions {
  /** Stop after this many rewrites (default 10 per node + 100) and report a cycle. */
  maxRewrites?: number;
  onRewrite?: (e: RewriteEvent) => void;
}

export interface ApplyResult {
  graph: Graph;
  changed: boolean;
  /** Rewrites per pattern name. */
  rewrites: Record<string, number>;
  /** Nodes removed as dead (matched interiors and nodes that were dead already). */
  erased: number;
  converged: boolean;
  /** When not converged: the patterns that fired in the last rewrites, most frequent first. */
  cycle?: { pattern: string; count: number }[];
}

const WINDOW = 256;

export function applyPatterns(graph: Graph, set: PatternSet, opts: ApplyOptions = {}): ApplyResult {
  const g = new WorkGraph(graph);
  const matcher = new Matcher(g);
  const stack: WNode[] = [];
  const push = (n: WNode | undefined) => {
    if (n && n.alive && !n.queued) {
      n.queued = true;
      stack.push(n);
    }
  };
  let nodeCount = 0;
  for (const n of g.nodes()) {
    push(n);
    nodeCount++;
  }
  const max = opts.maxRewrites ?? 10 * nodeCount + 100;
  const rewrites: Record<string, number> = {};
  const recent: string[] = [];
  let total = 0, erasedCount = 0, changed = false, converged = true;

  const isDead = (n: WNode) => n.outputs.every((o) => g.uses(o) === 0);
  /** Erases n if dead, then its producers that became dead; returns the erased names. */
  const eraseDead = (start: WNode[], out: string[]) => {
    const todo = [...start];
    while (todo.length) {
      const n = todo.pop()!;
      if (!n.alive || !isDead(n)) continue;
      g.remove(n, true);
      erasedCount++;
      changed = true;
      out.push(n.name);
      for (const v of n.inputs) {
        const p = v ? g.producer.get(v) : undefined;
        if (p) {
          todo.push(p);
          push(p);
        }
      }
    }
  };

  loop: while (stack.length) {
    const n = stack.pop()!;
    n.queued = false;
    if (!n.alive) continue;
    if (isDead(n)) {
      eraseDead([n], []);
      continue;
    }
    const candidates = set.candidates(n.op);
    for (const v of candidates) {
      if (!matcher.match(v, n)) continue;
      if (total >= max) {
        converged = false;
        break loop;
      }
      const st = matcher.st;
      const matched = [...st.nodes.values()];
      const bindings: Record<string, string> = {};
      if (opts.onRewrite) for (const [k, val] of st.vals) if (!k.startsWith('#')) bindings[k] = val;
      const inputs = matched.flatMap((m) => m.inputs);
      const res = applyRewrite(g, v, st, n);
      total++;
      changed = true;
      rewrites[v.pattern.name] = (rewrites[v.pattern.name] ?? 0) + 1;
      recent.push(v.pattern.name);
      if (recent.length > WINDOW) recent.shift();
      const erased: string[] = [];
      eraseDead(matched.filter((m) => m !== n), erased);
      for (const c of res.created) push(c);
      for (const o of n.outputs) for (const u of g.users.get(o) ?? []) push(u);
      for (const u of res.redirected) push(u);
      for (const i of inputs) push(i ? g.producer.get(i) : undefined);
      opts.onRewrite?.({
        pattern: v.pattern.name,
        variant: v.label,
        root: { name: n.name, op: n.op },
        bindings,
        matched: matched.map((m) => m.name),
        created: res.created.map((c) => ({ name: c.name, op: c.op, inputs: [...c.inputs] })),
        ...(res.replacedBy !== undefined ? { replacedBy: res.replacedBy } : {}),
        erased,
      });
      break;
    }
  }

  const result: ApplyResult = { graph: changed ? g.toGraph() : graph, changed, rewrites, erased: erasedCount, converged };
  if (!converged) {
    const counts = new Map<string, number>();
    for (const p of recent) counts.set(p, (counts.get(p) ?? 0) + 1);
    result.cycle = [...counts].map(([pattern, count]) => ({ pattern, count })).sort((a, b) => b.count - a.count);
  }
  return result;
}

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
import type { Variant } from './program.js';
import { Rewriter } from './rewrite.js';
import { userAt, userCount, WorkGraph, type WNode, type WValue } from './work-graph.js';

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
  return new Driver(graph, set, opts).run();
}

const isDead = (n: WNode): boolean => {
  for (let i = 0; i < n.outs.length; i++) if (n.outs[i]!.users !== null || n.outs[i]!.output) return false;
  return true;
};

// The hot paths are methods with indexed loops: small functions get optimized early, while a
// for-of in a long-running function body can keep allocating iterator results until it is.
class Driver {
  private readonly g: WorkGraph;
  private readonly matcher: Matcher;
  private readonly rewriter: Rewriter;
  private readonly stack: WNode[];
  private readonly max: number;
  private readonly rewrites: Record<string, number> = {};
  /** The last WINDOW patterns applied, as a ring: rewrite k is at k % WINDOW. */
  private readonly recent: string[] = [];
  private total = 0;
  private erasedCount = 0;
  private changed = false;
  private converged = true;

  constructor(
    private readonly graph: Graph,
    private readonly set: PatternSet,
    private readonly opts: ApplyOptions,
  ) {
    this.g = new WorkGraph(graph);
    this.matcher = new Matcher(this.g);
    this.rewriter = new Rewriter(this.g, this.matcher.st);
    // Every node, in order: the last one pops first.
    this.stack = this.g.nodes();
    for (let i = 0; i < this.stack.length; i++) this.stack[i]!.queued = true;
    this.max = opts.maxRewrites ?? 10 * this.stack.length + 100;
  }

  run(): ApplyResult {
    const stack = this.stack;
    while (stack.length) {
      const n = stack.pop()!;
      n.queued = false;
      if (!n.alive) continue;
      if (isDead(n)) this.eraseDead([n], null);
      else if (!this.visit(n)) break;
    }
    const { graph, changed, rewrites, converged, total, recent } = this;
    const result: ApplyResult = { graph: changed ? this.g.toGraph() : graph, changed, rewrites, erased: this.erasedCount, converged };
    if (!converged) {
      const counts = new Map<string, number>();
      // Oldest first, so that ties keep the order in which the patterns first fired in the window.
      const oldest = total > WINDOW ? total % WINDOW : 0;
      for (let i = 0; i < recent.length; i++) {
        const p = recent[(oldest + i) % recent.length]!;
        counts.set(p, (counts.get(p) ?? 0) + 1);
      }
      result.cycle = [...counts].map(([pattern, count]) => ({ pattern, count })).sort((a, b) => b.count - a.count);
    }
    return result;
  }

  private push(n: WNode | null | undefined): void {
    if (n && n.alive && !n.queued) {
      n.queued = true;
      this.stack.push(n);
    }
  }

  /** Applies the first variant that matches at n; false when the cap on rewrites stops the run. */
  private visit(n: WNode): boolean {
    const candidates = this.set.candidates(n.op);
    for (let i = 0; i < candidates.length; i++) {
      const v = candidates[i]!;
      if (!this.matcher.match(v, n)) continue;
      if (this.total >= this.max) {
        this.converged = false;
        return false;
      }
      this.rewrite(v, n);
      return true;
    }
    return true;
  }

  private rewrite(v: Variant, n: WNode): void {
    const opts = this.opts;
    const st = this.matcher.st;
    const matched = st.nodes.values();
    const bindings: Record<string, string> = {};
    if (opts.onRewrite) for (const [k, val] of st.vals) if (!k.startsWith('#')) bindings[k] = val ? val.name : '';
    // The operands' records, read before the rewrite unlinks the matched nodes.
    const inputs: (WValue | null)[] = [];
    for (let i = 0; i < matched.length; i++) for (let j = 0; j < matched[i]!.ins.length; j++) inputs.push(matched[i]!.ins[j]!);
    const rootOp = n.op; // the rewrite redefines n in place
    const res = this.rewriter.apply(v, n);
    this.total++;
    this.changed = true;
    const name = v.pattern.name;
    this.rewrites[name] = (this.rewrites[name] ?? 0) + 1;
    this.recent[(this.total - 1) % WINDOW] = name;
    const erased: string[] | null = opts.onRewrite ? [] : null;
    this.eraseDead(matched.filter((m) => m !== n), erased);
    for (let i = 0; i < res.created.length; i++) this.push(res.created[i]);
    for (let i = 0; i < n.outs.length; i++) {
      const w = n.outs[i]!;
      for (let j = 0, k = userCount(w); j < k; j++) this.push(userAt(w, j));
    }
    for (let i = 0; i < res.redirected.length; i++) this.push(res.redirected[i]);
    for (let i = 0; i < inputs.length; i++) this.push(inputs[i]?.producer);
    opts.onRewrite?.({
      pattern: name,
      variant: v.label,
      root: { name: n.name, op: rootOp },
      bindings,
      matched: matched.map((m) => m.name),
      created: res.created.map((c) => ({ name: c.name, op: c.op, inputs: [...c.inputs] })),
      ...(res.replacedBy !== undefined ? { replacedBy: res.replacedBy } : {}),
      erased: erased!,
    });
  }

  /** Erases the dead nodes of `todo` (which it consumes), then their producers that became dead; adds the erased names to `out`. */
  private eraseDead(todo: WNode[], out: string[] | null): void {
    while (todo.length) {
      const n = todo.pop()!;
      if (!n.alive || !isDead(n)) continue;
      this.g.remove(n, true);
      this.erasedCount++;
      this.changed = true;
      out?.push(n.name);
      for (let i = 0; i < n.ins.length; i++) {
        const p = n.ins[i]?.producer;
        if (p) {
          todo.push(p);
          this.push(p);
        }
      }
    }
  }
}

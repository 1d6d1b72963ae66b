// The greedy rewrite driver (after MLIR's GreedyPatternRewriteDriver). A worklist with set
// semantics is seeded with every node so that nodes pop from the graph outputs upward: a
// pattern rooted further down a chain (conv → bn → relu rooted at relu) gets the first chance.
// Per node: erase it if dead, else try the variants indexed under its op in benefit order and
// apply the first that matches. After a rewrite the new nodes, the users of the replaced result
// and the producers whose use counts dropped go back on the list; dead nodes are erased at once.
// A cap on the number of rewrites stops a rewrite cycle and names the patterns that kept firing.
import { diag, locate, QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { NONE, NumberedGraph, type NodeId, type ValueId } from '../../ir/numbered/index.js';
import { Matcher } from './match.js';
import type { PatternSet } from './pattern-set.js';
import type { Variant } from './program.js';
import { Rewriter } from './rewrite.js';

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

/** Where a rewrite happened: the variant applied, at which root. */
export interface RewriteSite {
  variant: Variant;
  root: { name: string; op: string };
}

export interface ApplyOptions {
  /** Stop after this many rewrites (default 10 per node + 100) and report a cycle. */
  maxRewrites?: number;
  onRewrite?: (e: RewriteEvent) => void;
  /**
   * Runs after every rewrite on the whole graph (costly: for finding the pattern that broke a
   * graph); the first rewrite after which it returns diagnostics fails the run with them.
   */
  verifyEach?: (g: Graph) => readonly Diagnostic[];
}

export interface ApplyResult {
  graph: Graph;
  changed: boolean;
  /** Rewrites per pattern name. */
  rewrites: Record<string, number>;
  /** Nodes removed as dead (matched interiors and nodes that were dead already). */
  erased: number;
  /**
   * The nodes that rewrites created, redefined or redirected and that are still there (all a
   * rewrite can break), each with the last rewrite that touched it.
   */
  touched: Map<string, RewriteSite>;
  converged: boolean;
  /** When not converged: the patterns that fired in the last rewrites, most frequent first. */
  cycle?: { pattern: string; count: number }[];
}

const WINDOW = 256;

export function applyPatterns(graph: Graph, set: PatternSet, opts: ApplyOptions = {}): ApplyResult {
  return new Driver(graph, set, opts).run();
}

// The hot paths are methods with indexed loops: small functions get optimized early, while a
// for-of in a long-running function body can keep allocating iterator results until it is.
class Driver {
  private readonly g: NumberedGraph;
  private readonly matcher: Matcher;
  private readonly rewriter: Rewriter;
  private readonly stack: NodeId[];
  private readonly max: number;
  private readonly rewrites: Record<string, number> = {};
  /** The last WINDOW patterns applied, as a ring: rewrite k is at k % WINDOW. */
  private readonly recent: string[] = [];
  private total = 0;
  private erasedCount = 0;
  private readonly touched = new Map<NodeId, RewriteSite>();
  private changed = false;
  private converged = true;

  constructor(
    private readonly graph: Graph,
    private readonly set: PatternSet,
    private readonly opts: ApplyOptions,
  ) {
    this.g = new NumberedGraph(graph);
    this.matcher = new Matcher(this.g);
    this.rewriter = new Rewriter(this.g, this.matcher.st);
    // Every node, in order: the last one pops first.
    this.stack = this.g.nodes();
    for (let i = 0; i < this.stack.length; i++) this.g.setQueued(this.stack[i]!, true);
    this.max = opts.maxRewrites ?? 10 * this.stack.length + 100;
  }

  run(): ApplyResult {
    const stack = this.stack, g = this.g;
    while (stack.length) {
      const n = stack.pop()!;
      g.setQueued(n, false);
      if (!g.isAlive(n)) continue;
      if (this.isDead(n)) this.eraseDead([n], null);
      else if (!this.visit(n)) break;
    }
    const { graph, changed, rewrites, converged, total, recent } = this;
    const touched = new Map<string, RewriteSite>();
    for (const [n, site] of this.touched) if (this.g.isAlive(n)) touched.set(this.g.nodeName(n), site);
    const result: ApplyResult = { graph: changed ? this.g.toGraph() : graph, changed, rewrites, erased: this.erasedCount, converged, touched };
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

  /** No result of n is used or a graph output. */
  private isDead(n: NodeId): boolean {
    const g = this.g;
    for (let i = 0, k = g.resultCount(n); i < k; i++) if (g.useSites(g.result(n, i)) !== 0) return false;
    return true;
  }

  private push(n: NodeId): void {
    if (n !== NONE && this.g.isAlive(n) && !this.g.isQueued(n)) {
      this.g.setQueued(n, true);
      this.stack.push(n);
    }
  }

  /** Applies the first variant that matches at n; false when the cap on rewrites stops the run. */
  private visit(n: NodeId): boolean {
    const candidates = this.set.candidates(this.g.op(n));
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

  private rewrite(v: Variant, n: NodeId): void {
    const opts = this.opts, g = this.g;
    const st = this.matcher.st;
    const matched = st.nodes.values();
    const bindings: Record<string, string> = {};
    if (opts.onRewrite) for (const [k, val] of st.vals) if (!k.startsWith('#')) bindings[k] = val !== NONE ? g.valueName(val) : '';
    // The operands, read before the rewrite unlinks the matched nodes.
    const inputs: ValueId[] = [];
    for (let i = 0; i < matched.length; i++) for (let j = 0, k = g.operandCount(matched[i]!); j < k; j++) inputs.push(g.operand(matched[i]!, j));
    const rootOp = g.op(n); // the rewrite redefines n in place
    const res = this.rewriter.apply(v, n);
    this.total++;
    this.changed = true;
    const name = v.pattern.name;
    this.rewrites[name] = (this.rewrites[name] ?? 0) + 1;
    this.recent[(this.total - 1) % WINDOW] = name;
    const erased: string[] | null = opts.onRewrite ? [] : null;
    this.eraseDead(matched.filter((m) => m !== n), erased);
    const site: RewriteSite = { variant: v, root: { name: g.nodeName(n), op: rootOp } };
    if (opts.verifyEach) {
      const found = opts.verifyEach(g.toGraph());
      if (found.length) throw brokeGraph(site, found);
    }
    for (let i = 0; i < res.created.length; i++) this.push(res.created[i]!), this.touched.set(res.created[i]!, site);
    for (let i = 0; i < res.redirected.length; i++) this.touched.set(res.redirected[i]!, site);
    for (let i = 0, k = g.resultCount(n); i < k; i++)
      for (let s = g.firstUse(g.result(n, i)); s !== NONE; s = g.nextUse(s)) this.push(g.useNode(s));
    for (let i = 0; i < res.redirected.length; i++) this.push(res.redirected[i]!);
    for (let i = 0; i < inputs.length; i++) if (inputs[i] !== NONE) this.push(g.producer(inputs[i]!));
    opts.onRewrite?.({
      pattern: name,
      variant: v.label,
      root: { name: g.nodeName(n), op: rootOp },
      bindings,
      matched: matched.map((m) => g.nodeName(m)),
      created: res.created.map((c) => ({ name: g.nodeName(c), op: g.op(c), inputs: [...g.inputNames(c)] })),
      ...(res.replacedBy !== undefined ? { replacedBy: res.replacedBy } : {}),
      erased: erased!,
    });
  }

  /** Erases the dead nodes of `todo` (which it consumes), then their producers that became dead; adds the erased names to `out`. */
  private eraseDead(todo: NodeId[], out: string[] | null): void {
    const g = this.g;
    while (todo.length) {
      const n = todo.pop()!;
      if (!g.isAlive(n) || !this.isDead(n)) continue;
      // The producers of its operands, read before removing n unlinks them.
      const first = todo.length;
      for (let i = 0, k = g.operandCount(n); i < k; i++) {
        const w = g.operand(n, i), p = w === NONE ? NONE : g.producer(w);
        if (p !== NONE) todo.push(p);
      }
      g.remove(n, true);
      this.erasedCount++;
      this.changed = true;
      out?.push(g.nodeName(n));
      for (let i = first; i < todo.length; i++) this.push(todo[i]!);
    }
  }
}

/** QF2015 naming the rewrite at `site`, followed by what the verifier found. */
export function brokeGraph(site: RewriteSite, found: readonly Diagnostic[]): QforgeError {
  const p = site.variant.pattern, at = p.decl.name.span;
  const variant = site.variant.label ? ` (${site.variant.label})` : '';
  return new QforgeError([
    diag('PAT_BROKE_GRAPH', `pattern ${p.name}${variant} at node '${site.root.name}' (${site.root.op}) left a graph that fails the verifier:`, {
      loc: locate(p.text, at.offset, p.file, at.length),
      hint: 'a rewrite must keep every use defined and every type what the ops infer',
    }),
    ...found,
  ]);
}

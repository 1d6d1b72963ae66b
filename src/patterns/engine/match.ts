// Matching one variant at one root node: structural match (ops, operands, captures, inline value
// checks, commutative operand orders) with a trail to undo bindings on backtracking, then the
// use check (interior nodes used only inside the match unless `shared`), then the checks.
// In explain mode every failure records a sentence; otherwise nothing is formatted.
import { getOp } from '../../ir/ops/index.js';
import { formatType } from '../../ir/types.js';
import { NONE, type NodeId, type NumberedGraph, type ValueId } from '../../ir/numbered/index.js';
import type { CExpr, EvalCtx, NodeP, OperandP, ValueCheckP, Variant, DimP } from './program.js';
import { showValue } from './values.js';
import { PatternError } from '../lang/types.js';
import { diag, locate, QforgeError } from '../../diagnostics/index.js';

/** A PatternError met at `root` as a diagnostic located in the pattern file. */
export function patternError(v: Variant, g: NumberedGraph, root: NodeId, e: PatternError): QforgeError {
  const p = v.pattern, name = g.nodeName(root);
  return new QforgeError(
    diag('PAT_EVAL', `pattern ${p.name} at node '${name}': ${e.message}`, {
      loc: locate(p.text, e.span.offset, p.file, e.span.length),
      node: { name, op: g.op(root) },
    }),
  );
}

/**
 * The bindings of one kind: a handful per match, so arrays with linear search, which beat a Map
 * here (every match attempt starts by clearing three, and Map.clear allocates a new table). Only
 * the first `size` slots are live; clearing just resets the count. Insertion-ordered like a Map.
 */
export class Bindings<V> {
  private readonly ks: string[] = [];
  private readonly vs: V[] = [];
  size = 0;

  private find(k: string): number {
    for (let i = 0; i < this.size; i++) if (this.ks[i] === k) return i;
    return -1;
  }
  get(k: string): V | undefined {
    const i = this.find(k);
    return i < 0 ? undefined : this.vs[i];
  }
  set(k: string, v: V): void {
    const i = this.find(k);
    if (i >= 0) this.vs[i] = v;
    else {
      this.ks[this.size] = k;
      this.vs[this.size++] = v;
    }
  }
  delete(k: string): void {
    const i = this.find(k);
    if (i < 0) return;
    for (let j = i + 1; j < this.size; j++) {
      this.ks[j - 1] = this.ks[j]!;
      this.vs[j - 1] = this.vs[j]!;
    }
    this.size--;
  }
  clear(): void {
    this.size = 0;
  }
  keyAt(i: number): string {
    return this.ks[i]!;
  }
  valueAt(i: number): V {
    return this.vs[i]!;
  }
  values(): V[] {
    return this.vs.slice(0, this.size);
  }
  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (let i = 0; i < this.size; i++) yield [this.ks[i]!, this.vs[i]!];
  }
}

export class MatchState {
  /** Captures and node bindings -> the value (NONE for an absent optional operand). */
  readonly vals = new Bindings<ValueId>();
  readonly nodes = new Bindings<NodeId>();
  readonly syms = new Bindings<number>();
  /** What to unbind on backtracking, in binding order: which map (VAL, NODE, SYM) and key; `top` entries are live. */
  private readonly trailKind: number[] = [];
  private readonly trailKey: string[] = [];
  private top = 0;
  /** Failure sentences, recorded only in explain mode. */
  why: string[] | null = null;

  reset(): void {
    this.vals.clear();
    this.nodes.clear();
    this.syms.clear();
    this.top = 0;
  }
  mark(): number {
    return this.top;
  }
  undo(mark: number): void {
    while (this.top > mark) {
      const kind = this.trailKind[--this.top]!, key = this.trailKey[this.top]!;
      if (kind === VAL) this.vals.delete(key);
      else if (kind === NODE) this.nodes.delete(key);
      else this.syms.delete(key);
    }
  }
  private trail(kind: number, k: string): void {
    this.trailKind[this.top] = kind;
    this.trailKey[this.top++] = k;
  }
  bindVal(k: string, v: ValueId): void {
    this.vals.set(k, v);
    this.trail(VAL, k);
  }
  bindNode(k: string, n: NodeId): void {
    this.nodes.set(k, n);
    this.trail(NODE, k);
  }
  bindSym(k: string, v: number): void {
    this.syms.set(k, v);
    this.trail(SYM, k);
  }
}

const VAL = 0, NODE = 1, SYM = 2;

const nodeText = (g: NumberedGraph, n: NodeId): string => `'${g.nodeName(n)}' (${g.op(n)})`;
const at = (g: NumberedGraph, p: NodeP, n: NodeId, i: number): string => `operand ${i} of ${p.display} ${nodeText(g, n)}`;

export class Matcher {
  readonly st = new MatchState();
  private variant!: Variant;
  /** Reused for every match: checks read the graph and the bindings, not lets. */
  private readonly ctx: EvalCtx;

  constructor(readonly g: NumberedGraph) {
    this.ctx = { g, st: this.st, lets: new Bindings() };
  }

  /**
   * Records a failure sentence in explain mode. Callers pass `this.st.why && \`…\``: the text is
   * built only when explaining, and without a closure (whose captured variables would cost an
   * allocation on every call, failing or not).
   */
  private fail(msg: string | null): false {
    if (msg) this.st.why!.push(msg);
    return false;
  }

  /** Full match of a variant rooted at `root`; leaves the bindings in `st` on success. */
  match(variant: Variant, root: NodeId): boolean {
    this.variant = variant;
    this.st.reset();
    if (!this.node(variant.root, root)) return false;
    if (!this.usesOk()) return false;
    const ctx = this.ctx;
    for (const c of variant.checks) {
      let ok: unknown;
      try {
        ok = c.expr.eval(ctx);
      } catch (e) {
        if (e instanceof PatternError) throw patternError(variant, this.g, root, e);
        return this.fail(this.st.why && `${c.kind} ${this.describe(c.expr, ctx, `cannot be evaluated: ${(e as Error).message}`)}`);
      }
      if (ok !== true) return this.fail(this.st.why && `${c.kind} ${this.describe(c.expr, ctx, 'is false')}`);
    }
    // Redirecting a graph output to another value would rename the graph's output.
    if (variant.result.k === 'value' && this.resultIsOutput(root))
      return this.fail(this.st.why && `the root's result '${this.g.outputNames(root)[0]}' is a graph output and the replacement is another value; the output name must stay`);
    return true;
  }

  private resultIsOutput(n: NodeId): boolean {
    for (let i = 0, k = this.g.resultCount(n); i < k; i++) if (this.g.isOutput(this.g.result(n, i))) return true;
    return false;
  }

  private node(p: NodeP, n: NodeId): boolean {
    const g = this.g, op = g.op(n);
    if (!p.ops.has(op)) return this.fail(this.st.why && `${p.display}: expected ${[...p.ops].join(' | ')}, found node ${nodeText(g, n)}`);
    const k = p.operands.length;
    if (!p.rest) {
      for (let i = k, count = g.operandCount(n); i < count; i++)
        if (g.operand(n, i) !== NONE)
          return this.fail(this.st.why && `${p.display}: node ${nodeText(g, n)} has operand ${i} ('${g.inputNames(n)[i]}') beyond the ${k} the pattern lists`);
    }
    const m = this.st.mark(), result = g.result(n, 0);
    this.st.bindNode(p.binding, n);
    this.st.bindVal(p.binding, result);
    if (p.check && !this.value(p.check, result, p, n, -1)) return this.undoFail(m);
    if (this.operands(p, n, false)) return true;
    if (k >= 2 && getOp(op)?.commutative) {
      this.st.undo(m);
      this.st.bindNode(p.binding, n);
      this.st.bindVal(p.binding, result);
      this.st.why?.push(`${p.display}: retrying with operands 0 and 1 swapped (${op} is commutative)`);
      if (this.operands(p, n, true)) return true;
    }
    return this.undoFail(m);
  }

  private undoFail(m: number): false {
    this.st.undo(m);
    return false;
  }

  private operands(p: NodeP, n: NodeId, swap: boolean): boolean {
    for (let i = 0; i < p.operands.length; i++) {
      const j = swap && i < 2 ? 1 - i : i;
      if (!this.operand(p.operands[i]!, this.g.operand(n, j), p, n, j)) return false;
    }
    return true;
  }

  /** Operand i of n, the value w (NONE when absent). */
  private operand(o: OperandP, w: ValueId, p: NodeP, n: NodeId, i: number): boolean {
    const g = this.g, why = this.st.why;
    if (o.k === 'any') return w !== NONE || o.optional || this.fail(why && `${at(g, p, n, i)} is absent, the pattern requires one`);
    if (o.k === 'cap') {
      if (w === NONE && !o.optional) return this.fail(why && `${at(g, p, n, i)} (${o.text}) is absent, the pattern requires one`);
      const bound = this.st.vals.get(o.name);
      if (bound !== undefined)
        return bound === w || this.fail(why && `${at(g, p, n, i)}: %${o.name} is already '${this.nameOr(bound, 'absent')}', here it is '${this.nameOr(w, 'absent')}'`);
      if (w !== NONE && o.check && !this.value(o.check, w, p, n, i, o)) return false;
      this.st.bindVal(o.name, w);
      return true;
    }
    const bound = this.st.nodes.get(o.binding);
    if (bound !== undefined) return g.result(bound, 0) === w || this.fail(why && `${at(g, p, n, i)} is '${this.nameOr(w, '')}', not the result of ${o.text} (${nodeText(g, bound)})`);
    if (w === NONE) return this.fail(why && `${at(g, p, n, i)} is absent, the pattern expects ${o.text}`);
    const prod = g.producer(w);
    if (prod === NONE) return this.fail(why && `${at(g, p, n, i)}: '${g.valueName(w)}' is a ${g.constant(w) !== undefined ? 'constant' : 'graph input'}, the pattern expects ${o.text}`);
    if (g.result(prod, 0) !== w)
      return this.fail(why && `${at(g, p, n, i)}: '${g.valueName(w)}' is result ${g.outputNames(prod).indexOf(g.valueName(w))} of ${nodeText(g, prod)}; patterns match result 0`);
    return this.node(this.variant.nodes.get(o.binding)!, prod);
  }

  private nameOr(w: ValueId, absent: string): string {
    return w === NONE ? absent : this.g.valueName(w) || absent;
  }

  /** The inline check of operand i of n (matched by `o`), or of n's own result when i is -1. */
  private value(c: ValueCheckP, w: ValueId, p: NodeP, n: NodeId, i: number, o?: OperandP): boolean {
    const g = this.g, v = g.valueName(w);
    const what = this.st.why && (o ? `${o.text} (${at(g, p, n, i)})` : p.display);
    if (c.isConst && g.constant(w) === undefined) {
      const prod = g.producer(w);
      return this.fail(this.st.why && `${what}: '${v}' must be a constant, it is ${prod !== NONE ? `computed by ${nodeText(g, prod)}` : 'a graph input'}`);
    }
    const t = this.g.type(w)!;
    if (c.dtypes && !c.dtypes.has(t.dtype)) return this.fail(this.st.why && `${what}: '${v}' is ${formatType(t)}, the pattern wants ${c.text}`);
    if (c.dims && !this.dims(c.dims, t.shape)) return this.fail(this.st.why && `${what}: '${v}' is ${formatType(t)}, the pattern wants ${c.text}`);
    return true;
  }

  private dims(d: NonNullable<ValueCheckP['dims']>, shape: readonly number[]): boolean {
    const n = d.before.length + d.after.length;
    if (d.rest ? shape.length < n : shape.length !== n) return false;
    const m = this.st.mark();
    const ok =
      d.before.every((p, i) => this.dim(p, shape[i]!)) &&
      d.after.every((p, i) => this.dim(p, shape[shape.length - d.after.length + i]!));
    if (!ok) this.st.undo(m);
    return ok;
  }

  private dim(p: DimP, size: number): boolean {
    if (p.k === 'any') return true;
    if (p.k === 'int') return p.v === size;
    const bound = this.st.syms.get(p.name);
    if (bound !== undefined) return bound === size;
    this.st.bindSym(p.name, size);
    return true;
  }

  private inside(u: NodeId): boolean {
    const nodes = this.st.nodes;
    for (let k = 0; k < nodes.size; k++) if (nodes.valueAt(k) === u) return true;
    return false;
  }

  /** Interior nodes must not be used outside the match (nor be graph outputs) unless marked shared. */
  private usesOk(): boolean {
    const g = this.g, nodes = this.st.nodes;
    for (let k = 0; k < nodes.size; k++) {
      const n = nodes.valueAt(k);
      const p = this.variant.nodes.get(nodes.keyAt(k))!;
      if (p === this.variant.root || p.shared) continue;
      for (let r = 0, results = g.resultCount(n); r < results; r++) {
        const w = g.result(n, r);
        if (g.isOutput(w))
          return this.fail(this.st.why && `${p.display} ${nodeText(g, n)}: its result '${g.valueName(w)}' is a graph output; mark the binding \`shared\` to match anyway`);
        for (let s = g.firstUse(w); s !== NONE; s = g.nextUse(s)) {
          const u = g.useNode(s);
          if (!this.inside(u))
            return this.fail(this.st.why && `${p.display} ${nodeText(g, n)} is also used by ${nodeText(g, u)} outside the match; mark the binding \`shared\` to match anyway`);
        }
      }
    }
    return true;
  }

  /** A condition's source text and verdict, with the values of a failed comparison's non-literal operands. */
  private describe(e: CExpr, ctx: EvalCtx, verdict: string): string {
    const text = this.variant.pattern.text.slice(e.span.offset, e.span.offset + e.span.length);
    const parts = (e.parts ?? []).filter((p) => p.constant === undefined);
    if (!parts.length) return `\`${text}\` ${verdict}`;
    const vals = parts.map((p) => {
      const src = this.variant.pattern.text.slice(p.span.offset, p.span.offset + p.span.length);
      let v: string;
      try {
        v = showValue(p.eval(ctx));
      } catch (err) {
        v = `error: ${(err as Error).message}`;
      }
      return `${src} = ${v}`;
    });
    return `\`${text}\` ${verdict} (${vals.join(', ')})`;
  }
}

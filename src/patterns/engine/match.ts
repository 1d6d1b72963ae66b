// Matching one variant at one root node: structural match (ops, operands, captures, inline value
// checks, commutative operand orders) with a trail to undo bindings on backtracking, then the
// use check (interior nodes used only inside the match unless `shared`), then the checks.
// In explain mode every failure records a sentence; otherwise nothing is formatted.
import { getOp } from '../../ir/ops/index.js';
import { formatType } from '../../ir/types.js';
import type { CExpr, EvalCtx, NodeP, OperandP, ValueCheckP, Variant, DimP } from './program.js';
import type { WNode, WorkGraph } from './work-graph.js';
import { showValue } from './values.js';

export class MatchState {
  readonly vals = new Map<string, string>();
  readonly nodes = new Map<string, WNode>();
  readonly syms = new Map<string, number>();
  private readonly trail: string[] = [];
  /** Failure sentences, recorded only in explain mode. */
  why: string[] | null = null;

  reset(): void {
    this.vals.clear();
    this.nodes.clear();
    this.syms.clear();
    this.trail.length = 0;
  }
  mark(): number {
    return this.trail.length;
  }
  undo(mark: number): void {
    while (this.trail.length > mark) {
      const k = this.trail.pop()!;
      const key = k.slice(1);
      if (k[0] === 'v') this.vals.delete(key);
      else if (k[0] === 'n') this.nodes.delete(key);
      else this.syms.delete(key);
    }
  }
  bindVal(k: string, v: string): void {
    this.vals.set(k, v);
    this.trail.push('v' + k);
  }
  bindNode(k: string, n: WNode): void {
    this.nodes.set(k, n);
    this.trail.push('n' + k);
  }
  bindSym(k: string, v: number): void {
    this.syms.set(k, v);
    this.trail.push('s' + k);
  }
}

const nodeText = (n: WNode): string => `'${n.name}' (${n.op})`;
const at = (p: NodeP, n: WNode, i: number): string => `operand ${i} of ${p.display} ${nodeText(n)}`;

export class Matcher {
  readonly st = new MatchState();
  private variant!: Variant;

  constructor(readonly g: WorkGraph) {}

  private fail(msg: () => string): false {
    this.st.why?.push(msg());
    return false;
  }

  /** Full match of a variant rooted at `root`; leaves the bindings in `st` on success. */
  match(variant: Variant, root: WNode): boolean {
    this.variant = variant;
    this.st.reset();
    if (!this.node(variant.root, root)) return false;
    if (!this.usesOk()) return false;
    const ctx: EvalCtx = { g: this.g, st: this.st, lets: new Map() };
    for (const c of variant.checks) {
      let ok: unknown;
      try {
        ok = c.expr.eval(ctx);
      } catch (e) {
        return this.fail(() => `${c.kind} ${this.describe(c.expr, ctx, `cannot be evaluated: ${(e as Error).message}`)}`);
      }
      if (ok !== true) return this.fail(() => `${c.kind} ${this.describe(c.expr, ctx, 'is false')}`);
    }
    // Redirecting a graph output to another value would rename the graph's output.
    if (variant.result.k === 'value' && root.outputs.some((o) => this.g.outputs.has(o)))
      return this.fail(() => `the root's result '${root.outputs[0]}' is a graph output and the replacement is another value; the output name must stay`);
    return true;
  }

  private node(p: NodeP, n: WNode): boolean {
    if (!p.ops.has(n.op)) return this.fail(() => `${p.display}: expected ${[...p.ops].join(' | ')}, found node ${nodeText(n)}`);
    const ins = n.inputs, k = p.operands.length;
    if (!p.rest) {
      for (let i = k; i < ins.length; i++)
        if (ins[i]) return this.fail(() => `${p.display}: node ${nodeText(n)} has operand ${i} ('${ins[i]}') beyond the ${k} the pattern lists`);
    }
    const m = this.st.mark();
    this.st.bindNode(p.binding, n);
    this.st.bindVal(p.binding, n.outputs[0]!);
    if (p.check && !this.value(p.check, n.outputs[0]!, p.display)) return this.undoFail(m);
    if (this.operands(p, n, false)) return true;
    if (k >= 2 && getOp(n.op)?.commutative) {
      this.st.undo(m);
      this.st.bindNode(p.binding, n);
      this.st.bindVal(p.binding, n.outputs[0]!);
      this.st.why?.push(`${p.display}: retrying with operands 0 and 1 swapped (${n.op} is commutative)`);
      if (this.operands(p, n, true)) return true;
    }
    return this.undoFail(m);
  }

  private undoFail(m: number): false {
    this.st.undo(m);
    return false;
  }

  private operands(p: NodeP, n: WNode, swap: boolean): boolean {
    for (let i = 0; i < p.operands.length; i++) {
      const j = swap && i < 2 ? 1 - i : i;
      if (!this.operand(p.operands[i]!, n.inputs[j] ?? '', p, n, j)) return false;
    }
    return true;
  }

  private operand(o: OperandP, v: string, p: NodeP, n: WNode, i: number): boolean {
    if (o.k === 'any') return v !== '' || o.optional || this.fail(() => `${at(p, n, i)} is absent, the pattern requires one`);
    if (o.k === 'cap') {
      if (v === '' && !o.optional) return this.fail(() => `${at(p, n, i)} (${o.text}) is absent, the pattern requires one`);
      const bound = this.st.vals.get(o.name);
      if (bound !== undefined)
        return bound === v || this.fail(() => `${at(p, n, i)}: %${o.name} is already '${bound || 'absent'}', here it is '${v || 'absent'}'`);
      if (v !== '' && o.check && !this.value(o.check, v, `${o.text} (${at(p, n, i)})`)) return false;
      this.st.bindVal(o.name, v);
      return true;
    }
    const bound = this.st.nodes.get(o.binding);
    if (bound) return bound.outputs[0] === v || this.fail(() => `${at(p, n, i)} is '${v}', not the result of ${o.text} (${nodeText(bound)})`);
    if (v === '') return this.fail(() => `${at(p, n, i)} is absent, the pattern expects ${o.text}`);
    const prod = this.g.producer.get(v);
    if (!prod) return this.fail(() => `${at(p, n, i)}: '${v}' is a ${this.g.isConst(v) ? 'constant' : 'graph input'}, the pattern expects ${o.text}`);
    if (prod.outputs[0] !== v) return this.fail(() => `${at(p, n, i)}: '${v}' is result ${prod.outputs.indexOf(v)} of ${nodeText(prod)}; patterns match result 0`);
    return this.node(this.variant.nodes.get(o.binding)!, prod);
  }

  private value(c: ValueCheckP, v: string, what: string): boolean {
    if (c.isConst && !this.g.isConst(v)) {
      const prod = this.g.producer.get(v);
      return this.fail(() => `${what}: '${v}' must be a constant, it is ${prod ? `computed by ${nodeText(prod)}` : 'a graph input'}`);
    }
    const t = this.g.typeOf(v)!;
    if (c.dtypes && !c.dtypes.has(t.dtype)) return this.fail(() => `${what}: '${v}' is ${formatType(t)}, the pattern wants ${c.text}`);
    if (c.dims && !this.dims(c.dims, t.shape)) return this.fail(() => `${what}: '${v}' is ${formatType(t)}, the pattern wants ${c.text}`);
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

  /** Interior nodes must not be used outside the match (nor be graph outputs) unless marked shared. */
  private usesOk(): boolean {
    const inside = new Set(this.st.nodes.values());
    for (const [b, n] of this.st.nodes) {
      const p = this.variant.nodes.get(b)!;
      if (p === this.variant.root || p.shared) continue;
      for (const o of n.outputs) {
        if (this.g.outputs.has(o))
          return this.fail(() => `${p.display} ${nodeText(n)}: its result '${o}' is a graph output; mark the binding \`shared\` to match anyway`);
        for (const u of this.g.users.get(o) ?? [])
          if (!inside.has(u))
            return this.fail(() => `${p.display} ${nodeText(n)} is also used by ${nodeText(u)} outside the match; mark the binding \`shared\` to match anyway`);
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

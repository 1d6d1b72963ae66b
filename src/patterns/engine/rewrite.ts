// Building a variant's replacement after a match: evaluate the `let`s, create new constants and
// nodes right before the root (every operand they use is defined earlier), and either redefine
// the root in place as the new root node (it keeps its name, result names and debugHandle), or
// redirect the uses of the root's result to an existing value. Types come from the op table; the
// new root must have the old root's dtype and shape and keeps its declared types (and so its
// quantization params).
import { diag, locate, QforgeError } from '../../diagnostics/index.js';
import type { AttrValue, Attrs } from '../../ir/graph.js';
import { getOp, type OpDef, type ResolvedAttrs } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';
import { formatType, sameShape, type TensorType } from '../../ir/types.js';
import type { Span } from '../syntax/ast.js';
import { PatternError, ValueRef, type RtVal } from '../lang/types.js';
import type { CArg, CBuild, CExpr, EvalCtx, Variant } from './program.js';
import { NONE, resolvedAttrs, type NodeId, type NumberedGraph, type ValueId } from '../../ir/numbered/index.js';
import { Bindings, patternError, type MatchState } from './match.js';
import { restValues } from './values.js';

const NO_NODES: NodeId[] = [];

export interface RewriteResult {
  /** New nodes, the new root (if any) last. */
  created: NodeId[];
  /** Set when the root was replaced by an existing value. */
  replacedBy?: string;
  /** Nodes whose operands were redirected to that value. */
  redirected: NodeId[];
}

/**
 * Builds replacements; one per driver run, reused for every rewrite (its scratch state is reset
 * by apply), and methods rather than closures, since a rewrite runs per match.
 */
export class Rewriter {
  private readonly ctx: EvalCtx;
  private readonly letValues = new Bindings<ValueId>();
  private v!: Variant;
  private root: NodeId = NONE;
  private created: NodeId[] = [];

  constructor(
    private readonly g: NumberedGraph,
    private readonly st: MatchState,
  ) {
    this.ctx = { g, st, lets: new Bindings() };
  }

  /** Replaces the match of `v` at `root` (bindings in st). */
  apply(v: Variant, root: NodeId): RewriteResult {
    const { g, ctx } = this;
    this.v = v;
    this.root = root;
    const created: NodeId[] = (this.created = []);
    ctx.lets.clear();
    this.letValues.clear();
    for (const l of v.lets) ctx.lets.set(l.name, this.eval(l.expr, l.span, 'let ', l.name));
    if (v.result.k === 'value') {
      const to = this.build(v.result, true);
      const [want, got] = [g.type(g.result(root, 0))!, g.type(to)!];
      if (!sameKind(got, want)) this.fail(v.result.span, `the replacement value '${g.valueName(to)}' is ${formatType(got)} but the root is ${formatType(want)}`);
      const redirected = g.replaceAllUses(g.result(root, 0), to);
      g.remove(root, true);
      return { created, replacedBy: to === NONE ? '' : g.valueName(to), redirected };
    }
    this.build(v.result, true);
    return { created, redirected: NO_NODES };
  }

  private fail(span: Span, msg: string): never {
    const p = this.v.pattern, name = this.g.nodeName(this.root);
    throw new QforgeError(
      diag('PAT_REWRITE', `pattern ${p.name} at node '${name}': ${msg}`, {
        loc: locate(p.text, span.offset, p.file, span.length),
        node: { name, op: this.g.op(this.root) },
      }),
    );
  }

  /** Evaluates e; an error other than a diagnostic becomes one at `span`, naming `what` + `name`. */
  private eval(e: CExpr, span: Span, what: string, name = ''): RtVal {
    try {
      return e.eval(this.ctx);
    } catch (err) {
      if (err instanceof QforgeError) throw err;
      if (err instanceof PatternError) throw patternError(this.v, this.g, this.root, err);
      return this.fail(span, `${what}${name}: ${(err as Error).message}`);
    }
  }

  // Operands are handled as value ids (NONE: absent), which the new nodes then link to directly.
  private valueId(val: RtVal, base: string): ValueId {
    if (val === undefined) return NONE;
    if (val instanceof ValueRef) return val.id;
    return this.g.addConstant(base, val as Tensor);
  }

  private arg(a: Exclude<CArg, { k: 'rest' }>): ValueId {
    if (a.k === 'absent') return NONE;
    if (a.k === 'let') {
      let w = this.letValues.get(a.name);
      if (w === undefined) {
        w = this.valueId(this.ctx.lets.get(a.name), `${this.g.nodeName(this.root)}.${a.name}`);
        this.letValues.set(a.name, w);
      }
      return w;
    }
    return this.build(a, false);
  }

  /** Builds b's nodes before the root; returns its (first) result, NONE for an absent value. */
  private build(b: CBuild, isRoot: boolean): ValueId {
    const { g, st, root } = this;
    if (b.k === 'value') return this.valueId(this.eval(b.expr, b.span, 'the replacement value'), g.nodeName(root));
    const orig = b.k === 'clone' ? st.nodes.get(b.binding)! : NONE;
    const op = orig !== NONE ? g.op(orig) : (b as { op: string }).op;
    const def = getOp(op)!;
    let ins: ValueId[];
    if (b.args) {
      ins = [];
      for (let i = 0; i < b.args.length; i++) {
        const a = b.args[i]!;
        if (a.k !== 'rest') ins.push(this.arg(a));
        else for (const v of restValues(this.ctx, a.binding, a.from)) ins.push(v.id);
      }
    } else ins = g.operands(orig);
    while (ins.length && ins[ins.length - 1] === NONE) ins.pop();
    const inputs = new Array<string>(ins.length), inTypes = new Array<TensorType | undefined>(ins.length);
    for (let i = 0; i < ins.length; i++) {
      const w = ins[i]!;
      inputs[i] = w !== NONE ? g.valueName(w) : '';
      inTypes[i] = w !== NONE ? g.type(w) : undefined;
    }
    const attrs = this.attrs(b, orig, def);
    let types: TensorType[], resolved: ResolvedAttrs;
    try {
      resolved = resolvedAttrs(def, attrs);
      types = def.infer({ inputs: inTypes, attrs: resolved });
    } catch (e) {
      if (e instanceof QforgeError) throw e;
      return this.fail(b.span, `the replacement ${op} is invalid: ${(e as Error).message}`);
    }
    const debugHandle = g.debugHandle(root), rootName = g.nodeName(root);
    if (isRoot) {
      const declared = new Array<TensorType>(g.resultCount(root));
      for (let i = 0; i < declared.length; i++) declared[i] = g.type(g.result(root, i))!;
      if (types.length !== declared.length || types.some((t, i) => !sameKind(t, declared[i]!)))
        this.fail(b.span, `the replacement computes ${types.map(formatType).join(', ')} but the root is ${declared.map(formatType).join(', ')}`);
      // The new root takes the old one's place, name and results.
      g.redefine(root, { name: rootName, op, inputs, outputs: g.outputNames(root), attrs, debugHandle, ins, resolved }, declared);
      this.created.push(root);
      return g.result(root, 0);
    }
    const name = g.freshNode(`${rootName}.${op}`);
    const outputs = types.map((_, i) => g.freshValue(types.length === 1 ? name : `${name}.${i}`));
    // Every node of the replacement stands for the root: it keeps the root's debug handle.
    const n = g.insertBefore(root, { name, op, inputs, outputs, attrs, debugHandle, ins, resolved }, types);
    this.created.push(n);
    return g.result(n, 0);
  }

  /** The new node's attrs: the clone's, then spreads and settings in order, less the op's defaults. */
  private attrs(b: Exclude<CBuild, { k: 'value' }>, orig: NodeId, def: OpDef): Attrs {
    const attrs: Attrs = orig !== NONE ? { ...this.g.rawAttrs(orig) } : {};
    for (const a of b.attrs) {
      if (a.k === 'spread') Object.assign(attrs, this.g.rawAttrs(this.st.nodes.get(a.binding)!));
      else {
        const val = this.eval(a.expr, a.expr.span, 'attribute ', a.name);
        if (val !== undefined) attrs[a.name] = val as AttrValue;
      }
    }
    // Nodes store only what differs from the op's defaults; those are left out of a copy (delete
    // would turn the object into a slow dictionary), made only when there is one.
    let defaults = false;
    for (const k in attrs) if (isDefault(def.attrs[k]?.default, attrs[k]!)) defaults = true;
    if (!defaults) return attrs;
    const kept: Attrs = {};
    for (const k in attrs) if (!isDefault(def.attrs[k]?.default, attrs[k]!)) kept[k] = attrs[k]!;
    return kept;
  }
}

const sameKind = (a: TensorType, b: TensorType): boolean => a.dtype === b.dtype && sameShape(a.shape, b.shape);

function isDefault(d: AttrValue | undefined, v: AttrValue): boolean {
  if (d === undefined) return false;
  if (Array.isArray(d) && Array.isArray(v)) return d.length === v.length && d.every((x, i) => x === v[i]);
  return d === v;
}

// Building a variant's replacement after a match: evaluate the `let`s, create new constants and
// nodes right before the root (every operand they use is defined earlier), and either give the
// new root node the old root's name, result names and debugHandle, or redirect the uses of the
// root's result to an existing value. Types come from the op table; the new root must have the
// old root's dtype and shape and keeps its declared types (and so its quantization params).
import { diag, locate, QforgeError } from '../../diagnostics/index.js';
import type { AttrValue, Attrs } from '../../ir/graph.js';
import { getOp, OpError, resolveAttrs } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';
import { formatType, sameShape, type TensorType } from '../../ir/types.js';
import type { Span } from '../syntax/ast.js';
import { ValueRef, type RtVal } from '../lang/types.js';
import type { CArg, CBuild, EvalCtx, Variant } from './program.js';
import type { MatchState } from './match.js';
import type { WNode, WorkGraph } from './work-graph.js';

export interface RewriteResult {
  /** New nodes, the new root (if any) last. */
  created: WNode[];
  /** Set when the root was replaced by an existing value. */
  replacedBy?: string;
  /** Nodes whose operands were redirected to that value. */
  redirected: WNode[];
}

export function applyRewrite(g: WorkGraph, v: Variant, st: MatchState, root: WNode): RewriteResult {
  const p = v.pattern;
  const fail = (span: Span, msg: string): never => {
    throw new QforgeError(
      diag('PAT_REWRITE', `pattern ${p.name} at node '${root.name}': ${msg}`, {
        loc: locate(p.text, span.offset, p.file, span.length),
        node: { name: root.name, op: root.op },
      }),
    );
  };
  const ctx: EvalCtx = { g, st, lets: new Map() };
  const guard = <T>(span: Span, what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof QforgeError) throw e;
      return fail(span, `${what}: ${(e as Error).message}`);
    }
  };
  for (const l of v.lets) ctx.lets.set(l.name, guard(l.span, `let ${l.name}`, () => l.expr.eval(ctx)));

  const created: WNode[] = [];
  const letValues = new Map<string, string>();
  const valueName = (val: RtVal, base: string): string => {
    if (val === undefined) return '';
    if (val instanceof ValueRef) return val.name;
    return g.addConstant(base, val as Tensor);
  };
  const arg = (a: CArg): string => {
    if (a.k === 'absent') return '';
    if (a.k === 'let') {
      let name = letValues.get(a.name);
      if (name === undefined) {
        name = valueName(ctx.lets.get(a.name), `${root.name}.${a.name}`);
        letValues.set(a.name, name);
      }
      return name;
    }
    return build(a, false)[0]!;
  };

  const build = (b: CBuild, isRoot: boolean): string[] => {
    if (b.k === 'value') return [valueName(guard(b.span, 'the replacement value', () => b.expr.eval(ctx)), root.name)];
    const orig = b.k === 'clone' ? st.nodes.get(b.binding)! : undefined;
    const op = orig ? orig.op : (b as { op: string }).op;
    const def = getOp(op)!;
    const inputs = b.args ? b.args.map(arg) : [...orig!.inputs];
    while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
    const attrs: Attrs = orig ? { ...orig.attrs } : {};
    for (const a of b.attrs) {
      if (a.k === 'spread') Object.assign(attrs, st.nodes.get(a.binding)!.attrs);
      else {
        const val = guard(a.expr.span, `attribute ${a.name}`, () => a.expr.eval(ctx));
        if (val !== undefined) attrs[a.name] = val as AttrValue;
      }
    }
    // Nodes store only what differs from the op's defaults.
    for (const [k, v] of Object.entries(attrs)) if (isDefault(def.attrs[k]?.default, v)) delete attrs[k];
    const types = guard(b.span, `the replacement ${op} is invalid`, () => {
      try {
        return def.infer({ inputs: inputs.map((i) => (i ? g.typeOf(i) : undefined)), attrs: resolveAttrs(def, attrs) });
      } catch (e) {
        throw e instanceof OpError ? new Error(e.message) : e;
      }
    });
    if (isRoot) {
      const declared = root.outputs.map((o) => g.typeOf(o)!);
      if (types.length !== declared.length || types.some((t, i) => !sameKind(t, declared[i]!)))
        fail(b.span, `the replacement computes ${types.map(formatType).join(', ')} but the root is ${declared.map(formatType).join(', ')}`);
      const n = g.insertBefore(root, { name: root.name, op, inputs, outputs: root.outputs, attrs, ...(root.debugHandle !== undefined ? { debugHandle: root.debugHandle } : {}) }, declared);
      created.push(n);
      return root.outputs;
    }
    const name = g.freshNode(`${root.name}.${op}`);
    const outputs = types.map((_, i) => g.freshValue(types.length === 1 ? name : `${name}.${i}`));
    // Every node of the replacement stands for the root: it keeps the root's debug handle.
    created.push(g.insertBefore(root, { name, op, inputs, outputs, attrs, ...(root.debugHandle !== undefined ? { debugHandle: root.debugHandle } : {}) }, types));
    return outputs;
  };

  if (v.result.k === 'value') {
    const to = build(v.result, true)[0]!;
    const from = root.outputs[0]!;
    const redirected = g.replaceAllUses(from, to);
    g.remove(root, true);
    return { created, replacedBy: to, redirected };
  }
  build(v.result, true);
  g.remove(root, false);
  return { created, redirected: [] };
}

const sameKind = (a: TensorType, b: TensorType): boolean => a.dtype === b.dtype && sameShape(a.shape, b.shape);

function isDefault(d: AttrValue | undefined, v: AttrValue): boolean {
  if (d === undefined) return false;
  if (Array.isArray(d) && Array.isArray(v)) return d.length === v.length && d.every((x, i) => x === v[i]);
  return d === v;
}

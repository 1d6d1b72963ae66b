// Checking and compiling the replacement of a rewrite: new nodes of fixed ops, copies of matched
// nodes with changed operands or attributes, or an existing value. Operand counts, attribute
// names and types are checked against the op table when the file is loaded.
import { match } from 'ts-pattern';
import { getOp, opNames, type OpDef, type OperandSpec } from '../../ir/ops/index.js';
import type { Build, BuildArg, BuildAttr, Span } from '../syntax/ast.js';
import { assignable, showTy, type Base } from '../lang/types.js';
import type { CArg, CAttr, CBuild } from '../engine/program.js';
import type { ExprChecker } from './expr.js';
import { nearest, type Reporter } from './report.js';
import { resolveCapture, type Scope } from './scope.js';

/** `conv2d takes 2 to 3 operands (x, w, b?)`, or undefined when n operands fit. */
export function operandCountError(def: OpDef, n: number, rest: boolean): string | undefined {
  const ops = def.operands;
  const variadic = ops.length > 0 && ops[ops.length - 1]!.variadic;
  const required = ops.filter((o) => !o.optional).length;
  const max = variadic ? Infinity : ops.length;
  if (n <= max && (rest || n >= required)) return undefined;
  const names = ops.map((o) => `${o.name}${o.optional ? '?' : ''}${o.variadic ? '…' : ''}`).join(', ');
  const range = max === Infinity ? `${required} or more` : required === max ? `${max}` : `${required} to ${max}`;
  return `${def.name} takes ${range} operand(s) (${names}), the pattern gives ${n}`;
}

const operandSpec = (def: OpDef, i: number): OperandSpec | undefined => {
  const ops = def.operands;
  return ops[i] ?? (ops[ops.length - 1]?.variadic ? ops[ops.length - 1] : undefined);
};

export class BuildChecker {
  constructor(
    private readonly r: Reporter,
    private readonly exprs: ExprChecker,
  ) {}

  /** The replacement of the root: its result count must equal the root's. */
  root(b: Build, s: Scope, root: string, rootDefs: OpDef[]): CBuild | null {
    const c = this.build(b, s);
    if (!c) return null;
    if (c.k === 'value') {
      if (c.expr.ty.maybe) {
        this.r.error('PAT_MAYBE_ABSENT', b.span, 'the replacement of the root may be absent');
        return null;
      }
      // Redirecting the root's uses to the root itself would erase it and leave them dangling.
      const self = b.kind === 'capture' ? resolveCapture(s, b.name.name) : undefined;
      if (self?.kind === 'node' && self.name === root) {
        this.r.error('PAT_STRUCTURE', b.span, `the replacement is the root %${root} itself`, 'a pattern that changes nothing should not match: replace the root by another value or a new node');
        return null;
      }
      return c;
    }
    const res = c.k === 'clone' ? resolveCapture(s, c.binding) : undefined;
    const defs = c.k === 'op' ? [getOp(c.op)!] : res?.kind === 'node' ? res.b.defs : [];
    for (const d of defs)
      for (const r of rootDefs)
        if (d.results !== r.results) this.r.error('PAT_STRUCTURE', b.span, `the replacement ${d.name} has ${d.results} result(s), the root ${r.name} has ${r.results}`);
    return c;
  }

  private build(b: Build, s: Scope): CBuild | null {
    if (b.kind === 'spread') {
      this.r.error('PAT_STRUCTURE', b.span, `%${b.name.name}... splices operands: it can only be an operand of a new node or copy`);
      return null;
    }
    return match(b)
      .with({ kind: 'op' }, (o) => this.op(o.op.name, o.op.span, o.args, o.attrs, o.span, s))
      .with({ kind: 'capture' }, (c) => (c.args || c.attrs ? this.clone(c.name.name, c.name.span, c.args, c.attrs ?? [], c.span, s) : this.value(c.name.name, c.span, s)))
      .exhaustive();
  }

  private value(name: string, span: Span, s: Scope): CBuild | null {
    const e = this.exprs.capture(name, span, s);
    return e ? { k: 'value', expr: e, span } : null;
  }

  private op(name: string, nameSpan: Span, args: BuildArg[], attrs: BuildAttr[], span: Span, s: Scope): CBuild | null {
    const def = getOp(name);
    if (!def) {
      this.r.error('PAT_UNKNOWN_OP', nameSpan, `unknown op '${name}'`, nearest(name, opNames(), 'ops'));
      return null;
    }
    const cargs = this.args(args, [def], span, s);
    const cattrs = this.attrs(attrs, [def], s);
    return cargs && cattrs ? { k: 'op', op: name, args: cargs, attrs: cattrs, span } : null;
  }

  private clone(name: string, nameSpan: Span, args: BuildArg[] | undefined, attrs: BuildAttr[], span: Span, s: Scope): CBuild | null {
    const res = resolveCapture(s, name);
    if (res.kind !== 'node') {
      if (res.kind === 'none') this.exprs.capture(name, nameSpan, s);
      else this.r.error('PAT_TYPE', nameSpan, `%${name} is not a node binding: only a matched node can be copied with new operands or attributes`);
      return null;
    }
    const cargs = args ? this.args(args, res.b.defs, span, s) : undefined;
    const cattrs = this.attrs(attrs, res.b.defs, s);
    if ((args && !cargs) || !cattrs) return null;
    return { k: 'clone', binding: res.name, ...(cargs ? { args: cargs } : {}), attrs: cattrs, span };
  }

  /** Operands of a new node or copy. `%xs...` splices: one as the last operand, or any number
   *  anywhere when every op's operands are one variadic list (concat), where the order is plain. */
  private args(args: BuildArg[], defs: OpDef[], span: Span, s: Scope): CArg[] | null {
    let ok = true;
    const spreads = args.filter((a) => a.kind === 'spread').length, lastOnly = spreads === 1 && args[args.length - 1]!.kind === 'spread';
    if (spreads && !lastOnly)
      for (const d of defs)
        if (d.operands.length !== 1 || !d.operands[0]!.variadic) {
          this.r.error('PAT_STRUCTURE', span, `${d.name}: %xs... can only be its last operand (more than one, or one before other operands, needs an op whose operands are one variadic list, such as concat)`);
          ok = false;
        }
    const fixed = args.filter((a) => a.kind !== 'spread').length;
    for (const d of defs) {
      const err = operandCountError(d, fixed, spreads > 0);
      if (err) {
        this.r.error('PAT_OPERANDS', span, err.replace('the pattern gives', 'the replacement gives'), 'leave out an optional operand in the middle with _');
        ok = false;
      }
    }
    const out: CArg[] = [];
    let i = 0;
    for (const a of args) {
      if (a.kind === 'spread') {
        const c = this.spread(a, defs, s);
        if (c) out.push(c);
        else ok = false;
        continue;
      }
      const optional = defs.every((d) => operandSpec(d, i)?.optional);
      const c = this.arg(a, optional, `operand ${i} of ${defs.map((d) => d.name).join(' | ')}`, s);
      if (c) out.push(c);
      else ok = false;
      i++;
    }
    return ok ? out : null;
  }

  /** `%xs...` as an operand: the values a `%xs...` of the match bound, for ops whose last operand is variadic. */
  private spread(a: Extract<BuildArg, { kind: 'spread' }>, defs: OpDef[], s: Scope): CArg | null {
    const name = a.name.name, rest = s.rests.get(name);
    if (!rest) {
      const bound = s.allNames.has(name);
      this.r.error('PAT_UNBOUND', a.span, bound ? `%${name}... is not bound in this variant of the pattern` : `%${name}... is not bound by the match`, 'bind the remaining operands of a node with %xs... as its last operand');
      return null;
    }
    let ok = true;
    for (const d of defs)
      if (!d.operands[d.operands.length - 1]?.variadic) {
        this.r.error('PAT_OPERANDS', a.span, `${d.name} has no variadic operand to splice %${name}... into`);
        ok = false;
      }
    return ok ? { k: 'rest', binding: rest.binding, from: rest.from } : null;
  }

  private arg(a: BuildArg, optional: boolean, what: string, s: Scope): CArg | null {
    if (a.kind === 'absent') {
      if (optional) return { k: 'absent' };
      this.r.error('PAT_OPERANDS', a.span, `${what} is required and cannot be left out with _`);
      return null;
    }
    if (a.kind === 'let') {
      if (s.failedLets?.has(a.name.name)) return null;
      const t = s.lets?.get(a.name.name);
      if (!t) {
        this.r.error('PAT_UNBOUND', a.span, `unknown name '${a.name.name}'`, nearest(a.name.name, [...(s.lets?.keys() ?? [])], 'let names') ?? 'operands are captures (%x), let names, or ops: name(…)');
        return null;
      }
      if (t.base !== 'tensor' && t.base !== 'value') {
        this.r.error('PAT_TYPE', a.span, `${what} must be a value or tensor, '${a.name.name}' is ${showTy(t)}`);
        return null;
      }
      if (t.maybe && !optional) {
        this.r.error('PAT_MAYBE_ABSENT', a.span, `'${a.name.name}' may be absent but ${what} is required`);
        return null;
      }
      s.usedLets?.add(a.name.name);
      return { k: 'let', name: a.name.name, span: a.span };
    }
    const c = this.build(a, s);
    if (c?.k === 'value' && c.expr.ty.maybe && !optional) {
      this.r.error('PAT_MAYBE_ABSENT', a.span, `this capture may be absent but ${what} is required`, 'guard the pattern with present(…) or pass _ where the operand is optional');
      return null;
    }
    return c;
  }

  private attrs(attrs: BuildAttr[], defs: OpDef[], s: Scope): CAttr[] | null {
    let ok = true;
    const out: CAttr[] = [];
    for (const a of attrs) {
      if (a.kind === 'spread') {
        const res = resolveCapture(s, a.from.name);
        if (res.kind !== 'node') {
          this.r.error('PAT_TYPE', a.span, `...%${a.from.name}: only the attributes of a node binding can be copied`);
          ok = false;
          continue;
        }
        for (const src of res.b.defs)
          for (const d of defs) {
            const extra = Object.keys(src.attrs).filter((k) => !(k in d.attrs));
            if (!extra.length) continue;
            this.r.error('PAT_UNKNOWN_ATTR', a.span, `...%${a.from.name} copies attribute(s) ${extra.map((k) => `'${k}'`).join(', ')} of ${src.name}, which ${d.name} does not have`);
            ok = false;
          }
        out.push({ k: 'spread', binding: res.name });
        continue;
      }
      if (a.kind === 'spreadDef') throw new Error(`...${a.def.name}(…) was not expanded`); // Defs.expandPattern runs first
      if (a.via) ok = this.r.within(a.via, () => this.set(a, defs, s, out)) && ok;
      else ok = this.set(a, defs, s, out) && ok;
    }
    return ok ? out : null;
  }

  /** One `name: expr` of a replacement, checked against the ops' attribute table. */
  private set(a: Extract<BuildAttr, { kind: 'set' }>, defs: OpDef[], s: Scope, out: CAttr[]): boolean {
    let ok = true;
    const name = a.name.name;
    const expr = this.exprs.expr(a.value, s);
    for (const d of defs) {
      const spec = d.attrs[name];
      if (!spec) {
        this.r.error('PAT_UNKNOWN_ATTR', a.name.span, `${d.name} has no attribute '${name}'`, nearest(name, Object.keys(d.attrs), 'attributes'));
        ok = false;
      } else if (expr && !assignable(expr.ty, spec.type as Base)) {
        this.r.error('PAT_TYPE', a.value.span, `attribute '${name}' of ${d.name} is ${spec.type}, this is ${showTy(expr.ty)}`);
        ok = false;
      } else if (expr && typeof expr.constant === 'string' && spec.oneOf && !spec.oneOf.includes(expr.constant)) {
        this.r.error('PAT_TYPE', a.value.span, `attribute '${name}' of ${d.name} must be one of ${spec.oneOf.join(', ')}`);
        ok = false;
      }
    }
    if (!expr) ok = false;
    else out.push({ k: 'set', name, expr });
    return ok;
  }
}

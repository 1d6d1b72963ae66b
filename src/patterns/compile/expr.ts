// Type checking and compilation of pattern expressions (`where`, attribute patterns, `let`,
// attribute values of replacements) into closures. Every error is reported with its span and the
// expression yields null so that checking goes on with the rest of the file.
import { match } from 'ts-pattern';
import { isDType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Expr, Span } from '../syntax/ast.js';
import { assignable, join, paramBase, PatternError, showTy, ty, ValueRef, type Base, type RtVal, type Ty } from '../lang/types.js';
import { binaryOp } from '../helpers/tensor-math.js';
import { signature, type Helper } from '../helpers/registry.js';
import { NONE } from '../../ir/numbered/index.js';
import type { CExpr, EvalCtx } from '../engine/program.js';
import { restValues } from '../engine/values.js';
import { INTRINSIC_BY_NAME, INTRINSICS, type Intrinsic } from './intrinsics.js';
import { nearest, type Reporter } from './report.js';
import { resolveCapture, withKnown, type Scope } from './scope.js';

type C = CExpr | null;

const lit = (v: RtVal, t: Ty, span: Span): CExpr => ({ ty: t, span, eval: () => v, constant: v });

/** A value's constant data (a capture constrained `const`, or a let bound to a tensor). */
export function tensorOf(ctx: EvalCtx, v: RtVal): Tensor {
  if (v instanceof ValueRef) {
    const t = ctx.g.constant(v.id);
    if (!t) throw new Error(`'${v.name}' is not a constant`);
    return t;
  }
  return v as Tensor;
}

function deepEqual(a: RtVal, b: RtVal): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a instanceof ValueRef && b instanceof ValueRef) return a.name === b.name;
  return a === b;
}

/** Names that are present whenever `e` is true (resp. false): `present(%x)`, through and/or/not. */
export function provenTrue(e: Expr): string[] {
  if (e.kind === 'inline') return provenTrue(e.body);
  if (e.kind === 'call' && e.fn.name === 'present' && e.args.length === 1 && e.args[0]!.kind === 'capture') return [e.args[0]!.name];
  if (e.kind === 'binary' && e.op === 'and') return [...provenTrue(e.left), ...provenTrue(e.right)];
  if (e.kind === 'unary' && e.op === 'not') return provenFalse(e.arg);
  return [];
}
function provenFalse(e: Expr): string[] {
  if (e.kind === 'inline') return provenFalse(e.body);
  if (e.kind === 'binary' && e.op === 'or') return [...provenFalse(e.left), ...provenFalse(e.right)];
  if (e.kind === 'unary' && e.op === 'not') return provenTrue(e.arg);
  return [];
}

export class ExprChecker {
  constructor(private readonly r: Reporter) {}

  /** Checks `e` and requires its type to be `want` (if given). */
  expect(e: Expr, s: Scope, want: Base, what: string): C {
    const c = this.expr(e, s);
    if (!c) return null;
    if (!assignable(c.ty, want)) {
      this.r.error('PAT_TYPE', e.span, `${what} must be ${want}, this is ${showTy(c.ty)}`);
      return null;
    }
    return this.required(c, e) ? c : null;
  }

  /** Rejects a value that may be absent where one is required. */
  required(c: CExpr, e: Expr): boolean {
    if (!c.ty.maybe) return true;
    const name = e.kind === 'capture' ? `%${e.name}` : 'this value';
    this.r.error(
      'PAT_MAYBE_ABSENT',
      e.span,
      `${name} may be absent here`,
      e.kind === 'capture' ? `guard it with present(%${e.name}) or give a default: %${e.name} ?? …` : 'give a default with ?? …',
    );
    return false;
  }

  expr(e: Expr, s: Scope): C {
    return match(e)
      .with({ kind: 'num' }, (n) => lit(n.value, ty(n.isInt ? 'int' : 'float'), n.span))
      .with({ kind: 'str' }, (n) => lit(n.value, ty('string'), n.span))
      .with({ kind: 'bool' }, (n) => lit(n.value, ty('bool'), n.span))
      .with({ kind: 'list' }, (n) => this.list(n.items, n.span, s))
      .with({ kind: 'capture' }, (n) => this.capture(n.name, n.span, s))
      .with({ kind: 'ident' }, (n) => this.ident(n.name, n.span, s))
      .with({ kind: 'attr' }, (n) => this.attr(n.target, n.attr.name, n.attr.span, n.span, s))
      .with({ kind: 'index' }, (n) => this.index(n.target, n.index, n.span, s))
      .with({ kind: 'call' }, (n) => this.call(n.fn.name, n.fn.span, n.args, n.span, s))
      .with({ kind: 'unary' }, (n) => this.unary(n.op, n.arg, n.span, s))
      .with({ kind: 'binary' }, (n) => this.binary(n, s))
      .with({ kind: 'if' }, (n) => this.ifExpr(n.cond, n.then, n.else, n.span, s))
      .with({ kind: 'inline' }, (n) => this.inline(n.def, n.body, n.span, s))
      .with({ kind: 'invalid' }, () => null)
      .exhaustive();
  }

  private list(items: Expr[], span: Span, s: Scope): C {
    const cs = items.map((i) => this.expr(i, s));
    if (cs.some((c) => !c)) return null;
    const parts = cs as CExpr[];
    let base: Base = 'ints';
    if (parts.every((c) => c.ty.base === 'int')) base = 'ints';
    else if (parts.every((c) => assignable(c.ty, 'float'))) base = 'floats';
    else if (parts.every((c) => assignable(c.ty, 'string'))) base = 'strings';
    else {
      this.r.error('PAT_TYPE', span, `list items must all be numbers or all strings, got ${parts.map((c) => showTy(c.ty)).join(', ')}`);
      return null;
    }
    if (!parts.every((c, i) => this.required(c, items[i]!))) return null;
    if (parts.every((c) => c.constant !== undefined)) return lit(parts.map((c) => c.constant) as number[], ty(base), span);
    return { ty: ty(base), span, eval: (ctx) => parts.map((c) => c.eval(ctx)) as number[] };
  }

  capture(name: string, span: Span, s: Scope): C {
    const rest = s.rests.get(name);
    if (rest) return { ty: ty('values'), span, eval: (ctx) => restValues(ctx, rest.binding, rest.from) };
    const res = resolveCapture(s, name);
    if (res.kind === 'node') {
      const out = res.name;
      return {
        ty: ty('value'),
        span,
        eval: (ctx) => {
          const w = ctx.st.vals.get(out)!;
          return new ValueRef(ctx.g.valueName(w), w);
        },
      };
    }
    if (res.kind === 'cap') {
      const maybe = res.info.maybe && !s.known.has(name) && !s.known.has(res.name);
      const cap = res.name;
      return {
        ty: ty('value', maybe, res.info.isConst),
        span,
        eval: (ctx) => {
          const w = ctx.st.vals.get(cap);
          return w !== undefined && w !== NONE ? new ValueRef(ctx.g.valueName(w), w) : undefined;
        },
      };
    }
    if (s.allNames.has(name)) this.r.error('PAT_UNBOUND', span, `%${name} is not bound in this variant of the pattern`, `guard its use with present(%${name})`);
    else this.r.error('PAT_UNBOUND', span, `unknown capture %${name}`, nearest(name, [...s.allNames].filter((n) => !n.startsWith('#')), 'captures'));
    return null;
  }

  private ident(name: string, span: Span, s: Scope): C {
    if (s.failedLets?.has(name)) return null;
    const letTy = s.lets?.get(name);
    if (letTy) {
      s.usedLets?.add(name);
      return { ty: letTy, span, eval: (ctx) => ctx.lets.get(name) };
    }
    if (s.syms.has(name)) return { ty: ty('int'), span, eval: (ctx) => ctx.st.syms.get(name)! };
    if (name === 'inf') return lit(Infinity, ty('float'), span);
    if (name === 'nan') return lit(NaN, ty('float'), span);
    if (isDType(name)) return lit(name, ty('dtype'), span);
    const names = [...(s.lets?.keys() ?? []), ...s.syms, 'inf', 'nan'];
    this.r.error('PAT_UNBOUND', span, `unknown name '${name}'`, nearest(name, names, 'names') ?? 'captures are written %name');
    return null;
  }

  private attr(target: Expr, attr: string, attrSpan: Span, span: Span, s: Scope): C {
    if (target.kind !== 'capture') {
      this.r.error('PAT_TYPE', target.span, `attributes are read from node bindings, e.g. %c.${attr}`);
      return null;
    }
    const res = resolveCapture(s, target.name);
    if (res.kind !== 'node') {
      if (res.kind === 'none') return this.capture(target.name, target.span, s);
      this.r.error('PAT_TYPE', target.span, `%${target.name} is not a node binding, so it has no attribute '${attr}'`);
      return null;
    }
    if (!res.b.defs.length) return null; // its op is unknown, which is reported already
    const specs = res.b.defs.map((d) => d.attrs[attr]);
    const missing = res.b.defs.filter((_, i) => !specs[i]);
    if (missing.length) {
      const known = [...new Set(res.b.defs.flatMap((d) => Object.keys(d.attrs)))];
      this.r.error('PAT_UNKNOWN_ATTR', attrSpan, `${missing.map((d) => d.name).join(', ')} has no attribute '${attr}'`, nearest(attr, known, 'attributes'));
      return null;
    }
    const bases = [...new Set(specs.map((sp) => sp!.type as Base))];
    let base: Base | undefined = bases[0];
    for (const b of bases.slice(1)) base = base && join(ty(base), ty(b));
    if (!base) {
      this.r.error('PAT_TYPE', attrSpan, `attribute '${attr}' has different types in ${res.b.defs.map((d) => d.name).join(', ')}`);
      return null;
    }
    const maybe = specs.some((sp) => sp!.default === undefined && sp!.optional);
    const binding = res.name;
    return { ty: ty(base, maybe), span, eval: (ctx) => ctx.g.attrs(ctx.st.nodes.get(binding)!)[attr] as RtVal };
  }

  private index(target: Expr, index: Expr, span: Span, s: Scope): C {
    const t = this.expr(target, s), i = this.expect(index, s, 'int', 'an index');
    if (!t || !i) return null;
    const elem: Partial<Record<Base, Base>> = { ints: 'int', floats: 'float', strings: 'string', values: 'value' };
    const base = elem[t.ty.base];
    if (!base || !this.required(t, target)) {
      if (base === undefined) this.r.error('PAT_TYPE', target.span, `only lists can be indexed, this is ${showTy(t.ty)}`);
      return null;
    }
    return {
      ty: ty(base),
      span,
      eval: (ctx) => {
        const l = t.eval(ctx) as unknown[], k = i.eval(ctx) as number;
        const j = k < 0 ? k + l.length : k;
        if (j < 0 || j >= l.length) throw new PatternError(`index ${k} is out of range for a list of ${l.length}`, span);
        return l[j] as RtVal;
      },
    };
  }

  private call(fn: string, fnSpan: Span, args: Expr[], span: Span, s: Scope): C {
    if (fn === 'present') return this.present(args, span, s);
    const intr = INTRINSIC_BY_NAME.get(fn);
    if (intr) return this.intrinsic(intr, args, span, s);
    const overloads = s.helpers.lookup(fn);
    if (!overloads.length) {
      const names = [...INTRINSICS.map((i) => i.name), 'present', ...s.helpers.names()];
      this.r.error('PAT_UNKNOWN_FN', fnSpan, `unknown function '${fn}'`, nearest(fn, names, 'functions'));
      return null;
    }
    const cs = args.map((a) => this.expr(a, s));
    if (cs.some((c) => !c)) return null;
    const typed = cs as CExpr[];
    const fits = (h: Helper) =>
      h.params.length === typed.length &&
      h.params.every((p, i) => {
        const pb = paramBase(p.type);
        return assignable(typed[i]!.ty, pb.base) && (pb.maybe || !typed[i]!.ty.maybe);
      });
    const h = overloads.find(fits);
    if (!h) {
      const one = overloads.length === 1 ? overloads[0]! : undefined;
      if (one && one.params.length !== typed.length)
        this.r.error('PAT_ARGS', span, `${fn} takes ${one.params.length} argument(s), got ${typed.length}`, signature(one));
      else if (one) {
        const i = one.params.findIndex((p, k) => !assignable(typed[k]!.ty, paramBase(p.type).base));
        if (i < 0) typed.forEach((c, k) => this.required(c, args[k]!));
        else this.r.error('PAT_TYPE', args[i]!.span, `argument '${one.params[i]!.name}' of ${fn} must be ${one.params[i]!.type}, this is ${showTy(typed[i]!.ty)}`, signature(one));
      } else
        this.r.error('PAT_ARGS', span, `no overload of ${fn} takes (${typed.map((c) => showTy(c.ty)).join(', ')})`, overloads.map(signature).join('; '));
      return null;
    }
    const conv = h.params.map((p) => paramBase(p.type).base === 'tensor');
    return {
      ty: ty(h.result),
      span,
      eval: (ctx) => {
        const args = new Array<unknown>(typed.length);
        for (let i = 0; i < args.length; i++) {
          const v = typed[i]!.eval(ctx);
          args[i] = conv[i] && v !== undefined ? tensorOf(ctx, v) : v;
        }
        return h.fn(...args) as RtVal;
      },
    };
  }

  private present(args: Expr[], span: Span, s: Scope): C {
    const a = args[0];
    if (args.length !== 1 || !a) {
      this.r.error('PAT_ARGS', span, `present takes one argument, got ${args.length}`);
      return null;
    }
    if (a.kind === 'capture') {
      if (s.rests.has(a.name)) return lit(true, ty('bool'), span); // a list, possibly empty: len() says how long
      const res = resolveCapture(s, a.name);
      if (s.alias.has(a.name) || res.kind === 'node') return lit(!s.alias.has(a.name), ty('bool'), span);
      if (res.kind === 'none' && s.allNames.has(a.name)) return lit(false, ty('bool'), span);
    }
    const c = this.expr(a, s);
    if (!c) return null;
    if (!c.ty.maybe) return lit(true, ty('bool'), span);
    return { ty: ty('bool'), span, eval: (ctx) => c.eval(ctx) !== undefined };
  }

  private intrinsic(f: Intrinsic, args: Expr[], span: Span, s: Scope): C {
    if (args.length !== f.params.length) {
      this.r.error('PAT_ARGS', span, `${f.name} takes ${f.params.length} argument(s), got ${args.length}`, `${f.name}(${f.params.join(', ')}) -> ${f.result}`);
      return null;
    }
    const cs: CExpr[] = [];
    for (const [i, p] of f.params.entries()) {
      const a = args[i]!;
      const c = p === 'int' ? this.expect(a, s, 'int', `argument ${i + 1} of ${f.name}`) : this.expr(a, s);
      if (!c) return null;
      if (p === 'value' || p === 'node') {
        if (c.ty.base !== 'value' || (p === 'node' && (a.kind !== 'capture' || resolveCapture(s, a.name).kind !== 'node'))) {
          this.r.error('PAT_TYPE', a.span, `argument ${i + 1} of ${f.name} must be a ${p === 'node' ? 'node binding' : 'capture'} (%x), this is ${showTy(c.ty)}`);
          return null;
        }
        if (!this.required(c, a)) return null;
      }
      if (p === 'list' && !['ints', 'floats', 'strings', 'values'].includes(c.ty.base)) {
        this.r.error('PAT_TYPE', a.span, `argument ${i + 1} of ${f.name} must be a list, this is ${showTy(c.ty)}`);
        return null;
      }
      cs.push(c);
    }
    return {
      ty: ty(f.result),
      span,
      eval: (ctx) => {
        const args = new Array<RtVal>(cs.length);
        for (let i = 0; i < args.length; i++) args[i] = cs[i]!.eval(ctx);
        return f.run(ctx, args);
      },
    };
  }

  private unary(op: '-' | 'not', arg: Expr, span: Span, s: Scope): C {
    if (op === 'not') {
      const c = this.expect(arg, s, 'bool', "the operand of 'not'");
      if (!c) return null;
      if (c.constant !== undefined) return lit(!c.constant, ty('bool'), span);
      return { ty: ty('bool'), span, eval: (ctx) => !c.eval(ctx) };
    }
    const c = this.expr(arg, s);
    if (!c || !this.required(c, arg)) return null;
    if (c.ty.base === 'int' || c.ty.base === 'float') {
      if (typeof c.constant === 'number') return lit(-c.constant, c.ty, span);
      return { ty: c.ty, span, eval: (ctx) => -(c.eval(ctx) as number) };
    }
    if (assignable(c.ty, 'tensor')) return { ty: ty('tensor'), span, eval: (ctx) => binaryOp(0, tensorOf(ctx, c.eval(ctx)), (_, x) => -x) };
    this.r.error('PAT_TYPE', arg.span, `cannot negate ${showTy(c.ty)}`);
    return null;
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, s: Scope): C {
    const { op, span } = e;
    if (op === 'and' || op === 'or') {
      const l = this.expect(e.left, s, 'bool', `the left operand of '${op}'`);
      if (!l) return null;
      if (l.constant === (op === 'or')) return lit(op === 'or', ty('bool'), span);
      const rs = withKnown(s, op === 'and' ? provenTrue(e.left) : provenFalse(e.left));
      const r = this.expect(e.right, rs, 'bool', `the right operand of '${op}'`);
      if (!r) return null;
      if (l.constant !== undefined) return r;
      if (op === 'and') return { ty: ty('bool'), span, eval: (ctx) => l.eval(ctx) === true && r.eval(ctx) === true };
      return { ty: ty('bool'), span, eval: (ctx) => l.eval(ctx) === true || r.eval(ctx) === true };
    }
    const l = this.expr(e.left, s), r = this.expr(e.right, s);
    if (!l || !r) return null;
    if (op === '??') {
      const base = join(l.ty, r.ty);
      if (!base) {
        this.r.error('PAT_TYPE', span, `the two sides of ?? have different types: ${showTy(l.ty)} and ${showTy(r.ty)}`);
        return null;
      }
      const t = base === 'value' ? ty('value', r.ty.maybe, !!(l.ty.isConst && r.ty.isConst)) : ty(base, r.ty.maybe);
      return { ty: t, span, eval: (ctx) => l.eval(ctx) ?? r.eval(ctx) };
    }
    if (!this.required(l, e.left) || !this.required(r, e.right)) return null;
    if (op === '==' || op === '!=') {
      if (!join(l.ty, r.ty) || l.ty.base === 'tensor' || r.ty.base === 'tensor') {
        this.r.error('PAT_TYPE', span, `cannot compare ${showTy(l.ty)} with ${showTy(r.ty)}`);
        return null;
      }
      const neg = op === '!=';
      return { ty: ty('bool'), span, parts: [l, r], eval: (ctx) => deepEqual(l.eval(ctx), r.eval(ctx)) !== neg };
    }
    const numeric = (c: CExpr) => c.ty.base === 'int' || c.ty.base === 'float';
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      if (!numeric(l) || !numeric(r)) {
        this.r.error('PAT_TYPE', span, `'${op}' compares numbers, got ${showTy(l.ty)} and ${showTy(r.ty)}`);
        return null;
      }
      const cmp = { '<': (a: number, b: number) => a < b, '<=': (a: number, b: number) => a <= b, '>': (a: number, b: number) => a > b, '>=': (a: number, b: number) => a >= b }[op];
      return { ty: ty('bool'), span, parts: [l, r], eval: (ctx) => cmp(l.eval(ctx) as number, r.eval(ctx) as number) };
    }
    const f = { '+': (a: number, b: number) => a + b, '-': (a: number, b: number) => a - b, '*': (a: number, b: number) => a * b, '/': (a: number, b: number) => a / b }[op];
    if (numeric(l) && numeric(r)) {
      const base = l.ty.base === 'int' && r.ty.base === 'int' && op !== '/' ? 'int' : 'float';
      return { ty: ty(base), span, eval: (ctx) => f(l.eval(ctx) as number, r.eval(ctx) as number) };
    }
    const tensorish = (c: CExpr) => numeric(c) || assignable(c.ty, 'tensor');
    if (tensorish(l) && tensorish(r)) {
      const operand = (c: CExpr, ctx: EvalCtx) => (numeric(c) ? (c.eval(ctx) as number) : tensorOf(ctx, c.eval(ctx)));
      return { ty: ty('tensor'), span, eval: (ctx) => binaryOp(operand(l, ctx), operand(r, ctx), f) };
    }
    const hint = [l, r].some((c) => c.ty.base === 'value') ? 'a capture is tensor data only when it is constrained `const`, e.g. %w: const' : undefined;
    this.r.error('PAT_TYPE', span, `'${op}' needs numbers or tensors, got ${showTy(l.ty)} and ${showTy(r.ty)}`, hint);
    return null;
  }

  /** A def's inlined body: checked where it is used, its errors tagged with the def and the call. */
  private inline(def: string, body: Expr, call: Span, s: Scope): C {
    const c = this.r.within(`in def ${def} used at ${this.r.lineCol(call)}`, () => this.expr(body, s));
    return c && { ...c, span: call };
  }

  private ifExpr(cond: Expr, then: Expr, els: Expr, span: Span, s: Scope): C {
    const c = this.expect(cond, s, 'bool', 'the condition of if');
    if (!c) return null;
    if (c.constant === true) return this.expr(then, withKnown(s, provenTrue(cond)));
    if (c.constant === false) return this.expr(els, withKnown(s, provenFalse(cond)));
    const t = this.expr(then, withKnown(s, provenTrue(cond))), e = this.expr(els, withKnown(s, provenFalse(cond)));
    if (!t || !e) return null;
    const base = join(t.ty, e.ty);
    if (!base) {
      this.r.error('PAT_TYPE', span, `the branches of if have different types: ${showTy(t.ty)} and ${showTy(e.ty)}`);
      return null;
    }
    const rt = base === 'value' ? ty('value', t.ty.maybe || e.ty.maybe, !!(t.ty.isConst && e.ty.isConst)) : ty(base, t.ty.maybe || e.ty.maybe);
    return { ty: rt, span, eval: (ctx) => (c.eval(ctx) === true ? t.eval(ctx) : e.eval(ctx)) };
  }
}

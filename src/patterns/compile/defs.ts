// File-level definitions (`def`): named expressions and attribute groups with parameters, so a
// pattern file states a shared condition, bound or set of attributes once. A def is inlined at
// every use, before checking: `name(args)` in an expression becomes its body (an `inline` node,
// so errors inside name the def and the call), `...name(args)` in a replacement's attributes
// becomes its attributes. It is then checked where it is used, like the text it stands for.
// Hygiene: a body sees only its parameters (a `%p` parameter takes a capture, a bare one any
// expression), dtype names, inf and nan, and the defs above it, so it cannot recurse.
import { isDType } from '../../ir/dtype.js';
import type { HelperRegistry } from '../helpers/registry.js';
import type { BuildAttr, Build, BuildArg, DefDecl, Expr, PatternDecl, PatternFile } from '../syntax/ast.js';
import { INTRINSIC_BY_NAME } from './intrinsics.js';
import { nearest, type Reporter } from './report.js';

type Env = ReadonlyMap<string, Expr>;

export class Defs {
  /** The valid defs, in file order. */
  private readonly byName = new Map<string, DefDecl>();
  private readonly used = new Set<string>();
  private readonly all: DefDecl[];

  /** Checks the defs of a file (names, parameters, free names) and keeps the valid ones. */
  constructor(
    file: PatternFile,
    private readonly r: Reporter,
    helpers: HelperRegistry,
  ) {
    this.all = [...file.defs].sort((a, b) => a.span.offset - b.span.offset);
    const names = new Set<string>();
    for (const d of this.all) {
      const name = d.name.name;
      if (names.has(name) || INTRINSIC_BY_NAME.has(name) || name === 'present' || helpers.lookup(name).length) {
        r.error('PAT_DUPLICATE', d.name.span, `'${name}' is already defined${names.has(name) ? ' in this file' : ' as a built-in function'}`);
        continue;
      }
      names.add(name);
      const params = new Set<string>();
      let ok = true;
      for (const p of d.params) {
        const key = (p.capture ? '%' : '') + p.name.name;
        if (params.has(key)) {
          r.error('PAT_DUPLICATE', p.name.span, `parameter ${key} of def ${name} is given twice`);
          ok = false;
        }
        params.add(key);
      }
      const before = r.list.length;
      this.freeNames(d, params);
      if (ok && r.list.length === before) this.byName.set(name, d);
    }
  }

  /** Reports names in the body that are not parameters, dtypes, inf/nan, or defs above it; warns about unused parameters. */
  private freeNames(d: DefDecl, params: Set<string>): void {
    const seen = new Set<string>();
    const exprs = d.body.kind === 'expr' ? [d.body.expr] : attrExprs(d.body.attrs);
    const visit = (e: Expr): void => {
      if (e.kind === 'capture') {
        if (params.has(`%${e.name}`)) seen.add(`%${e.name}`);
        else this.r.error('PAT_UNBOUND', e.span, `%${e.name} is not a parameter of def ${d.name.name}`, 'a def sees only its parameters: add it, e.g. def f(%x, …)');
      } else if (e.kind === 'ident') {
        if (params.has(e.name)) seen.add(e.name);
        else if (!isDType(e.name) && e.name !== 'inf' && e.name !== 'nan')
          this.r.error('PAT_UNBOUND', e.span, `unknown name '${e.name}' in def ${d.name.name}`, nearest(e.name, [...params].filter((p) => !p.startsWith('%')), 'parameters') ?? 'a def sees only its parameters');
      } else if (e.kind === 'call' && !this.byName.has(e.fn.name) && this.all.some((x) => x.name.name === e.fn.name && x.span.offset >= d.span.offset)) {
        this.r.error('PAT_UNBOUND', e.fn.span, `def ${e.fn.name} is defined below def ${d.name.name}`, 'a def may use only the defs above it');
      }
      children(e).forEach(visit);
    };
    exprs.forEach(visit);
    if (d.body.kind === 'attrs')
      for (const a of d.body.attrs) {
        if (a.kind === 'spread') this.r.error('PAT_UNBOUND', a.span, `...%${a.from.name}: an attribute def cannot copy a node's attributes`, 'spread them in the replacement itself');
        if (a.kind === 'spreadDef') {
          if (!this.byName.has(a.def.name)) this.r.error('PAT_UNBOUND', a.def.span, `unknown attribute def '${a.def.name}'`, 'a def may use only the defs above it');
          a.args.forEach(visit);
        }
      }
    for (const p of d.params) {
      const key = (p.capture ? '%' : '') + p.name.name;
      if (!seen.has(key)) this.r.warn('PAT_UNUSED', p.name.span, `parameter ${key} of def ${d.name.name} is never used`);
    }
  }

  /** Defs that no pattern or def used: warned once the whole file is expanded. */
  warnUnused(): void {
    for (const [name, d] of this.byName) if (!this.used.has(name)) this.r.warn('PAT_UNUSED', d.name.span, `def ${name} is never used`);
  }

  /** The pattern with every def use inlined; a wrong use is reported here and checks as nothing. */
  expandPattern(p: PatternDecl): PatternDecl {
    const E = (e: Expr) => this.expr(e, new Map(), p.span.offset);
    return {
      ...p,
      bindings: p.bindings.map((b) => ({ ...b, node: { ...b.node, alts: b.node.alts.map((a) => ({ ...a, attrs: a.attrs.map((x) => ({ ...x, value: E(x.value) })) })) } })),
      wheres: p.wheres.map(E),
      lets: p.lets.map((l) => ({ ...l, value: E(l.value) })),
      result: this.build(p.result, p.span.offset),
    };
  }

  private build(b: Build, at: number): Build {
    if (b.kind === 'spread') return b;
    const args = b.args?.map((a): BuildArg => (a.kind === 'absent' || a.kind === 'let' ? a : this.build(a, at)));
    const attrs = b.attrs && this.attrs(b.attrs, new Map(), at);
    return b.kind === 'op' ? { ...b, args: args!, attrs: attrs! } : { ...b, ...(args ? { args } : {}), ...(attrs ? { attrs } : {}) };
  }

  private attrs(attrs: BuildAttr[], env: Env, at: number): BuildAttr[] {
    return attrs.flatMap((a): BuildAttr[] => {
      if (a.kind === 'set') return [{ ...a, value: this.expr(a.value, env, at) }];
      if (a.kind === 'spread') return [a];
      const d = this.use(a.def.name, a.def.span, a.args, 'attrs', at);
      if (d?.body.kind !== 'attrs') return [];
      const inner = this.bind(d, a.args.map((x) => this.expr(x, env, at)));
      if (!inner) return [];
      const via = `in def ${d.name.name} used at ${this.r.lineCol(a.span)}`;
      return this.attrs(d.body.attrs, inner, d.span.offset).map((x) => (x.kind === 'set' ? { ...x, via: x.via ? `${x.via}, ${via}` : via } : x));
    });
  }

  private expr(e: Expr, env: Env, at: number): Expr {
    if (e.kind === 'capture' || e.kind === 'ident') return env.get(e.kind === 'capture' ? `%${e.name}` : e.name) ?? e;
    if (e.kind === 'call' && this.byName.has(e.fn.name)) {
      const args = e.args.map((x) => this.expr(x, env, at));
      const d = this.use(e.fn.name, e.fn.span, e.args, 'expr', at);
      const inner = d && this.bind(d, args);
      if (d?.body.kind !== 'expr' || !inner) return { kind: 'invalid', span: e.span };
      return { kind: 'inline', def: d.name.name, body: this.expr(d.body.expr, inner, d.span.offset), span: e.span };
    }
    return mapChildren(e, (x) => this.expr(x, env, at));
  }

  /** The def called `name` at `span`, if it is of the wanted kind, above the use and given the right number of arguments. */
  private use(name: string, span: Expr['span'], args: Expr[], kind: 'expr' | 'attrs', at: number): DefDecl | undefined {
    const d = this.byName.get(name);
    if (!d) {
      this.r.error('PAT_UNBOUND', span, `unknown attribute def '${name}'`, nearest(name, [...this.byName.keys()], 'defs'));
      return undefined;
    }
    if (d.span.offset >= at) {
      this.r.error('PAT_UNBOUND', span, `def ${name} is defined below its use`, 'define it above the patterns and defs that use it');
      return undefined;
    }
    this.used.add(name);
    if (d.body.kind !== kind) {
      this.r.error('PAT_TYPE', span, kind === 'attrs' ? `def ${name} is an expression; spread only attribute defs: def ${name}(…) { attr: … }` : `def ${name} is a set of attributes; use it as ...${name}(…) in a replacement`);
      return undefined;
    }
    if (args.length !== d.params.length) {
      this.r.error('PAT_ARGS', span, `def ${name} takes ${d.params.length} argument(s), got ${args.length}`, `def ${name}(${d.params.map((p) => (p.capture ? '%' : '') + p.name.name).join(', ')})`);
      return undefined;
    }
    return d;
  }

  /** Parameter -> argument; a capture parameter needs a capture argument. */
  private bind(d: DefDecl, args: Expr[]): Env | undefined {
    const env = new Map<string, Expr>();
    let ok = true;
    d.params.forEach((p, i) => {
      const a = args[i]!;
      if (p.capture && a.kind !== 'capture') {
        this.r.error('PAT_TYPE', a.span, `parameter %${p.name.name} of def ${d.name.name} takes a capture (%x)`);
        ok = false;
      }
      env.set((p.capture ? '%' : '') + p.name.name, a);
    });
    return ok ? env : undefined;
  }
}

function attrExprs(attrs: BuildAttr[]): Expr[] {
  return attrs.flatMap((a) => (a.kind === 'set' ? [a.value] : a.kind === 'spreadDef' ? a.args : []));
}

/** The direct subexpressions of e. */
function children(e: Expr): Expr[] {
  const out: Expr[] = [];
  mapChildren(e, (x) => (out.push(x), x));
  return out;
}

/** e with f applied to each direct subexpression. */
function mapChildren(e: Expr, f: (x: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'list':
      return { ...e, items: e.items.map(f) };
    case 'attr':
      return { ...e, target: f(e.target) };
    case 'index':
      return { ...e, target: f(e.target), index: f(e.index) };
    case 'call':
      return { ...e, args: e.args.map(f) };
    case 'unary':
      return { ...e, arg: f(e.arg) };
    case 'binary':
      return { ...e, left: f(e.left), right: f(e.right) };
    case 'if':
      return { ...e, cond: f(e.cond), then: f(e.then), else: f(e.else) };
    case 'inline':
      return { ...e, body: f(e.body) };
    default:
      return e;
  }
}

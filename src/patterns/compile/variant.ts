// Lowering one pattern into its variants: every combination of alternatives and optional nodes
// (an absent optional node stands for its first operand) becomes its own matcher tree, and the
// `where` and rewrite parts are type-checked against exactly the names bound in that variant.
import { getOp, type OpDef } from '../../ir/ops/index.js';
import type { DType } from '../../ir/dtype.js';
import type { Expr, PatternDecl, ValueCheck } from '../syntax/ast.js';
import type { Ty } from '../lang/types.js';
import type { HelperRegistry } from '../helpers/registry.js';
import type { Check, CompiledPattern, DimP, NodeP, OperandP, ValueCheckP, Variant } from '../engine/program.js';
import { BuildChecker } from './build.js';
import { ExprChecker, provenTrue } from './expr.js';
import type { Reporter } from './report.js';
import { withKnown, type CaptureInfo, type Scope } from './scope.js';
import type { FlatBinding, FlatOperand } from './structure.js';

/** More variants than this is almost certainly a mistake (each optional node doubles them). */
export const MAX_VARIANTS = 64;

function lowerCheck(c: ValueCheck | undefined, r: Reporter): ValueCheckP | undefined {
  if (!c) return undefined;
  const dims = c.shape?.map((d): DimP | 'rest' => (d.kind === 'int' ? { k: 'int', v: d.value } : d.kind === 'sym' ? { k: 'sym', name: d.name } : d.kind === 'any' ? { k: 'any' } : 'rest'));
  const restAt = dims ? dims.indexOf('rest') : -1;
  return {
    isConst: c.isConst,
    ...(c.dtypes.length ? { dtypes: new Set(c.dtypes.map((d) => d.name as DType)) } : {}),
    ...(dims
      ? {
          dims: {
            before: (restAt < 0 ? dims : dims.slice(0, restAt)) as DimP[],
            after: (restAt < 0 ? [] : dims.slice(restAt + 1)) as DimP[],
            rest: restAt >= 0,
          },
        }
      : {}),
    text: r.text.slice(c.span.offset, c.span.offset + c.span.length),
  };
}

/** Every choice vector: alternative index per binding, -1 for an absent optional node. */
export function enumerate(flat: FlatBinding[]): number[][] {
  let out: number[][] = [[]];
  for (const b of flat) {
    const choices = [...b.alts.keys(), ...(b.optional ? [-1] : [])];
    out = out.flatMap((prefix) => choices.map((c) => [...prefix, c]));
    if (out.length > MAX_VARIANTS) break;
  }
  return out;
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

export function lowerVariant(
  decl: PatternDecl,
  flat: FlatBinding[],
  choice: number[],
  pattern: CompiledPattern,
  helpers: HelperRegistry,
  r: Reporter,
  usedLets: Set<string>,
): Variant | null {
  const byName = new Map(flat.map((b, i) => [b.name, i]));
  const alias = new Map<string, string>();
  flat.forEach((b, i) => {
    if (choice[i] === -1) alias.set(b.name, (b.alts[0]!.operands[0] as { name: string }).name);
  });
  // Follow absent optional nodes to the operand they stand for.
  const resolveOperand = (o: FlatOperand): FlatOperand => {
    for (let k = 0; o.kind === 'capture' && alias.has(o.name) && k < 64; k++) o = flat[byName.get(o.name)!]!.alts[0]!.operands[0]!;
    return o;
  };
  let rootName = flat[flat.length - 1]!.name;
  for (let k = 0; alias.has(rootName) && k < 64; k++) rootName = alias.get(rootName)!;
  const rootIdx = byName.get(rootName);
  if (rootIdx === undefined) {
    r.error('PAT_STRUCTURE', flat[flat.length - 1]!.span, 'when the optional root is absent, its first operand must be a node of the pattern');
    return null;
  }

  // Reachable bindings from the root under this choice; others do not take part.
  const reach = new Set<number>();
  const visit = (i: number) => {
    if (reach.has(i)) return;
    reach.add(i);
    for (const o of flat[i]!.alts[choice[i]!]!.operands) {
      const ro = resolveOperand(o);
      if (ro.kind === 'capture' && byName.has(ro.name)) visit(byName.get(ro.name)!);
    }
  };
  visit(rootIdx);

  const scope: Scope = { helpers, nodes: new Map(), caps: new Map(), alias, syms: new Set(), rests: new Map(), known: new Set(), allNames: new Set() };
  for (const b of flat) {
    scope.allNames.add(b.name);
    for (const a of b.alts) {
      for (const o of a.operands) if (o.kind === 'capture') scope.allNames.add(o.name);
      if (a.restName !== undefined) scope.allNames.add(a.restName);
    }
  }
  const addSyms = (c?: ValueCheck) => c?.shape?.forEach((d) => d.kind === 'sym' && scope.syms.add(d.name));
  const nodes = new Map<string, NodeP>();
  for (const i of [...reach].sort((a, b) => a - b)) {
    const b = flat[i]!, alt = b.alts[choice[i]!]!;
    scope.nodes.set(b.name, { name: b.name, defs: alt.ops.flatMap((o) => getOp(o.name) ?? []) });
    if (alt.restName !== undefined) scope.rests.set(alt.restName, { binding: b.name, from: alt.operands.length });
    addSyms(b.check);
    const operands = alt.operands.map((o0): OperandP => {
      const o = resolveOperand(o0);
      const text = r.text.slice(o0.span.offset, o0.span.offset + o0.span.length);
      if (o.kind === 'wildcard') return { k: 'any', optional: o.optional, text };
      if (byName.has(o.name)) return { k: 'node', binding: o.name, text: flat[byName.get(o.name)!]!.display };
      const prev = scope.caps.get(o.name);
      const info: CaptureInfo = { maybe: (prev?.maybe ?? false) || o.optional, isConst: (prev?.isConst ?? false) || !!o.check?.isConst };
      scope.caps.set(o.name, info);
      addSyms(o.check);
      const check = lowerCheck(o.check, r);
      return { k: 'cap', name: o.name, optional: o.optional, text, ...(check ? { check } : {}) };
    });
    const check = lowerCheck(b.check, r);
    nodes.set(b.name, {
      binding: b.name,
      display: b.display,
      ops: new Set(alt.ops.map((o) => o.name)),
      operands,
      rest: alt.rest,
      shared: b.shared,
      span: b.span,
      ...(check ? { check } : {}),
    });
  }

  const label = flat
    .map((b, i) => (reach.has(i) || choice[i] === -1) && (b.alts.length > 1 || b.optional) ? `${b.display} ${choice[i] === -1 ? 'absent' : `= ${b.alts[choice[i]!]!.ops.map((o) => o.name).join(' | ')}`}` : '')
    .filter(Boolean)
    .join(', ');
  r.context = label ? `in the variant where ${label}` : '';
  const exprs = new ExprChecker(r);
  let ok = true;
  const checks: Check[] = [];
  for (const i of [...reach].sort((a, b) => a - b)) {
    const b = flat[i]!;
    for (const a of b.alts[choice[i]!]!.attrs) {
      const span = { offset: a.name.span.offset, length: a.value.span.offset + a.value.span.length - a.name.span.offset };
      const e: Expr = { kind: 'binary', op: '==', left: { kind: 'attr', target: { kind: 'capture', name: b.name, span: a.name.span }, attr: a.name, span: a.name.span }, right: a.value, span };
      const c = exprs.expect(e, scope, 'bool', 'an attribute pattern');
      if (c) checks.push({ expr: c, kind: 'attribute' });
      else ok = false;
    }
  }
  let whereScope = scope;
  for (const w of decl.wheres.flatMap(conjuncts)) {
    const c = exprs.expect(w, whereScope, 'bool', 'a where condition');
    if (!c) ok = false;
    else if (c.constant !== true) checks.push({ expr: c, kind: 'where' });
    whereScope = withKnown(whereScope, provenTrue(w));
  }

  const lets: Variant['lets'] = [];
  const letTypes = new Map<string, Ty>();
  const failedLets = new Set<string>();
  const rwScope: Scope = { ...whereScope, lets: letTypes, failedLets, usedLets };
  for (const l of decl.lets) {
    if (letTypes.has(l.name.name) || scope.syms.has(l.name.name)) r.error('PAT_DUPLICATE', l.name.span, `'${l.name.name}' is already defined`);
    const c = exprs.expr(l.value, rwScope);
    if (!c) {
      ok = false;
      failedLets.add(l.name.name);
      continue;
    }
    letTypes.set(l.name.name, c.ty);
    lets.push({ name: l.name.name, expr: c, span: l.span });
  }
  const rootDefs: OpDef[] = scope.nodes.get(rootName)!.defs;
  const result = new BuildChecker(r, exprs).root(decl.result, rwScope, rootName, rootDefs);
  r.context = '';
  if (!ok || !result) return null;
  return {
    pattern,
    label,
    benefit: decl.benefit?.value ?? reach.size,
    root: nodes.get(rootName)!,
    nodes,
    checks,
    lets,
    result,
  };
}

// The variant-independent part of checking a pattern: nested node patterns are lifted into
// bindings of their own, then ops, operand counts, attribute names, dtypes and the shape of the
// binding graph (one root, definitions before uses) are checked once per pattern.
import { isDType, DTYPES } from '../../ir/dtype.js';
import { getOp, opNames } from '../../ir/ops/index.js';
import type { AttrPat, Named, NodeAlts, NodePat, PatternDecl, Span, ValueCheck } from '../syntax/ast.js';
import { operandCountError } from './build.js';
import { nearest, type Reporter } from './report.js';

export type FlatOperand =
  | { kind: 'wildcard'; optional: boolean; span: Span }
  | { kind: 'capture'; name: string; optional: boolean; check?: ValueCheck; span: Span };

export interface FlatAlt {
  ops: Named[];
  operands: FlatOperand[];
  rest: boolean;
  /** `%xs...`: the name bound to the operands after `operands` (rest is then true). */
  restName?: string;
  attrs: AttrPat[];
  span: Span;
}

export interface FlatBinding {
  name: string;
  display: string;
  check?: ValueCheck;
  alts: FlatAlt[];
  optional: boolean;
  shared: boolean;
  span: Span;
}

/**
 * Bindings in order (nested nodes lifted before their users), or null when the binding graph
 * itself is broken. Unknown ops, attributes and dtypes are reported but not fatal, so that the
 * where and rewrite parts are still checked and every error of the file shows at once.
 */
export function flatten(decl: PatternDecl, r: Reporter): FlatBinding[] | null {
  const out: FlatBinding[] = [];
  let anon = 0;
  const text = (span: Span) => r.text.slice(span.offset, span.offset + span.length);
  const lift = (alts: NodeAlts, as: string | undefined, b: Omit<FlatBinding, 'alts' | 'name' | 'display' | 'span'>): string => {
    const name = as ?? `#${++anon}`;
    const display = as ? `%${as}` : `\`${text(alts.span).replace(/\s+/g, ' ')}\``;
    const flat = alts.alts.map((a) => flatAlt(a));
    out.push({ name, display, alts: flat, span: alts.span, ...b });
    return name;
  };
  const flatAlt = (a: NodePat): FlatAlt => {
    const rests = a.operands.filter((o) => o.kind === 'rest');
    for (const o of rests)
      if (o !== a.operands[a.operands.length - 1] || a.rest) r.error('PAT_STRUCTURE', o.span, `%${o.name.name}... must be the last operand`, 'it binds all the operands after the ones listed');
    const restName = rests[rests.length - 1]?.name.name;
    return {
      ops: a.ops,
      operands: a.operands.flatMap((o): FlatOperand[] => {
        if (o.kind === 'rest') return [];
        if (o.kind !== 'nested') return [o.kind === 'wildcard' ? o : { kind: 'capture', name: o.name.name, optional: o.optional, check: o.check, span: o.span }];
        const name = lift(o.node, o.as?.name, { optional: false, shared: false });
        return [{ kind: 'capture', name, optional: false, span: o.span }];
      }),
      rest: a.rest || restName !== undefined,
      ...(restName !== undefined ? { restName } : {}),
      attrs: a.attrs,
      span: a.span,
    };
  };
  for (const b of decl.bindings) {
    const alts = b.node.alts.map((a) => flatAlt(a));
    out.push({ name: b.name.name, display: `%${b.name.name}`, check: b.check, alts, optional: b.optional, shared: b.shared, span: b.span });
  }
  return checkStructure(decl, out, r) ? out : null;
}

function checkValueCheck(c: ValueCheck | undefined, r: Reporter): void {
  if (!c) return;
  if (!c.isConst && !c.dtypes.length && !c.shape) r.error('PAT_SYNTAX', c.span, 'empty constraint after :', 'write const, a dtype (f32 | i8 …) and/or a shape [N, _, 3, 3]');
  for (const d of c.dtypes) if (!isDType(d.name)) r.error('PAT_TYPE', d.span, `unknown dtype '${d.name}'`, nearest(d.name, DTYPES, 'dtypes'));
  const rests = (c.shape ?? []).filter((d) => d.kind === 'rest');
  if (rests.length > 1) r.error('PAT_SYNTAX', rests[1]!.span, "a shape pattern may contain only one '...'");
  for (const d of c.shape ?? []) if (d.kind === 'int' && !Number.isInteger(d.value)) r.error('PAT_TYPE', d.span, `dimension ${d.value} is not an integer`);
}

/** Reports every structural problem; false when the binding graph cannot be lowered. */
function checkStructure(decl: PatternDecl, flat: FlatBinding[], r: Reporter): boolean {
  let fatal = false;
  const fatalError = (...args: Parameters<Reporter['error']>) => {
    fatal = true;
    r.error(...args);
  };
  if (!flat.length) {
    r.error('PAT_STRUCTURE', decl.name.span, `pattern ${decl.name.name} matches no node`, 'add a binding such as %y = relu(%x) to the match block');
    return false;
  }
  const index = new Map<string, number>();
  for (const [i, b] of flat.entries()) {
    if (index.has(b.name)) fatalError('PAT_DUPLICATE', b.span, `%${b.name} is bound twice`);
    else index.set(b.name, i);
  }
  const captures = new Set(flat.flatMap((b) => b.alts.flatMap((a) => a.operands.flatMap((o) => (o.kind === 'capture' ? [o.name] : [])))));
  for (const b of flat)
    for (const a of b.alts)
      if (a.restName !== undefined && (captures.has(a.restName) || index.has(a.restName)))
        r.error('PAT_DUPLICATE', a.span, `%${a.restName}... names the remaining operands; %${a.restName} is already a capture or node`);
  const referenced = new Set<string>();
  for (const [i, b] of flat.entries()) {
    checkValueCheck(b.check, r);
    for (const alt of b.alts) if (!checkAlt(alt, i, index, referenced, r)) fatal = true;
    if (b.optional) {
      const firsts = b.alts.map((a) => a.operands[0]);
      const f = firsts[0];
      if (f?.kind !== 'capture' || firsts.some((o) => o?.kind !== 'capture' || o.name !== f.name))
        fatalError('PAT_STRUCTURE', b.span, `optional node ${b.display} needs a named first operand, the same in every alternative`, 'when the node is absent, its name stands for its first operand');
    }
  }
  flat.slice(0, -1).forEach((b) => {
    if (!referenced.has(b.name))
      fatalError('PAT_STRUCTURE', b.span, `${b.display} is not used by any later node`, 'every node must lead to the root, which is the last binding of the match block');
  });
  return !fatal;
}

/** Checks one alternative; false when it uses a node before its binding (not lowerable). */
function checkAlt(alt: FlatAlt, i: number, index: Map<string, number>, referenced: Set<string>, r: Reporter): boolean {
  let ok = true;
  const defs = alt.ops.map((op) => getOp(op.name));
  alt.ops.forEach((op, k) => {
    if (!defs[k]) r.error('PAT_UNKNOWN_OP', op.span, `unknown op '${op.name}'`, nearest(op.name, opNames(), 'ops'));
  });
  for (const d of defs) {
    if (!d) continue;
    const err = operandCountError(d, alt.operands.length, alt.rest);
    if (err) r.error('PAT_OPERANDS', alt.span, err, "a trailing '...' accepts any further operands; an omitted optional operand must be absent, _? matches either");
  }
  const seenAttrs = new Set<string>();
  for (const a of alt.attrs) {
    if (seenAttrs.has(a.name.name)) r.error('PAT_DUPLICATE', a.name.span, `attribute '${a.name.name}' is given twice`);
    seenAttrs.add(a.name.name);
    for (const d of defs)
      if (d && !(a.name.name in d.attrs)) r.error('PAT_UNKNOWN_ATTR', a.name.span, `${d.name} has no attribute '${a.name.name}'`, nearest(a.name.name, Object.keys(d.attrs), 'attributes'));
  }
  for (const o of alt.operands) {
    if (o.kind !== 'capture') continue;
    checkValueCheck(o.check, r);
    const at = index.get(o.name);
    if (at === undefined) continue;
    referenced.add(o.name);
    if (at >= i) {
      ok = false;
      r.error('PAT_STRUCTURE', o.span, `%${o.name} is used before the binding that defines it`, 'bind nodes before the nodes that use them');
    } else if (o.optional) r.error('PAT_STRUCTURE', o.span, `%${o.name} is a node binding and cannot be an optional operand`, `make the node optional instead: %${o.name} = …?`);
    else if (o.check) r.error('PAT_STRUCTURE', o.check.span, `constraints on node %${o.name} belong on its binding`, `write %${o.name}: … = …`);
  }
  return ok;
}

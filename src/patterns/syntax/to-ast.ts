// CST -> AST for .qpat files, plus lexing and parsing into located syntax diagnostics.
// With error recovery a pattern may come back incomplete; such a pattern is dropped from the
// AST (its syntax errors are reported) so that the checker still sees every intact pattern.
import type { CstElement, CstNode, IToken } from 'chevrotain';
import { diag, locate, type Diagnostic } from '../../diagnostics/index.js';
import type * as A from './ast.js';
import { spanOf } from './ast.js';
import { MAX_NESTING, tooDeep } from './nesting.js';
import { qpatLexer } from './lexer.js';
import { qpatParser } from './parser.js';

class Incomplete extends Error {}

type Children = Record<string, CstElement[] | undefined>;
const isToken = (e: CstElement): e is IToken => (e as IToken).image !== undefined;

function tokens(c: Children, key: string): IToken[] {
  const list = c[key] ?? [];
  return list.filter(isToken).filter((t) => !t.isInsertedInRecovery && Number.isFinite(t.startOffset));
}
function tok(c: Children, key: string, i = 0): IToken {
  const t = tokens(c, key)[i];
  if (!t) throw new Incomplete();
  return t;
}
const opt = (c: Children, key: string): IToken | undefined => tokens(c, key)[0];
function nodes(c: Children, key: string): CstNode[] {
  const list = (c[key] ?? []).filter((e): e is CstNode => !isToken(e));
  if (list.some((n) => n.recoveredNode)) throw new Incomplete();
  return list;
}
function node(c: Children, key: string, i = 0): CstNode {
  const n = nodes(c, key)[i];
  if (!n) throw new Incomplete();
  return n;
}

const tokSpan = (t: IToken): A.Span => ({ offset: t.startOffset, length: t.image.length });
const named = (t: IToken, strip = false): A.Named => ({ name: strip ? t.image.slice(1) : t.image, span: tokSpan(t) });

const spanCache = new WeakMap<CstNode, A.Span>();
/** The source range of a CST node: from its first real token to the end of its last. */
function cstSpan(n: CstNode): A.Span {
  const hit = spanCache.get(n);
  if (hit) return hit;
  let lo = Infinity, hi = -Infinity;
  for (const list of Object.values(n.children)) {
    for (const e of list ?? []) {
      if (isToken(e)) {
        if (e.isInsertedInRecovery || !Number.isFinite(e.startOffset)) continue;
        lo = Math.min(lo, e.startOffset);
        hi = Math.max(hi, e.startOffset + e.image.length);
      } else {
        const s = cstSpan(e);
        if (s.length < 0) continue;
        lo = Math.min(lo, s.offset);
        hi = Math.max(hi, s.offset + s.length);
      }
    }
  }
  const span = lo === Infinity ? { offset: 0, length: -1 } : { offset: lo, length: hi - lo };
  spanCache.set(n, span);
  return span;
}

function unescapeString(lit: string): string {
  return lit.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t' })[ch] ?? ch);
}

// ---- match section ----

function toCheck(n: CstNode): A.ValueCheck {
  const c = n.children;
  const shape = c['LSquare'] ? nodes(c, 'dim').map(toDim) : undefined;
  return { isConst: !!opt(c, 'Kw_const'), dtypes: tokens(c, 'dtype').map((t) => named(t)), shape, span: cstSpan(n) };
}

function toDim(n: CstNode): A.DimPat {
  const c = n.children;
  const span = cstSpan(n);
  const num = opt(c, 'NumberLit');
  if (num) return { kind: 'int', value: Number(num.image), span };
  const id = opt(c, 'Ident');
  if (id) return { kind: 'sym', name: id.image, span };
  if (opt(c, 'Underscore')) return { kind: 'any', span };
  if (opt(c, 'Ellipsis')) return { kind: 'rest', span };
  throw new Incomplete();
}

function toAlts(n: CstNode): A.NodeAlts {
  return { alts: nodes(n.children, 'node').map(toNodePat), span: cstSpan(n) };
}

function toNodePat(n: CstNode): A.NodePat {
  const c = n.children;
  const ops = tokens(c, 'op').map((t) => named(t));
  if (!ops.length) throw new Incomplete();
  const operands = nodes(c, 'operand').map(toOperand);
  const attrs = nodes(c, 'attrPat').map((a) => ({ name: named(tok(a.children, 'Ident')), value: toExpr(node(a.children, 'expr')) }));
  return { ops, operands, rest: tokens(c, 'rest').length > 0, attrs, span: cstSpan(n) };
}

function toOperand(n: CstNode): A.OperandPat {
  const c = n.children;
  const span = cstSpan(n);
  if (opt(c, 'Underscore')) return { kind: 'wildcard', optional: !!opt(c, 'Question'), span };
  const v = opt(c, 'Value');
  if (v && opt(c, 'spread')) return { kind: 'rest', name: named(v, true), span };
  if (v) {
    const check = c['check'] ? toCheck(node(c, 'check')) : undefined;
    return { kind: 'capture', name: named(v, true), optional: !!opt(c, 'Question'), check, span };
  }
  const as = opt(c, 'as');
  return { kind: 'nested', node: toAlts(node(c, 'alts')), as: as ? named(as, true) : undefined, span };
}

function toBinding(n: CstNode): A.Binding {
  const c = n.children;
  return {
    name: named(tok(c, 'Value'), true),
    check: c['check'] ? toCheck(node(c, 'check')) : undefined,
    node: toAlts(node(c, 'alts')),
    optional: !!opt(c, 'Question'),
    shared: !!opt(c, 'Kw_shared'),
    span: cstSpan(n),
  };
}

// ---- rewrite section ----

function toBuild(n: CstNode): A.Build {
  const c = n.children;
  const span = cstSpan(n);
  const args = c['buildArgs'] ? toBuildArgs(node(c, 'buildArgs')) : undefined;
  const attrs = c['buildAttrs'] ? toBuildAttrs(node(c, 'buildAttrs')) : undefined;
  const v = opt(c, 'Value');
  if (v && opt(c, 'spread')) return { kind: 'spread', name: named(v, true), span };
  if (v) return { kind: 'capture', name: named(v, true), args, attrs, span };
  const id = tok(c, 'Ident');
  return { kind: 'op', op: named(id), args: args ?? [], attrs: attrs ?? [], span };
}

/** In argument position a bare name without parentheses is a let variable. */
function toBuildArgs(n: CstNode): A.BuildArg[] {
  const c = n.children;
  const parts: { offset: number; arg: A.BuildArg }[] = [];
  for (const t of tokens(c, 'Underscore')) parts.push({ offset: t.startOffset, arg: { kind: 'absent', span: tokSpan(t) } });
  for (const b of nodes(c, 'build')) {
    const built = toBuild(b);
    const bare = built.kind === 'op' && !b.children['buildArgs'];
    parts.push({ offset: built.span.offset, arg: bare ? { kind: 'let', name: built.op, span: built.span } : built });
  }
  return parts.sort((a, b) => a.offset - b.offset).map((p) => p.arg);
}

function toBuildAttrs(n: CstNode): A.BuildAttr[] {
  return nodes(n.children, 'buildAttr').map((a): A.BuildAttr => {
    const c = a.children;
    const v = opt(c, 'Value');
    if (v) return { kind: 'spread', from: named(v, true), span: cstSpan(a) };
    const d = opt(c, 'def');
    if (d) return { kind: 'spreadDef', def: named(d), args: nodes(c, 'arg').map(toExpr), span: cstSpan(a) };
    return { kind: 'set', name: named(tok(c, 'Ident')), value: toExpr(node(c, 'expr')) };
  });
}

// ---- expressions ----

function binaryChain(n: CstNode, next: (n: CstNode) => A.Expr): A.Expr {
  const c = n.children;
  const operands = nodes(c, 'operand');
  const ops = tokens(c, 'operator');
  if (operands.length !== ops.length + 1) throw new Incomplete();
  let e = next(operands[0]!);
  ops.forEach((op, i) => {
    const right = next(operands[i + 1]!);
    e = { kind: 'binary', op: op.image as A.BinaryOp, left: e, right, span: spanOf(e.span, right.span) };
  });
  return e;
}

function toExpr(n: CstNode): A.Expr {
  return binaryChain(n, (a) => binaryChain(a, toNot));
}

function toNot(n: CstNode): A.Expr {
  const c = n.children;
  if (opt(c, 'Kw_not')) return { kind: 'unary', op: 'not', arg: toNot(node(c, 'notExpr')), span: cstSpan(n) };
  return binaryChain(node(c, 'cmpExpr'), (a) => binaryChain(a, (b) => binaryChain(b, (m) => binaryChain(m, toUnary))));
}

function toUnary(n: CstNode): A.Expr {
  const c = n.children;
  if (opt(c, 'Minus')) return { kind: 'unary', op: '-', arg: toUnary(node(c, 'unaryExpr')), span: cstSpan(n) };
  const p = node(c, 'postfixExpr');
  let e = toPrimary(node(p.children, 'primary'));
  for (const s of nodes(p.children, 'suffix')) {
    const sc = s.children;
    const span = spanOf(e.span, cstSpan(s));
    if (s.name === 'attrSuffix') e = { kind: 'attr', target: e, attr: named(tok(sc, 'Ident')), span };
    else e = { kind: 'index', target: e, index: toExpr(node(sc, 'expr')), span };
  }
  return e;
}

function toPrimary(n: CstNode): A.Expr {
  const c = n.children;
  const span = cstSpan(n);
  const num = opt(c, 'NumberLit');
  if (num) return { kind: 'num', value: Number(num.image), isInt: /^\d+$/.test(num.image), span };
  const str = opt(c, 'StringLit');
  if (str) return { kind: 'str', value: unescapeString(str.image), span };
  if (opt(c, 'Kw_true')) return { kind: 'bool', value: true, span };
  if (opt(c, 'Kw_false')) return { kind: 'bool', value: false, span };
  const v = opt(c, 'Value');
  if (v) return { kind: 'capture', name: v.image.slice(1), span };
  const id = opt(c, 'Ident');
  if (id) {
    if (!c['call']) return { kind: 'ident', name: id.image, span };
    return { kind: 'call', fn: named(id), args: nodes(c, 'arg').map(toExpr), span };
  }
  if (c['inner']) return toExpr(node(c, 'inner'));
  if (opt(c, 'LSquare')) return { kind: 'list', items: nodes(c, 'item').map(toExpr), span };
  if (opt(c, 'Kw_if'))
    return { kind: 'if', cond: toExpr(node(c, 'cond')), then: toExpr(node(c, 'then')), else: toExpr(node(c, 'else')), span };
  throw new Incomplete();
}

// ---- declarations ----

function toPattern(n: CstNode, docs: IToken[], text: string): A.PatternDecl {
  const c = n.children;
  const span = cstSpan(n);
  const benefitTok = opt(c, 'benefit');
  const rw = node(c, 'rewrite');
  tok(c, 'end');
  return {
    name: named(tok(c, 'name')),
    doc: docFor(span.offset, docs, text),
    benefit: benefitTok ? { value: Number(benefitTok.image), span: tokSpan(benefitTok) } : undefined,
    bindings: nodes(c, 'binding').map(toBinding),
    wheres: nodes(c, 'where').map(toExpr),
    lets: nodes(rw.children, 'letStmt').map((l) => ({
      name: named(tok(l.children, 'Ident')),
      value: toExpr(node(l.children, 'expr')),
      span: cstSpan(l),
    })),
    result: toBuild(node(rw.children, 'build')),
    span,
  };
}

function toDef(n: CstNode, docs: IToken[], text: string): A.DefDecl {
  const c = n.children;
  const span = cstSpan(n);
  const params = tokens(c, 'param').map((t) => ({ name: named(t, t.image.startsWith('%')), capture: t.image.startsWith('%') }));
  const body: A.DefDecl['body'] = c['body'] ? { kind: 'expr', expr: toExpr(node(c, 'body')) } : { kind: 'attrs', attrs: toBuildAttrs(node(c, 'attrs')) };
  return { name: named(tok(c, 'name')), params, body, doc: docFor(span.offset, docs, text), span };
}

/** The `///` lines directly above offset (only whitespace between them). */
function docFor(offset: number, docs: IToken[], text: string): string {
  const lines: string[] = [];
  let end = offset;
  for (let i = docs.length - 1; i >= 0; i--) {
    const d = docs[i]!;
    if (d.startOffset >= end) continue;
    if (text.slice(d.startOffset + d.image.length, end).trim() !== '') break;
    lines.unshift(d.image.replace(/^\/\/\/ ?/, '').trimEnd());
    end = d.startOffset;
  }
  return lines.join('\n');
}

export interface ParseResult {
  file: A.PatternFile;
  diagnostics: Diagnostic[];
}

/** Lexes and parses a .qpat text. Never throws on bad input: every problem is a diagnostic. */
export function parseQpat(text: string, fileName?: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = qpatLexer.tokenize(text);
  for (const e of lexed.errors) {
    diagnostics.push(
      diag('PAT_SYNTAX', `unexpected character '${text.slice(e.offset, e.offset + e.length)}'`, {
        loc: locate(text, e.offset, fileName, e.length),
        hint: 'captures are written %name, comments // …, doc comments /// …',
      }),
    );
  }
  const deep = tooDeep(lexed.tokens);
  if (deep) {
    const loc = locate(text, deep.startOffset, fileName, deep.image.length);
    diagnostics.push(diag('PAT_SYNTAX', `nesting is deeper than ${MAX_NESTING} levels (brackets, nested ops, not, -, if)`, { loc, hint: 'real patterns nest a few levels; split this one into smaller patterns' }));
    return { file: { patterns: [], defs: [] }, diagnostics };
  }
  qpatParser.input = lexed.tokens;
  const cst = qpatParser.file();
  const errorOffsets: number[] = [];
  for (const e of qpatParser.errors) {
    const t = e.token;
    const offset = Number.isFinite(t.startOffset) ? t.startOffset : text.length;
    errorOffsets.push(offset);
    diagnostics.push(diag('PAT_SYNTAX', e.message, { loc: locate(text, offset, fileName, Math.max(1, t.image?.length ?? 1)) }));
  }
  const docs = (lexed.groups['docs'] ?? []) as IToken[];
  /** The declarations of one kind that parsed completely. */
  const intact = <D>(key: string, to: (n: CstNode, docs: IToken[], text: string) => D): D[] => {
    const out: D[] = [];
    for (const p of (cst.children[key] ?? []) as CstNode[]) {
      const span = cstSpan(p);
      if (p.recoveredNode || errorOffsets.some((o) => o >= span.offset && o <= span.offset + span.length)) continue;
      try {
        out.push(to(p, docs, text));
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
      }
    }
    return out;
  };
  return { file: { patterns: intact('pattern', toPattern), defs: intact('def', toDef) }, diagnostics };
}

// The abstract syntax of .qpat files, as produced from the chevrotain CST by to-ast.ts.
// Every node carries the span of its source text so that checks and explanations can point at it.

/** A 0-based character range in the pattern file. */
export interface Span {
  offset: number;
  length: number;
}

export interface Named {
  name: string;
  span: Span;
}

export interface PatternFile {
  patterns: PatternDecl[];
  defs: DefDecl[];
}

/**
 * `def name(%node, x) = expr` or `def name(%node, x) { attr: expr, ... }`: a file-level
 * definition, inlined at every use (a call in an expression, a `...name(args)` spread in a
 * replacement's attributes). `%p` parameters take a capture, bare ones any expression.
 */
export interface DefDecl {
  name: Named;
  params: { name: Named; capture: boolean }[];
  body: { kind: 'expr'; expr: Expr } | { kind: 'attrs'; attrs: BuildAttr[] };
  doc: string;
  span: Span;
}

export interface PatternDecl {
  name: Named;
  /** Text of the `///` lines right above the declaration, joined with newlines. */
  doc: string;
  benefit?: { value: number; span: Span };
  bindings: Binding[];
  /** Each `where` line is one conjunct; explanations name the first that fails. */
  wheres: Expr[];
  lets: LetStmt[];
  result: Build;
  span: Span;
}

/** `%c: check = node-pattern ? shared` in a match block. */
export interface Binding {
  name: Named;
  check?: ValueCheck;
  node: NodeAlts;
  optional: boolean;
  shared: boolean;
  span: Span;
  /** Set for the anonymous bindings that nested node patterns are lifted into. */
  anonymous?: boolean;
}

/** One node pattern, or alternatives `a(...) | b(...)` each with its own operands and attributes. */
export interface NodeAlts {
  alts: NodePat[];
  span: Span;
}

/** `conv2d | conv_transpose2d (operands) { attr: expr }`. */
export interface NodePat {
  ops: Named[];
  operands: OperandPat[];
  /** A trailing `...` accepts any further operands. */
  rest: boolean;
  attrs: AttrPat[];
  span: Span;
}

export type OperandPat =
  | { kind: 'wildcard'; optional: boolean; span: Span }
  | { kind: 'capture'; name: Named; optional: boolean; check?: ValueCheck; span: Span }
  | { kind: 'nested'; node: NodeAlts; as?: Named; span: Span }
  /** `%xs...`: the remaining operands (zero or more), as a list of values; last only. */
  | { kind: 'rest'; name: Named; span: Span };

export interface AttrPat {
  name: Named;
  value: Expr;
}

/** Inline constraints on a value: `const`, a dtype set, a shape pattern. */
export interface ValueCheck {
  isConst: boolean;
  dtypes: Named[];
  shape?: DimPat[];
  span: Span;
}

export type DimPat =
  | { kind: 'int'; value: number; span: Span }
  | { kind: 'sym'; name: string; span: Span }
  | { kind: 'any'; span: Span }
  | { kind: 'rest'; span: Span };

export interface LetStmt {
  name: Named;
  value: Expr;
  span: Span;
}

/** What the rewrite builds. */
export type Build =
  /** A new node of a fixed op. */
  | { kind: 'op'; op: Named; args: BuildArg[]; attrs: BuildAttr[]; span: Span }
  /** `%v` alone: an existing value. `%c(args) { attrs }`: a copy of the node bound to %c with changes. */
  | { kind: 'capture'; name: Named; args?: BuildArg[]; attrs?: BuildAttr[]; span: Span }
  /** `%xs...` as an operand: the values bound by a `%xs...` of the match, spliced in. */
  | { kind: 'spread'; name: Named; span: Span };

export type BuildArg =
  | Build
  | { kind: 'let'; name: Named; span: Span }
  | { kind: 'absent'; span: Span };

export type BuildAttr =
  /** `via`: set when it comes from an attribute def, to name the def and its use in errors. */
  | { kind: 'set'; name: Named; value: Expr; via?: string }
  | { kind: 'spread'; from: Named; span: Span }
  /** `...name(args)`: the attributes of an attribute def; replaced by them before checking. */
  | { kind: 'spreadDef'; def: Named; args: Expr[]; span: Span };

export type BinaryOp = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '??';

export type Expr =
  | { kind: 'num'; value: number; isInt: boolean; span: Span }
  | { kind: 'str'; value: string; span: Span }
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'list'; items: Expr[]; span: Span }
  | { kind: 'capture'; name: string; span: Span }
  | { kind: 'ident'; name: string; span: Span }
  | { kind: 'attr'; target: Expr; attr: Named; span: Span }
  | { kind: 'index'; target: Expr; index: Expr; span: Span }
  | { kind: 'call'; fn: Named; args: Expr[]; span: Span }
  | { kind: 'unary'; op: '-' | 'not'; arg: Expr; span: Span }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: 'if'; cond: Expr; then: Expr; else: Expr; span: Span }
  /** A def's body inlined at a call (span: the call); errors inside name the def and the call. */
  | { kind: 'inline'; def: string; body: Expr; span: Span }
  /** A def use that was reported as wrong already (arguments, kind): checking it yields nothing. */
  | { kind: 'invalid'; span: Span };

export const spanOf = (a: Span, b: Span): Span => ({ offset: a.offset, length: b.offset + b.length - a.offset });

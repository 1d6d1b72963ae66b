// What the compiler produces from a pattern file and the engine runs: per pattern, one variant
// per combination of optional nodes and alternatives, each a tree of node matchers rooted at the
// pattern's root, a list of checks (attribute patterns, then `where` lines), and a replacement.
// Expressions are compiled to closures over the match state.
import type { DType } from '../../ir/dtype.js';
import type { PatternDecl, Span } from '../syntax/ast.js';
import type { RtVal, Ty } from '../lang/types.js';
import type { Bindings, MatchState } from './match.js';
import type { NumberedGraph } from '../../ir/numbered/index.js';

export interface EvalCtx {
  g: NumberedGraph;
  st: MatchState;
  /** Values of `let` names while a rewrite is being built. */
  lets: Bindings<RtVal>;
}

export interface CExpr {
  ty: Ty;
  span: Span;
  eval(ctx: EvalCtx): RtVal;
  /** For explanations: the operands of a comparison, whose values are printed when it fails. */
  parts?: CExpr[];
  /** Known at compile time (e.g. present(%r) in a variant without %r). */
  constant?: RtVal;
}

export type DimP = { k: 'int'; v: number } | { k: 'sym'; name: string } | { k: 'any' };

export interface ValueCheckP {
  isConst: boolean;
  dtypes?: ReadonlySet<DType>;
  /** Dimension patterns before and after a `...` (after is empty when there is none). */
  dims?: { before: DimP[]; after: DimP[]; rest: boolean };
  text: string;
}

export type OperandP =
  | { k: 'any'; optional: boolean; text: string }
  | { k: 'cap'; name: string; optional: boolean; check?: ValueCheckP; text: string }
  | { k: 'node'; binding: string; text: string };

export interface NodeP {
  binding: string;
  /** `%c` or, for anonymous nested nodes, the op text. */
  display: string;
  ops: ReadonlySet<string>;
  operands: OperandP[];
  rest: boolean;
  shared: boolean;
  check?: ValueCheckP;
  span: Span;
}

export interface Check {
  expr: CExpr;
  /** `attribute` checks come from `{ attr: value }` in the match block. */
  kind: 'attribute' | 'where';
}

/** `rest`: the operands of a matched node from index `from` on (`%xs...`), spliced in. */
export type CArg = CBuild | { k: 'absent' } | { k: 'let'; name: string; span: Span } | { k: 'rest'; binding: string; from: number };

export type CAttr = { k: 'set'; name: string; expr: CExpr } | { k: 'spread'; binding: string };

export type CBuild =
  | { k: 'op'; op: string; args: CArg[]; attrs: CAttr[]; span: Span }
  | { k: 'clone'; binding: string; args?: CArg[]; attrs: CAttr[]; span: Span }
  | { k: 'value'; expr: CExpr; span: Span };

export interface Variant {
  pattern: CompiledPattern;
  /** Which optional nodes and alternatives this variant takes, e.g. `%act absent`. */
  label: string;
  benefit: number;
  root: NodeP;
  nodes: ReadonlyMap<string, NodeP>;
  checks: Check[];
  lets: { name: string; expr: CExpr; span: Span }[];
  result: CBuild;
}

export interface CompiledPattern {
  name: string;
  doc: string;
  file?: string;
  /** The whole source text, for locating diagnostics and printing conditions. */
  text: string;
  decl: PatternDecl;
  /** Position in its file, the tie-breaker after benefit. */
  order: number;
  variants: Variant[];
}

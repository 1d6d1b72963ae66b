// Tokens of .qpat pattern files. `%name` are pattern values, bare identifiers are op names,
// attributes, helpers, let names, shape symbols and dtypes; `///` lines are doc comments.
import { createToken, Lexer, type TokenType } from 'chevrotain';
import { BRACKETS, Colon, Comma, Equals, keywordOf, LCurly, LParen, LSquare, punct, RCurly, RParen, RSquare, WhiteSpace } from '../../util/chevrotain.js';

export { Colon, Comma, Equals, LCurly, LParen, LSquare, RCurly, RParen, RSquare, WhiteSpace };

/** Doc comments go to their own group; to-ast attaches them to the pattern below them. */
export const DocComment = createToken({ name: 'DocComment', pattern: /\/\/\/[^\n]*/, group: 'docs' });
export const Comment = createToken({ name: 'Comment', pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });

export const Value = createToken({ name: 'Value', label: 'a capture (%x)', pattern: /%[A-Za-z_][A-Za-z0-9_]*/ });
export const StringLit = createToken({ name: 'StringLit', label: 'a string', pattern: /"(?:[^"\\\n]|\\.)*"/ });
export const NumberLit = createToken({ name: 'NumberLit', label: 'a number', pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/ });
export const Ident = createToken({ name: 'Ident', label: 'a name', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

const keyword = keywordOf(Ident);
export const Pattern = keyword('pattern');
export const Def = keyword('def');
export const Benefit = keyword('benefit');
export const Match = keyword('match');
export const Where = keyword('where');
export const Rewrite = keyword('rewrite');
export const Let = keyword('let');
export const Const = keyword('const');
export const Shared = keyword('shared');
export const As = keyword('as');
export const If = keyword('if');
export const Then = keyword('then');
export const Else = keyword('else');
export const And = keyword('and');
export const Or = keyword('or');
export const Not = keyword('not');
export const True = keyword('true');
export const False = keyword('false');
export const Underscore = createToken({ name: 'Underscore', label: "'_'", pattern: /_/, longer_alt: Ident });
export const KEYWORDS = [Pattern, Def, Benefit, Match, Where, Rewrite, Let, Const, Shared, As, If, Then, Else, And, Or, Not, True, False, Underscore];

export const Ellipsis = punct('Ellipsis', '...');
export const Dot = punct('Dot', '.');
export const Coalesce = punct('Coalesce', '??');
export const Question = punct('Question', '?');
export const EqEq = punct('EqEq', '==');
export const NotEq = punct('NotEq', '!=');
export const LtEq = punct('LtEq', '<=');
export const GtEq = punct('GtEq', '>=');
export const Lt = punct('Lt', '<');
export const Gt = punct('Gt', '>');
export const Plus = punct('Plus', '+');
export const Minus = punct('Minus', '-');
export const Star = punct('Star', '*');
export const Slash = punct('Slash', '/');
export const Pipe = punct('Pipe', '|');

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  DocComment,
  Comment,
  Value,
  StringLit,
  NumberLit,
  ...KEYWORDS,
  Ident,
  Ellipsis,
  Dot,
  Coalesce,
  Question,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Pipe,
  ...BRACKETS,
];

export const qpatLexer = new Lexer(ALL_TOKENS, { ensureOptimizations: false, positionTracking: 'onlyOffset' });

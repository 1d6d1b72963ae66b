// Tokens of the .qir text format. Value names start with %, node names with @; names that are not
// plain (ONNX names such as /conv1/Conv_output_0) are written as JSON strings after the sigil.
import { createToken, Lexer, type TokenType } from 'chevrotain';
import { BRACKETS, Colon, Comma, Equals, keywordOf, LCurly, LParen, LSquare, punct, RCurly, RParen, RSquare, WhiteSpace } from '../../util/chevrotain.js';

export { Colon, Comma, Equals, LCurly, LParen, LSquare, RCurly, RParen, RSquare, WhiteSpace };

/** Body of a JSON string literal: the printer writes JSON.stringify and the parser reads JSON.parse. */
const JSON_STRING = String.raw`"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"`;
/** Plain value and node names: letters, digits, _ and dots (conv1.weight, 0, x_1). */
export const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/;
/** Identifiers: op names, dtypes, attribute keys, bare string attribute values. */
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const Comment = createToken({ name: 'Comment', pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });

export const ValueRef = createToken({
  name: 'ValueRef',
  label: 'a value name (%x)',
  pattern: new RegExp(`%(?:[A-Za-z0-9_][A-Za-z0-9_.]*|${JSON_STRING})`),
});
export const NodeRef = createToken({
  name: 'NodeRef',
  label: 'a node name (@n)',
  pattern: new RegExp(`@(?:[A-Za-z0-9_][A-Za-z0-9_.]*|${JSON_STRING})`),
});
/** Raw little-endian bytes of a constant, base64. Before Ident so that `b64"` wins over `b64`. */
export const B64 = createToken({ name: 'B64', label: 'b64"…"', pattern: /b64"[A-Za-z0-9+/]*={0,2}"/ });
export const StringLit = createToken({ name: 'StringLit', label: 'a string', pattern: new RegExp(JSON_STRING) });
export const NumberLit = createToken({
  name: 'NumberLit',
  label: 'a number',
  pattern: /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
});
export const MinusInf = createToken({ name: 'MinusInf', label: "'-inf'", pattern: /-inf/ });

export const Ident = createToken({ name: 'Ident', label: 'an identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
const keyword = keywordOf(Ident);
export const Graph = keyword('graph');
export const Const = keyword('const');
export const Sidecar = keyword('sidecar');
export const Splat = keyword('splat');
export const Quant = keyword('quant');
export const True = keyword('true');
export const False = keyword('false');
export const Inf = keyword('inf');
export const NaN_ = keyword('nan');
export const Absent = createToken({ name: 'Absent', label: "'_'", pattern: /_/, longer_alt: Ident });
/** Words with a meaning of their own; everywhere a name is expected they are accepted as names too. */
export const KEYWORDS = [Graph, Const, Sidecar, Splat, Quant, True, False, Inf, NaN_, Absent];
/** Identifiers that the printer must quote when they are string values (they would read back as other values). */
export const RESERVED_WORDS = new Set(['true', 'false', 'inf', 'nan', '_']);

export const Arrow = punct('Arrow', '->');
export const Hash = punct('Hash', '#');

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  ValueRef,
  NodeRef,
  B64,
  StringLit,
  Arrow,
  MinusInf,
  NumberLit,
  ...KEYWORDS,
  Ident,
  ...BRACKETS,
  Equals,
  Hash,
];

export const qirLexer = new Lexer(ALL_TOKENS, {
  positionTracking: 'full',
  ensureOptimizations: false,
  errorMessageProvider: {
    buildUnexpectedCharactersMessage: (text, offset, length) => {
      const s = text.slice(offset, offset + length);
      if (s.startsWith('"')) return 'unterminated or malformed string (strings use JSON escapes)';
      if (s.startsWith('%') || s.startsWith('@')) return `malformed name '${truncate(s)}' (quote names that are not plain: %"a/b")`;
      return `unexpected character${length > 1 ? 's' : ''} '${truncate(s)}'`;
    },
    buildUnableToPopLexerModeMessage: () => 'internal lexer mode error',
  },
});

function truncate(s: string): string {
  return s.length > 20 ? `${s.slice(0, 20)}…` : s;
}

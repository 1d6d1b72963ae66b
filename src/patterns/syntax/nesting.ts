// A limit on how deeply a .qpat text nests, checked on the tokens before parsing: the parser, the
// AST builder and the compiler all recurse once per level, and a hostile file (a few hundred
// parentheses) would otherwise end in "Maximum call stack size exceeded" instead of a located error.
import type { IToken } from 'chevrotain';
import * as T from './lexer.js';

/** Far beyond any real pattern; far below the depth that exhausts Node's default stack. */
export const MAX_NESTING = 64;

const OPEN = new Set([T.LParen, T.LSquare, T.LCurly]);
const CLOSE = new Set([T.RParen, T.RSquare, T.RCurly]);
// Tokens that start an expression nested in the one around it: `not`, unary `-` and `if` (whose
// `else` branch runs on to the end of the enclosing expression, so a chain of them nests too).
const PREFIX = new Set([T.Not, T.Minus, T.If]);
const SEPARATOR = new Set([T.Comma]);

/** The first token at which the nesting exceeds `limit`, or undefined. */
export function tooDeep(tokens: readonly IToken[], limit = MAX_NESTING): IToken | undefined {
  // One counter per open bracket: prefix operators seen at that level since its last separator.
  const levels: number[] = [0];
  let prefixTotal = 0;
  for (const tok of tokens) {
    const t = tok.tokenType;
    if (OPEN.has(t)) levels.push(0);
    else if (CLOSE.has(t)) {
      if (levels.length > 1) prefixTotal -= levels.pop()!;
    } else if (SEPARATOR.has(t)) {
      prefixTotal -= levels[levels.length - 1]!;
      levels[levels.length - 1] = 0;
    } else if (PREFIX.has(t)) {
      levels[levels.length - 1]!++;
      prefixTotal++;
    }
    if (levels.length - 1 + prefixTotal > limit) return tok;
  }
  return undefined;
}

// What the two chevrotain languages (.qir text in src/ir/text, .qpat patterns in src/patterns/syntax)
// share: white space, keywords and punctuation tokens labelled as they are written (the brackets
// and separators both use are one set of tokens), and parser errors worded the same way.
import { createToken, EOF, Lexer, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';

/** A token matching `text` literally, labelled `'text'` in error messages. */
export const punct = (name: string, text: string): TokenType =>
  createToken({ name, label: `'${text}'`, pattern: new RegExp(text.replace(/[()[\]{}\-.*+?^$|\\/]/g, '\\$&')) });

/** A keyword token for `word`, which an identifier token `ident` that merely starts with it still wins. */
export const keywordOf =
  (ident: TokenType) =>
  (word: string): TokenType =>
    createToken({ name: `Kw_${word}`, label: `'${word}'`, pattern: new RegExp(word), longer_alt: ident });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LSquare = punct('LSquare', '[');
export const RSquare = punct('RSquare', ']');
export const LCurly = punct('LCurly', '{');
export const RCurly = punct('RCurly', '}');
export const Comma = punct('Comma', ',');
export const Colon = punct('Colon', ':');
export const Equals = punct('Equals', '=');
/** The brackets and separators, in the order both lexers list them. */
export const BRACKETS: TokenType[] = [LParen, RParen, LSquare, RSquare, LCurly, RCurly, Comma, Colon];

const label = (t: TokenType): string => (t.LABEL ?? t.name) as string;

function alternatives(paths: TokenType[][]): string {
  const firsts = [...new Set(paths.filter((p) => p.length).map((p) => label(p[0]!)))];
  return firsts.length === 1 ? firsts[0]! : `one of ${firsts.join(', ')}`;
}

/**
 * Error messages in the form "expected X but found 'y'". `end` names the end of the input;
 * `leftover` words the error for input left after a complete parse, given the found token.
 */
export function parserMessages(end: string, leftover: (found: string) => string): IParserErrorMessageProvider {
  const describe = (tok: IToken): string => {
    if (tok.tokenType === EOF) return end;
    const s = tok.image.length > 24 ? `${tok.image.slice(0, 24)}…` : tok.image;
    return `'${s}'`;
  };
  return {
    buildMismatchTokenMessage: ({ expected, actual }) => `expected ${label(expected)} but found ${describe(actual)}`,
    buildNotAllInputParsedMessage: ({ firstRedundant }) => leftover(describe(firstRedundant)),
    buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, customUserDescription }) =>
      `expected ${customUserDescription ?? alternatives(expectedPathsPerAlt.flat())} but found ${describe(actual[0]!)}`,
    buildEarlyExitMessage: ({ expectedIterationPaths, actual }) =>
      `expected at least one ${alternatives(expectedIterationPaths)} but found ${describe(actual[0]!)}`,
  };
}

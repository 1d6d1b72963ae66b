// What the two chevrotain languages (.qir text in src/ir/text, .qpat patterns in src/patterns/syntax)
// share: punctuation tokens labelled as they are written, and parser errors worded the same way.
import { createToken, EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';

/** A token matching `text` literally, labelled `'text'` in error messages. */
export const punct = (name: string, text: string): TokenType =>
  createToken({ name, label: `'${text}'`, pattern: new RegExp(text.replace(/[()[\]{}\-.*+?^$|\\/]/g, '\\$&')) });

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

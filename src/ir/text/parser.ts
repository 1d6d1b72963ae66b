// The .qir grammar (chevrotain, with error recovery so that one run reports every syntax error).
//
//   graph   := 'graph' name '(' [param {',' param}] ')' ['->' '(' [output {',' output}] ')'] '{' stmt* '}'
//   param   := %v ':' type                    output := %v [':' type]
//   type    := dtype '[' [int {',' int}] ']' ['quant' '(' key '=' (num | '[' nums ']') {',' …} ')']
//   stmt    := 'const' %v ':' type '=' init
//            | result {',' result} '=' op '(' [operand {',' operand}] ')' ['{' attrs '}'] [@node] ['#' num]
//   init    := scalar | '[' [scalar {',' scalar}] ']' | 'splat' '(' scalar ')' | b64"…" | 'sidecar' '[' int ',' int ']'
//   result  := %v [':' type]                  operand := %v | '_'
//   attr    := key '=' (value | '[' [value {',' value}] ']')
import { CstParser } from 'chevrotain';
import { parserMessages } from '../../util/chevrotain.js';
import * as T from './lexer.js';

const ANY_NAME = [T.Ident, ...T.KEYWORDS];
const NUMBERS = [T.NumberLit, T.MinusInf, T.Inf, T.NaN_];
/** Bare words as attribute values: inf and nan are numbers there. */
const WORDS = ANY_NAME.filter((t) => t !== T.Inf && t !== T.NaN_);

const messages = parserMessages('end of input', (found) => `unexpected ${found} after the end of the graph`);

class QirParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: true, errorMessageProvider: messages, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  graph = this.RULE('graph', () => {
    this.CONSUME(T.Graph);
    this.OR([{ ALT: () => this.SUBRULE(this.anyName) }, { ALT: () => this.CONSUME(T.StringLit) }]);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(T.RParen);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.CONSUME2(T.LParen);
      this.MANY_SEP2({ SEP: T.Comma, DEF: () => this.SUBRULE(this.output) });
      this.CONSUME2(T.RParen);
    });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.OR2([{ ALT: () => this.SUBRULE(this.constDecl) }, { ALT: () => this.SUBRULE(this.nodeDecl) }]));
    this.CONSUME(T.RCurly);
  });

  anyName = this.RULE('anyName', () => {
    this.OR({ DEF: ANY_NAME.map((t) => ({ ALT: () => this.CONSUME(t) })), ERR_MSG: 'a name' });
  });

  param = this.RULE('param', () => {
    this.CONSUME(T.ValueRef);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.type);
  });

  output = this.RULE('output', () => {
    this.CONSUME(T.ValueRef);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
  });

  type = this.RULE('type', () => {
    this.SUBRULE(this.anyName);
    this.CONSUME(T.LSquare);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.NumberLit) });
    this.CONSUME(T.RSquare);
    this.OPTION(() => {
      this.CONSUME(T.Quant);
      this.CONSUME(T.LParen);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.quantItem) });
      this.CONSUME(T.RParen);
    });
  });

  quantItem = this.RULE('quantItem', () => {
    this.SUBRULE(this.anyName);
    this.CONSUME(T.Equals);
    this.OR([{ ALT: () => this.SUBRULE(this.number) }, { ALT: () => this.SUBRULE(this.numberList) }]);
  });

  number = this.RULE('number', () => {
    this.OR({ DEF: NUMBERS.map((t) => ({ ALT: () => this.CONSUME(t) })), ERR_MSG: 'a number' });
  });

  numberList = this.RULE('numberList', () => {
    this.CONSUME(T.LSquare);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.number) });
    this.CONSUME(T.RSquare);
  });

  constDecl = this.RULE('constDecl', () => {
    this.CONSUME(T.Const);
    this.CONSUME(T.ValueRef);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.type);
    this.CONSUME(T.Equals);
    this.OR({
      ERR_MSG: 'constant data: a number, [list], splat(x), b64"…" or sidecar[offset, length]',
      DEF: [
        { ALT: () => this.SUBRULE(this.scalar) },
        {
          ALT: () => {
            this.CONSUME(T.LSquare);
            this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE2(this.scalar) });
            this.CONSUME(T.RSquare);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Splat);
            this.CONSUME(T.LParen);
            this.SUBRULE3(this.scalar);
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.CONSUME(T.B64) },
        {
          ALT: () => {
            this.CONSUME(T.Sidecar);
            this.CONSUME2(T.LSquare);
            this.CONSUME(T.NumberLit);
            this.CONSUME(T.Comma);
            this.CONSUME2(T.NumberLit);
            this.CONSUME2(T.RSquare);
          },
        },
      ],
    });
  });

  scalar = this.RULE('scalar', () => {
    this.OR({
      DEF: [{ ALT: () => this.SUBRULE(this.number) }, { ALT: () => this.CONSUME(T.True) }, { ALT: () => this.CONSUME(T.False) }],
      ERR_MSG: 'a number or true/false',
    });
  });

  nodeDecl = this.RULE('nodeDecl', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.result) });
    this.CONSUME(T.Equals);
    this.OR([{ ALT: () => this.SUBRULE(this.anyName) }, { ALT: () => this.CONSUME(T.StringLit) }]);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.OR2([{ ALT: () => this.CONSUME(T.ValueRef) }, { ALT: () => this.CONSUME(T.Absent) }]) });
    this.CONSUME(T.RParen);
    this.OPTION(() => {
      this.CONSUME(T.LCurly);
      this.MANY_SEP2({ SEP: T.Comma, DEF: () => this.SUBRULE(this.attr) });
      this.CONSUME(T.RCurly);
    });
    this.OPTION2(() => this.CONSUME(T.NodeRef));
    this.OPTION3(() => {
      this.CONSUME(T.Hash);
      this.SUBRULE(this.number);
    });
  });

  result = this.RULE('result', () => {
    this.CONSUME(T.ValueRef);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
  });

  attr = this.RULE('attr', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.anyName) }, { ALT: () => this.CONSUME(T.StringLit) }]);
    this.CONSUME(T.Equals);
    this.OR2({
      ERR_MSG: 'an attribute value (number, string, word, true/false or [list])',
      DEF: [
        { ALT: () => this.SUBRULE(this.attrScalar) },
        {
          ALT: () => {
            this.CONSUME(T.LSquare);
            this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE2(this.attrScalar) });
            this.CONSUME(T.RSquare);
          },
        },
      ],
    });
  });

  attrScalar = this.RULE('attrScalar', () => {
    this.OR({
      DEF: [{ ALT: () => this.SUBRULE(this.number) }, { ALT: () => this.CONSUME(T.StringLit) }, { ALT: () => this.SUBRULE(this.word) }],
      ERR_MSG: 'a number, string or word',
    });
  });

  word = this.RULE('word', () => {
    this.OR(WORDS.map((t) => ({ ALT: () => this.CONSUME(t) })));
  });
}

/** One parser instance, reused: chevrotain parsers are built once (self-analysis is costly). */
export const qirParser = new QirParser();

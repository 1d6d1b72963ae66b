// The .qpat grammar (chevrotain CstParser with error recovery, so one run reports every syntax
// error of a file). to-ast.ts turns the CST into the typed AST of ast.ts.
//
//   file     := (pattern | def)*
//   def      := 'def' name '(' [param {',' param}] ')' ('=' expr | '{' [battr {',' battr}] '}')    param := %v | name
//   pattern  := 'pattern' name ['benefit' int] '{' 'match' '{' binding* '}' ('where' expr)* rewrite '}'
//   binding  := %v [':' check] '=' alts ['?'] ['shared']
//   alts     := node {'|' node}                     full alternatives, each with its own operands
//   node     := op {'|' op} '(' [operands] ')' ['{' [name ':' expr {',' …}] '}']
//   operands := '...' | operand {',' (operand | '...')}
//   operand  := '_' ['?'] | %v ['...'] ['?'] [':' check] | alts ['as' %v]     %v...: the remaining operands
//   check    := ['const'] [dtype {'|' dtype}] ['[' [dim {',' dim}] ']']      dim := int | name | '_' | '...'
//   rewrite  := 'rewrite' '{' ('let' name '=' expr)* build '}'
//   build    := %v ['...'] ['(' [arg {',' arg}] ')'] [battrs] | name ['(' [arg {',' arg}] ')' [battrs]]   %v... splices
//   arg      := '_' | build                          battrs := '{' [battr {',' battr}] '}'
//   battr    := '...' %v | '...' name '(' [expr {',' expr}] ')' | name ':' expr
//   expr     := or;  or := and {'or' and};  and := not {'and' not};  not := 'not' not | cmp
//   cmp      := coalesce [('=='|'!='|'<'|'<='|'>'|'>=') coalesce];  coalesce := add {'??' add}
//   add      := mul {('+'|'-') mul};  mul := unary {('*'|'/') unary};  unary := '-' unary | postfix
//   postfix  := primary {'.' name | '[' expr ']'}
//   primary  := number | string | 'true' | 'false' | %v | name ['(' [expr {',' expr}] ')']
//             | '(' expr ')' | '[' [expr {',' expr}] ']' | 'if' expr 'then' expr 'else' expr
import { CstParser } from 'chevrotain';
import { parserMessages } from '../../util/chevrotain.js';
import * as T from './lexer.js';

const messages = parserMessages('end of file', (found) => `expected 'pattern' or 'def' but found ${found}`);

class QpatParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: true, errorMessageProvider: messages, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.pattern) }, { ALT: () => this.SUBRULE(this.def) }]));
  });

  def = this.RULE('def', () => {
    this.CONSUME(T.Def);
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.OR([{ ALT: () => this.CONSUME(T.Value, { LABEL: 'param' }) }, { ALT: () => this.CONSUME2(T.Ident, { LABEL: 'param' }) }]) });
    this.CONSUME(T.RParen);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expr, { LABEL: 'body' });
        },
      },
      { ALT: () => this.SUBRULE(this.buildAttrs, { LABEL: 'attrs' }) },
    ]);
  });

  pattern = this.RULE('pattern', () => {
    this.CONSUME(T.Pattern);
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.Benefit);
      this.CONSUME(T.NumberLit, { LABEL: 'benefit' });
    });
    this.CONSUME(T.LCurly);
    this.CONSUME(T.Match);
    this.CONSUME2(T.LCurly);
    this.MANY(() => this.SUBRULE(this.binding));
    this.CONSUME(T.RCurly, { LABEL: 'matchEnd' });
    this.MANY2(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expr, { LABEL: 'where' });
    });
    this.SUBRULE(this.rewrite);
    this.CONSUME2(T.RCurly, { LABEL: 'end' });
  });

  binding = this.RULE('binding', () => {
    this.CONSUME(T.Value);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.check);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.alts);
    this.OPTION2(() => this.CONSUME(T.Question));
    this.OPTION3(() => this.CONSUME(T.Shared));
  });

  alts = this.RULE('alts', () => {
    this.SUBRULE(this.node);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.node);
    });
  });

  node = this.RULE('node', () => {
    this.CONSUME(T.Ident, { LABEL: 'op' });
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.CONSUME2(T.Ident, { LABEL: 'op' });
    });
    this.CONSUME(T.LParen);
    this.OPTION(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Ellipsis, { LABEL: 'rest' }) },
        {
          ALT: () => {
            this.SUBRULE(this.operand);
            this.MANY2(() => {
              this.CONSUME(T.Comma);
              this.OR2([
                { ALT: () => this.CONSUME2(T.Ellipsis, { LABEL: 'rest' }) },
                { ALT: () => this.SUBRULE2(this.operand) },
              ]);
            });
          },
        },
      ]),
    );
    this.CONSUME(T.RParen);
    this.OPTION2(() => {
      this.CONSUME(T.LCurly);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.attrPat) });
      this.CONSUME(T.RCurly);
    });
  });

  attrPat = this.RULE('attrPat', () => {
    this.CONSUME(T.Ident);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr);
  });

  operand = this.RULE('operand', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Underscore);
          this.OPTION(() => this.CONSUME(T.Question));
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Value);
          this.OR2([
            { ALT: () => this.CONSUME(T.Ellipsis, { LABEL: 'spread' }) },
            {
              ALT: () => {
                this.OPTION2(() => this.CONSUME2(T.Question));
                this.OPTION3(() => {
                  this.CONSUME(T.Colon);
                  this.SUBRULE(this.check);
                });
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.alts);
          this.OPTION4(() => {
            this.CONSUME(T.As);
            this.CONSUME2(T.Value, { LABEL: 'as' });
          });
        },
      },
    ]);
  });

  check = this.RULE('check', () => {
    this.OPTION(() => this.CONSUME(T.Const));
    this.OPTION2(() => {
      this.CONSUME(T.Ident, { LABEL: 'dtype' });
      this.MANY(() => {
        this.CONSUME(T.Pipe);
        this.CONSUME2(T.Ident, { LABEL: 'dtype' });
      });
    });
    this.OPTION3(() => {
      this.CONSUME(T.LSquare);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.dim) });
      this.CONSUME(T.RSquare);
    });
  });

  dim = this.RULE('dim', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.Ident) },
      { ALT: () => this.CONSUME(T.Underscore) },
      { ALT: () => this.CONSUME(T.Ellipsis) },
    ]);
  });

  rewrite = this.RULE('rewrite', () => {
    this.CONSUME(T.Rewrite);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.letStmt));
    this.SUBRULE(this.build);
    this.CONSUME(T.RCurly);
  });

  letStmt = this.RULE('letStmt', () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Ident);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  build = this.RULE('build', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Value);
          this.OR2([
            { ALT: () => this.CONSUME(T.Ellipsis, { LABEL: 'spread' }) },
            {
              ALT: () => {
                this.OPTION(() => this.SUBRULE(this.buildArgs));
                this.OPTION2(() => this.SUBRULE(this.buildAttrs));
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Ident);
          this.OPTION3(() => {
            this.SUBRULE2(this.buildArgs);
            this.OPTION4(() => this.SUBRULE2(this.buildAttrs));
          });
        },
      },
    ]);
  });

  buildArgs = this.RULE('buildArgs', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => this.OR([{ ALT: () => this.CONSUME(T.Underscore) }, { ALT: () => this.SUBRULE(this.build) }]),
    });
    this.CONSUME(T.RParen);
  });

  buildAttrs = this.RULE('buildAttrs', () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.buildAttr) });
    this.CONSUME(T.RCurly);
  });

  buildAttr = this.RULE('buildAttr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Ellipsis);
          this.OR2([
            { ALT: () => this.CONSUME(T.Value) },
            {
              ALT: () => {
                this.CONSUME2(T.Ident, { LABEL: 'def' });
                this.CONSUME(T.LParen);
                this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE2(this.expr, { LABEL: 'arg' }) });
                this.CONSUME(T.RParen);
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Ident);
          this.CONSUME(T.Colon);
          this.SUBRULE(this.expr);
        },
      },
    ]);
  });

  // ---- expressions, lowest precedence first ----

  expr = this.RULE('expr', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: 'operator' });
      this.SUBRULE2(this.andExpr, { LABEL: 'operand' });
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: 'operator' });
      this.SUBRULE2(this.notExpr, { LABEL: 'operand' });
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.cmpExpr) },
    ]);
  });

  cmpExpr = this.RULE('cmpExpr', () => {
    this.SUBRULE(this.coalesceExpr, { LABEL: 'operand' });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqEq, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(T.NotEq, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(T.LtEq, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(T.GtEq, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(T.Lt, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(T.Gt, { LABEL: 'operator' }) },
      ]);
      this.SUBRULE2(this.coalesceExpr, { LABEL: 'operand' });
    });
  });

  coalesceExpr = this.RULE('coalesceExpr', () => {
    this.SUBRULE(this.addExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.Coalesce, { LABEL: 'operator' });
      this.SUBRULE2(this.addExpr, { LABEL: 'operand' });
    });
  });

  addExpr = this.RULE('addExpr', () => {
    this.SUBRULE(this.mulExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operator' }) },
      ]);
      this.SUBRULE2(this.mulExpr, { LABEL: 'operand' });
    });
  });

  mulExpr = this.RULE('mulExpr', () => {
    this.SUBRULE(this.unaryExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: 'operator' }) },
      ]);
      this.SUBRULE2(this.unaryExpr, { LABEL: 'operand' });
    });
  });

  unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.postfixExpr) },
    ]);
  });

  postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.primary);
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.attrSuffix, { LABEL: 'suffix' }) },
        { ALT: () => this.SUBRULE(this.indexSuffix, { LABEL: 'suffix' }) },
      ]),
    );
  });

  attrSuffix = this.RULE('attrSuffix', () => {
    this.CONSUME(T.Dot);
    this.CONSUME(T.Ident);
  });

  indexSuffix = this.RULE('indexSuffix', () => {
    this.CONSUME(T.LSquare);
    this.SUBRULE(this.expr);
    this.CONSUME(T.RSquare);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Value) },
      {
        ALT: () => {
          this.CONSUME(T.Ident);
          this.OPTION(() => {
            this.CONSUME(T.LParen, { LABEL: 'call' });
            this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expr, { LABEL: 'arg' }) });
            this.CONSUME(T.RParen);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.LParen);
          this.SUBRULE2(this.expr, { LABEL: 'inner' });
          this.CONSUME2(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LSquare);
          this.MANY_SEP2({ SEP: T.Comma, DEF: () => this.SUBRULE3(this.expr, { LABEL: 'item' }) });
          this.CONSUME(T.RSquare);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.If);
          this.SUBRULE4(this.expr, { LABEL: 'cond' });
          this.CONSUME(T.Then);
          this.SUBRULE5(this.expr, { LABEL: 'then' });
          this.CONSUME(T.Else);
          this.SUBRULE6(this.expr, { LABEL: 'else' });
        },
      },
    ]);
  });
}

/** One shared instance: chevrotain parsers are reusable by resetting `input`. */
export const qpatParser = new QpatParser();

// The pipeline spec language, parsed by a small hand lexer and recursive descent:
//
//   pipeline := [ item { ',' item } ]
//   item     := NAME [ '(' pipeline ')' ] [ '{' [ option { ',' option } ] '}' ]
//   option   := NAME [ '=' value ]                      (a bare NAME means NAME=true)
//   value    := WORD | "quoted string" | '[' [ value { ',' value } ] ']'
//
// e.g. `canonicalize,quantize{quantizer=xnnpack,per-channel=true},fixpoint(cse,dce){max-iterations=5}`.
// Only `fixpoint` takes a parenthesised sub-pipeline. Every node keeps its offset so that
// resolution errors (unknown pass or option, ill-typed value) can point at the exact spot.
import { fail, locate, type DiagKey } from '../../diagnostics/index.js';
import type { RawValue } from './options.js';

export interface SpecOption {
  name: string;
  offset: number;
  length: number;
  /** Absent for a bare flag (`{per-channel}`). */
  value?: RawValue;
}

export interface SpecItem {
  name: string;
  offset: number;
  length: number;
  /** The parenthesised sub-pipeline (only for `fixpoint`). */
  body?: SpecItem[];
  options: SpecOption[];
}

type TokKind = 'word' | 'string' | 'punct' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  offset: number;
  length: number;
}

const PUNCT = new Set([',', '{', '}', '[', ']', '(', ')', '=']);
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The file name diagnostics show for a spec. */
export const SPEC_FILE = 'pipeline';

/** Fails with a diagnostic whose caret points at [offset, offset+length) of the spec. */
export function specError(spec: string, offset: number, length: number, message: string, hint?: string, key: DiagKey = 'PASS_SPEC'): never {
  fail(key, message, { loc: locate(spec, offset, SPEC_FILE, Math.max(1, length)), hint });
}

function lex(spec: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  while (i < spec.length) {
    const c = spec[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (PUNCT.has(c)) {
      toks.push({ kind: 'punct', text: c, offset: i, length: 1 });
      i++;
    } else if (c === '"') {
      let j = i + 1, text = '';
      while (j < spec.length && spec[j] !== '"') {
        if (spec[j] === '\\' && j + 1 < spec.length) j++;
        text += spec[j++];
      }
      if (j >= spec.length) specError(spec, i, spec.length - i, 'unterminated string', 'close it with "');
      toks.push({ kind: 'string', text, offset: i, length: j + 1 - i });
      i = j + 1;
    } else {
      let j = i;
      while (j < spec.length && !PUNCT.has(spec[j]!) && spec[j] !== '"' && !/\s/.test(spec[j]!)) j++;
      toks.push({ kind: 'word', text: spec.slice(i, j), offset: i, length: j - i });
      i = j;
    }
  }
  toks.push({ kind: 'eof', text: '', offset: spec.length, length: 1 });
  return toks;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly spec: string,
    private readonly toks: Token[],
  ) {}

  private peek(): Token {
    return this.toks[this.pos]!;
  }
  private next(): Token {
    return this.toks[this.pos++]!;
  }
  private isPunct(c: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === c;
  }
  private describe(t: Token): string {
    return t.kind === 'eof' ? 'the end of the spec' : `'${t.text}'`;
  }
  private expect(c: string, context: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== c) specError(this.spec, t.offset, t.length, `expected '${c}' ${context}, found ${this.describe(t)}`);
    return this.next();
  }
  private name(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'word' || !NAME_RE.test(t.text)) {
      const hint = t.kind === 'punct' && t.text === ',' ? 'remove the extra comma' : undefined;
      specError(this.spec, t.offset, t.length, `expected ${what}, found ${this.describe(t)}`, hint);
    }
    return this.next();
  }

  pipeline(closer: string | undefined): SpecItem[] {
    const items: SpecItem[] = [];
    if (this.peek().kind === 'eof' || (closer && this.isPunct(closer))) return items;
    for (;;) {
      items.push(this.item());
      if (!this.isPunct(',')) break;
      this.next();
    }
    const t = this.peek();
    const done = closer ? t.kind === 'punct' && t.text === closer : t.kind === 'eof';
    if (!done && closer && t.kind === 'eof') specError(this.spec, t.offset, t.length, `expected '${closer}' to close fixpoint(, found the end of the spec`);
    if (!done) specError(this.spec, t.offset, t.length, `expected ',' between passes${closer ? ` or '${closer}'` : ''}, found ${this.describe(t)}`);
    return items;
  }

  private item(): SpecItem {
    const n = this.name('a pass name');
    const item: SpecItem = { name: n.text, offset: n.offset, length: n.length, options: [] };
    if (this.isPunct('(')) {
      const open = this.next();
      if (n.text !== 'fixpoint') specError(this.spec, open.offset, 1, `only fixpoint takes a parenthesised pipeline`, `write fixpoint(${n.text},...)`);
      item.body = this.pipeline(')');
      this.expect(')', `to close fixpoint(`);
    } else if (n.text === 'fixpoint') {
      specError(this.spec, n.offset, n.length, `fixpoint needs a parenthesised pipeline`, 'write fixpoint(canonicalize,cse){max-iterations=10}');
    }
    if (this.isPunct('{')) {
      this.next();
      if (!this.isPunct('}'))
        for (;;) {
          item.options.push(this.option());
          if (!this.isPunct(',')) break;
          this.next();
        }
      this.expect('}', `to close the options of ${n.text}`);
    }
    return item;
  }

  private option(): SpecOption {
    const n = this.name('an option name');
    const opt: SpecOption = { name: n.text, offset: n.offset, length: n.length };
    if (this.isPunct('=')) {
      this.next();
      opt.value = this.value();
    }
    return opt;
  }

  private value(): RawValue {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'string') {
      this.next();
      return { kind: 'word', text: t.text, quoted: t.kind === 'string', offset: t.offset, length: t.length };
    }
    if (this.isPunct('[')) {
      const open = this.next();
      const items: RawValue[] = [];
      if (!this.isPunct(']'))
        for (;;) {
          items.push(this.value());
          if (!this.isPunct(',')) break;
          this.next();
        }
      const close = this.expect(']', 'to close the list');
      return { kind: 'list', items, offset: open.offset, length: close.offset + 1 - open.offset };
    }
    specError(this.spec, t.offset, t.length, `expected a value, found ${this.describe(t)}`);
  }
}

/** Parses a spec into items; syntax errors are QforgeErrors pointing at the offending column. */
export function parseSpec(spec: string): SpecItem[] {
  return new Parser(spec, lex(spec)).pipeline(undefined);
}

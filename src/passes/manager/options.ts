// Pass options as a small declarative schema: each option has a type, a default and a doc line.
// One schema serves three readers: the spec parser (text values), the JS API (typed values) and
// `qforge passes` (descriptions). Option names are kebab-case, as written in a pipeline spec.

export type ScalarKind = 'int' | 'float' | 'bool' | 'string';

interface Base {
  doc: string;
}
export interface IntOption extends Base {
  type: 'int';
  default: number;
  min?: number;
  max?: number;
}
export interface FloatOption extends Base {
  type: 'float';
  default: number;
  min?: number;
  max?: number;
}
export interface BoolOption extends Base {
  type: 'bool';
  default: boolean;
}
export interface StringOption extends Base {
  type: 'string';
  default: string;
}
export interface EnumOption extends Base {
  type: 'enum';
  values: readonly string[];
  default: string;
}
export interface ListOption extends Base {
  type: 'list';
  /** Element type; an array of names makes it a list of enum values. */
  of: ScalarKind | readonly string[];
  default: readonly (number | string | boolean)[];
}

export type OptionSpec = IntOption | FloatOption | BoolOption | StringOption | EnumOption | ListOption;
export type OptionSchema = Readonly<Record<string, OptionSpec>>;

type ScalarValue<K> = K extends 'int' | 'float' ? number : K extends 'bool' ? boolean : K extends 'string' ? string : K extends readonly (infer E)[] ? E : never;

/** The JS type of one option's value. */
export type OptionValue<T extends OptionSpec> = T extends IntOption | FloatOption
  ? number
  : T extends BoolOption
    ? boolean
    : T extends EnumOption
      ? T['values'][number]
      : T extends StringOption
        ? string
        : T extends ListOption
          ? ScalarValue<T['of']>[]
          : never;

/** The resolved options of a pass: every option present, defaults filled in. */
export type OptionValues<S extends OptionSchema> = { readonly [K in keyof S]: OptionValue<S[K]> };

/** What a caller may pass: any subset; values are checked against the schema at run time. */
export type OptionInput = Readonly<Record<string, unknown>>;

/** A value as it appears in a spec: a word/number/quoted string, or a bracketed list of them. */
export type RawValue = ({ kind: 'word'; text: string; quoted: boolean } | { kind: 'list'; items: RawValue[] }) & {
  /** 0-based offset and length in the spec text. */
  offset: number;
  length: number;
};

/** Why a value was rejected: a message, and optionally the index of the offending list item. */
export class OptionValueError extends Error {
  constructor(
    message: string,
    readonly item?: number,
  ) {
    super(message);
  }
}

export function describeOptionType(spec: OptionSpec): string {
  switch (spec.type) {
    case 'enum':
      return `one of ${spec.values.join('|')}`;
    case 'list':
      return `list of ${typeof spec.of === 'string' ? spec.of : spec.of.join('|')}`;
    default:
      return spec.type;
  }
}

export function formatOptionValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatOptionValue).join(',')}]`;
  // Quoted strings escape only backslash and quote (the spec lexer takes the next char literally).
  if (typeof v === 'string') return /^[^\s,{}[\]()="\\]+$/.test(v) ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
  return Object.is(v, -0) ? '-0' : String(v); // String(-0) is '0': the spec must read back what was set
}

function scalarFromText(kind: ScalarKind | readonly string[], raw: RawValue): number | string | boolean {
  if (raw.kind === 'list') throw new OptionValueError(`expected ${typeof kind === 'string' ? kind : `one of ${kind.join('|')}`}, got a list`);
  const t = raw.text;
  if (typeof kind !== 'string') {
    if (!kind.includes(t)) throw new OptionValueError(`'${t}' is not one of ${kind.join('|')}`);
    return t;
  }
  switch (kind) {
    case 'int':
      if (raw.quoted || !/^[+-]?\d+$/.test(t)) throw new OptionValueError(`expected an integer, got '${t}'`);
      return Number(t);
    case 'float': {
      const x = raw.quoted ? NaN : Number(t);
      if (t.trim() === '' || (Number.isNaN(x) && t !== 'nan')) throw new OptionValueError(`expected a number, got '${t}'`);
      return x;
    }
    case 'bool':
      if (!raw.quoted && (t === 'true' || t === 'false')) return t === 'true';
      throw new OptionValueError(`expected true or false, got '${t}'`);
    case 'string':
      return t;
  }
}

/** Converts a value written in a pipeline spec to the option's JS value (then validated). */
export function parseOptionValue(spec: OptionSpec, raw: RawValue): unknown {
  if (spec.type === 'list') {
    // A single word is a one-element list: `ops=dequantize` means `ops=[dequantize]`.
    const items = raw.kind === 'list' ? raw.items : [raw];
    return items.map((it, i) => {
      try {
        return scalarFromText(spec.of, it);
      } catch (e) {
        if (e instanceof OptionValueError) throw new OptionValueError(e.message, i);
        throw e;
      }
    });
  }
  if (spec.type === 'enum') return scalarFromText(spec.values, raw);
  return scalarFromText(spec.type, raw);
}

function checkScalar(kind: ScalarKind | readonly string[], v: unknown): string | undefined {
  if (typeof kind !== 'string') return typeof v === 'string' && kind.includes(v) ? undefined : `expected one of ${kind.join('|')}, got ${formatOptionValue(v)}`;
  switch (kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : `expected an integer, got ${formatOptionValue(v)}`;
    case 'float':
      return typeof v === 'number' ? undefined : `expected a number, got ${formatOptionValue(v)}`;
    case 'bool':
      return typeof v === 'boolean' ? undefined : `expected true or false, got ${formatOptionValue(v)}`;
    case 'string':
      return typeof v === 'string' ? undefined : `expected a string, got ${formatOptionValue(v)}`;
  }
}

/** Checks a JS value against its spec; returns the problem, or undefined when it is fine. */
export function checkOptionValue(spec: OptionSpec, v: unknown): string | undefined {
  switch (spec.type) {
    case 'int':
    case 'float': {
      const bad = checkScalar(spec.type, v);
      if (bad) return bad;
      const x = v as number;
      if (spec.min !== undefined && x < spec.min) return `must be at least ${spec.min}, got ${x}`;
      if (spec.max !== undefined && x > spec.max) return `must be at most ${spec.max}, got ${x}`;
      return undefined;
    }
    case 'enum':
      return checkScalar(spec.values, v);
    case 'list': {
      if (!Array.isArray(v)) return `expected a ${describeOptionType(spec)}, got ${formatOptionValue(v)}`;
      for (const item of v) {
        const bad = checkScalar(spec.of, item);
        if (bad) return `list item: ${bad}`;
      }
      return undefined;
    }
    default:
      return checkScalar(spec.type, v);
  }
}

/** Default values of every option of a schema. */
export function defaultOptions(schema: OptionSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(schema)) out[k] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  return out;
}

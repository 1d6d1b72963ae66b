// Typed helper functions that pattern files call in `where` and `let`: pure functions over
// constant tensors and scalars. Users add their own from TypeScript with defineHelper; the
// checker validates every call against the declared parameter and result types, so a .qpat
// file that calls a helper wrongly fails when it is loaded, not when it first matches.
import type { Tensor } from '../../ir/tensor.js';

/** `tensor?` accepts an optional capture that may be absent (the function then gets undefined). */
export type ParamType = 'tensor' | 'tensor?' | 'float' | 'int' | 'bool' | 'string' | 'dtype' | 'ints' | 'floats';
export type ResultType = Exclude<ParamType, 'tensor?'>;

export type TsOf<T extends ParamType> = T extends 'tensor'
  ? Tensor
  : T extends 'tensor?'
    ? Tensor | undefined
    : T extends 'float' | 'int'
      ? number
      : T extends 'bool'
        ? boolean
        : T extends 'string' | 'dtype'
          ? string
          : number[];

export interface Param {
  name: string;
  type: ParamType;
}
type ArgsOf<P extends readonly Param[]> = { [K in keyof P]: P[K] extends Param ? TsOf<P[K]['type']> : never };

export interface HelperDef<P extends readonly Param[], R extends ResultType> {
  name: string;
  /** One line for `qforge patterns explain` and the README. */
  doc: string;
  params: P;
  result: R;
  /** May throw (OpError or Error) when its inputs are unusable; the rewrite then fails with the pattern's location. */
  fn: (...args: ArgsOf<P>) => TsOf<R>;
}

/** A helper with its types erased, as the registry stores it. */
export interface Helper {
  name: string;
  doc: string;
  params: readonly Param[];
  result: ResultType;
  fn: (...args: unknown[]) => unknown;
}

/** Keeps the argument types of `fn` checked against the declared parameter list. */
export function defineHelper<const P extends readonly Param[], R extends ResultType>(def: HelperDef<P, R>): Helper {
  return def as unknown as Helper;
}

export const signature = (h: Helper): string => `${h.name}(${h.params.map((p) => `${p.name}: ${p.type}`).join(', ')}) -> ${h.result}`;

/**
 * Helpers by name; a name may have several overloads with different parameter types (the
 * checker takes the first that accepts the arguments). A child registry sees its parent's
 * helpers, so a test or a user file can add helpers without touching the defaults.
 */
export class HelperRegistry {
  private readonly own = new Map<string, Helper[]>();
  constructor(private readonly parent?: HelperRegistry) {}

  register(...helpers: Helper[]): this {
    for (const h of helpers) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(h.name)) throw new Error(`helper name '${h.name}' is not an identifier`);
      const list = this.own.get(h.name) ?? [];
      const sig = h.params.map((p) => p.type).join(',');
      if (list.some((o) => o.params.map((p) => p.type).join(',') === sig)) throw new Error(`helper ${signature(h)} registered twice`);
      list.push(h);
      this.own.set(h.name, list);
    }
    return this;
  }

  /** Overloads of a name: this registry's first, then the parent's. */
  lookup(name: string): Helper[] {
    return [...(this.own.get(name) ?? []), ...(this.parent?.lookup(name) ?? [])];
  }

  names(): string[] {
    return [...new Set([...this.own.keys(), ...(this.parent?.names() ?? [])])].sort();
  }

  all(): Helper[] {
    return this.names().flatMap((n) => this.lookup(n));
  }

  child(): HelperRegistry {
    return new HelperRegistry(this);
  }
}

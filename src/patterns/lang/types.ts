// Static types of pattern expressions and the run-time values they evaluate to.
import type { Tensor } from '../../ir/tensor.js';
import type { ParamType, ResultType } from '../helpers/registry.js';
import type { ValueId } from '../../ir/numbered/index.js';
import type { Span } from '../syntax/ast.js';

/**
 * `value`: an SSA value of the matched graph (a capture); `tensor`: constant data. A value that
 * the pattern constrains to be a constant (`%w: const`) converts to its tensor where one is needed;
 * `values`: the operands bound by `%xs...`.
 */
export type Base = 'int' | 'float' | 'bool' | 'string' | 'dtype' | 'ints' | 'floats' | 'strings' | 'tensor' | 'value' | 'values';

export interface Ty {
  base: Base;
  /** May be absent at run time (an optional operand or attribute, an optional node's capture). */
  maybe: boolean;
  /** For values: known to be a constant, so usable as tensor data. */
  isConst?: boolean;
}

export const ty = (base: Base, maybe = false, isConst = false): Ty => ({ base, maybe, ...(isConst ? { isConst } : {}) });
export const showTy = (t: Ty): string => `${t.base}${t.isConst ? ' (const)' : ''}${t.maybe ? '?' : ''}`;

/** A graph value named by a capture (`id`: its number in the matched graph); distinct from strings, which are plain data. */
export class ValueRef {
  constructor(
    readonly name: string,
    readonly id: ValueId,
  ) {}
}

/** A mistake of the pattern itself met while evaluating it (an index out of range): an error at `span`, never a failed match. */
export class PatternError extends Error {
  constructor(
    message: string,
    readonly span: Span,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}

export type RtVal = number | boolean | string | number[] | string[] | Tensor | ValueRef | ValueRef[] | undefined;

/** Can a value of type `from` be used where `to` is expected? (int widens to float, ints to floats, const values to tensors.) */
export function assignable(from: Ty, to: Base): boolean {
  if (from.base === to) return true;
  if (to === 'float' && from.base === 'int') return true;
  if (to === 'floats' && from.base === 'ints') return true;
  if (to === 'tensor' && from.base === 'value' && from.isConst) return true;
  if (to === 'string' && from.base === 'dtype') return true;
  return false;
}

/** The common type of two branches (if/else, ??), or undefined when they have none. */
export function join(a: Ty, b: Ty): Base | undefined {
  if (a.base === b.base) return a.base;
  for (const base of ['float', 'floats', 'tensor', 'string'] as const) if (assignable(a, base) && assignable(b, base)) return base;
  return undefined;
}

export function paramBase(t: ParamType | ResultType): { base: Base; maybe: boolean } {
  return t === 'tensor?' ? { base: 'tensor', maybe: true } : { base: t, maybe: false };
}

// Shared pieces of type inference.
import type { DType } from '../dtype.js';
import type { TensorType } from '../types.js';
import { check, OpError } from './registry.js';

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new OpError(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

export function operand(inputs: (TensorType | undefined)[], i: number, name: string): TensorType {
  const t = inputs[i];
  check(t, () => `operand ${i} (${name}) is missing`);
  return t;
}

export function sameDType(types: (TensorType | undefined)[], what: string): DType {
  const present = types.filter((t): t is TensorType => !!t);
  const d = present[0]!.dtype;
  check(present.every((t) => t.dtype === d), () => `${what}: operand dtypes differ (${present.map((t) => t.dtype).join(', ')})`);
  return d;
}

/** Normalise a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  check(a >= 0 && a < rank, `${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Operand i, checked to have one of the allowed dtypes. */
export function operandOf(inputs: (TensorType | undefined)[], i: number, name: string, dtypes: readonly DType[], op: string): TensorType {
  const t = operand(inputs, i, name);
  check(dtypes.includes(t.dtype), () => `${op}: ${name} must be ${dtypes.join(' | ')}, got ${t.dtype}`);
  return t;
}

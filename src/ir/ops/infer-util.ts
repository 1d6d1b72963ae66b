// Shared pieces of type inference.
import type { DType } from '../dtype.js';
import type { TensorType } from '../types.js';
import { check, OpError, type ResolvedAttrs } from './registry.js';

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

/**
 * The operands of a linear op, x [..., K] times a weight [N, K] and an optional bias [N] of
 * `biasDtype` (operand `biasIndex`), checked; the result is [..., N].
 */
export function linearOperands(op: string, inputs: (TensorType | undefined)[], biasIndex = 2, biasDtype: DType = 'f32'): { x: TensorType; w: TensorType; N: number } {
  const x = operand(inputs, 0, 'x'), w = operand(inputs, 1, 'w');
  check(w.shape.length === 2, `${op}: weight must be [N, K], got [${w.shape.join(',')}]`);
  const [N, K] = w.shape as [number, number];
  check(x.shape.length >= 1 && x.shape[x.shape.length - 1] === K, `${op}: x [${x.shape.join(',')}] must end in K = ${K}`);
  checkBias(op, inputs[biasIndex], biasDtype, N);
  return { x, w, N };
}

export function checkBias(op: string, b: TensorType | undefined, dtype: DType, channels: number): void {
  if (b) check(b.dtype === dtype && b.shape.length === 1 && b.shape[0] === channels, `${op}: bias must be ${dtype}[${channels}], got ${b.dtype}[${b.shape.join(',')}]`);
}

/** A scale and the weight zero points, each one value or one per output channel; the scales positive and finite. */
export function perChannel(op: string, attrs: ResolvedAttrs, channels: number, scaleKey: string, zeroKey = 'w_zero_point'): void {
  for (const key of [scaleKey, zeroKey]) {
    const v = attrs[key] as number[];
    check(v.length === 1 || v.length === channels, `${op}: ${key} needs 1 or ${channels} values, got ${v.length}`);
  }
  check((attrs[scaleKey] as number[]).every((m) => m > 0 && Number.isFinite(m)), `${op}: ${scaleKey} values must be positive and finite`);
}

/** A fused activation's range [clamp_min, clamp_max] is not empty. */
export function checkClamp(op: string, attrs: ResolvedAttrs): void {
  check((attrs['clamp_min'] as number) <= (attrs['clamp_max'] as number), `${op}: clamp_min must not exceed clamp_max`);
}

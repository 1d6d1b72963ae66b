// Carrying quantization parameters through data-movement ops. Per-tensor params pass unchanged;
// per-channel params follow their axis to its new position and, where the op selects channels,
// keep the scales of the selected channels.
import type { QuantParams, TensorType } from '../types.js';
import { check } from './registry.js';

export interface AxisMove {
  /** The result axis that holds the source's channel axis `a`; undefined when no axis does. */
  axis: (a: number) => number | undefined;
  /** The source channels the result keeps along that axis, in order (default: all of them). */
  channels?: (a: number) => number[] | undefined;
}

export function carryQuant(q: QuantParams | undefined, op: string, move: AxisMove): QuantParams | undefined {
  if (!q) return undefined;
  if (q.axis === undefined) return { scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
  const axis = move.axis(q.axis);
  check(axis !== undefined, `${op} cannot keep per-channel quantization along axis ${q.axis}; requantize per tensor first`);
  const keep = move.channels?.(q.axis) ?? q.scale.map((_, i) => i);
  const scale = keep.map((c) => q.scale[c]!), zeroPoint = keep.map((c) => q.zeroPoint[c]!);
  // One channel left is per-tensor quantization.
  return scale.length === 1 ? { scale, zeroPoint } : { scale, zeroPoint, axis };
}

/** A result type with the given dtype and shape, carrying `quant` when present. */
export function typed(dtype: TensorType['dtype'], shape: number[], quant?: QuantParams): TensorType {
  return quant ? { dtype, shape, quant } : { dtype, shape };
}

/**
 * For a reshape from `from` to `to`: the result axis holding the source axis `a` intact (same
 * extent, same product of the dims before it), if there is one.
 */
export function reshapeAxis(from: readonly number[], to: readonly number[], a: number): number | undefined {
  const before = from.slice(0, a).reduce((x, y) => x * y, 1);
  let p = 1;
  for (let b = 0; b < to.length; b++) {
    if (p === before && to[b] === from[a]) return b;
    p *= to[b]!;
  }
  return undefined;
}

// Static tensor types: dtype, shape and optional quantization parameters.
import type { DType } from './dtype.js';

/** Affine quantization parameters. Per-tensor: one scale/zero point and no axis. Per-channel: one per index of `axis`. */
export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  axis?: number;
}

export interface TensorType {
  dtype: DType;
  shape: number[];
  quant?: QuantParams;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function sameQuant(a: QuantParams | undefined, b: QuantParams | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.axis === b.axis &&
    a.scale.length === b.scale.length &&
    a.scale.every((s, i) => s === b.scale[i]) &&
    a.zeroPoint.length === b.zeroPoint.length &&
    a.zeroPoint.every((z, i) => z === b.zeroPoint[i])
  );
}

export function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape) && sameQuant(a.quant, b.quant);
}

/** Short human form, e.g. `f32[1,3,224,224]` (quant params are printed by the text format). */
export const formatType = (t: TensorType): string => `${t.dtype}[${t.shape.join(',')}]`;

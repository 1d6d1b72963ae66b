// Bit-exact quantization arithmetic shared by the interpreter, passes and codegen.
// PyTorch computes in float32 throughout; Math.fround after every step reproduces it.
import { dtypeRange, type DType } from './dtype.js';

export const fround = Math.fround;

/** Round half to even (C's rint / nearbyint in the default rounding mode). */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x); // rounds half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const clampInt = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** q = clamp(zp + rint(x * fround(1/scale)), qmin, qmax), every step in float32 (PyTorch quantize_per_tensor). */
export function quantizeValue(x: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const inv = fround(1 / scale);
  const q = rint(fround(fround(x) * inv)) + zeroPoint;
  return Number.isNaN(q) ? clampInt(zeroPoint, qmin, qmax) : clampInt(q, qmin, qmax);
}

/** x = fround((q - zp) * scale) (PyTorch dequantize). */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return fround((q - zeroPoint) * scale);
}

export function defaultQRange(dtype: DType): [number, number] {
  return dtypeRange(dtype);
}

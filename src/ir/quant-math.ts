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

/**
 * How a quantize scales x before rounding. 'reciprocal': x·fround(1/scale) (PyTorch's
 * quantize_per_tensor, the default); 'divide': fround(x / scale), a float32 division (ONNX
 * QuantizeLinear as onnxruntime computes it). The two differ by one step where x/scale lies
 * within an ulp or two of a rounding tie.
 */
export type QuantScaling = 'reciprocal' | 'divide';
export const QUANT_SCALINGS: readonly QuantScaling[] = ['reciprocal', 'divide'];

/** q = clamp(zp + rint(fround(x / scale)), qmin, qmax): x and scale as float32, one float32 division (ONNX QuantizeLinear). */
export function quantizeValueDivide(x: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const q = rint(fround(fround(x) / fround(scale))) + zeroPoint;
  return Number.isNaN(q) ? clampInt(zeroPoint, qmin, qmax) : clampInt(q, qmin, qmax);
}

/** quantizeValue or quantizeValueDivide. */
export const quantizer = (scaling: QuantScaling): typeof quantizeValue => (scaling === 'divide' ? quantizeValueDivide : quantizeValue);

/** x = fround((q - zp) * scale) (PyTorch dequantize). */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return fround((q - zeroPoint) * scale);
}

export function defaultQRange(dtype: DType): [number, number] {
  return dtypeRange(dtype);
}

// Exact text forms of numbers and constant data, shared by printer and parser. Every form reads
// back to the identical value: -0, ±inf and nan included, f32 data by its shortest f32 digits.
import { dtypeInfo, makeArray, type DType, type TypedArray } from '../dtype.js';

/** A double, exactly: shortest round-trip digits, `-0`, `inf`, `-inf`, `nan`. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** The fewest digits that read back (through Math.fround) as this f32 value. */
export function formatF32(x: number): string {
  if (!Number.isFinite(x) || x === 0) return formatNumber(x);
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/** Reads a number token (`1`, `-2.5e-3`, `inf`, `-inf`, `nan`). */
export function parseNumber(image: string): number {
  if (image === 'inf') return Infinity;
  if (image === '-inf') return -Infinity;
  if (image === 'nan') return NaN;
  return Number(image);
}

export const INTEGER_SYNTAX = /^-?\d+$/;

/**
 * Why a written number (not `inf`/`nan`) is out of range for a float type, e.g. `1e39` for f32,
 * which would otherwise silently become infinity.
 */
export function floatRangeError(image: string, dtype: 'f32' | 'f64'): string | undefined {
  const v = parseNumber(image);
  if (Number.isNaN(v) || /inf$/.test(image)) return undefined;
  if (Number.isFinite(dtype === 'f32' ? Math.fround(v) : v)) return undefined;
  const max = dtype === 'f32' ? '3.4028235e38' : String(Number.MAX_VALUE);
  return `${image} is out of range for ${dtype} (largest finite ${max}); write inf for infinity`;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a copy). */
export function toLEBytes(a: TypedArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  if (!LITTLE_ENDIAN) swapInPlace(bytes, a.BYTES_PER_ELEMENT);
  return bytes;
}

/** A typed array of `dtype` from little-endian bytes; undefined when the byte count does not fit. */
export function fromLEBytes(dtype: DType, bytes: Uint8Array): TypedArray | undefined {
  const size = dtypeInfo(dtype).bytes;
  if (bytes.length % size !== 0) return undefined;
  const copy = new Uint8Array(bytes); // a copy with its own exact-size buffer (Buffer.slice would share)
  if (!LITTLE_ENDIAN) swapInPlace(copy, size);
  const Ctor = makeArray(dtype, 0).constructor as new (b: ArrayBuffer) => TypedArray;
  return new Ctor(copy.buffer);
}

function swapInPlace(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/**
 * The literal text of element i, or undefined when no literal reads back to the same bits (a NaN
 * with a payload, a bool byte other than 0/1): such constants are printed as bytes instead.
 */
export function formatElement(dtype: DType, a: TypedArray, i: number): string | undefined {
  const v = a[i]!;
  if (typeof v === 'bigint') return v.toString();
  if (dtype === 'bool') return v === 0 ? 'false' : v === 1 ? 'true' : undefined;
  if (dtype === 'f32' || dtype === 'f64') {
    if (Number.isNaN(v) && !isCanonicalNaN(a, i)) return undefined;
    return dtype === 'f32' ? formatF32(v) : formatNumber(v);
  }
  // i4/u4 live one per byte; a byte outside the 4-bit range has no literal of its own.
  if ((dtype === 'i4' || dtype === 'u4') && (v < dtypeInfo(dtype).min || v > dtypeInfo(dtype).max)) return undefined;
  return String(v);
}

const CANONICAL_NAN = {
  f32: toLEBytes(new Float32Array([NaN])),
  f64: toLEBytes(new Float64Array([NaN])),
};
function isCanonicalNaN(a: TypedArray, i: number): boolean {
  const want = a instanceof Float32Array ? CANONICAL_NAN.f32 : CANONICAL_NAN.f64;
  const size = a.BYTES_PER_ELEMENT;
  const got = toLEBytes(a.subarray(i, i + 1) as TypedArray);
  for (let k = 0; k < size; k++) if (got[k] !== want[k]) return false;
  return true;
}

/** Whether all elements have the same bits (for `splat`). */
export function allSameBits(a: TypedArray): boolean {
  if (a.length === 0) return false;
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const size = a.BYTES_PER_ELEMENT;
  for (let i = size; i < bytes.length; i++) if (bytes[i] !== bytes[i % size]) return false;
  return true;
}

/** Why a literal element cannot be stored in `dtype`, or its value. */
export function elementValue(dtype: DType, kind: 'number' | 'bool', image: string): { value: number | bigint } | { error: string } {
  if (dtype === 'bool') {
    if (kind === 'bool') return { value: image === 'true' ? 1 : 0 };
    if (image === '0' || image === '1') return { value: Number(image) };
    return { error: `bool constants hold true/false (or 0/1), got ${image}` };
  }
  if (kind === 'bool') return { error: `${dtype} constants hold numbers, got ${image}` };
  if (dtypeInfo(dtype).isFloat) {
    const error = floatRangeError(image, dtype === 'f32' ? 'f32' : 'f64');
    return error ? { error } : { value: parseNumber(image) };
  }
  if (!INTEGER_SYNTAX.test(image)) return { error: `${dtype} constants hold integers, got ${image}` };
  if (dtype === 'i64') {
    const b = BigInt(image);
    if (b < -(2n ** 63n) || b >= 2n ** 63n) return { error: `${image} is out of range for i64` };
    return { value: b };
  }
  const n = Number(image);
  const { min, max } = dtypeInfo(dtype);
  if (n < min || n > max) return { error: `${image} is out of range for ${dtype} [${min}, ${max}]` };
  return { value: n };
}

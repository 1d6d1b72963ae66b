// Tensor comparison for tests: bit for bit (the default; integer paths and "bit-exact" claims), or
// float outputs within a number of units in the last place (rewrites that reassociate arithmetic).
import type { Tensor } from '../ir/tensor.js';

export interface CompareOptions {
  /**
   * Allowed distance of float elements in units in the last place (of their dtype). Absent: the
   * tensors must be bitwise identical (NaN payloads and the sign of zero included). Given (0 or
   * more): -0 equals +0 and any NaN equals any NaN. Integer elements are always compared exactly.
   */
  ulps?: number;
}

export interface Comparison {
  equal: boolean;
  /** Largest float distance in ulps (0 for integer tensors and bitwise mode). */
  maxUlps: number;
  /** Why they differ: dtype or shape, or the first element out of tolerance. */
  reason?: string;
  /** Flat index of the first differing element. */
  index?: number;
}

const f32Bits = new Int32Array(1), f32View = new Float32Array(f32Bits.buffer);
const f64Bits = new BigInt64Array(1), f64View = new Float64Array(f64Bits.buffer);

// Float bits mapped to a monotone integer line (-0 and +0 meet at 0), so ulps are a difference.
function key32(v: number): number {
  f32View[0] = v;
  const i = f32Bits[0]!;
  return i < 0 ? -(i & 0x7fffffff) : i;
}
function key64(v: number): bigint {
  f64View[0] = v;
  const i = f64Bits[0]!;
  return i < 0n ? -(i & 0x7fffffffffffffffn) : i;
}

/** Distance between two f32 (or, with dtype 'f64', double) values in ulps; 0 when equal or both NaN, Infinity when one is NaN. */
export function ulpDistance(a: number, b: number, dtype: 'f32' | 'f64' = 'f32'): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (dtype === 'f32') return Math.abs(key32(a) - key32(b));
  const d = key64(a) - key64(b);
  return Number(d < 0n ? -d : d);
}

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Compares `actual` with `expected`: bitwise by default, floats within `ulps` when given. */
export function compareTensors(actual: Tensor, expected: Tensor, opts: CompareOptions = {}): Comparison {
  if (actual.dtype !== expected.dtype) return { equal: false, maxUlps: 0, reason: `dtype ${actual.dtype}, expected ${expected.dtype}` };
  if (actual.shape.join() !== expected.shape.join())
    return { equal: false, maxUlps: 0, reason: `shape [${actual.shape.join(',')}], expected [${expected.shape.join(',')}]` };
  const a = actual.data as ArrayLike<number | bigint>, e = expected.data as ArrayLike<number | bigint>;
  const isFloat = actual.dtype === 'f32' || actual.dtype === 'f64';
  const element = (i: number) => `element ${i} is ${String(a[i])}, expected ${String(e[i])}`;
  if (opts.ulps === undefined || !isFloat) {
    const ba = bytesOf(actual), be = bytesOf(expected), size = actual.data.BYTES_PER_ELEMENT;
    for (let b = 0; b < ba.length; b++)
      if (ba[b] !== be[b]) {
        const i = Math.floor(b / size);
        return { equal: false, maxUlps: 0, index: i, reason: `${element(i)} (bits differ)` };
      }
    return { equal: true, maxUlps: 0 };
  }
  let maxUlps = 0, first: number | undefined, firstUlps = 0;
  for (let i = 0; i < a.length; i++) {
    const d = ulpDistance(a[i] as number, e[i] as number, actual.dtype as 'f32' | 'f64');
    if (d > maxUlps) maxUlps = d;
    if (d > opts.ulps && first === undefined) [first, firstUlps] = [i, d];
  }
  if (first === undefined) return { equal: true, maxUlps };
  return { equal: false, maxUlps, index: first, reason: `${element(first)} (${firstUlps} ulps apart, ${opts.ulps} allowed)` };
}

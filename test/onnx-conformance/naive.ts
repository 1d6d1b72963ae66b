// Index arithmetic for naive reference implementations in the op tests (written independently of
// the kernels: coordinates, not strides).
export const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return c;
}

export function ravel(c: readonly number[], shape: readonly number[]): number {
  return c.reduce((acc, x, d) => acc * shape[d]! + x, 0);
}

/** Flat index in an operand of shape `s` broadcast (NumPy rules) to the coordinates `c` of the result. */
export function bcastIndex(c: readonly number[], s: readonly number[]): number {
  const off = c.length - s.length;
  return ravel(s.map((d, k) => (d === 1 ? 0 : c[off + k]!)), s);
}

/** Deterministic pseudo-random numbers (a 31-bit LCG), so failures reproduce. */
export function rng(seed: number): { next(): number; int(lo: number, hi: number): number; floats(n: number, lo?: number, hi?: number): number[] } {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff) / 0x80000000);
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    floats: (n, lo = -3, hi = 3) => Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * next())),
  };
}

// Elementwise kernels over broadcast operands.
import { strides } from '../tensor.js';

/**
 * For an output shape and an operand shape (right-aligned, NumPy rules), the operand's strides
 * per output dimension, 0 where the operand is broadcast.
 */
export function broadcastStrides(outShape: readonly number[], shape: readonly number[]): number[] {
  const st = strides(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]!));
}

/** Calls f(outIndex, aIndex, bIndex) for every output element, in row-major order. */
export function forEachBroadcast2(
  outShape: readonly number[],
  aShape: readonly number[],
  bShape: readonly number[],
  f: (o: number, a: number, b: number) => void,
): void {
  const n = outShape.reduce((x, y) => x * y, 1);
  if (n === 0) return;
  const rank = outShape.length;
  const sa = broadcastStrides(outShape, aShape), sb = broadcastStrides(outShape, bShape);
  // Fast paths: same shapes, or scalar operand.
  const na = aShape.reduce((x, y) => x * y, 1), nb = bShape.reduce((x, y) => x * y, 1);
  if (na === n && nb === n) {
    for (let i = 0; i < n; i++) f(i, i, i);
    return;
  }
  if (na === n && nb === 1) {
    for (let i = 0; i < n; i++) f(i, i, 0);
    return;
  }
  if (na === 1 && nb === n) {
    for (let i = 0; i < n; i++) f(i, 0, i);
    return;
  }
  // General case: iterate the innermost dimension in a tight loop.
  const idx = new Array<number>(rank).fill(0);
  const inner = rank ? outShape[rank - 1]! : 1;
  const ia = rank ? sa[rank - 1]! : 0, ib = rank ? sb[rank - 1]! : 0;
  let o = 0, pa = 0, pb = 0;
  while (o < n) {
    for (let j = 0; j < inner; j++) f(o + j, pa + j * ia, pb + j * ib);
    o += inner;
    // advance the outer index
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      pa += sa[d]!;
      pb += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      pa -= sa[d]! * outShape[d]!;
      pb -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}

// Data movement for every dtype: the shape ops describe their result as a per-axis index map
// into the source (transpose, slice, pad, gather) or as chunk copies (concat, split).
import type { TypedArray } from '../dtype.js';
import { strides, tensor, type Tensor } from '../tensor.js';
import { numel } from '../types.js';

/** Element access on any typed array (number or bigint elements). */
type Elems = { [i: number]: number | bigint };

/**
 * out[i] = src[sum over d of maps[d][idx_d]] for every output multi-index idx; an entry below zero
 * in any map selects `fill` instead (pad's constant mode). Each map is already scaled by the
 * source stride of the axis it reads.
 */
export function remap(src: Tensor, outShape: readonly number[], maps: readonly ArrayLike<number>[], fill = 0): Tensor {
  const out = tensor(src.dtype, [...outShape]);
  const n = numel(outShape), rank = outShape.length;
  if (n === 0) return out;
  const o = out.data as unknown as Elems, s = src.data as unknown as Elems;
  if (rank === 0) {
    o[0] = s[0]!;
    return out;
  }
  const fillValue = out.data instanceof BigInt64Array ? BigInt(Math.trunc(fill)) : fill;
  const last = maps[rank - 1]!, inner = outShape[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  for (let pos = 0; pos < n; pos += inner) {
    let base = 0, inside = true;
    for (let d = 0; d < rank - 1; d++) {
      const m = maps[d]![idx[d]!]!;
      if (m < 0) inside = false;
      base += m;
    }
    for (let j = 0; j < inner; j++) o[pos + j] = inside && last[j]! >= 0 ? s[base + last[j]!]! : fillValue;
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The identity map of one axis: index i reads source position i. */
export const axisMap = (size: number, stride: number, at: (i: number) => number = (i) => i): Int32Array =>
  Int32Array.from({ length: size }, (_, i) => {
    const k = at(i);
    return k < 0 ? -1 : k * stride;
  });

/** Transposed copy: result axis d is source axis perm[d]. */
export function transposeData(src: Tensor, perm: readonly number[]): Tensor {
  const st = strides(src.shape);
  const shape = perm.map((p) => src.shape[p]!);
  return remap(src, shape, perm.map((p, d) => axisMap(shape[d]!, st[p]!)));
}

/** Copies `n` elements between typed arrays of the same kind. */
function copy(dst: TypedArray, dstOff: number, src: TypedArray, srcOff: number, n: number): void {
  (dst as Float32Array).set((src as Float32Array).subarray(srcOff, srcOff + n), dstOff);
}

/** Concatenation along an axis; all parts have the result's rank, dtype and other dims. */
export function concatData(parts: readonly Tensor[], axis: number, shape: readonly number[]): Tensor {
  const out = tensor(parts[0]!.dtype, [...shape]);
  const outer = numel(shape.slice(0, axis)), inner = numel(shape.slice(axis + 1));
  const row = shape[axis]! * inner;
  let off = 0;
  for (const p of parts) {
    const chunk = p.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) copy(out.data, o * row + off, p.data, o * chunk, chunk);
    off += chunk;
  }
  return out;
}

/** Splits along an axis into pieces of the given sizes (summing to the axis length). */
export function splitData(src: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const outer = numel(src.shape.slice(0, axis)), inner = numel(src.shape.slice(axis + 1));
  const row = src.shape[axis]! * inner;
  let off = 0;
  return sizes.map((size) => {
    const shape = src.shape.map((d, i) => (i === axis ? size : d));
    const out = tensor(src.dtype, shape);
    const chunk = size * inner;
    for (let o = 0; o < outer; o++) copy(out.data, o * chunk, src.data, o * row + off, chunk);
    off += chunk;
    return out;
  });
}

/** The same data under another shape (row-major order is unchanged). */
export function reshapeData(src: Tensor, shape: readonly number[]): Tensor {
  return { dtype: src.dtype, shape: [...shape], data: src.data.slice() as TypedArray };
}

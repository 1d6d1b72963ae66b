// Run-time tensors: a type's dtype and shape plus the data, in C (row-major) order.
import { makeArray, type DType, type TypedArray } from './dtype.js';
import { numel } from './types.js';

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

export function tensor(dtype: DType, shape: number[], data?: TypedArray | ArrayLike<number>): Tensor {
  const n = numel(shape);
  let arr: TypedArray;
  if (data === undefined) arr = makeArray(dtype, n);
  else if (ArrayBuffer.isView(data) && (data as TypedArray).constructor === makeArray(dtype, 0).constructor) arr = data as TypedArray;
  else {
    arr = makeArray(dtype, n);
    if (arr instanceof BigInt64Array) for (let i = 0; i < n; i++) arr[i] = BigInt((data as ArrayLike<number>)[i]!);
    else for (let i = 0; i < n; i++) arr[i] = Number((data as ArrayLike<number | bigint>)[i]);
  }
  if (arr.length !== n) throw new Error(`tensor data has ${arr.length} elements, shape [${shape.join(',')}] needs ${n}`);
  return { dtype, shape: [...shape], data: arr };
}

/** Element i as a JS number (i64 converted; exact below 2^53). */
export const at = (t: Tensor, i: number): number => Number(t.data[i]!);

/** Strides in elements for a row-major shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function tensorsEqual(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!, y = b.data[i]!;
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

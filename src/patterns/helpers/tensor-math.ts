// Arithmetic on constant tensors for pattern rewrites, with PyTorch's float32 semantics: each
// step is computed in double and rounded to the result dtype (f32 unless an operand is f64),
// and a scalar operand is first rounded to that dtype, as torch does for `tensor + python_float`.
// This is what makes folded weights match torch's own folding to the last bit or two.
import { broadcastShapes } from '../../ir/ops/infer-util.js';
import { OpError } from '../../ir/ops/index.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { dtypeRange, isFloatDType, type DType } from '../../ir/dtype.js';

export type Operand = Tensor | number;
export type BinaryFn = (a: number, b: number) => number;

const isFloatTensor = (t: Tensor): boolean => t.dtype === 'f32' || t.dtype === 'f64';

function checkFloat(x: Operand): void {
  if (typeof x !== 'number' && !isFloatTensor(x)) throw new OpError(`tensor arithmetic needs f32 or f64 tensors, got ${x.dtype}`);
}

function floatDType(a: Operand, b?: Operand): DType {
  checkFloat(a);
  if (b !== undefined) checkFloat(b);
  return (typeof a !== 'number' && a.dtype === 'f64') || (b !== undefined && typeof b !== 'number' && b.dtype === 'f64') ? 'f64' : 'f32';
}

const asTensor = (x: Operand, dtype: DType): Tensor => (typeof x === 'number' ? tensor(dtype, [], [x]) : x);

/**
 * A zero-filled f32 or f64 tensor with a copy of `shape`: what tensor(dtype, shape) makes, without
 * its generality (a rewrite that folds constants computes several of these).
 */
function floatTensor(dtype: DType, shape: readonly number[]): Tensor {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return { dtype, shape: shape.slice(), data: dtype === 'f64' ? new Float64Array(n) : new Float32Array(n) };
}

/** Strides of `shape` (right-aligned to a result of rank `rank`) for broadcasting: 0 along dimensions of size 1 or missing. */
function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const out = new Array<number>(rank).fill(0);
  for (let d = shape.length - 1, stride = 1; d >= 0; d--) {
    if (shape[d] !== 1) out[rank - shape.length + d] = stride;
    stride *= shape[d]!;
  }
  return out;
}

/** A scalar rounded to the dtype, as storing it in a tensor of that dtype would. */
const roundTo = (x: number, dtype: DType): number => (dtype === 'f32' ? Math.fround(x) : x);

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** a ∘ b with NumPy broadcasting; a scalar is rounded to the tensor dtype first. */
export function binaryOp(a: Operand, b: Operand, f: BinaryFn): Tensor {
  const dtype = floatDType(a, b);
  // Without broadcasting (a scalar and a tensor, or equal shapes) a plain loop does the same
  // element operations as the general path below, without its index machinery.
  if (typeof a !== typeof b || (typeof a !== 'number' && sameShape(a.shape, (b as Tensor).shape))) {
    const shape = typeof a !== 'number' ? a.shape : (b as Tensor).shape;
    const out = floatTensor(dtype, shape);
    const o = out.data as Float32Array | Float64Array, n = o.length;
    if (typeof a === 'number') {
      const x = roundTo(a, dtype), yd = (b as Tensor).data as Float32Array;
      for (let i = 0; i < n; i++) o[i] = f(x, yd[i]!);
    } else if (typeof b === 'number') {
      const xd = a.data as Float32Array, y = roundTo(b, dtype);
      for (let i = 0; i < n; i++) o[i] = f(xd[i]!, y);
    } else {
      const xd = a.data as Float32Array, yd = b.data as Float32Array;
      for (let i = 0; i < n; i++) o[i] = f(xd[i]!, yd[i]!);
    }
    return out;
  }
  const x = asTensor(a, dtype), y = asTensor(b, dtype);
  const shape = broadcastShapes(x.shape, y.shape);
  const out = floatTensor(dtype, shape);
  const o = out.data as Float32Array | Float64Array, xd = x.data as Float32Array, yd = y.data as Float32Array;
  // A scalar's own array already holds it rounded to the dtype. Row-major order: an odometer over
  // the result's index, moving each operand's position by its broadcast strides.
  const rank = shape.length, sx = broadcastStrides(x.shape, rank), sy = broadcastStrides(y.shape, rank);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0, p = 0, q = 0; i < o.length; i++) {
    o[i] = f(xd[p]!, yd[q]!);
    for (let d = rank - 1; d >= 0; d--) {
      p += sx[d]!;
      q += sy[d]!;
      if (++idx[d]! < shape[d]!) break;
      p -= sx[d]! * shape[d]!;
      q -= sy[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

export function unaryOp(a: Tensor, f: (x: number) => number): Tensor {
  const dtype = floatDType(a);
  const out = floatTensor(dtype, a.shape);
  const o = out.data as Float32Array, d = a.data as Float32Array;
  for (let i = 0; i < d.length; i++) o[i] = f(d[i]!);
  return out;
}

const rsqrt32 = (x: number): number => 1 / Math.fround(Math.sqrt(x));
const rsqrt64 = (x: number): number => 1 / Math.sqrt(x);

/** 1/sqrt(x) as torch.rsqrt computes it on CPU for f32: sqrt rounded, then the division rounded. */
export function rsqrt(a: Tensor): Tensor {
  return unaryOp(a, a.dtype === 'f64' ? rsqrt64 : rsqrt32);
}

export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  if (n !== a.data.length) throw new OpError(`reshape: [${a.shape.join(',')}] has ${a.data.length} elements, [${shape.join(',')}] needs ${n}`);
  return { dtype: a.dtype, shape: [...shape], data: a.data.slice() as Tensor['data'] };
}

/** A 1-D tensor [C] viewed as rank `rank` with C on `axis` and 1 elsewhere, so it broadcasts along that axis. */
export function along(a: Tensor, axis: number, rank: number): Tensor {
  if (a.shape.length !== 1) throw new OpError(`along: expects a 1-D tensor, got [${a.shape.join(',')}]`);
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank) throw new OpError(`along: axis ${axis} is out of range for rank ${rank}`);
  const shape = new Array<number>(rank).fill(1);
  shape[ax] = a.shape[0]!;
  return reshape(a, shape);
}

/** A 0-d tensor of `dtype` holding v; for an integer dtype v must be one of its values (no wrap-around). */
export function scalar(v: number, dtype: DType): Tensor {
  const [lo, hi] = dtypeRange(dtype);
  if (!isFloatDType(dtype) && !(Number.isInteger(v) && v >= lo && v <= hi)) throw new OpError(`scalar: ${v} is not a value of ${dtype}`);
  return tensor(dtype, [], [v]);
}

export const fill = (like: Tensor, v: number): Tensor => {
  const out = tensor(like.dtype, like.shape);
  (out.data as Float32Array).fill(v);
  return out;
};

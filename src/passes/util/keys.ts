// Canonical string keys for values and attributes: equal keys mean interchangeable things.
// Used by cse (and by anyone who needs "same constant" or "same attributes").
import type { AttrValue } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';

/** A number that keeps -0 and NaN apart from 0 and null (JSON would not). */
const num = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

export function attrValueKey(v: AttrValue): string {
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  return `[${(v as (number | string)[]).map((x) => (typeof x === 'number' ? num(x) : JSON.stringify(x))).join(',')}]`;
}

/** Attributes with sorted keys; pass resolved attributes so that defaults count. */
export function attrsKey(attrs: Readonly<Record<string, AttrValue>>): string {
  const keys = Object.keys(attrs);
  if (keys.length === 0) return '';
  keys.sort();
  let s = '';
  for (const k of keys) s += `${k}=${attrValueKey(attrs[k]!)};`;
  return s;
}

/** dtype, shape and quantization parameters, exactly. */
export function typeKey(t: TensorType): string {
  let s = `${t.dtype}[${t.shape.join(',')}]`;
  if (t.quant) s += `q(${t.quant.scale.map(num).join(',')}|${t.quant.zeroPoint.join(',')}|${t.quant.axis ?? ''})`;
  return s;
}

/**
 * The bytes of a tensor's data. Reading `.buffer` of a small typed array makes V8 move its data
 * off the heap into a new ArrayBuffer, so small tensors are copied into a scratch buffer (same
 * element type: a byte copy, bit for bit) instead. The view is valid until the next call with
 * the same `slot`.
 */
function bytesOf(t: Tensor, slot: 0 | 1): Uint8Array {
  const d = t.data;
  if (d.byteLength > SMALL) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const Ctor = d.constructor as { new (b: ArrayBuffer, o: number, n: number): typeof d };
  new Ctor(SCRATCH[slot], 0, d.length).set(d as never);
  return new Uint8Array(SCRATCH[slot], 0, d.byteLength);
}
const SMALL = 256;
const SCRATCH = [new ArrayBuffer(SMALL), new ArrayBuffer(SMALL)] as const;

/** FNV-1a over the tensor's bytes: a bucket key; equality is then checked byte by byte. */
export function hashTensorBytes(t: Tensor): number {
  const b = bytesOf(t, 0);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** Bit-exact equality of the data (so -0 differs from 0 and NaN payloads count). */
export function sameTensorBytes(x: Tensor, y: Tensor): boolean {
  if (x.data.byteLength !== y.data.byteLength) return false;
  const a = bytesOf(x, 0), b = bytesOf(y, 1);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

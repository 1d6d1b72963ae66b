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
 * The bytes of a tensor's data, as `length` bytes at the start of the returned array. Reading
 * `.buffer` of a small typed array makes V8 move its data off the heap into a new ArrayBuffer,
 * so small tensors are copied into a scratch buffer instead (a same-type copy is a byte copy, bit
 * for bit). The scratch bytes are valid until the next call with the same `slot`.
 */
function bytesOf(t: Tensor, slot: 0 | 1): Uint8Array {
  const d = t.data;
  if (d.byteLength > SMALL) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const views = SCRATCH_VIEWS[slot];
  let view = views.get(d.constructor);
  if (!view) views.set(d.constructor, (view = new (d.constructor as new (b: ArrayBuffer) => typeof d)(SCRATCH[slot])));
  view.set(d as never);
  return SCRATCH_BYTES[slot];
}
const SMALL = 256;
const SCRATCH = [new ArrayBuffer(SMALL), new ArrayBuffer(SMALL)] as const;
const SCRATCH_BYTES = [new Uint8Array(SCRATCH[0]), new Uint8Array(SCRATCH[1])] as const;
const SCRATCH_VIEWS = [new Map<unknown, Tensor['data']>(), new Map<unknown, Tensor['data']>()] as const;

/** FNV-1a over the tensor's bytes: a bucket key; equality is then checked byte by byte. */
export function hashTensorBytes(t: Tensor): number {
  const b = bytesOf(t, 0), n = t.data.byteLength;
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** Bit-exact equality of the data (so -0 differs from 0 and NaN payloads count). */
export function sameTensorBytes(x: Tensor, y: Tensor): boolean {
  const n = x.data.byteLength;
  if (n !== y.data.byteLength) return false;
  const a = bytesOf(x, 0), b = bytesOf(y, 1);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

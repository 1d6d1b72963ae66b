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

export const bytesOf = (t: Tensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** FNV-1a over the bytes: a bucket key; equality is then checked byte by byte. */
export function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** Bit-exact equality (so -0 differs from 0 and NaN payloads count). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

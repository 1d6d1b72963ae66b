// Constant data of the generated model: weights and tables as 64-byte-aligned byte arrays written
// as hex string literals (32 bytes a line; clang reads these far faster and in less memory than
// initializer lists), float and int32 data as their little-endian bytes (exact bit patterns), and
// small const structs. Identical data is emitted once (both run functions share it).
import { createHash } from 'node:crypto';
import type { Tensor } from '../../ir/tensor.js';

const PER_LINE = 32;
const DIGITS = Buffer.from('0123456789abcdef');

/** `"\x12\x34..."` lines of 32 bytes, written straight into one buffer (weights run to megabytes). */
function hexLines(data: Uint8Array): string {
  const lines = Math.ceil(data.length / PER_LINE);
  const out = Buffer.allocUnsafe(data.length * 4 + lines * 3 - 1);
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    if (i % PER_LINE === 0) {
      if (i) (out[o++] = 0x22), (out[o++] = 0x0a);
      out[o++] = 0x22;
    }
    const b = data[i]!;
    out[o++] = 0x5c;
    out[o++] = 0x78;
    out[o++] = DIGITS[b >> 4]!;
    out[o++] = DIGITS[b & 15]!;
  }
  out[o++] = 0x22;
  return out.toString('latin1', 0, o);
}

/** Makes C identifiers from value names: [A-Za-z0-9_], unique, never a C keyword or reserved prefix. */
export class Names {
  private used = new Set<string>();
  take(base: string, prefix: string): string {
    const clean = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').slice(0, 48);
    let n = `${prefix}${clean}`, i = 1;
    while (this.used.has(n)) n = `${prefix}${clean}_${i++}`;
    this.used.add(n);
    return n;
  }
}

/** A C comment body that cannot end the comment early or open a nested one (-Wcomment); control characters become spaces. */
export const commentSafe = (s: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  s.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *').replace(/[\x00-\x1f\x7f]+/g, ' ');

/**
 * A C string literal holding `s` as UTF-8. Every byte outside printable ASCII is a three-digit
 * octal escape (a hex escape would swallow following hex digits; JSON's \u0001 is not C), and
 * `?` is escaped against trigraphs.
 */
export function cString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x22 || b === 0x5c || b === 0x3f) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** Exact C literal for a float32 value (hex float; the value's bit pattern, no decimal rounding). */
export function f32lit(v: number): string {
  if (Number.isNaN(v)) return 'NAN';
  if (v === Infinity) return 'INFINITY';
  if (v === -Infinity) return '-INFINITY';
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, v, true);
  const u = dv.getUint32(0, true);
  const sign = u >>> 31 ? '-' : '', e = (u >>> 23) & 0xff, m = u & 0x7fffff;
  if (e === 0 && m === 0) return `${sign}0.0f`;
  const frac = (m << 1).toString(16).padStart(6, '0');
  return e === 0 ? `${sign}0x0.${frac}p-126f` : `${sign}0x1.${frac}p${e - 127}f`;
}

/** Little-endian bytes of a tensor's elements as stored in C. */
export function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  if (d instanceof BigInt64Array) return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}
export const f32Bytes = (v: ArrayLike<number>): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);
export const i32Bytes = (v: ArrayLike<number>): Uint8Array => new Uint8Array(Int32Array.from(v).buffer);
export const f64Bytes = (v: ArrayLike<number>): Uint8Array => new Uint8Array(Float64Array.from(v).buffer);

/** A C double literal that reads back as exactly v (17 significant digits round-trip). */
export function f64lit(v: number): string {
  if (Number.isNaN(v)) return 'NAN';
  if (!Number.isFinite(v)) return v > 0 ? 'INFINITY' : '-INFINITY';
  return Object.is(v, -0) ? '-0.0' : v.toPrecision(17);
}

interface Entry {
  sym: string;
  text: string;
}

export class ConstPool {
  private entries: Entry[] = [];
  private byKey = new Map<string, string>();
  /** Total bytes of array data (for the report). */
  dataBytes = 0;
  constructor(private names: Names) {}

  private memos = new Map<string, unknown>();
  /** Work shared by both entry points (packing, folding): computed once per key. */
  memo<T>(key: string, f: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, f());
    return this.memos.get(key) as T;
  }

  /** A byte array (64-byte aligned, `slack` zero bytes appended); returns its symbol. */
  bytes(hint: string, data: Uint8Array, slack = 0): string {
    const key = `b${slack}:${createHash('sha1').update(data).digest('hex')}:${data.length}`;
    const hit = this.byKey.get(key);
    if (hit) return hit;
    const sym = this.names.take(hint, 'qf_c_');
    const n = data.length + slack;
    // A string literal of exactly n characters initialises char[n] without a terminating NUL (C99 6.7.8).
    const body = data.length === 0 ? '{0}' : hexLines(data);
    this.entries.push({ sym, text: `static const uint8_t ${sym}[${Math.max(n, 1)}] QF_ALIGN64 =\n${body};` });
    this.byKey.set(key, sym);
    this.dataBytes += n;
    return sym;
  }

  /** A small const object, e.g. a qf_geom; `init` is its C initializer. */
  decl(hint: string, ctype: string, init: string, arraySuffix = ''): string {
    const key = `d:${ctype}${arraySuffix}=${init}`;
    const hit = this.byKey.get(key);
    if (hit) return hit;
    const sym = this.names.take(hint, 'qf_k_');
    this.entries.push({ sym, text: `static const ${ctype} ${sym}${arraySuffix} = ${init};` });
    this.byKey.set(key, sym);
    return sym;
  }

  render(): string {
    return this.entries.map((e) => e.text).join('\n');
  }
}

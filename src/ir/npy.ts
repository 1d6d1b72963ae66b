// NumPy .npy files (format versions 1, 2 and 3), C order, little- or big-endian on reading;
// written as little-endian v1 (v2 when the header outgrows 64 KiB), like numpy.save.
import { readFileSync } from 'node:fs';
import { fail } from '../diagnostics/index.js';
import type { DType } from './dtype.js';
import { makeArray } from './dtype.js';
import type { Tensor } from './tensor.js';
import { numel } from './types.js';
import { describeIoError, writeFileOrFail } from '../util/fs-error.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** NumPy kind+size (without byte order) -> our dtype. */
const FROM_NUMPY: Record<string, DType> = {
  f4: 'f32', f8: 'f64', i1: 'i8', u1: 'u8', i2: 'i16', u2: 'u16', i4: 'i32', i8: 'i64', b1: 'bool',
};
/** Our dtype -> NumPy descr. 4-bit types are held one per byte, so they are saved as 8-bit. */
const TO_NUMPY: Record<DType, string> = {
  f32: '<f4', f64: '<f8', i4: '|i1', u4: '|u1', i8: '|i1', u8: '|u1', i16: '<i2', u16: '<u2', i32: '<i4', i64: '<i8', bool: '|b1',
};

/** Decodes a .npy file's bytes; `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): Tensor {
  const bad = (msg: string): never => fail('NPY', `${file}: ${msg}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('not a .npy file (bad magic bytes)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) bad(`unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) bad('file is truncated inside the header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) bad(`file is truncated: header needs ${headerLen} bytes, only ${bytes.length - headerStart} present`);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const h = parseHeader(header, bad);

  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(h.descr);
  if (!m) bad(`unsupported dtype '${h.descr}'`);
  const [, order, kind, size] = m!;
  const dtype = FROM_NUMPY[`${kind}${size}`];
  if (!dtype) bad(`unsupported dtype '${h.descr}' (supported: f4, f8, i1, u1, i2, u2, i4, i8, b1)`);
  if (h.fortranOrder && h.shape.length > 1) bad('Fortran-order arrays are not supported; save with numpy.ascontiguousarray first');

  const n = numel(h.shape);
  const itemSize = Number(size);
  const need = n * itemSize;
  if (bytes.length - dataStart < need)
    bad(`file is truncated: shape (${h.shape.join(', ')}) of ${h.descr} needs ${need} data bytes, found ${bytes.length - dataStart}`);
  const arr = makeArray(dtype!, n);
  // Copy into a fresh aligned buffer, swapping bytes for big-endian data.
  const out = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  out.set(bytes.subarray(dataStart, dataStart + need));
  if (order === '>' && itemSize > 1) swapBytes(out, itemSize);
  if (dtype === 'bool') for (let i = 0; i < n; i++) out[i] = out[i] ? 1 : 0;
  return { dtype: dtype!, shape: h.shape, data: arr };
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parses the header's Python dict literal, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(text: string, bad: (msg: string) => never): Header {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) bad(`malformed header: expected '${c}' at offset ${i} in ${JSON.stringify(text.trim())}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') bad(`malformed header: expected a string at offset ${i}`);
    const end = text.indexOf(q!, i + 1);
    if (end < 0) bad('malformed header: unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: unknown[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) bad(`malformed header at offset ${i}`);
      }
    }
    const m = /^(True|False|-?\d+)L?/.exec(text.slice(i));
    if (!m) bad(`malformed header: unexpected ${JSON.stringify(text.slice(i, i + 10))}`);
    i += m![0].length;
    return m![1] === 'True' ? true : m![1] === 'False' ? false : Number(m![1]);
  };

  const dict: Record<string, unknown> = {};
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = str();
    expect(':');
    dict[key] = value();
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') bad(`malformed header at offset ${i}`);
  }
  const { descr, fortran_order: fo, shape } = dict;
  if (typeof descr !== 'string') bad(Array.isArray(descr) ? 'structured dtypes are not supported' : "header has no 'descr'");
  if (typeof fo !== 'boolean') bad("header has no 'fortran_order'");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0))
    bad("header has no valid 'shape'");
  return { descr: descr as string, fortranOrder: fo as boolean, shape: shape as number[] };
}

/** Encodes a tensor as .npy bytes (little-endian, C order). */
export function encodeNpy(t: Tensor): Uint8Array {
  const descr = TO_NUMPY[t.dtype];
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so that the data starts on a 64-byte boundary; the header ends with '\n'.
  let version = 1;
  let pre = 10;
  if (dict.length + 1 + pre > 0xffff) {
    version = 2;
    pre = 12;
  }
  const headerLen = Math.ceil((pre + dict.length + 1) / 64) * 64 - pre;
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  const body = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(pre + headerLen + body.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  for (let k = 0; k < header.length; k++) out[pre + k] = header.charCodeAt(k);
  out.set(body, pre + headerLen);
  if (t.dtype === 'bool') for (let k = pre + headerLen; k < out.length; k++) out[k] = out[k] ? 1 : 0;
  return out;
}

export function readNpy(path: string): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail('IO', `cannot read ${path}: ${describeIoError(e)}`);
  }
  return parseNpy(bytes, path);
}

export function writeNpy(path: string, t: Tensor): void {
  writeFileOrFail(path, encodeNpy(t));
}

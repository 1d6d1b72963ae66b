// ONNX TensorProto <-> our tensors: element types, typed data fields, raw_data and external data.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { fail } from '../../diagnostics/index.js';
import { makeArray, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { numel } from '../types.js';
import { int64ToBigInt, int64ToNumber, TensorProtoType, type OnnxTensor } from './schema.js';

/** ONNX TensorProto.DataType -> our dtype; types we cannot hold are absent. */
const FROM_ONNX: Record<number, DType> = {
  1: 'f32', 2: 'u8', 3: 'i8', 4: 'u16', 5: 'i16', 6: 'i32', 7: 'i64', 9: 'bool', 11: 'f64', 21: 'u4', 22: 'i4',
};
const ONNX_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};
export const TO_ONNX: Record<DType, number> = {
  f32: 1, u8: 2, i8: 3, u16: 4, i16: 5, i32: 6, i64: 7, bool: 9, f64: 11, u4: 21, i4: 22,
};

export const onnxTypeName = (t: number): string => ONNX_NAMES[t] ?? `type ${t}`;

/** Our dtype for an ONNX element type, or undefined if we cannot represent it. */
export const dtypeFromOnnx = (t: number): DType | undefined => FROM_ONNX[t];

export interface TensorContext {
  /** Folder of the model file, for external data; absent when importing from bytes. */
  baseDir?: string;
  /** What the tensor is, for error messages (e.g. "initializer 'fc.weight'"). */
  what: string;
}

/** Converts a TensorProto to a tensor, reading raw_data, the typed fields or external data. */
export function tensorFromProto(p: OnnxTensor, ctx: TensorContext): Tensor {
  const bad = (msg: string): never => fail('ONNX_INVALID', `${ctx.what}: ${msg}`);
  const dtype = FROM_ONNX[p.dataType];
  if (!dtype) bad(`element type ${onnxTypeName(p.dataType)} is not supported`);
  const shape = p.dims.map(int64ToNumber);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) bad(`bad dims [${shape.join(',')}]`);
  const n = numel(shape);
  const packed4 = dtype === 'i4' || dtype === 'u4';

  let raw: Uint8Array | undefined;
  if (p.dataLocation === 1) raw = readExternal(p, ctx, bad);
  else if (p.rawData && p.rawData.length > 0) raw = p.rawData;
  // Typed fields (TensorProto's storage rules: small ints and bool live in int32_data).
  const field: ArrayLike<unknown> =
    dtype === 'f32' ? p.floatData
    : dtype === 'f64' ? p.doubleData
    : dtype === 'i64' ? p.int64Data
    : p.int32Data;
  // The dims must agree with the data before anything is allocated: a hostile file can promise
  // billions of elements in a few bytes.
  const bytesPer = makeArray(dtype!, 0).BYTES_PER_ELEMENT;
  const dataBytes = raw ? raw.length : field.length;
  if (packed4) {
    if (dataBytes !== Math.ceil(n / 2)) bad(`4-bit data has ${dataBytes} bytes, ${n} values need ${Math.ceil(n / 2)}`);
  } else if (raw) {
    if (raw.length !== n * bytesPer) bad(`raw data has ${raw.length} bytes, ${dtype}[${shape.join(',')}] needs ${n * bytesPer}`);
  } else if (field.length !== n) bad(`has ${field.length} values in its data field, dims [${shape.join(',')}] need ${n}`);
  const arr = makeArray(dtype!, n);

  if (raw) {
    if (packed4) unpack4(raw, arr as Int8Array | Uint8Array, dtype === 'i4');
    else {
      // Copy: raw_data is an unaligned view into the model buffer.
      new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(raw);
      if (dtype === 'bool') for (let i = 0; i < n; i++) arr[i] = arr[i] ? 1 : 0;
    }
    return { dtype: dtype!, shape, data: arr };
  }
  if (packed4) {
    // int4/uint4 in int32_data are packed two per int32 element's low byte.
    unpack4(Uint8Array.from(field as number[], (v) => v & 0xff), arr as Int8Array | Uint8Array, dtype === 'i4');
    return { dtype: dtype!, shape, data: arr };
  }
  if (arr instanceof BigInt64Array) for (let i = 0; i < n; i++) arr[i] = int64ToBigInt(field[i] as number);
  else for (let i = 0; i < n; i++) arr[i] = Number(field[i]);
  if (dtype === 'bool') for (let i = 0; i < n; i++) arr[i] = arr[i] ? 1 : 0;
  return { dtype: dtype!, shape, data: arr };
}

function unpack4(bytes: Uint8Array, out: Int8Array | Uint8Array, signed: boolean): void {
  for (let i = 0; i < out.length; i++) {
    let v = (bytes[i >> 1]! >> ((i & 1) * 4)) & 0xf;
    if (signed && v >= 8) v -= 16;
    out[i] = v;
  }
}

function readExternal(p: OnnxTensor, ctx: TensorContext, bad: (m: string) => never): Uint8Array {
  const info: Record<string, string> = {};
  for (const e of p.externalData) info[e.key] = e.value;
  const location = info.location;
  if (!location) bad("external data has no 'location'");
  if (!ctx.baseDir) bad(`data is in an external file '${location}'; import the model from its file path, not from bytes`);
  const loc = normalize(location!);
  if (isAbsolute(loc) || loc.startsWith('..')) bad(`external data location '${location}' must be a relative path inside the model's folder`);
  const file = join(ctx.baseDir!, loc);
  const offset = info.offset ? Number(info.offset) : 0;
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return bad(`external data file '${file}' cannot be read`);
  }
  const length = info.length ? Number(info.length) : size - offset;
  if (!(offset >= 0 && length >= 0 && offset + length <= size))
    bad(`external data range offset ${offset} length ${length} is outside '${file}' (${size} bytes)`);
  const buf = new Uint8Array(length);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const got = readSync(fd, buf, done, length - done, offset + done);
      if (got === 0) break;
      done += got;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Decodes a serialized TensorProto (e.g. the input_0.pb files of ONNX's test data). */
export function decodeTensorProto(bytes: Uint8Array, what = 'tensor'): Tensor {
  let p: OnnxTensor;
  try {
    p = TensorProtoType.decode(bytes) as unknown as OnnxTensor;
  } catch (e) {
    fail('ONNX_PARSE', `${what}: not a valid TensorProto (${(e as Error).message})`);
  }
  return tensorFromProto(p, { what });
}

/** Encodes a tensor as TensorProto fields (raw_data), e.g. for building ONNX models in tests. */
export function tensorToProto(t: Tensor, name = ''): Record<string, unknown> {
  if (t.dtype === 'i4' || t.dtype === 'u4') {
    const packed = new Uint8Array(Math.ceil(t.data.length / 2));
    for (let i = 0; i < t.data.length; i++) packed[i >> 1]! |= ((t.data[i] as number) & 0xf) << ((i & 1) * 4);
    return { name, dims: t.shape, dataType: TO_ONNX[t.dtype], rawData: packed };
  }
  return {
    name,
    dims: t.shape,
    dataType: TO_ONNX[t.dtype],
    rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  };
}

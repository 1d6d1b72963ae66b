// Element types of tensors, and the typed arrays that hold them at run time.

export const DTYPES = ['f32', 'f64', 'i4', 'u4', 'i8', 'u8', 'i16', 'u16', 'i32', 'i64', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | BigInt64Array;

interface DTypeInfo {
  /** Bytes per element in memory and in sidecar files (i4/u4 are held one per byte). */
  bytes: number;
  isFloat: boolean;
  /** Inclusive integer range; floats have ±Infinity. */
  min: number;
  max: number;
  make(n: number): TypedArray;
}

const INFO: Record<DType, DTypeInfo> = {
  f32: { bytes: 4, isFloat: true, min: -Infinity, max: Infinity, make: (n) => new Float32Array(n) },
  f64: { bytes: 8, isFloat: true, min: -Infinity, max: Infinity, make: (n) => new Float64Array(n) },
  i4: { bytes: 1, isFloat: false, min: -8, max: 7, make: (n) => new Int8Array(n) },
  u4: { bytes: 1, isFloat: false, min: 0, max: 15, make: (n) => new Uint8Array(n) },
  i8: { bytes: 1, isFloat: false, min: -128, max: 127, make: (n) => new Int8Array(n) },
  u8: { bytes: 1, isFloat: false, min: 0, max: 255, make: (n) => new Uint8Array(n) },
  i16: { bytes: 2, isFloat: false, min: -32768, max: 32767, make: (n) => new Int16Array(n) },
  u16: { bytes: 2, isFloat: false, min: 0, max: 65535, make: (n) => new Uint16Array(n) },
  i32: { bytes: 4, isFloat: false, min: -2147483648, max: 2147483647, make: (n) => new Int32Array(n) },
  i64: {
    bytes: 8,
    isFloat: false,
    min: Number.MIN_SAFE_INTEGER,
    max: Number.MAX_SAFE_INTEGER,
    make: (n) => new BigInt64Array(n),
  },
  bool: { bytes: 1, isFloat: false, min: 0, max: 1, make: (n) => new Uint8Array(n) },
};

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}
export const dtypeInfo = (d: DType): DTypeInfo => INFO[d];
export const isFloatDType = (d: DType): boolean => INFO[d].isFloat;
export const isIntDType = (d: DType): boolean => !INFO[d].isFloat && d !== 'bool';
export const makeArray = (d: DType, n: number): TypedArray => INFO[d].make(n);
export const dtypeRange = (d: DType): [number, number] => [INFO[d].min, INFO[d].max];

// How a value is stored in the generated C: its layout (row-major "plain", or NHWC for 4-D
// activations) and whether an int8 tensor is held as uint8 x + 128 ("shifted", so every kernel
// multiplies u8 activations by s8 weights). Graph inputs and outputs are always plain, unshifted.
import type { DType } from '../../ir/dtype.js';
import { DTYPES } from '../../ir/dtype.js';

export type Layout = 'plain' | 'nhwc';

export interface Form {
  layout: Layout;
  shifted: boolean;
}

export const PLAIN: Form = { layout: 'plain', shifted: false };
export const sameForm = (a: Form, b: Form): boolean => a.layout === b.layout && a.shifted === b.shifted;
export const formName = (f: Form): string => `${f.layout === 'nhwc' ? 'NHWC' : 'plain'}${f.shifted ? ', i8 stored as u8+128' : ''}`;

/** The form integer kernels want for an activation of this dtype in this layout. */
export const kernelForm = (dtype: DType, layout: Layout): Form => ({ layout, shifted: dtype === 'i8' });

const C_TYPES: Partial<Record<DType, string>> = {
  f32: 'float', f64: 'double', i4: 'int8_t', u4: 'uint8_t', i8: 'int8_t', u8: 'uint8_t', i16: 'int16_t', u16: 'uint16_t',
  i32: 'int32_t', i64: 'int64_t', bool: 'uint8_t',
};
export const cType = (dtype: DType): string => C_TYPES[dtype]!;
export const storedCType = (dtype: DType, f: Form): string => (f.shifted ? 'uint8_t' : cType(dtype));

/** Index of a dtype in the runtime's QF_F32.. enum (the order of DTYPES). */
export const dtypeCode = (d: DType): number => DTYPES.indexOf(d);

/** Physical axis order of NHWC: physical axis p holds logical axis NHWC_PERM[p]. */
export const NHWC_PERM = [0, 2, 3, 1];

export function physicalShape(shape: readonly number[], layout: Layout): number[] {
  return layout === 'nhwc' ? NHWC_PERM.map((a) => shape[a]!) : [...shape];
}

/** Elements between consecutive indices of logical `axis` in memory. */
export function axisStride(shape: readonly number[], axis: number, layout: Layout): number {
  const phys = physicalShape(shape, layout);
  const p = layout === 'nhwc' ? NHWC_PERM.indexOf(axis) : axis;
  return phys.slice(p + 1).reduce((a, b) => a * b, 1);
}

/** NCHW and NHWC are the same bytes when C = 1 or H·W = 1 (e.g. after global pooling). */
export const layoutsCoincide = (shape: readonly number[]): boolean =>
  shape.length === 4 && (shape[1] === 1 || shape[2]! * shape[3]! === 1);

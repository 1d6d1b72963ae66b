// Weight packing for the plain neon kernels (src/codegen/kernels/qforge_kernels_neon.c).
// SMLAL on int16 operands is exact for u8 x s8, so there is no proof to make: only layout.
import { blob, ceilDiv, roundUp } from './common.js';

export const NEON_DW_MAXT = 64;

/** [N][K] → panels of 16 columns, each [K rounded up to 8][16] int8. */
export function packGemmNeon(w: Int8Array, N: number, K: number): Uint8Array {
  const k8 = roundUp(K, 8);
  const { u8 } = blob(ceilDiv(N, 16) * k8 * 16);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) u8[(n >> 4) * k8 * 16 + k * 16 + (n & 15)] = w[n * K + k]! & 0xff;
  return u8;
}

/** Depthwise [taps][C] → per 16 channels [taps][16] int16 (widened at compile time). */
export function packDepthwiseNeon(w: Int8Array, taps: number, C: number): Uint8Array {
  if (taps > NEON_DW_MAXT) return new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
  const { u8, dv } = blob(ceilDiv(C, 16) * taps * 32);
  for (let c = 0; c < C; c++)
    for (let t = 0; t < taps; t++) dv.setInt16(((c >> 4) * taps + t) * 32 + (c & 15) * 2, w[t * C + c]!, true);
  return u8;
}

// Weight packing for the plain neon kernels (src/codegen/kernels/qforge_kernels_neon.c): SMULL/SADALP
// layouts (K-contiguous per column) plus the per-column 128·Σw corrections that undo the kernels'
// XOR 0x80 of the u8 activations. Exact for every int8 weight: only layout, no proof.
import { blob, ceilDiv, roundUp, shiftCorrection } from './common.js';

export const NEON_NR = 4;
export const NEON_DW_MAXT = 64;

/** [N][K] → panels of 4 columns: [4 int32 corrections][K16/16][4 cols][16 k] int8, K16 = K rounded up to 16. */
export function packGemmNeon(w: Int8Array, N: number, K: number): Uint8Array {
  const k16 = roundUp(K, 16), panel = 16 + k16 * NEON_NR;
  const corr = shiftCorrection(w, N, K, K, 1);
  const { u8, dv } = blob(ceilDiv(N, NEON_NR) * panel);
  for (let n = 0; n < N; n++) {
    const base = Math.floor(n / NEON_NR) * panel, c = n % NEON_NR;
    dv.setInt32(base + 4 * c, corr[n]!, true);
    for (let k = 0; k < K; k++) u8[base + 16 + (k >> 4) * 64 + c * 16 + (k & 15)] = w[n * K + k]! & 0xff;
  }
  return u8;
}

/** Depthwise [taps][C] → per 16 channels: [16 int32 corrections][taps][16] int8. */
export function packDepthwiseNeon(w: Int8Array, taps: number, C: number): Uint8Array {
  if (taps > NEON_DW_MAXT) return new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
  const block = 64 + taps * 16;
  const corr = shiftCorrection(w, C, taps, 1, C);
  const { u8, dv } = blob(ceilDiv(C, 16) * block);
  for (let c = 0; c < C; c++) {
    const base = (c >> 4) * block, ci = c & 15;
    dv.setInt32(base + 4 * ci, corr[c]!, true);
    for (let t = 0; t < taps; t++) u8[base + 64 + t * 16 + ci] = w[t * C + c]! & 0xff;
  }
  return u8;
}

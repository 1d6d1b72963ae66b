// Weight packing for the neon-dot kernels (src/codegen/kernels/qforge_kernels_neon_dot.c): sdot layouts
// plus the per-column 128·Σw corrections that undo the kernels' XOR 0x80 of the u8 activations.
import { blob, ceilDiv, roundUp, shiftCorrection } from './common.js';

export const NEON_DOT_DW_MAXT = 64;

/** [N][K] → panels of 16 columns: [16 int32 corrections][K16/4][16][4] int8, K16 = K rounded up to 16. */
export function packGemmNeonDot(w: Int8Array, N: number, K: number): Uint8Array {
  const k16 = roundUp(K, 16), panel = 64 + k16 * 16;
  const corr = shiftCorrection(w, N, K, K, 1);
  const { u8, dv } = blob(ceilDiv(N, 16) * panel);
  for (let n = 0; n < N; n++) {
    const base = (n >> 4) * panel, c = n & 15;
    dv.setInt32(base + 4 * c, corr[n]!, true);
    for (let k = 0; k < K; k++) u8[base + 64 + (k >> 2) * 64 + c * 4 + (k & 3)] = w[n * K + k]! & 0xff;
  }
  return u8;
}

/** Depthwise [taps][C] → per 16 channels: [16 int32 corrections][ceil(taps/4)][16 ch][4 taps] int8. */
export function packDepthwiseNeonDot(w: Int8Array, taps: number, C: number): Uint8Array {
  if (taps > NEON_DOT_DW_MAXT) return new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
  const tq = ceilDiv(taps, 4), block = 64 + tq * 64;
  const corr = shiftCorrection(w, C, taps, 1, C); // channel c: Σt w[t·C + c]
  const { u8, dv } = blob(ceilDiv(C, 16) * block);
  for (let c = 0; c < C; c++) {
    const base = (c >> 4) * block, ci = c & 15;
    dv.setInt32(base + 4 * ci, corr[c]!, true);
    for (let t = 0; t < taps; t++) u8[base + 64 + (t >> 2) * 64 + ci * 4 + (t & 3)] = w[t * C + c]! & 0xff;
  }
  return u8;
}

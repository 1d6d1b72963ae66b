// Weight packing for the avx512-vnni kernels (src/codegen/kernels/qforge_kernels_avx512_vnni.c).
// vpdpbusd is exact for any int8 weight, so there is no proof to make: only layout.
import { blob, ceilDiv } from './common.js';

/** Columns per GEMM panel (4 zmm of 16 int32); the last panel is only as wide as needed (16-multiple). */
export const VNNI_PANEL = 64;
export const VNNI_DW_MAXT = 64;

/** [N][K] → panels of up to 64 columns, each [ceil(K/4)][width][4] int8. */
export function packGemmVnni(w: Int8Array, N: number, K: number): Uint8Array {
  const kq = ceilDiv(K, 4);
  const { u8 } = blob(kq * ceilDiv(N, 16) * 64);
  let off = 0;
  for (let n0 = 0; n0 < N; n0 += VNNI_PANEL) {
    const width = Math.min(VNNI_PANEL, ceilDiv(N - n0, 16) * 16);
    for (let c = 0; c < Math.min(width, N - n0); c++)
      for (let k = 0; k < K; k++) u8[off + (k >> 2) * width * 4 + c * 4 + (k & 3)] = w[(n0 + c) * K + k]! & 0xff;
    off += kq * width * 4;
  }
  return u8;
}

/** Depthwise [taps][C] → per 16 channels, per 4 taps: [16 ch][4 taps] int8 (the general path). A 3x3 window
    (9 taps) also gets the interior fast path's weights after it: per 64 channels, per kernel column j, per
    q < 4: [lane L < 4][i < 4][rows 0..2, 0] int8 for channel 64b + 16L + 4q + i (zero past C, or, when C
    divides 64, channel (16L + 4q + i) % C: one vector then holds 64 / C pixels). */
export function packDepthwiseVnni(w: Int8Array, taps: number, C: number): Uint8Array {
  if (taps > VNNI_DW_MAXT) return new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
  const tq = ceilDiv(taps, 4);
  const general = ceilDiv(C, 16) * tq * 64;
  const { u8 } = blob(general + (taps === 9 ? ceilDiv(C, 64) * 3 * 4 * 64 : 0));
  for (let c = 0; c < C; c++)
    for (let t = 0; t < taps; t++) u8[((c >> 4) * tq + (t >> 2)) * 64 + (c & 15) * 4 + (t & 3)] = w[t * C + c]! & 0xff;
  if (taps === 9) {
    const slots = 64 % C === 0 ? 64 : C; // C dividing 64: repeat every C channels (P = 64 / C pixels per vector)
    for (let c = 0; c < slots; c++) {
      const b = c >> 6, L = (c >> 4) & 3, q = (c >> 2) & 3, i = c & 3;
      for (let j = 0; j < 3; j++)
        for (let r = 0; r < 3; r++) u8[general + ((b * 3 + j) * 4 + q) * 64 + L * 16 + i * 4 + r] = w[(r * 3 + j) * C + (c % C)]! & 0xff;
    }
  }
  return u8;
}

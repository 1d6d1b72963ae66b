// Weight packing for the avx2 kernels (src/codegen/kernels/qforge_kernels_avx2.c, layouts described
// there). The compile-time saturation proof lives here: a 16-column panel uses vpmaddubsw only if no
// int16 pair sum can saturate for any u8 activations; otherwise it gets the exact vpmaddwd layout
// (weight pairs sign-extended to int16 by the kernel).
import { blob, ceilDiv, roundUp } from './common.js';

export const AVX2_NR = 16;
/** Taps above this run the reference depthwise kernel on the plain layout (QF_DW_MAXT in the C file). */
export const AVX2_DW_MAXT = 64;

export type Avx2PanelKind = 'maddubs' | 'exact';

/**
 * vpmaddubsw computes sat16(a0·w0 + a1·w1) with a0, a1 ∈ [0, aMax] (aMax = 255 unless the compiler knows a
 * smaller activation range). The sum ranges over [aMax·(neg(w0) + neg(w1)), aMax·(pos(w0) + pos(w1))], so it
 * never saturates iff aMax·(pos(w0) + pos(w1)) ≤ 32767 and aMax·(neg(w0) + neg(w1)) ≥ −32768. For aMax = 255
 * that is: positive parts and negative parts each sum to at most 128 (255·128 = 32640, 255·129 > 32767);
 * tight, since a = aMax on the same-sign weights and 0 elsewhere reaches the bound. For aMax ≤ 128 (7-bit
 * activations, e.g. PyTorch's reduce_range) every int8 pair is safe: 128·254 ≤ 32767, 128·(−256) = −32768.
 */
export function pairIsExact(w0: number, w1: number, aMax = 255): boolean {
  return aMax * (Math.max(w0, 0) + Math.max(w1, 0)) <= 32767 && aMax * (Math.min(w0, 0) + Math.min(w1, 0)) >= -32768;
}

/** The kernel each 16-column panel of w[N][K] can use: maddubs only if every pair (k, k+1), k even, is exact. */
export function avx2PanelKinds(w: Int8Array, N: number, K: number, aMax = 255): Avx2PanelKind[] {
  const kinds: Avx2PanelKind[] = [];
  for (let n0 = 0; n0 < N; n0 += AVX2_NR) {
    let ok = true;
    for (let n = n0; n < Math.min(N, n0 + AVX2_NR) && ok; n++)
      for (let k = 0; k < K && ok; k += 2) ok = pairIsExact(w[n * K + k]!, k + 1 < K ? w[n * K + k + 1]! : 0, aMax);
    kinds.push(ok ? 'maddubs' : 'exact');
  }
  return kinds;
}

export interface Avx2PackOptions {
  /** Largest activation value the GEMM will ever see (stored u8 domain); 255 when unknown. */
  aMax?: number;
  /** Overrides the proof (tests use it to show that the unproven fast path saturates). */
  force?: Avx2PanelKind;
}

/** Packs [N][K] into the table + panels blob of qforge_kernels_avx2.c. */
export function packGemmAvx2(w: Int8Array, N: number, K: number, opts: Avx2PackOptions = {}): Uint8Array {
  const kinds = opts.force ? Array.from({ length: ceilDiv(N, AVX2_NR) }, () => opts.force!) : avx2PanelKinds(w, N, K, opts.aMax);
  const header = roundUp(4 * kinds.length, 64);
  const sizeOf = (k: Avx2PanelKind) => (k === 'maddubs' ? ceilDiv(K, 4) * 64 : ceilDiv(K, 2) * 32);
  const { u8, dv } = blob(header + kinds.reduce((s, k) => s + sizeOf(k), 0));
  let off = header;
  kinds.forEach((kind, p) => {
    dv.setUint32(4 * p, ((off / 32) << 1) | (kind === 'exact' ? 1 : 0), true);
    const cols = Math.min(AVX2_NR, N - p * AVX2_NR);
    for (let c = 0; c < cols; c++) {
      const row = (p * AVX2_NR + c) * K;
      for (let k = 0; k < K; k++) {
        const v = w[row + k]! & 0xff;
        if (kind === 'maddubs') u8[off + (k >> 2) * 64 + c * 4 + (k & 3)] = v; // [K/4][16][4] int8
        else u8[off + (k >> 1) * 32 + c * 2 + (k & 1)] = v; // [K/2][16][2] int8, sign-extended by the kernel
      }
    }
    off += sizeOf(kind);
  });
  return u8;
}

/** Depthwise [taps][C] → per 16 channels, per tap pair: 16 int16 pairs (w[t][c], w[t+1][c]). A 3x3 window
    also gets the column fast path's weights after it: per 16 channels, per kernel column j, 4 x 8 int16 pairs:
    (w[0][j], w[1][j]) for channels 0-7, 8-15, then (w[2][j], 0) for channels 0-7, 8-15. */
export function packDepthwiseAvx2(w: Int8Array, taps: number, C: number): Uint8Array {
  if (taps > AVX2_DW_MAXT) return new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
  const tp = ceilDiv(taps, 2), blocks = ceilDiv(C, 16), general = blocks * tp * 64;
  const { dv, u8 } = blob(general + (taps === 9 ? blocks * 3 * 4 * 32 : 0));
  for (let c = 0; c < C; c++)
    for (let t = 0; t < taps; t++) {
      const b = c >> 4, ci = c & 15;
      dv.setInt16((b * tp + (t >> 1)) * 64 + ci * 4 + (t & 1) * 2, w[t * C + c]!, true);
    }
  if (taps === 9)
    for (let c = 0; c < C; c++) {
      const b = c >> 4, h = (c >> 3) & 1, ci = c & 7;
      for (let j = 0; j < 3; j++) {
        const base = general + (b * 3 + j) * 4 * 32;
        dv.setInt16(base + h * 32 + ci * 4, w[j * C + c]!, true); // (row 0, row 1) pairs
        dv.setInt16(base + h * 32 + ci * 4 + 2, w[(3 + j) * C + c]!, true);
        dv.setInt16(base + (2 + h) * 32 + ci * 4, w[(6 + j) * C + c]!, true); // (row 2, 0)
      }
    }
  return u8;
}

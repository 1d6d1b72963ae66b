// Cache-blocked single-threaded f32 GEMM: acc(m,n) = Σ_k A(m,k)·B(k,n).
//
// Accumulation: a product of two f32 values is exact in float64, and every sum is kept in float64:
// in k order within a KC block (from 0, in a register tile), the blocks then added in order
// into a float64 tile. The caller's sink rounds each result to f32 once, after its epilogue. This
// order is part of the interpreter's semantics (a float sum's bits depend on it): the tile shape is
// free, KC is not.
//
// Blocking (Goto/BLIS order): N in NC column blocks, K in KC blocks; A is packed once into MR-row
// panels and each KC x NC block of B into NR-column panels (as float64, in the WebAssembly
// kernel's memory), so the micro-kernel (gemm-wasm.ts) reads both sequentially. Ragged edges are
// zero-padded in the panels; the sink only sees the real MxN part.
import { block, f64Memory, MR, NR } from './gemm-wasm.js';

/** Strided 2-D view: element (r, c) is data[offset + r*rs + c*cs] (transposes are just swapped strides). */
export interface MatView {
  data: Float32Array;
  offset: number;
  rs: number;
  cs: number;
}

export const view = (data: Float32Array, offset: number, rs: number, cs: number): MatView => ({ data, offset, rs, cs });

/**
 * Receives one finished column block: C(m, n0 + j) = acc[m*ld + j] for m < M, j < nc.
 * It must not call gemm (the scratch buffers are shared).
 */
export type Sink = (acc: Float64Array, ld: number, n0: number, nc: number) => void;

const KC = 256, NC = 512;

export function gemm(M: number, N: number, K: number, A: MatView, B: MatView, sink: Sink): void {
  if (M === 0 || N === 0) return;
  const Mp = Math.ceil(M / MR) * MR, accLen = Mp * (Math.ceil(Math.min(N, NC) / NR) * NR);
  // Element offsets in the kernel's float64 memory (reused across calls): the accumulator block, then the A and B panels.
  const apOff = accLen, bpOff = apOff + Mp * K;
  const mem = f64Memory(bpOff + Math.min(K, KC) * (accLen / Mp));
  packA(mem, apOff, A, M, Mp, K);
  for (let n0 = 0; n0 < N; n0 += NC) {
    const nc = Math.min(NC, N - n0), ncp = Math.ceil(nc / NR) * NR;
    mem.fill(0, 0, Mp * ncp);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      packB(mem, bpOff, B, k0, kc, n0, nc, ncp);
      const aBlock = apOff + k0 * Mp; // panels of earlier K blocks hold k0 columns of every row
      block(kc, 8 * aBlock, 8 * bpOff, 0, 8 * ncp, Mp / MR, ncp / NR);
    }
    sink(mem, ncp, n0, nc);
  }
}

/** A into [K block][MR-row panel][k][MR] at `o0`, rows past M zero. */
function packA(ap: Float64Array, o0: number, A: MatView, M: number, Mp: number, K: number): void {
  const { data, offset, rs, cs } = A;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    for (let i = 0; i < Mp; i += MR) {
      const o = o0 + k0 * Mp + i * kc;
      for (let r = 0; r < MR; r++) {
        const row = i + r;
        if (row >= M) {
          for (let k = 0; k < kc; k++) ap[o + k * MR + r] = 0;
          continue;
        }
        let src = offset + row * rs + k0 * cs;
        for (let k = 0; k < kc; k++, src += cs) ap[o + k * MR + r] = data[src]!;
      }
    }
  }
}

/** B rows k0..k0+kc, columns n0..n0+nc into [NR-column panel][k][NR] at `o0`, columns past nc zero. */
function packB(bp: Float64Array, o0: number, B: MatView, k0: number, kc: number, n0: number, nc: number, ncp: number): void {
  const { data, offset, rs, cs } = B;
  for (let j = 0; j < ncp; j += NR) {
    const o = o0 + j * kc;
    const w = Math.min(NR, nc - j);
    for (let k = 0; k < kc; k++) {
      const src = offset + (k0 + k) * rs + (n0 + j) * cs;
      const d = o + k * NR;
      if (w === NR && cs === 1) for (let c = 0; c < NR; c++) bp[d + c] = data[src + c]!;
      else for (let c = 0; c < NR; c++) bp[d + c] = c < w ? data[src + c * cs]! : 0;
    }
  }
}

export interface Epilogue {
  /** Scales the product sum (gemm's alpha); 1 otherwise. */
  alpha?: number;
  /** Added per row m (a conv bias), after alpha. */
  rowBias?: { data: Float32Array; offset: number };
  /** beta·C(m, n) added after alpha (gemm's c, broadcast through zero strides). */
  addend?: MatView;
  beta?: number;
  lo?: number;
  hi?: number;
}

/**
 * A sink that writes rows 0..M-1 to out[offset + m*ldc + n] as
 * clamp(fround(alpha·acc + rowBias[m] + beta·C(m,n)), lo, hi): one rounding, then the fused clamp.
 */
export function storeSink(M: number, out: Float32Array, offset: number, ldc: number, e: Epilogue = {}): Sink {
  const alpha = e.alpha ?? 1, beta = e.beta ?? 1, lo = e.lo ?? -Infinity, hi = e.hi ?? Infinity;
  const bias = e.rowBias, add = e.addend;
  return (acc, ld, n0, nc) => {
    for (let m = 0; m < M; m++) {
      const rb = bias ? bias.data[bias.offset + m]! : 0;
      const o = offset + m * ldc + n0, a = m * ld;
      if (add) {
        let c = add.offset + m * add.rs + n0 * add.cs;
        for (let j = 0; j < nc; j++, c += add.cs) {
          const v = Math.fround(alpha * acc[a + j]! + rb + beta * add.data[c]!);
          out[o + j] = v < lo ? lo : v > hi ? hi : v;
        }
      } else {
        for (let j = 0; j < nc; j++) {
          const v = Math.fround(alpha * acc[a + j]! + rb);
          out[o + j] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    }
  };
}

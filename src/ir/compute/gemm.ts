// Cache-blocked single-threaded f32 GEMM: acc(m,n) = Σ_k A(m,k)·B(k,n).
//
// Accumulation: a product of two f32 values is exact in float64, and every sum is kept in float64
// (JS numbers): in k order within a KC block (in a 4x4 register tile), the blocks then added in
// order into a float64 tile. The caller's sink rounds each result to f32 once, after its epilogue.
//
// Blocking (Goto/BLIS order): N in NC column blocks, K in KC blocks; A is packed once into MR-row
// panels and each KC x NC block of B into NR-column panels, so the micro-kernel reads both
// sequentially. Ragged edges are zero-padded in the panels; the sink only sees the real MxN part.

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

const MR = 4, NR = 4, KC = 256, NC = 512;

// Scratch reused across calls so the interpreter does not churn the GC on every conv.
let apBuf = new Float32Array(0), bpBuf = new Float32Array(0), accBuf = new Float64Array(0);
function grow<T extends Float32Array | Float64Array>(buf: T, n: number, make: (n: number) => T): T {
  return buf.length >= n ? buf : make(Math.max(n, buf.length * 2));
}

export function gemm(M: number, N: number, K: number, A: MatView, B: MatView, sink: Sink): void {
  if (M === 0 || N === 0) return;
  const Mp = Math.ceil(M / MR) * MR;
  apBuf = grow(apBuf, Mp * K, (n) => new Float32Array(n));
  accBuf = grow(accBuf, Mp * NC, (n) => new Float64Array(n));
  const ap = apBuf, acc = accBuf;
  packA(ap, A, M, Mp, K);
  for (let n0 = 0; n0 < N; n0 += NC) {
    const nc = Math.min(NC, N - n0), ncp = Math.ceil(nc / NR) * NR;
    acc.fill(0, 0, Mp * ncp);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      bpBuf = grow(bpBuf, kc * ncp, (n) => new Float32Array(n));
      const bp = bpBuf;
      packB(bp, B, k0, kc, n0, nc, ncp);
      const aBlock = k0 * Mp; // panels of earlier K blocks hold k0 columns of every row
      for (let i = 0; i < Mp; i += MR) {
        const ao = aBlock + i * kc;
        for (let j = 0; j < ncp; j += NR) micro4x4(kc, ap, ao, bp, j * kc, acc, i * ncp + j, ncp);
      }
    }
    sink(acc, ncp, n0, nc);
  }
}

/** A into [K block][MR-row panel][k][MR], rows past M zero. */
function packA(ap: Float32Array, A: MatView, M: number, Mp: number, K: number): void {
  const { data, offset, rs, cs } = A;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    for (let i = 0; i < Mp; i += MR) {
      const o = k0 * Mp + i * kc;
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

/** B rows k0..k0+kc, columns n0..n0+nc into [NR-column panel][k][NR], columns past nc zero. */
function packB(bp: Float32Array, B: MatView, k0: number, kc: number, n0: number, nc: number, ncp: number): void {
  const { data, offset, rs, cs } = B;
  for (let j = 0; j < ncp; j += NR) {
    const o = j * kc;
    const w = Math.min(NR, nc - j);
    for (let k = 0; k < kc; k++) {
      const src = offset + (k0 + k) * rs + (n0 + j) * cs;
      const d = o + k * NR;
      if (w === NR) {
        bp[d] = data[src]!;
        bp[d + 1] = data[src + cs]!;
        bp[d + 2] = data[src + 2 * cs]!;
        bp[d + 3] = data[src + 3 * cs]!;
      } else {
        for (let c = 0; c < NR; c++) bp[d + c] = c < w ? data[src + c * cs]! : 0;
      }
    }
  }
}

// 16 float64 accumulators; measured fastest among 2x4..4x6 tiles on V8 (about 2.3 GMAC/s on Zen 4).
function micro4x4(kc: number, ap: Float32Array, ao: number, bp: Float32Array, bo: number, acc: Float64Array, co: number, ld: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < kc; k++) {
    const a0 = ap[ao]!, a1 = ap[ao + 1]!, a2 = ap[ao + 2]!, a3 = ap[ao + 3]!;
    const b0 = bp[bo]!, b1 = bp[bo + 1]!, b2 = bp[bo + 2]!, b3 = bp[bo + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ao += 4;
    bo += 4;
  }
  acc[co] += c00; acc[co + 1] += c01; acc[co + 2] += c02; acc[co + 3] += c03;
  co += ld;
  acc[co] += c10; acc[co + 1] += c11; acc[co + 2] += c12; acc[co + 3] += c13;
  co += ld;
  acc[co] += c20; acc[co + 1] += c21; acc[co + 2] += c22; acc[co + 3] += c23;
  co += ld;
  acc[co] += c30; acc[co + 1] += c31; acc[co + 2] += c32; acc[co + 3] += c33;
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

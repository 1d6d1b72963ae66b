// Integer kernels of the quantized ops: int32 accumulation of zero-point-centred products, then
// the shared requantization. Exact integer arithmetic in doubles (|acc| < 2^31 is checked at
// lowering), so results do not depend on summation order.
import { fround, rint } from '../quant-math.js';
import type { TypedArray } from '../dtype.js';
import { gemm, view } from './gemm.js';
import { validRange, type Window2d } from './window.js';

export interface Requant {
  /** Per output channel (or one for all): y = clamp(rint(fround(fround(acc) * m)) + zp, qmin, qmax). */
  scale: readonly number[];
  zeroPoint: number;
  qmin: number;
  qmax: number;
}

/** The requantization step shared by every quantized op and mirrored by the generated C. */
export function requantize(acc: number, m: number, r: Requant): number {
  const y = rint(fround(fround(acc) * m)) + r.zeroPoint;
  return y < r.qmin ? r.qmin : y > r.qmax ? r.qmax : y;
}

export interface QConvArgs {
  x: TypedArray;
  xShape: readonly number[]; // N, C, H, W
  xZero: number;
  w: TypedArray;
  wShape: readonly number[]; // conv: M, C/g, kh, kw; transpose: C, M/g, kh, kw
  wZero: readonly number[];
  bias?: Int32Array;
  win: Window2d;
  group: number;
  out: TypedArray;
  outShape: readonly number[]; // N, M, Ho, Wo
  requant: Requant;
  /** Replaces the requantization: the result at flat output index o (NCHW) of channel c from its exact sum. */
  finish?: Finish;
}

/** An integer op's result from its exact int32 sum acc, for output channel c at flat output index o. */
export type Finish = (acc: number, c: number, o: number) => number;

const zeroOf = (z: readonly number[], c: number) => (z.length === 1 ? z[0]! : z[c]!);
const scaleOf = (s: readonly number[], c: number) => (s.length === 1 ? s[0]! : s[c]!);

let colBuf = new Float32Array(0);

/**
 * Quantized conv2d: per (image, group) an im2col of the centred input times the centred weights
 * on the float GEMM. Centred values are integers below 2^9 in magnitude, so every product and
 * partial sum is an exact integer in float64 (far below 2^53) whatever the GEMM's order.
 */
export function qconv2d(a: QConvArgs): void {
  const [N, C, H, W] = a.xShape as [number, number, number, number];
  const [M, Cg, kh, kw] = a.wShape as [number, number, number, number];
  const [, , Ho, Wo] = a.outShape as [number, number, number, number];
  const { sh, sw, pt, pl, dh, dw } = a.win;
  const G = a.group, Mg = M / G, K = Cg * kh * kw, P = Ho * Wo;
  const wc = new Float32Array(M * K);
  for (let m = 0; m < M; m++) {
    const wz = zeroOf(a.wZero, m);
    for (let k = 0; k < K; k++) wc[m * K + k] = (a.w[m * K + k] as number) - wz;
  }
  if (colBuf.length < K * P) colBuf = new Float32Array(K * P);
  const cols = colBuf;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      cols.fill(0, 0, K * P); // padding contributes (x_zp - x_zp) = 0
      for (let c = 0; c < Cg; c++) {
        const plane = (n * C + g * Cg + c) * H * W;
        for (let i = 0; i < kh; i++) {
          const [oh0, oh1] = validRange(Ho, sh, i * dh - pt, H);
          for (let j = 0; j < kw; j++) {
            const [ow0, ow1] = validRange(Wo, sw, j * dw - pl, W);
            const row = ((c * kh + i) * kw + j) * P;
            for (let oh = oh0; oh < oh1; oh++) {
              const src = plane + (oh * sh + i * dh - pt) * W - pl + j * dw;
              for (let ow = ow0; ow < ow1; ow++) cols[row + oh * Wo + ow] = (a.x[src + ow * sw] as number) - a.xZero;
            }
          }
        }
      }
      gemm(Mg, P, K, view(wc, g * Mg * K, K, 1), view(cols, 0, P, 1), (acc, ld, n0, nc) => {
        for (let mg = 0; mg < Mg; mg++) {
          const m = g * Mg + mg, b = a.bias ? a.bias[m]! : 0, ms = scaleOf(a.requant.scale, m);
          const out = (n * M + m) * P + n0;
          if (a.finish) for (let j = 0; j < nc; j++) a.out[out + j] = a.finish(acc[mg * ld + j]! + b, m, out + j);
          else for (let j = 0; j < nc; j++) a.out[out + j] = requantize(acc[mg * ld + j]! + b, ms, a.requant);
        }
      });
    }
  }
}

/** Quantized conv_transpose2d: scatter each centred input pixel through the kernel, then requantize. */
export function qconvTranspose2d(a: QConvArgs): void {
  const [N, C, H, W] = a.xShape as [number, number, number, number];
  const [, Mg, kh, kw] = a.wShape as [number, number, number, number];
  const [, M, Ho, Wo] = a.outShape as [number, number, number, number];
  const { sh, sw, pt, pl, dh, dw } = a.win;
  const G = a.group, Cg = C / G;
  const acc = new Float64Array(Ho * Wo);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg), mg = m % Mg, wz = zeroOf(a.wZero, m);
      acc.fill(a.bias ? a.bias[m]! : 0);
      for (let c = 0; c < Cg; c++) {
        const ci = g * Cg + c, plane = (n * C + ci) * H * W;
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const wv = (a.w[((ci * Mg + mg) * kh + i) * kw + j] as number) - wz;
            if (wv === 0) continue;
            for (let ih = 0; ih < H; ih++) {
              const oh = ih * sh + i * dh - pt;
              if (oh < 0 || oh >= Ho) continue;
              for (let iw = 0; iw < W; iw++) {
                const ow = iw * sw + j * dw - pl;
                if (ow < 0 || ow >= Wo) continue;
                acc[oh * Wo + ow]! += wv * ((a.x[plane + ih * W + iw] as number) - a.xZero);
              }
            }
          }
      }
      const ms = scaleOf(a.requant.scale, m), out = (n * M + m) * Ho * Wo;
      for (let p = 0; p < Ho * Wo; p++) a.out[out + p] = requantize(acc[p]!, ms, a.requant);
    }
  }
}

/** y[r, n] = requant(bias[n] + Σk (x[r,k] - xz)(w[n,k] - wz[n])) for R rows of length K (finish replaces requant). */
export function qlinear(x: TypedArray, xZero: number, w: TypedArray, wZero: readonly number[], bias: Int32Array | undefined, R: number, K: number, Nout: number, out: TypedArray, rq: Requant, finish?: Finish): void {
  const xc = new Int32Array(K);
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < K; k++) xc[k] = (x[r * K + k] as number) - xZero;
    for (let n = 0; n < Nout; n++) {
      let acc = bias ? bias[n]! : 0;
      const wz = zeroOf(wZero, n), base = n * K;
      for (let k = 0; k < K; k++) acc += xc[k]! * ((w[base + k] as number) - wz);
      const o = r * Nout + n;
      out[o] = finish ? finish(acc, n, o) : requantize(acc, scaleOf(rq.scale, n), rq);
    }
  }
}

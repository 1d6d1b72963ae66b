// Naive direct-loop references for the NN ops, written from the definitions and independent of the
// fast kernels (no im2col, no GEMM, no shared geometry helpers). Sums in float64, one f32 rounding.
import { expect } from 'vitest';
import { GraphBuilder, run, tensor, type Tensor } from '../../src/ir/index.js';

import { mulberry32 as prng } from '../../src/util/prng.js';
export { prng };

export function randTensor(shape: number[], seed: number, scale = 1): Tensor {
  const r = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor('f32', shape, Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale));
}

/** Builds a one-node graph (absent operands as ''), checks inferred shape = kernel shape, returns the result. */
export function runOp(op: string, operands: (Tensor | undefined)[], attrs: Record<string, unknown> = {}): Tensor {
  const b = new GraphBuilder();
  const names = operands.map((t, i) => (t ? b.input(`in${i}`, { dtype: t.dtype, shape: t.shape }) : ''));
  const out = b.op(op, names, attrs as never);
  const g = b.output(out).build();
  const r = run(g, operands.filter((t): t is Tensor => !!t)).outputs[0]!;
  expect(r.shape).toEqual(g.values[out]!.shape);
  return r;
}

/** max |a - e| ≤ tol·max(1, max|e|), and identical shapes. */
export function expectClose(actual: Tensor, expected: { shape: number[]; data: ArrayLike<number | bigint> }, tol = 1e-6): void {
  expect(actual.shape).toEqual(expected.shape);
  let maxErr = 0, maxMag = 1;
  for (let i = 0; i < expected.data.length; i++) {
    const e = Number(expected.data[i]!), a = Number(actual.data[i]!);
    if (Number.isNaN(e) || Number.isNaN(a)) {
      expect(a).toBeNaN();
      expect(e).toBeNaN();
      continue;
    }
    if (e === a) continue; // also equal infinities
    maxErr = Math.max(maxErr, Math.abs(a - e));
    maxMag = Math.max(maxMag, Math.abs(e));
  }
  expect(maxErr).toBeLessThanOrEqual(tol * maxMag);
}

const clampF = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.fround(v)));

export interface ConvRefAttrs {
  strides: number[];
  pads: number[];
  dilations: number[];
  group: number;
  output_padding?: number[];
  clamp_min?: number;
  clamp_max?: number;
}

export function refConv2d(x: Tensor, w: Tensor, b: Tensor | undefined, a: ConvRefAttrs) {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [M, Cg, kh, kw] = w.shape as [number, number, number, number];
  const [sh, sw] = a.strides, [pt, pl, pb, pr] = a.pads, [dh, dw] = a.dilations;
  const C = x.shape[1]!, Mg = M / a.group;
  const Ho = Math.floor((H + pt! + pb! - dh! * (kh - 1) - 1) / sh!) + 1;
  const Wo = Math.floor((W + pl! + pr! - dw! * (kw - 1) - 1) / sw!) + 1;
  const out = new Float32Array(N * M * Ho * Wo);
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++) {
          let s = b ? b.data[m] as number : 0;
          const g = Math.floor(m / Mg);
          for (let c = 0; c < Cg; c++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const ih = oh * sh! - pt! + i * dh!, iw = ow * sw! - pl! + j * dw!;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += (x.data[((n * C + g * Cg + c) * H + ih) * W + iw] as number) * (w.data[((m * Cg + c) * kh + i) * kw + j] as number);
              }
          out[o++] = clampF(s, a.clamp_min ?? -Infinity, a.clamp_max ?? Infinity);
        }
  return { shape: [N, M, Ho, Wo], data: out };
}

/** Scatter form straight from the definition: every input pixel adds w·x to the outputs it reaches. */
export function refConvTranspose2d(x: Tensor, w: Tensor, b: Tensor | undefined, a: ConvRefAttrs) {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, Mg, kh, kw] = w.shape as [number, number, number, number];
  const [sh, sw] = a.strides, [pt, pl, pb, pr] = a.pads, [dh, dw] = a.dilations, [oph, opw] = a.output_padding ?? [0, 0];
  const Cg = C / a.group, M = Mg * a.group;
  const Ho = (H - 1) * sh! - pt! - pb! + dh! * (kh - 1) + oph! + 1;
  const Wo = (W - 1) * sw! - pl! - pr! + dw! * (kw - 1) + opw! + 1;
  const acc = new Float64Array(N * M * Ho * Wo);
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < C; ci++)
      for (let ih = 0; ih < H; ih++)
        for (let iw = 0; iw < W; iw++)
          for (let m = 0; m < Mg; m++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const oh = ih * sh! - pt! + i * dh!, ow = iw * sw! - pl! + j * dw!;
                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                const mo = Math.floor(ci / Cg) * Mg + m;
                acc[((n * M + mo) * Ho + oh) * Wo + ow] +=
                  (x.data[((n * C + ci) * H + ih) * W + iw] as number) * (w.data[((ci * Mg + m) * kh + i) * kw + j] as number);
              }
  const out = new Float32Array(acc.length);
  for (let k = 0; k < acc.length; k++) {
    const m = Math.floor(k / (Ho * Wo)) % M;
    out[k] = clampF(acc[k]! + (b ? (b.data[m] as number) : 0), a.clamp_min ?? -Infinity, a.clamp_max ?? Infinity);
  }
  return { shape: [N, M, Ho, Wo], data: out };
}

export interface PoolRefAttrs {
  kernel_shape: number[];
  strides: number[];
  pads: number[];
  dilations?: number[];
  ceil_mode: boolean;
  count_include_pad?: boolean;
}

/** PyTorch's pooling_output_shape. */
function poolLen(n: number, k: number, s: number, p0: number, p1: number, d: number, ceil: boolean): number {
  const num = n + p0 + p1 - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let o = Math.floor(num / s) + 1;
  if (ceil && (o - 1) * s >= n + p0) o--;
  return o;
}

export function refPool(kind: 'max' | 'avg', x: Tensor, a: PoolRefAttrs) {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = a.kernel_shape, [sh, sw] = a.strides, [pt, pl, pb, pr] = a.pads, [dh, dw] = a.dilations ?? [1, 1];
  const Ho = poolLen(H, kh!, sh!, pt!, pb!, dh!, a.ceil_mode), Wo = poolLen(W, kw!, sw!, pl!, pr!, dw!, a.ceil_mode);
  const out = new Float32Array(N * C * Ho * Wo);
  let o = 0;
  for (let p = 0; p < N * C; p++)
    for (let oh = 0; oh < Ho; oh++)
      for (let ow = 0; ow < Wo; ow++) {
        let mx = -Infinity, s = 0, inBounds = 0, inPadded = 0;
        for (let i = 0; i < kh!; i++)
          for (let j = 0; j < kw!; j++) {
            const ih = oh * sh! - pt! + i * dh!, iw = ow * sw! - pl! + j * dw!;
            if (ih >= -pt! && ih < H + pb! && iw >= -pl! && iw < W + pr!) inPadded++;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const v = x.data[(p * H + ih) * W + iw] as number;
            mx = Math.max(mx, v);
            s += v;
            inBounds++;
          }
        out[o++] = kind === 'max' ? mx : s / (a.count_include_pad ? inPadded : inBounds);
      }
  return { shape: [N, C, Ho, Wo], data: out };
}

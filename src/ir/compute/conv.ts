// conv2d and conv_transpose2d on f32 NCHW tensors.
//
// conv2d per (batch, group) is a GEMM: W_g [Mg, Cg·kh·kw] times the im2col matrix [Cg·kh·kw, Ho·Wo],
// written straight into the output rows; a 1x1/stride-1/unpadded conv uses the input as that
// matrix. Convs with one input channel per group (depthwise) run a direct kernel instead.
// conv_transpose2d is W_gᵀ times the input, scattered back (col2im) into the output.
// Every output is summed in float64 and rounded to f32 once, after bias, then clamped.
import { gemm, storeSink, view, type Sink } from './gemm.js';
import { validRange, type Window2d } from './window.js';

export interface ConvArgs {
  x: Float32Array;
  xShape: readonly number[]; // [N, C, H, W]
  w: Float32Array;
  wShape: readonly number[];
  bias?: Float32Array;
  out: Float32Array;
  outShape: readonly number[]; // [N, M, Ho, Wo]
  win: Window2d;
  group: number;
  lo: number;
  hi: number;
}

let colBuf = new Float32Array(0);
let dwBuf = new Float64Array(0);

export function conv2d(a: ConvArgs): void {
  const [N, C, H, W] = a.xShape as [number, number, number, number];
  const [, M, Ho, Wo] = a.outShape as [number, number, number, number];
  const { win, group } = a;
  const Cg = C / group, Mg = M / group, Kg = Cg * win.kh * win.kw, P = Ho * Wo;
  if (Cg === 1) return depthwise(a);
  const direct = win.kh === 1 && win.kw === 1 && win.sh === 1 && win.sw === 1 && win.pt + win.pl + win.pb + win.pr === 0;
  if (!direct && colBuf.length < Kg * P) colBuf = new Float32Array(Kg * P);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      const xOff = (n * C + g * Cg) * H * W;
      let B;
      if (direct) B = view(a.x, xOff, H * W, 1);
      else {
        im2col(a.x, xOff, Cg, H, W, win, Ho, Wo, colBuf);
        B = view(colBuf, 0, P, 1);
      }
      const sink = storeSink(Mg, a.out, (n * M + g * Mg) * P, P, {
        rowBias: a.bias && { data: a.bias, offset: g * Mg },
        lo: a.lo,
        hi: a.hi,
      });
      gemm(Mg, P, Kg, view(a.w, g * Mg * Kg, Kg, 1), B, sink);
    }
  }
}

/** col[(c·kh + i)·kw + j][oh·Wo + ow] = x[c][oh·sh - pt + i·dh][ow·sw - pl + j·dw], 0 in padding. */
export function im2col(x: Float32Array, xOff: number, Cg: number, H: number, W: number, w: Window2d, Ho: number, Wo: number, col: Float32Array): void {
  let row = 0;
  for (let c = 0; c < Cg; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < w.kh; i++) {
      for (let j = 0; j < w.kw; j++, row++) {
        const colOff = -w.pl + j * w.dw;
        const [owLo, owHi] = validRange(Wo, w.sw, colOff, W);
        let o = row * Ho * Wo;
        for (let oh = 0; oh < Ho; oh++, o += Wo) {
          const ih = oh * w.sh - w.pt + i * w.dh;
          if (ih < 0 || ih >= H) {
            col.fill(0, o, o + Wo);
            continue;
          }
          const src = plane + ih * W + colOff;
          col.fill(0, o, o + owLo);
          if (w.sw === 1) col.set(x.subarray(src + owLo, src + owHi), o + owLo);
          else for (let ow = owLo; ow < owHi; ow++) col[o + ow] = x[src + ow * w.sw]!;
          col.fill(0, o + owHi, o + Wo);
        }
      }
    }
  }
}

/** One input channel per group: each output plane is bias + Σ_taps w·(shifted input plane), in float64. */
function depthwise(a: ConvArgs): void {
  const [N, C, H, W] = a.xShape as [number, number, number, number];
  const [, M, Ho, Wo] = a.outShape as [number, number, number, number];
  const { win, x, w, out, lo, hi } = a;
  const Mg = M / a.group, P = Ho * Wo, taps = win.kh * win.kw;
  if (dwBuf.length < P) dwBuf = new Float64Array(P);
  const acc = dwBuf;
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const plane = (n * C + Math.floor(m / Mg)) * H * W;
      acc.fill(a.bias ? a.bias[m]! : 0, 0, P);
      for (let i = 0; i < win.kh; i++) {
        const rowOff = -win.pt + i * win.dh;
        const [ohLo, ohHi] = validRange(Ho, win.sh, rowOff, H);
        for (let j = 0; j < win.kw; j++) {
          const wt = w[m * taps + i * win.kw + j]!;
          const colOff = -win.pl + j * win.dw;
          const [owLo, owHi] = validRange(Wo, win.sw, colOff, W);
          for (let oh = ohLo; oh < ohHi; oh++) {
            const src = plane + (oh * win.sh + rowOff) * W + colOff;
            const o = oh * Wo;
            if (win.sw === 1) for (let ow = owLo; ow < owHi; ow++) acc[o + ow] += wt * x[src + ow]!;
            else for (let ow = owLo; ow < owHi; ow++) acc[o + ow] += wt * x[src + ow * win.sw]!;
          }
        }
      }
      const base = (n * M + m) * P;
      for (let p = 0; p < P; p++) {
        const v = Math.fround(acc[p]!);
        out[base + p] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  }
}

let scatterBuf = new Float64Array(0);

/**
 * out[n, g·Mg+m, ih·sh - pt + i·dh, iw·sw - pl + j·dw] += x[n, g·Cg+c, ih, iw] · w[g·Cg+c, m, i, j].
 * The GEMM gives, per (m, i, j) and input pixel, the sum over c; the sink scatters it.
 */
export function convTranspose2d(a: ConvArgs): void {
  const [N, C, H, W] = a.xShape as [number, number, number, number];
  const [, M, Ho, Wo] = a.outShape as [number, number, number, number];
  const { win, group, out, lo, hi } = a;
  const Cg = C / group, Mg = M / group, taps = win.kh * win.kw, R = Mg * taps, P = Ho * Wo;
  if (scatterBuf.length < Mg * P) scatterBuf = new Float64Array(Mg * P);
  const acc = scatterBuf;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      acc.fill(0, 0, Mg * P);
      const sink: Sink = (cols, ld, n0, nc) => {
        for (let r = 0; r < R; r++) {
          const m = Math.floor(r / taps), t = r - m * taps, i = Math.floor(t / win.kw), j = t - i * win.kw;
          const dst = m * P, src = r * ld - n0;
          for (let p = n0; p < n0 + nc; p++) {
            const ih = Math.floor(p / W), iw = p - ih * W;
            const oh = ih * win.sh - win.pt + i * win.dh, ow = iw * win.sw - win.pl + j * win.dw;
            if (oh >= 0 && oh < Ho && ow >= 0 && ow < Wo) acc[dst + oh * Wo + ow] += cols[src + p]!;
          }
        }
      };
      // A(r, c) = w[g·Cg + c][r] with r = (m, i, j): the weight block read transposed.
      gemm(R, H * W, Cg, view(a.w, g * Cg * R, 1, R), view(a.x, (n * C + g * Cg) * H * W, H * W, 1), sink);
      for (let m = 0; m < Mg; m++) {
        const b = a.bias ? a.bias[g * Mg + m]! : 0, base = (n * M + g * Mg + m) * P;
        for (let p = 0; p < P; p++) {
          const v = Math.fround(acc[m * P + p]! + b);
          out[base + p] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    }
  }
}

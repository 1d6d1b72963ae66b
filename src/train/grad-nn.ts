// Gradients of the NN ops. Convolutions are GEMMs over im2col matrices, per (image, group), on the
// interpreter's blocked GEMM: dW += dY·colᵀ, dcol = Wᵀ·dY scattered back (col2im) into dX.
// conv_transpose2d's input gradient is a conv2d of dY with the same weight. Batch norm in
// training uses batch statistics and updates the running ones (PyTorch, momentum 0.1).
import { conv2d, im2col } from '../ir/compute/conv.js';
import { gemm, storeSink, view, type MatView, type Sink } from '../ir/compute/gemm.js';
import { matmulShapes } from '../ir/compute/matmul.js';
import { broadcastStrides } from '../ir/compute/broadcast.js';
import { validRange, window2d, type Window2d } from '../ir/compute/window.js';
import { getOp, type ResolvedAttrs } from '../ir/ops/index.js';
import { tensor, type Tensor } from '../ir/tensor.js';
import { numel } from '../ir/types.js';
import { clampMask, f32, reduceTo, type GradRule } from './grad.js';

/** A sink adding alpha·C into out (rows of ldc), for gradients summed over images. */
const addSink = (M: number, out: Float32Array, offset: number, ldc: number, alpha = 1): Sink => (acc, ld, n0, nc) => {
  for (let m = 0; m < M; m++) {
    const o = offset + m * ldc + n0, a = m * ld;
    for (let j = 0; j < nc; j++) out[o + j] += alpha * acc[a + j]!;
  }
};

const windowOf = (a: ResolvedAttrs, kh: number, kw: number): Window2d =>
  window2d([kh, kw], a['strides'] as number[], a['pads'] as number[], (a['dilations'] as number[] | undefined) ?? [1, 1]);

/** Inverse of im2col: dx[c][ih][iw] += col[(c·kh + i)·kw + j][oh·Wo + ow] over every tap that read it. */
function col2im(col: Float32Array, dx: Float32Array, xOff: number, Cg: number, H: number, W: number, w: Window2d, Ho: number, Wo: number): void {
  let row = 0;
  for (let c = 0; c < Cg; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < w.kh; i++)
      for (let j = 0; j < w.kw; j++, row++) {
        const colOff = -w.pl + j * w.dw;
        const [owLo, owHi] = validRange(Wo, w.sw, colOff, W);
        for (let oh = 0; oh < Ho; oh++) {
          const ih = oh * w.sh - w.pt + i * w.dh;
          if (ih < 0 || ih >= H) continue;
          const src = plane + ih * W + colOff, o = row * Ho * Wo + oh * Wo;
          for (let ow = owLo; ow < owHi; ow++) dx[src + ow * w.sw] += col[o + ow]!;
        }
      }
  }
}

/** Σ over images and positions of dy [N, M, P], per channel (a bias gradient). */
function channelSums(dy: Float32Array, N: number, M: number, P: number): Float32Array {
  const out = new Float32Array(M);
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++) {
      let s = 0;
      for (let p = (n * M + m) * P, e = p + P; p < e; p++) s += dy[p]!;
      out[m] += s;
    }
  return out;
}

let colBuf = new Float32Array(0);
const scratch = (n: number): Float32Array => (colBuf.length >= n ? colBuf : (colBuf = new Float32Array(n)));

const conv2dGrad: GradRule = {
  diff: [0, 1, 2],
  backward({ inputs: [x, w], attrs, output, dy: dy0, need }) {
    const dy = clampMask(dy0, output, attrs);
    const [N, C, H, W] = x!.shape as [number, number, number, number];
    const [M, Cg, kh, kw] = w!.shape as [number, number, number, number];
    const [, , Ho, Wo] = output.shape as [number, number, number, number];
    const group = attrs['group'] as number, win = windowOf(attrs, kh, kw);
    const Mg = M / group, Kg = Cg * kh * kw, P = Ho * Wo;
    const dx = need[0] ? new Float32Array(x!.data.length) : undefined, dw = need[1] ? new Float32Array(w!.data.length) : undefined;
    const col = scratch(Kg * P), xd = f32(x), wd = f32(w);
    for (let n = 0; n < N; n++)
      for (let g = 0; g < group; g++) {
        const dyOff = (n * M + g * Mg) * P, xOff = (n * C + g * Cg) * H * W;
        if (dw) {
          im2col(xd, xOff, Cg, H, W, win, Ho, Wo, col);
          gemm(Mg, Kg, P, view(dy, dyOff, P, 1), view(col, 0, 1, P), addSink(Mg, dw, g * Mg * Kg, Kg));
        }
        if (dx) {
          gemm(Kg, P, Mg, view(wd, g * Mg * Kg, 1, Kg), view(dy, dyOff, P, 1), storeSink(Kg, col, 0, P));
          col2im(col, dx, xOff, Cg, H, W, win, Ho, Wo);
        }
      }
    return [dx, dw, need[2] ? channelSums(dy, N, M, P) : undefined];
  },
};

const convTransposeGrad: GradRule = {
  diff: [0, 1, 2],
  backward({ inputs: [x, w], attrs, output, dy: dy0, need }) {
    const dy = clampMask(dy0, output, attrs);
    const [N, C, H, W] = x!.shape as [number, number, number, number];
    const [, Mg, kh, kw] = w!.shape as [number, number, number, number];
    const [, M, Ho, Wo] = output.shape as [number, number, number, number];
    const group = attrs['group'] as number, win = windowOf(attrs, kh, kw);
    const Cg = C / group, R = Mg * kh * kw;
    let dx: Float32Array | undefined, dw: Float32Array | undefined;
    if (need[0]) {
      // The adjoint of a transposed conv is the conv with the same weight and window.
      dx = new Float32Array(x!.data.length);
      conv2d({ x: dy, xShape: output.shape, w: f32(w), wShape: w!.shape, out: dx, outShape: x!.shape, win, group, lo: -Infinity, hi: Infinity });
    }
    if (need[1]) {
      dw = new Float32Array(w!.data.length);
      const col = scratch(R * H * W), xd = f32(x);
      for (let n = 0; n < N; n++)
        for (let g = 0; g < group; g++) {
          im2col(dy, (n * M + g * Mg) * Ho * Wo, Mg, Ho, Wo, win, H, W, col);
          gemm(Cg, R, H * W, view(xd, (n * C + g * Cg) * H * W, H * W, 1), view(col, 0, 1, H * W), addSink(Cg, dw, g * Cg * R, R));
        }
    }
    return [dx, dw, need[2] ? channelSums(dy, N, M, Ho * Wo) : undefined];
  },
};

/** A row-major [r, c] matrix, or its transpose, as a GEMM view. */
const mat = (d: Float32Array, offset: number, cols: number, transposed: boolean): MatView => (transposed ? view(d, offset, 1, cols) : view(d, offset, cols, 1));

const gemmGrad: GradRule = {
  diff: [0, 1, 2],
  backward({ inputs: [a, b, c], attrs, output, dy: dy0, need }) {
    const dy = clampMask(dy0, output, attrs);
    const ta = attrs['trans_a'] as boolean, tb = attrs['trans_b'] as boolean, alpha = attrs['alpha'] as number, beta = attrs['beta'] as number;
    const [M, N] = output.shape as [number, number];
    const K = ta ? a!.shape[0]! : a!.shape[1]!;
    const ad = f32(a), bd = f32(b);
    // op(A) is [M,K], op(B) is [K,N]; stored A is [M,K] or [K,M], B is [K,N] or [N,K].
    const opA = mat(ad, 0, a!.shape[1]!, ta), opB = mat(bd, 0, b!.shape[1]!, tb);
    const T = (v: MatView): MatView => view(v.data, v.offset, v.cs, v.rs);
    let da: Float32Array | undefined, db: Float32Array | undefined;
    if (need[0]) {
      da = new Float32Array(ad.length);
      if (!ta) gemm(M, K, N, view(dy, 0, N, 1), T(opB), storeSink(M, da, 0, K, { alpha }));
      else gemm(K, M, N, opB, view(dy, 0, 1, N), storeSink(K, da, 0, M, { alpha }));
    }
    if (need[1]) {
      db = new Float32Array(bd.length);
      if (!tb) gemm(K, N, M, T(opA), view(dy, 0, N, 1), storeSink(K, db, 0, N, { alpha }));
      else gemm(N, K, M, view(dy, 0, 1, N), opA, storeSink(N, db, 0, K, { alpha }));
    }
    let dc: Float32Array | undefined;
    if (need[2] && c) {
      dc = reduceTo(dy, [M, N], c.shape);
      if (beta !== 1) dc = dc.map((v) => v * beta);
    }
    return [da, db, dc];
  },
};

const matmulGrad: GradRule = {
  diff: [0, 1],
  backward({ inputs: [a, b], dy, need }) {
    const s = matmulShapes(a!.shape, b!.shape);
    const M = s.a[s.a.length - 2]!, K = s.a[s.a.length - 1]!, N = s.b[s.b.length - 1]!;
    const sa = broadcastStrides(s.batch, s.a.slice(0, -2)), sb = broadcastStrides(s.batch, s.b.slice(0, -2));
    const da = need[0] ? new Float32Array(a!.data.length) : undefined, db = need[1] ? new Float32Array(b!.data.length) : undefined;
    const ad = f32(a), bd = f32(b), rank = s.batch.length, idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < numel(s.batch); i++) {
      let ao = 0, bo = 0;
      for (let d = 0; d < rank; d++) [ao, bo] = [ao + idx[d]! * sa[d]!, bo + idx[d]! * sb[d]!];
      // dA = dY·Bᵀ, dB = Aᵀ·dY per batch matrix, summed where a batch operand was broadcast.
      if (da) gemm(M, K, N, view(dy, i * M * N, N, 1), view(bd, bo * K * N, 1, N), addSink(M, da, ao * M * K, K));
      if (db) gemm(K, N, M, view(ad, ao * M * K, 1, K), view(dy, i * M * N, N, 1), addSink(K, db, bo * K * N, N));
      for (let d = rank - 1; d >= 0 && ++idx[d]! === s.batch[d]!; d--) idx[d] = 0;
    }
    return [da, db];
  },
};

/** Visits every output position's in-bounds window taps: f(outIndex, inIndex). */
function forEachTap(x: Tensor, y: Tensor, win: Window2d, f: (o: number, i: number) => void): void {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , Ho, Wo] = y.shape as [number, number, number, number];
  for (let pl = 0, o = 0; pl < N * C; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      const h0 = oh * win.sh - win.pt;
      const [iLo, iHi] = validRange(win.kh, win.dh, h0, H);
      for (let ow = 0; ow < Wo; ow++, o++) {
        const w0 = ow * win.sw - win.pl;
        const [jLo, jHi] = validRange(win.kw, win.dw, w0, W);
        for (let i = iLo; i < iHi; i++) for (let j = jLo; j < jHi; j++) f(o, base + (h0 + i * win.dh) * W + w0 + j * win.dw);
      }
    }
  }
}

const poolWindow = (a: ResolvedAttrs): Window2d => {
  const k = a['kernel_shape'] as number[];
  return windowOf(a, k[0]!, k[1]!);
};

const maxpoolGrad: GradRule = {
  diff: [0],
  backward({ inputs: [x], attrs, output, dy }) {
    // The gradient goes to the first maximum of each window (PyTorch's argmax).
    const xd = f32(x), yd = f32(output), dx = new Float32Array(xd.length), taken = new Uint8Array(yd.length);
    forEachTap(x!, output, poolWindow(attrs), (o, i) => {
      if (!taken[o] && (xd[i] === yd[o] || (Number.isNaN(xd[i]) && Number.isNaN(yd[o])))) {
        taken[o] = 1;
        dx[i] += dy[o]!;
      }
    });
    return [dx];
  },
};

const avgpoolGrad: GradRule = {
  diff: [0],
  backward({ inputs: [x], attrs, output, dy }) {
    // d(mean)/dx = 1/count: the divisor is the forward's, obtained by average-pooling ones.
    const ones = tensor('f32', x!.shape, new Float32Array(x!.data.length).fill(1));
    const def = getOp('avgpool2d')!;
    const counts = new Float32Array(output.data.length);
    forEachTap(ones, output, poolWindow(attrs), (o) => counts[o]++);
    const mean = f32(def.kernel([ones], attrs, [])[0]); // count_include_pad: mean of ones below 1
    const dx = new Float32Array(x!.data.length);
    forEachTap(x!, output, poolWindow(attrs), (o, i) => (dx[i] += (dy[o]! * mean[o]!) / counts[o]!));
    return [dx];
  },
};

const globalAvgpoolGrad: GradRule = {
  diff: [0],
  backward({ inputs: [x], dy }) {
    const size = numel(x!.shape.slice(2)), dx = new Float32Array(x!.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = dy[Math.floor(i / size)]! / size;
    return [dx];
  },
};

/** PyTorch's BatchNorm default: running = (1 − 0.1)·running + 0.1·batch (unbiased variance). */
export const BN_MOMENTUM = 0.1;

const batchNormGrad: GradRule = {
  diff: [0, 1, 2],
  forward({ node, inputs: [x, scale, bias, mean, vr], attrs, training, saved, state }) {
    const [N, C] = x!.shape as [number, number], inner = numel(x!.shape.slice(2)), m = N * inner, eps = attrs['epsilon'] as number;
    const xd = f32(x), g = f32(scale), b = f32(bias), out = tensor('f32', x!.shape), y = out.data as Float32Array;
    const xhat = new Float32Array(xd.length), invstd = new Float64Array(C);
    const newMean = new Float32Array(C), newVar = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let mu: number, v: number;
      if (training) {
        let s = 0, s2 = 0;
        for (let n = 0; n < N; n++) for (let i = (n * C + c) * inner, e = i + inner; i < e; i++) s += xd[i]!;
        mu = s / m;
        for (let n = 0; n < N; n++) for (let i = (n * C + c) * inner, e = i + inner; i < e; i++) s2 += (xd[i]! - mu) ** 2;
        v = s2 / m;
        newMean[c] = (1 - BN_MOMENTUM) * f32(mean)[c]! + BN_MOMENTUM * mu;
        newVar[c] = (1 - BN_MOMENTUM) * f32(vr)[c]! + BN_MOMENTUM * (m > 1 ? (s2 / (m - 1)) : v);
      } else [mu, v] = [f32(mean)[c]!, f32(vr)[c]!];
      const is = 1 / Math.sqrt(v + eps);
      invstd[c] = is;
      for (let n = 0; n < N; n++)
        for (let i = (n * C + c) * inner, e = i + inner; i < e; i++) {
          xhat[i] = (xd[i]! - mu) * is;
          y[i] = xhat[i]! * g[c]! + b[c]!;
        }
    }
    if (training) {
      state.setBuffer(node.inputs[3]!, newMean);
      state.setBuffer(node.inputs[4]!, newVar);
    }
    Object.assign(saved, { xhat, invstd, training });
    return [out];
  },
  backward({ inputs: [x, scale], dy, saved, need }) {
    const [N, C] = x!.shape as [number, number], inner = numel(x!.shape.slice(2)), m = N * inner;
    const xhat = saved['xhat'] as Float32Array, invstd = saved['invstd'] as Float64Array, g = f32(scale);
    const dx = need[0] ? new Float32Array(dy.length) : undefined, dg = new Float32Array(C), db = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let sdy = 0, sdyx = 0;
      for (let n = 0; n < N; n++)
        for (let i = (n * C + c) * inner, e = i + inner; i < e; i++) {
          sdy += dy[i]!;
          sdyx += dy[i]! * xhat[i]!;
        }
      dg[c] = sdyx;
      db[c] = sdy;
      if (!dx) continue;
      const k = g[c]! * invstd[c]!;
      for (let n = 0; n < N; n++)
        for (let i = (n * C + c) * inner, e = i + inner; i < e; i++)
          dx[i] = saved['training'] ? k * (dy[i]! - sdy / m - (xhat[i]! * sdyx) / m) : k * dy[i]!;
    }
    return [dx, need[1] ? dg : undefined, need[2] ? db : undefined];
  },
};

export const NN_GRADS: Record<string, GradRule> = {
  conv2d: conv2dGrad,
  conv_transpose2d: convTransposeGrad,
  gemm: gemmGrad,
  matmul: matmulGrad,
  maxpool2d: maxpoolGrad,
  avgpool2d: avgpoolGrad,
  global_avgpool: globalAvgpoolGrad,
  batch_norm: batchNormGrad,
};


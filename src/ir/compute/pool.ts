// Pooling kernels on NCHW tensors. Averages sum in float64 and divide once, rounding to f32 once.
import type { TypedArray } from '../dtype.js';
import { validRange, type Window2d } from './window.js';

interface PoolArgs {
  x: TypedArray;
  /** [N·C planes, H, W] */
  planes: number;
  H: number;
  W: number;
  out: TypedArray;
  Ho: number;
  Wo: number;
  win: Window2d;
}

/**
 * Max over the window's in-bounds elements (padding never wins). An all-padding window gives
 * `lowest`: -Infinity for floats, the dtype's minimum for integers (what quantize(-Infinity)
 * gives, so max pooling stays exact on the integers of a dequantize).
 */
export function maxpool2d(a: PoolArgs & { lowest: number }): void {
  const { x, out, H, W, Ho, Wo, win } = a;
  const x2 = x as Float32Array, o2 = out as Float32Array; // also i8/u8 arrays: only compared and copied
  for (let pl = 0; pl < a.planes; pl++) {
    const base = pl * H * W;
    let o = pl * Ho * Wo;
    for (let oh = 0; oh < Ho; oh++) {
      const h0 = oh * win.sh - win.pt;
      const [iLo, iHi] = validRange(win.kh, win.dh, h0, H);
      for (let ow = 0; ow < Wo; ow++, o++) {
        const w0 = ow * win.sw - win.pl;
        const [jLo, jHi] = validRange(win.kw, win.dw, w0, W);
        let m = a.lowest;
        for (let i = iLo; i < iHi; i++) {
          const row = base + (h0 + i * win.dh) * W + w0;
          for (let j = jLo; j < jHi; j++) {
            const v = x2[row + j * win.dw]!;
            if (v > m || Number.isNaN(v)) m = v; // NaN propagates, as in PyTorch
          }
        }
        o2[o] = m;
      }
    }
  }
}

/**
 * Mean over the window. The divisor counts in-bounds elements, or with count_include_pad the
 * window clipped to the padded extent [−pads, n + pads) (PyTorch's rule for ceil-mode windows).
 */
export function avgpool2d(a: PoolArgs & { includePad: boolean }): void {
  const { x, out, H, W, Ho, Wo, win } = a;
  const x2 = x as Float32Array, o2 = out as Float32Array;
  for (let pl = 0; pl < a.planes; pl++) {
    const base = pl * H * W;
    let o = pl * Ho * Wo;
    for (let oh = 0; oh < Ho; oh++) {
      const h0 = oh * win.sh - win.pt;
      const hLo = Math.max(h0, 0), hHi = Math.min(h0 + win.kh, H);
      const hPad = Math.min(h0 + win.kh, H + win.pb) - h0;
      for (let ow = 0; ow < Wo; ow++, o++) {
        const w0 = ow * win.sw - win.pl;
        const wLo = Math.max(w0, 0), wHi = Math.min(w0 + win.kw, W);
        let s = 0;
        for (let h = hLo; h < hHi; h++) {
          const row = base + h * W;
          for (let w = wLo; w < wHi; w++) s += x2[row + w]!;
        }
        const count = a.includePad ? hPad * (Math.min(w0 + win.kw, W + win.pr) - w0) : (hHi - hLo) * (wHi - wLo);
        o2[o] = s / count;
      }
    }
  }
}

/** Mean of each [N·C] plane of `size` elements. */
export function globalAvgpool(x: Float32Array, planes: number, size: number, out: Float32Array): void {
  for (let p = 0; p < planes; p++) {
    let s = 0;
    for (let i = p * size, e = i + size; i < e; i++) s += x[i]!;
    out[p] = s / size;
  }
}

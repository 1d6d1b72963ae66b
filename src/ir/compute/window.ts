// Sliding-window geometry shared by conv and pool inference and kernels (2-D, NCHW).

/** Resolved 2-D window parameters; pads in ONNX order [top, left, bottom, right]. */
export interface Window2d {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  pb: number;
  pr: number;
  dh: number;
  dw: number;
}

export function window2d(kernel: readonly number[], strides: readonly number[], pads: readonly number[], dilations: readonly number[]): Window2d {
  return {
    kh: kernel[0]!, kw: kernel[1]!,
    sh: strides[0]!, sw: strides[1]!,
    pt: pads[0]!, pl: pads[1]!, pb: pads[2]!, pr: pads[3]!,
    dh: dilations[0]!, dw: dilations[1]!,
  };
}

/** Extent of a dilated kernel. */
export const effectiveKernel = (k: number, d: number): number => d * (k - 1) + 1;

/** Conv output length: floor((n + pads - dilated k) / s) + 1 (may be ≤ 0 when the window does not fit). */
export function convOutLength(n: number, k: number, s: number, padBegin: number, padEnd: number, d: number): number {
  return Math.floor((n + padBegin + padEnd - effectiveKernel(k, d)) / s) + 1;
}

/**
 * Pool output length. ceil_mode rounds up, but (as PyTorch and ONNX do) drops a last window that
 * would start inside the end padding, so every window starts within input or begin padding.
 */
export function poolOutLength(n: number, k: number, s: number, padBegin: number, padEnd: number, d: number, ceil: boolean): number {
  const span = n + padBegin + padEnd - effectiveKernel(k, d);
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= n + padBegin) out--;
  return out;
}

/** Transposed-conv output length: (n-1)·s - pads + dilated k + output_padding. */
export function convTransposeOutLength(n: number, k: number, s: number, padBegin: number, padEnd: number, d: number, outPad: number): number {
  return (n - 1) * s - padBegin - padEnd + effectiveKernel(k, d) + outPad;
}

/**
 * For output positions o in [0, outLen), the input index is o*s + off. Returns the half-open range
 * of o for which that index lies in [0, n).
 */
export function validRange(outLen: number, s: number, off: number, n: number): [number, number] {
  const lo = off >= 0 ? 0 : Math.ceil(-off / s);
  const hi = Math.min(outLen, Math.floor((n - 1 - off) / s) + 1);
  return [Math.min(lo, outLen), Math.max(hi, Math.min(lo, outLen))];
}

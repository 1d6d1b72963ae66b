// Scale / zero-point computation, bit-exact with PyTorch's observers
// (UniformQuantizationObserverBase._calculate_qparams): every step in float32.
import { fround, rint } from '../../ir/quant-math.js';
import { dtypeRange, type DType } from '../../ir/dtype.js';

/** float32 machine epsilon, PyTorch's default observer eps. */
export const F32_EPS = 2 ** -23;

export type QScheme = 'affine' | 'symmetric';

/** What a quantized tensor looks like: the numeric half of a PT2E QuantizationSpec. */
export interface QRange {
  dtype: DType;
  qmin: number;
  qmax: number;
  scheme: QScheme;
  eps: number;
}

export function makeRange(dtype: DType, scheme: QScheme, opts: { qmin?: number; qmax?: number; eps?: number } = {}): QRange {
  const [lo, hi] = dtypeRange(dtype);
  return { dtype, scheme, qmin: opts.qmin ?? lo, qmax: opts.qmax ?? hi, eps: opts.eps ?? F32_EPS };
}

export interface ScaleZp {
  scale: number;
  zeroPoint: number;
}

/**
 * qparams for an observed [min, max]. An unobserved range (min=+inf, max=-inf) gives scale 1,
 * zero point 0, as PyTorch does; the range always includes zero; a zero-width range gets scale eps.
 */
export function calculateQParams(min: number, max: number, r: QRange): ScaleZp {
  if (min === Infinity && max === -Infinity) return { scale: 1, zeroPoint: 0 };
  const minNeg = fround(Math.min(min, 0));
  const maxPos = fround(Math.max(max, 0));
  const eps = fround(r.eps);
  if (r.scheme === 'symmetric') {
    const amax = Math.max(-minNeg, maxPos);
    const scale = Math.max(fround(amax / fround((r.qmax - r.qmin) / 2)), eps);
    // Unsigned symmetric ranges centre the zero point: 128 for the full u8 range, else the
    // rounded-down midpoint of a custom range (PyTorch's rule).
    const full = r.qmin === 0 && r.qmax === dtypeRange(r.dtype)[1];
    const zeroPoint = r.qmin < 0 ? 0 : full ? (r.qmax + 1) / 2 : Math.floor((r.qmin + r.qmax) / 2);
    return { scale, zeroPoint };
  }
  const scale = Math.max(fround(fround(maxPos - minNeg) / (r.qmax - r.qmin)), eps);
  const zp = r.qmin - rint(fround(minNeg / scale));
  return { scale, zeroPoint: Math.min(Math.max(zp, r.qmin), r.qmax) };
}

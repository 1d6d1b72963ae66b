// Dynamic quantization (`--mode dynamic`): a linear layer whose float activation is quantized
// at run time from its own range, as PyTorch's dynamic linear does, with int8 weights and
// integer accumulation. Exact semantics (everything float32, rint half to even):
//   lo = min(min(x), 0), hi = max(max(x), 0)          (over the whole tensor)
//   x_s = max(fround(fround(hi − lo) / (qmax − qmin)), eps)
//   x_zp = clamp(qmin − rint(fround(lo / x_s)), qmin, qmax)   (PT2E choose_qparams, pt2e-semantics.md §4.2)
//   xq = quantize(x, x_s, x_zp)                       (the quantize op's formula)
//   acc[r, n] = Σk (xq[r, k] − x_zp)(w[n, k] − w_zp[n])   (exact integers)
//   y[r, n] = clamp(fround(fround(fround(acc)·fround(x_s·w_s[n])) + b[n]), clamp_min, clamp_max)
// An empty x gets scale 1, zero point 0 (PyTorch's rule for an unobserved range).
import type { DType } from '../dtype.js';
import { dtypeRange } from '../dtype.js';
import { fround, quantizeValue, rint } from '../quant-math.js';
import { tensor } from '../tensor.js';
import { numel } from '../types.js';
import { checkClamp, linearOperands, perChannel } from './infer-util.js';
import { FLOAT_LINEAR_OPERANDS } from './quantized.js';
import { check, type OpDef, type ResolvedAttrs } from './registry.js';

/** The run-time qparams of x (affine, PyTorch's observer / choose_qparams formula). */
export function dynamicQParams(data: ArrayLike<number>, qmin: number, qmax: number, eps: number): { scale: number; zeroPoint: number } {
  if (data.length === 0) return { scale: 1, zeroPoint: 0 };
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const lo = fround(Math.min(min, 0)), hi = fround(Math.max(max, 0));
  const scale = Math.max(fround(fround(hi - lo) / (qmax - qmin)), fround(eps));
  const zp = qmin - rint(fround(lo / scale));
  return { scale, zeroPoint: Math.min(Math.max(zp, qmin), qmax) };
}

function xRange(a: ResolvedAttrs): [number, number] {
  const [lo, hi] = dtypeRange(a['x_dtype'] as DType);
  const qmin = (a['x_qmin'] as number | undefined) ?? lo, qmax = (a['x_qmax'] as number | undefined) ?? hi;
  check(lo <= qmin && qmin < qmax && qmax <= hi, `qlinear_dynamic: x range [${qmin}, ${qmax}] must lie within ${a['x_dtype']} [${lo}, ${hi}] and hold two levels`);
  return [qmin, qmax];
}

const qlinearDynamic: OpDef = {
  name: 'qlinear_dynamic',
  doc: 'dynamic quantized linear: x quantized per tensor at run time from its min/max, int weight [N, K], integer accumulation, y = fround(acc)·fround(x_s·w_s[n]) + b[n] (f32)',
  category: 'quantized',
  operands: FLOAT_LINEAR_OPERANDS,
  results: 1,
  attrs: {
    w_scale: { type: 'floats', doc: 'weight scale, one or one per output row n' },
    w_zero_point: { type: 'ints', default: [0], doc: 'one, or one per output row' },
    x_dtype: { type: 'dtype', oneOf: ['u8', 'i8'], default: 'u8', doc: 'integer type x is quantized to at run time' },
    x_qmin: { type: 'int', optional: true, doc: 'default: x_dtype min (reduce_range: 0..127)' },
    x_qmax: { type: 'int', optional: true, doc: 'default: x_dtype max' },
    eps: { type: 'float', default: 2 ** -23, doc: 'smallest run-time scale' },
    clamp_min: { type: 'float', default: -Infinity, doc: 'fused activation, applied last' },
    clamp_max: { type: 'float', default: Infinity },
  },
  infer({ inputs, attrs }) {
    const { x, w, N } = linearOperands('qlinear_dynamic', inputs);
    perChannel('qlinear_dynamic', attrs, N, 'w_scale');
    const [wlo, whi] = dtypeRange(w.dtype);
    check((attrs['w_zero_point'] as number[]).every((z) => z >= wlo && z <= whi), `qlinear_dynamic: w_zero_point must lie in ${w.dtype}'s range`);
    xRange(attrs);
    checkClamp('qlinear_dynamic', attrs);
    return [{ dtype: 'f32', shape: [...x.shape.slice(0, -1), N] }];
  },
  kernel([x, w, b], attrs, [yt]) {
    const [N, K] = w!.shape as [number, number];
    const R = numel(x!.shape) / K;
    const [qmin, qmax] = xRange(attrs);
    const xd = x!.data as Float32Array;
    const { scale: xs, zeroPoint: xz } = dynamicQParams(xd, qmin, qmax, attrs['eps'] as number);
    const ws = attrs['w_scale'] as number[], wz = attrs['w_zero_point'] as number[];
    const m = Array.from({ length: N }, (_, n) => fround(fround(xs) * fround(ws.length === 1 ? ws[0]! : ws[n]!)));
    const lo = attrs['clamp_min'] as number, hi = attrs['clamp_max'] as number;
    const out = tensor('f32', yt!.shape);
    const o = out.data as Float32Array, bias = b?.data as Float32Array | undefined;
    const xc = new Int32Array(K);
    for (let r = 0; r < R; r++) {
      for (let k = 0; k < K; k++) xc[k] = quantizeValue(xd[r * K + k]!, xs, xz, qmin, qmax) - xz;
      for (let n = 0; n < N; n++) {
        const z = wz.length === 1 ? wz[0]! : wz[n]!;
        let acc = 0;
        for (let k = 0; k < K; k++) acc += xc[k]! * ((w!.data[n * K + k] as number) - z);
        let y = fround(fround(acc) * m[n]!);
        if (bias) y = fround(y + bias[n]!);
        o[r * N + n] = Math.min(Math.max(y, lo), hi);
      }
    }
    return [out];
  },
};

export const QUANTIZED_DYNAMIC_OPS: OpDef[] = [qlinearDynamic];

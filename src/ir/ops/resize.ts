// resize: nearest / linear / cubic interpolation of every axis to a static output shape, with
// ONNX's coordinate transformations (Resize-11+). Output coordinate x maps to an input coordinate
// x_ori by the transformation (scale = the per-axis factor, out = scale · in, not rounded):
//   half_pixel (x + 0.5) / scale - 0.5     pytorch_half_pixel: the same, -0.5 when the output is 1 wide
//   asymmetric x / scale                   align_corners: x · (in - 1) / (out - 1)
//   tf_half_pixel_for_nn (x + 0.5) / scale tf_crop_and_resize: through roi, outside → extrapolation_value
//   half_pixel_symmetric: half_pixel shifted to keep the centre when out was rounded.
// nearest picks by nearest_mode; linear and cubic (coefficient a, exclude_outside) weight their
// neighbours, clamped to the edge. Interpolation runs axis by axis in float64; each result is
// rounded once. Nearest is a pure selection and works on every dtype.
import { isFloatDType, type DType } from '../dtype.js';
import { strides, tensor, type Tensor } from '../tensor.js';
import { numel } from '../types.js';
import { operand } from './infer-util.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

export const COORDINATE_MODES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'] as const;
export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;

export interface Taps {
  /** Per output coordinate: input indices and weights (nearest: one index, weight 1). */
  idx: number[][];
  w: number[][];
  /** Output coordinates that map outside the input (tf_crop_and_resize). */
  outside: boolean[];
}

/** The input coordinate of output coordinate x on one axis. */
function sourceCoord(mode: string, x: number, scale: number, inLen: number, outLen: number, roi: [number, number] | undefined): number {
  const outW = scale * inLen;
  switch (mode) {
    case 'asymmetric': return x / scale;
    case 'align_corners': return outW === 1 ? 0 : (x * (inLen - 1)) / (outW - 1);
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    case 'pytorch_half_pixel': return outW === 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adjust = outLen / outW, offset = (inLen / 2) * (1 - adjust);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case 'tf_crop_and_resize': {
      const [s, e] = roi!;
      const c = outW === 1 ? ((e - s) * (inLen - 1)) / 2 : (x * (e - s) * (inLen - 1)) / (outW - 1);
      return c + s * (inLen - 1);
    }
    default: return (x + 0.5) / scale - 0.5;
  }
}

function cubicCoeffs(r: number, A: number): number[] {
  const s = 1 - r;
  return [
    ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
    ((A + 2) * r - (A + 3)) * r * r + 1,
    ((A + 2) * s - (A + 3)) * s * s + 1,
    ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A,
  ];
}

function nearestIndex(x: number, mode: string): number {
  const f = Math.floor(x), r = x - f;
  if (r === 0) return f;
  switch (mode) {
    case 'floor': return f;
    case 'ceil': return f + 1;
    case 'round_prefer_ceil': return r < 0.5 ? f : f + 1;
    default: return r <= 0.5 ? f : f + 1;
  }
}

export function axisTaps(a: ResolvedAttrs, axis: number, rank: number, inLen: number, outLen: number, scale: number): Taps {
  const mode = a['mode'] as string, ct = a['coordinate_transformation_mode'] as string;
  const roiAll = a['roi'] as number[];
  const roi: [number, number] | undefined = ct === 'tf_crop_and_resize' ? [roiAll[axis]!, roiAll[axis + rank]!] : undefined;
  const clamp = (i: number) => Math.min(Math.max(i, 0), inLen - 1);
  const taps: Taps = { idx: [], w: [], outside: [] };
  for (let x = 0; x < outLen; x++) {
    const xo = sourceCoord(ct, x, scale, inLen, outLen, roi);
    taps.outside.push(roi !== undefined && (xo < 0 || xo > inLen - 1));
    if (mode === 'nearest') {
      taps.idx.push([clamp(nearestIndex(xo, a['nearest_mode'] as string))]);
      taps.w.push([1]);
      continue;
    }
    // The left neighbour and a ratio in (0, 1]: an integer coordinate is the right end of its cell.
    let i0 = Math.floor(xo), r = xo - i0;
    if (r === 0) (i0 -= 1), (r = 1);
    const raw = mode === 'linear' ? [i0, i0 + 1] : [i0 - 1, i0, i0 + 1, i0 + 2];
    let w = mode === 'linear' ? [1 - r, r] : cubicCoeffs(r, a['cubic_coeff_a'] as number);
    if (a['exclude_outside']) {
      w = w.map((c, k) => (raw[k]! < 0 || raw[k]! >= inLen ? 0 : c));
      const sum = w.reduce((p, q) => p + q, 0);
      w = w.map((c) => c / sum);
    }
    const keep = w.flatMap((c, k) => (c !== 0 ? [k] : []));
    taps.idx.push(keep.map((k) => clamp(raw[k]!)));
    taps.w.push(keep.map((k) => w[k]!));
  }
  return taps;
}

export interface Plan {
  sizes: number[];
  scales: number[];
}

export function plan(x: { shape: number[]; dtype: DType }, a: ResolvedAttrs): Plan {
  const rank = x.shape.length, sizes = a['sizes'] as number[], given = a['scales'] as number[];
  check(sizes.length === rank, `resize: sizes needs ${rank} values, got ${sizes.length}`);
  check(sizes.every((s) => Number.isInteger(s) && s >= 0), `resize: bad sizes [${sizes.join(',')}]`);
  check(given.length === 0 || given.length === rank, `resize: scales needs ${rank} values, got ${given.length}`);
  check(given.every((s) => s > 0), `resize: scales must be positive, got [${given.join(',')}]`);
  check(a['mode'] === 'nearest' || isFloatDType(x.dtype), `resize: ${a['mode']} interpolation needs a float input, got ${x.dtype}`);
  if (a['coordinate_transformation_mode'] === 'tf_crop_and_resize')
    check((a['roi'] as number[]).length === 2 * rank, `resize: tf_crop_and_resize needs roi with ${2 * rank} values`);
  for (let d = 0; d < rank; d++) check(x.shape[d]! > 0 || sizes[d] === 0, `resize: cannot resize the empty dim ${d}`);
  const scales = given.length ? given : sizes.map((s, d) => s / x.shape[d]!);
  return { sizes, scales };
}

export function isIdentity(t: Taps, n: number): boolean {
  return t.idx.length === n && t.idx.every((ix, x) => ix.length === 1 && ix[0] === x && t.w[x]![0] === 1 && !t.outside[x]);
}

/** One separable pass: interpolates `axis` of data (float64, shape `shape`) to the taps' length. */
function pass(data: Float64Array, shape: number[], axis: number, t: Taps): Float64Array {
  const outer = numel(shape.slice(0, axis)), n = shape[axis]!, inner = numel(shape.slice(axis + 1)), m = t.idx.length;
  const out = new Float64Array(outer * m * inner);
  for (let o = 0; o < outer; o++)
    for (let x = 0; x < m; x++) {
      const ix = t.idx[x]!, w = t.w[x]!, dst = (o * m + x) * inner;
      for (let k = 0; k < ix.length; k++) {
        const src = (o * n + ix[k]!) * inner, c = w[k]!;
        for (let i = 0; i < inner; i++) out[dst + i]! += c * data[src + i]!;
      }
    }
  return out;
}

const resize: OpDef = {
  name: 'resize',
  doc: 'nearest/linear/cubic resize to `sizes` with ONNX coordinate transformations (scales: the factors the coordinates use)',
  category: 'nn',
  operands: [{ name: 'x' }],
  results: 1,
  attrs: {
    sizes: { type: 'ints', doc: 'the output shape' },
    scales: { type: 'floats', default: [], doc: 'per-axis factors for the coordinate mapping (default sizes / input dims)' },
    mode: { type: 'string', default: 'nearest', oneOf: ['nearest', 'linear', 'cubic'] },
    coordinate_transformation_mode: { type: 'string', default: 'half_pixel', oneOf: COORDINATE_MODES },
    nearest_mode: { type: 'string', default: 'round_prefer_floor', oneOf: NEAREST_MODES },
    cubic_coeff_a: { type: 'float', default: -0.75 },
    exclude_outside: { type: 'bool', default: false },
    extrapolation_value: { type: 'float', default: 0 },
    roi: { type: 'floats', default: [], doc: 'tf_crop_and_resize: starts then ends, normalised' },
  },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x');
    return [{ dtype: x.dtype, shape: [...plan(x, attrs).sizes] }];
  },
  kernel([x], attrs) {
    const t: Tensor = x!, rank = t.shape.length, { sizes, scales } = plan(t, attrs);
    const taps = sizes.map((s, d) => axisTaps(attrs, d, rank, t.shape[d]!, s, scales[d]!));
    const out = tensor(t.dtype, sizes);
    if (attrs['mode'] === 'nearest') {
      // A gather: every output element reads one input element.
      const st = strides(t.shape), ost = strides(sizes), o = out.data as unknown as (number | bigint)[], d = t.data as unknown as (number | bigint)[];
      for (let i = 0; i < o.length; i++) {
        let src = 0;
        for (let k = 0; k < rank; k++) src += taps[k]!.idx[Math.floor(i / ost[k]!) % sizes[k]!]![0]! * st[k]!;
        o[i] = d[src]!;
      }
    } else {
      let data: Float64Array = Float64Array.from(t.data as Float32Array), shape = [...t.shape];
      taps.forEach((tp, d) => {
        if (isIdentity(tp, shape[d]!)) return;
        data = pass(data, shape, d, tp);
        shape = shape.map((s, k) => (k === d ? tp.idx.length : s));
      });
      (out.data as Float32Array).set(data);
    }
    if (taps.some((tp) => tp.outside.includes(true))) {
      const ost = strides(sizes), ext = attrs['extrapolation_value'] as number, o = out.data;
      for (let i = 0; i < o.length; i++)
        if (taps.some((tp, k) => tp.outside[Math.floor(i / ost[k]!) % sizes[k]!])) o[i] = o instanceof BigInt64Array ? BigInt(Math.trunc(ext)) : ext;
    }
    return [out];
  },
};

export const RESIZE_OPS: OpDef[] = withOnnx([resize], { resize: { opType: 'Resize', alsoFrom: ['Upsample'] } });

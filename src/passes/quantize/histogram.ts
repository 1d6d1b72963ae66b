// PyTorch 1.13's HistogramObserver, ported step for step so that the same data gives the same
// histogram and the same searched range. Tensor ops there run in float32; fround marks each one.
import { fround, rint } from '../../ir/quant-math.js';
import { torchSumF32 } from './torch-sum.js';

/** torch.histc on float32 data: bins over [lo, hi] (both float32), values outside dropped, hi inclusive. */
export function histc(data: ArrayLike<number>, bins: number, lo: number, hi: number): Float32Array {
  let left = lo, right = hi;
  if (left === right && data.length > 0) {
    // histc with min == max uses the data's own range
    left = Infinity;
    right = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < left) left = v;
      if (v > right) right = v;
    }
  }
  if (left === right) {
    left -= 1;
    right += 1;
  }
  left = fround(left);
  right = fround(right);
  const width = fround(right - left);
  const h = new Float32Array(bins);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= left && v <= right)) continue;
    let pos = Math.trunc(fround(fround(fround(v - left) * bins) / width));
    if (pos === bins) pos = bins - 1;
    h[pos]! += 1;
  }
  return h;
}

export class TorchHistogram {
  min = Infinity;
  max = -Infinity;
  histogram: Float32Array;

  constructor(
    readonly bins = 2048,
    readonly upsampleRate = 128,
  ) {
    this.histogram = new Float32Array(bins);
  }

  observe(data: ArrayLike<number>): void {
    if (data.length === 0) return;
    let bmin = Infinity, bmax = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < bmin) bmin = v;
      if (v > bmax) bmax = v;
    }
    const uninitialised = this.min === Infinity && this.max === -Infinity;
    if (uninitialised || this.min === this.max) {
      this.min = bmin;
      this.max = bmax;
      // torch bins the first batch over [int(min), int(max)]: truncation drops outliers (a 1.13 quirk)
      this.histogram = histc(data, this.bins, Math.trunc(bmin), Math.trunc(bmax));
      return;
    }
    const cmin = Math.min(bmin, this.min);
    let cmax = Math.max(bmax, this.max);
    // _adjust_min_max: keep a common fine grid by extending only the max
    const hbw = fround(fround(this.max - this.min) / (this.bins * this.upsampleRate));
    const span = fround(this.bins * hbw);
    const downsample = Math.ceil(fround(fround(cmax - cmin) / span));
    if (!Number.isFinite(downsample) || downsample > 1 << 20) {
      // The old range is too narrow for a fine grid (it underflows float32): torch would fail here.
      // Keep its mass, all in the bin that holds the old range, and rebin over the combined range.
      const fresh = histc(data, this.bins, Math.trunc(cmin), Math.trunc(cmax));
      const mass = this.histogram.reduce((a, b) => a + b, 0);
      const at = Math.min(this.bins - 1, Math.max(0, Math.floor(((this.min - cmin) / (cmax - cmin)) * this.bins)));
      fresh[at] = fround(fresh[at]! + mass);
      this.histogram = fresh;
      this.min = cmin;
      this.max = cmax;
      return;
    }
    const e = fround(fround(downsample * span) - fround(cmax - cmin));
    cmax = fround(cmax + e);
    const startIdx = rint(fround(fround(this.min - cmin) / hbw));
    // torch 1.13 bins every later batch over [int(min), int(max)] of the combined range too
    const fresh = histc(data, this.bins, Math.trunc(cmin), Math.trunc(cmax));
    if (cmin === this.min && cmax === this.max) {
      for (let i = 0; i < this.bins; i++) fresh[i] = fround(fresh[i]! + this.histogram[i]!);
    } else {
      this.combineInto(fresh, downsample, startIdx);
    }
    this.histogram = fresh;
    this.min = cmin;
    this.max = cmax;
  }

  /** _combine_histograms: spread the old histogram on the fine grid and add it, resampled, to `fresh`. */
  private combineInto(fresh: Float32Array, downsample: number, startIdx: number): void {
    const n = this.bins, up = this.upsampleRate;
    const fine = new Float64Array(n * downsample);
    for (let b = 0; b < n; b++) {
      const c = this.histogram[b]!;
      const base = startIdx + b * up;
      for (let k = 0; k < up; k++) {
        const j = base + k;
        if (j >= 0 && j < fine.length) fine[j] = c;
      }
    }
    let cum = 0, prev32 = 0;
    for (let b = 0, j = 0; b < n; b++) {
      for (let k = 0; k < downsample; k++, j++) cum += fine[j]!;
      const interpolated = (cum - prev32) / up; // double minus the float32 copy, as torch does
      fresh[b] = fround(fresh[b]! + fround(interpolated));
      prev32 = fround(cum);
    }
  }

  /** _non_linear_param_search: the [min, max] minimising the L2 quantization error for `dstBins` levels. */
  search(dstBins = 256): [number, number] {
    const n = this.bins, h = this.histogram;
    const binWidth32 = fround(fround(this.max - this.min) / n);
    // cumsum accumulates in double and stores float32; sum is torch's float32 cascade
    const cum = new Float32Array(n);
    for (let i = 0, acc = 0; i < n; i++) cum[i] = acc += h[i]!;
    const total = torchSumF32(h);
    const step = 1e-5;
    let alpha = 0, beta = 1, start = 0, end = n - 1, best = Infinity;
    while (alpha < beta) {
      const nextAlpha = alpha + step, nextBeta = beta - step;
      let l = start, r = end;
      const loBound = fround(nextAlpha * total), hiBound = fround(nextBeta * total);
      while (l < end && cum[l]! < loBound) l++;
      while (r > start && cum[r]! > hiBound) r--;
      let nextStart = start, nextEnd = end;
      if (l - start > end - r) {
        nextStart = l;
        alpha = nextAlpha;
      } else {
        nextEnd = r;
        beta = nextBeta;
      }
      if (nextStart === start && nextEnd === end) continue;
      const err = this.quantError(nextStart, nextEnd, dstBins);
      if (err > best) break;
      best = err;
      start = nextStart;
      end = nextEnd;
    }
    return [fround(this.min + fround(binWidth32 * start)), fround(this.min + fround(binWidth32 * (end + 1)))];
  }

  /** _compute_quantization_error: each source bin is a uniform density; error against destination bin centres. */
  private quantError(s: number, e: number, dstBins: number): number {
    const n = this.bins;
    const bw = (this.max - this.min) / n; // a Python float in torch
    const dbw = (bw * (e - s + 1)) / dstBins;
    if (dbw === 0) return 0;
    const bw32 = fround(bw), dbw32 = fround(dbw), half32 = fround(dbw / 2), negHalf32 = fround(-dbw / 2);
    const cube = (x: number) => fround(fround(x * x) * x);
    const norm = (a: number, b: number) => fround(fround(cube(b) - cube(a)) / 3);
    const fullBin = norm(negHalf32, half32);
    const perBin = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const begin = fround((i - s) * bw32);
      const endv = fround(begin + bw32);
      const dBegin = clampBin(floorDiv(begin, dbw32), dstBins);
      const dEnd = clampBin(floorDiv(endv, dbw32), dstBins);
      const density = fround(this.histogram[i]! / bw32);
      const beginCentre = fround(fround(dBegin + 0.5) * dbw32);
      let acc = fround(density * norm(fround(begin - beginCentre), half32));
      acc = fround(acc + fround(fround(dEnd - dBegin - 1) * fround(density * fullBin)));
      const endCentre = fround(fround(dEnd * dbw32) + half32);
      acc = fround(acc + fround(density * norm(negHalf32, fround(endv - endCentre))));
      perBin[i] = acc;
    }
    return torchSumF32(perBin);
  }
}

/** torch's floor division for floats (via fmod, as in div_floor). */
function floorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = fround(fround(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

const clampBin = (v: number, dstBins: number): number => (v < 0 ? 0 : v > dstBins - 1 ? dstBins - 1 : v);

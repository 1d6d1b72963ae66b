// Observers watch a tensor during calibration and turn what they saw into qparams.
// Each mirrors a PyTorch observer of the same name (see README, "Observers").
import { fail } from '../../diagnostics/index.js';
import type { Tensor } from '../../ir/tensor.js';
import type { QuantParams } from '../../ir/types.js';
import { fround } from '../../ir/quant-math.js';
import { TorchHistogram } from './histogram.js';
import { calculateQParams, type QRange } from './qparams.js';

export const OBSERVER_KINDS = ['minmax', 'moving-average', 'per-channel-minmax', 'histogram', 'percentile', 'per-group-minmax', 'fixed'] as const;
export type ObserverKind = (typeof OBSERVER_KINDS)[number];

export interface ObserverConfig {
  kind: ObserverKind;
  range: QRange;
  /** per-channel: the channel axis; per-group: the axis that is split into groups. */
  axis?: number;
  groupSize?: number;
  /** moving-average: EMA constant (PyTorch's 0.01). */
  averagingConstant?: number;
  /** histogram: bins (2048) and upsample rate (128 in torch 1.13, 16 in torchao). */
  bins?: number;
  upsampleRate?: number;
  /** percentile: the kept fraction in percent (99.99). */
  percentile?: number;
  /** fixed: qparams. */
  scale?: number;
  zeroPoint?: number;
}

export interface Observer {
  readonly config: ObserverConfig;
  observe(t: Tensor): void;
  qparams(): QuantParams;
  /** The observed range (per channel or group for those kinds), for reports. */
  observedRange(): { min: number[]; max: number[] };
}

/** Creates an observer; `tensorName` names the watched value in errors (NaN/Inf in calibration data). */
export function createObserver(config: ObserverConfig, tensorName: string): Observer {
  switch (config.kind) {
    case 'minmax':
    case 'moving-average':
      return new MinMaxObserver(config, tensorName);
    case 'per-channel-minmax':
    case 'per-group-minmax':
      return new BlockMinMaxObserver(config, tensorName);
    case 'histogram':
    case 'percentile':
      return new HistogramObserver(config, tensorName);
    case 'fixed':
      return new FixedObserver(config);
  }
}

function checkFinite(t: Tensor, name: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    if (!Number.isFinite(v))
      fail('QUANT_NONFINITE', `calibration produced ${v} in tensor '${name}' (element ${i}); fix the data or the model before calibrating`);
  }
}

function extrema(d: ArrayLike<number>, from = 0, to = d.length, stride = 1): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = from; i < to; i += stride) {
    const v = d[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

class MinMaxObserver implements Observer {
  private min = Infinity;
  private max = -Infinity;
  private seen = false;
  constructor(readonly config: ObserverConfig, private name: string) {}
  observe(t: Tensor): void {
    checkFinite(t, this.name);
    if (t.data.length === 0) return;
    const [lo, hi] = extrema(t.data as ArrayLike<number>);
    if (this.config.kind === 'moving-average' && this.seen) {
      const c = this.config.averagingConstant ?? 0.01;
      this.min = fround(this.min + fround(c * fround(lo - this.min)));
      this.max = fround(this.max + fround(c * fround(hi - this.max)));
    } else {
      this.min = Math.min(this.min, lo);
      this.max = Math.max(this.max, hi);
    }
    this.seen = true;
  }
  qparams(): QuantParams {
    const q = calculateQParams(this.min, this.max, this.config.range);
    return { scale: [q.scale], zeroPoint: [q.zeroPoint] };
  }
  observedRange() {
    return { min: [this.min], max: [this.max] };
  }
}

/** Per-channel (one block per index of `axis`) or per-group (blocks of `groupSize` along `axis`, per row of the other dims). */
class BlockMinMaxObserver implements Observer {
  private min: number[] = [];
  private max: number[] = [];
  constructor(readonly config: ObserverConfig, private name: string) {}

  observe(t: Tensor): void {
    checkFinite(t, this.name);
    const rank = t.shape.length;
    const axis = (this.config.axis ?? 0) < 0 ? (this.config.axis ?? 0) + rank : (this.config.axis ?? 0);
    if (axis < 0 || axis >= rank) fail('QUANT_SPEC', `observer of '${this.name}': axis ${this.config.axis} is out of range for rank ${rank}`);
    const blocks = this.blocksOf(t, axis);
    if (this.min.length === 0) {
      this.min = blocks.map((b) => b[0]);
      this.max = blocks.map((b) => b[1]);
    } else {
      if (blocks.length !== this.min.length) fail('QUANT_SPEC', `observer of '${this.name}': channel count changed between batches`);
      blocks.forEach(([lo, hi], i) => {
        this.min[i] = Math.min(this.min[i]!, lo);
        this.max[i] = Math.max(this.max[i]!, hi);
      });
    }
  }

  /** [min, max] per block, in block order (row-major over the outer dims, then channel/group). */
  private blocksOf(t: Tensor, axis: number): [number, number][] {
    const d = t.data as ArrayLike<number>;
    const outer = t.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const len = t.shape[axis]!;
    const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const out: [number, number][] = [];
    if (this.config.kind === 'per-channel-minmax') {
      for (let c = 0; c < len; c++) {
        let lo = Infinity, hi = -Infinity;
        for (let o = 0; o < outer; o++) {
          const [a, b] = extrema(d, (o * len + c) * inner, (o * len + c + 1) * inner);
          lo = Math.min(lo, a);
          hi = Math.max(hi, b);
        }
        out.push([lo, hi]);
      }
      return out;
    }
    const g = this.config.groupSize ?? len;
    if (len % g !== 0) fail('QUANT_SPEC', `observer of '${this.name}': group size ${g} does not divide axis length ${len}`);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++)
        for (let s = 0; s < len; s += g) out.push(extrema(d, (o * len + s) * inner + i, (o * len + s + g) * inner + i, inner));
    return out;
  }

  qparams(): QuantParams {
    const qs = this.min.map((lo, i) => calculateQParams(lo, this.max[i]!, this.config.range));
    return { scale: qs.map((q) => q.scale), zeroPoint: qs.map((q) => q.zeroPoint), axis: this.config.axis ?? 0 };
  }
  observedRange() {
    return { min: [...this.min], max: [...this.max] };
  }
}

class HistogramObserver implements Observer {
  readonly hist: TorchHistogram;
  constructor(readonly config: ObserverConfig, private name: string) {
    this.hist = new TorchHistogram(config.bins ?? 2048, config.upsampleRate ?? 128);
  }
  observe(t: Tensor): void {
    checkFinite(t, this.name);
    this.hist.observe(t.data as ArrayLike<number>);
  }
  /** The range the qparams are computed from: L2 search (histogram) or quantiles (percentile). */
  chosenRange(): [number, number] {
    if (this.hist.min === Infinity) return [Infinity, -Infinity];
    if (this.config.kind === 'histogram') return this.hist.search(this.config.range.qmax - this.config.range.qmin + 1);
    return percentileRange(this.hist, this.config.percentile ?? 99.99);
  }
  qparams(): QuantParams {
    const [lo, hi] = this.chosenRange();
    const q = calculateQParams(lo, hi, this.config.range);
    return { scale: [q.scale], zeroPoint: [q.zeroPoint] };
  }
  observedRange() {
    return { min: [this.hist.min], max: [this.hist.max] };
  }
}

/** Bin edges holding the central `percentile`% of the mass (tails split evenly). */
function percentileRange(h: TorchHistogram, percentile: number): [number, number] {
  const counts = h.histogram, n = counts.length;
  const total = counts.reduce((a, b) => a + b, 0);
  const tail = (total * (100 - percentile)) / 200;
  const width = (h.max - h.min) / n;
  let lo = 0, acc = 0;
  while (lo < n - 1 && acc + counts[lo]! <= tail) acc += counts[lo++]!;
  let hi = n - 1;
  acc = 0;
  while (hi > lo && acc + counts[hi]! <= tail) acc += counts[hi--]!;
  return [fround(h.min + lo * width), fround(h.min + (hi + 1) * width)];
}

class FixedObserver implements Observer {
  constructor(readonly config: ObserverConfig) {}
  observe(): void {}
  qparams(): QuantParams {
    return { scale: [fround(this.config.scale ?? 1)], zeroPoint: [this.config.zeroPoint ?? 0] };
  }
  observedRange() {
    return { min: [], max: [] };
  }
}

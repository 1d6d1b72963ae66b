// Observer math against PyTorch's own qparams recorded in the fixtures (bit for bit).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { readNpy } from '../../src/ir/npy.js';
import { tensor } from '../../src/ir/tensor.js';
import { TorchHistogram } from '../../src/passes/quantize/histogram.js';
import { createObserver } from '../../src/passes/quantize/observers.js';
import { calculateQParams, makeRange } from '../../src/passes/quantize/qparams.js';

const FIX = path.resolve(process.cwd(), '../shared/fixtures');
const MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet', 'mlp', 'digits_mlp'];

interface ObsRec {
  observer_class: string;
  qscheme: string;
  quant_min: number;
  quant_max: number;
  dtype: string;
  scale: number;
  zero_point: number;
  min_val?: number;
  max_val?: number;
  histogram_min_val?: number;
  histogram_max_val?: number;
  searched_min?: number;
  searched_max?: number;
  histogram_row?: number;
}
const load = (m: string, f: string) => JSON.parse(readFileSync(path.join(FIX, m, f), 'utf8'));
const rangeOf = (o: { dtype: string; qscheme: string; quant_min: number; quant_max: number }) =>
  makeRange(o.dtype.includes('quint8') || o.dtype === 'uint8' ? 'u8' : 'i8', o.qscheme.includes('symmetric') ? 'symmetric' : 'affine', {
    qmin: o.quant_min,
    qmax: o.quant_max,
  });

describe('qparams from observed ranges match PyTorch exactly', () => {
  for (const m of MODELS) {
    it(`${m}: activation observers and per-channel weights`, () => {
      const q = load(m, 'qparams.json');
      let checked = 0;
      for (const o of q.observers as ObsRec[]) {
        if (o.observer_class !== 'MinMaxObserver') continue;
        const r = calculateQParams(o.min_val!, o.max_val!, rangeOf(o));
        expect([r.scale, r.zeroPoint]).toEqual([Math.fround(o.scale), o.zero_point]);
        checked++;
      }
      for (const w of q.weights) {
        const obs = w.observer_qscheme as string;
        const range = rangeOf({ dtype: w.dtype, qscheme: obs, quant_min: w.quant_min, quant_max: w.quant_max });
        const mins: number[] = w.min_vals ?? [w.min_val], maxs: number[] = w.max_vals ?? [w.max_val];
        mins.forEach((lo, c) => {
          const r = calculateQParams(lo, maxs[c]!, range);
          expect(r.scale).toBe(Math.fround(w.scales[c]));
          expect(r.zeroPoint).toBe(w.zero_points[c]);
          checked++;
        });
      }
      expect(checked).toBeGreaterThan(3);
    });
  }
});

describe('HistogramObserver search matches torch 1.13', () => {
  for (const m of ['conv_bn_relu', 'depthwise_residual']) {
    it(`${m}: searched range and qparams from the final histograms`, () => {
      const q = load(m, 'qparams_histogram.json');
      const hists = readNpy(path.join(FIX, m, 'histograms.npy'));
      const bins = hists.shape[1]!;
      let checked = 0;
      for (const o of q.observers as ObsRec[]) {
        if (o.observer_class !== 'HistogramObserver' || o.histogram_row === undefined) continue;
        const h = new TorchHistogram(bins, 128);
        h.min = o.histogram_min_val!;
        h.max = o.histogram_max_val!;
        h.histogram = (hists.data as Float32Array).slice(o.histogram_row * bins, (o.histogram_row + 1) * bins);
        const [lo, hi] = h.search(256);
        expect([lo, hi]).toEqual([o.searched_min, o.searched_max]);
        const r = calculateQParams(lo, hi, rangeOf(o));
        expect([r.scale, r.zeroPoint]).toEqual([Math.fround(o.scale), o.zero_point]);
        checked++;
      }
      expect(checked).toBeGreaterThan(1);
    });
  }
});

describe('observers', () => {
  it('first histogram batch is binned over the truncated integer range (torch quirk)', () => {
    const h = new TorchHistogram(2048, 128);
    h.observe([-2.7, -1.5, 0, 1, 3.9]);
    expect(h.min).toBeCloseTo(-2.7, 5);
    // -2.7 and 3.9 fall outside [int(-2.7), int(3.9)] = [-2, 3]
    expect(h.histogram.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('merging batches keeps the old mass; a later batch is binned over the truncated combined range too', () => {
    const h = new TorchHistogram(64, 16);
    h.observe([0, 1, 2, 3]);
    const before = h.histogram.reduce((a, b) => a + b, 0);
    h.observe([-5, 7.5, 1]);
    // torch 1.13 calls histc(x, min=int(combined_min), max=int(combined_max)): 7.5 > int(7.5...) is dropped
    expect(h.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(before + 2, 4);
    expect(h.min).toBe(-5);
    expect(h.max).toBeGreaterThanOrEqual(7.5);
  });

  it('NaN or Inf in calibration data is an error naming the tensor', () => {
    const o = createObserver({ kind: 'minmax', range: makeRange('u8', 'affine') }, '/conv1/Conv_output_0');
    expect(() => o.observe(tensor('f32', [2], [1, NaN]))).toThrow(/'\/conv1\/Conv_output_0'/);
    const h = createObserver({ kind: 'histogram', range: makeRange('u8', 'affine') }, 'x');
    expect(() => h.observe(tensor('f32', [1], [Infinity]))).toThrow(/QF3003/);
  });

  it('a constant tensor gets a valid, positive scale', () => {
    for (const v of [0, 3.5, -2]) {
      const o = createObserver({ kind: 'minmax', range: makeRange('u8', 'affine') }, 'c');
      o.observe(tensor('f32', [4], [v, v, v, v]));
      const q = o.qparams();
      expect(q.scale[0]).toBeGreaterThan(0);
      expect(Number.isFinite(q.scale[0]!)).toBe(true);
    }
  });

  it('per-channel and per-group min/max', () => {
    const w = tensor('f32', [2, 4], [1, -2, 3, -4, 0.5, 0.25, -0.125, 8]);
    const pc = createObserver({ kind: 'per-channel-minmax', axis: 0, range: makeRange('i8', 'symmetric') }, 'w');
    pc.observe(w);
    expect(pc.observedRange()).toEqual({ min: [-4, -0.125], max: [3, 8] });
    const pg = createObserver({ kind: 'per-group-minmax', axis: 1, groupSize: 2, range: makeRange('i4', 'symmetric') }, 'w');
    pg.observe(w);
    expect(pg.observedRange()).toEqual({ min: [-2, -4, 0.25, -0.125], max: [1, 3, 0.5, 8] });
    expect(pg.qparams().scale).toHaveLength(4);
  });

  it('moving average follows the EMA rule', () => {
    const o = createObserver({ kind: 'moving-average', range: makeRange('u8', 'affine') }, 'x');
    o.observe(tensor('f32', [2], [-1, 1]));
    o.observe(tensor('f32', [2], [-3, 5]));
    const r = o.observedRange();
    expect(r.min[0]).toBeCloseTo(-1.02, 6);
    expect(r.max[0]).toBeCloseTo(1.04, 6);
  });

  fcTest.prop([fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })])(
    'affine u8 qparams represent zero exactly and keep the range',
    (a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const { scale, zeroPoint } = calculateQParams(lo, hi, makeRange('u8', 'affine'));
      expect(zeroPoint).toBeGreaterThanOrEqual(0);
      expect(zeroPoint).toBeLessThanOrEqual(255);
      expect(scale).toBeGreaterThan(0);
      expect(Math.fround(scale)).toBe(scale);
    },
  );
});

describe('histogram robustness', () => {
  it('a first batch of denormals followed by a normal batch keeps its mass and does not crash', () => {
    const h = new TorchHistogram(2048, 128);
    h.observe([1e-40, 2e-40, 3e-40]);
    h.observe([-1.5, 0.25, 2]);
    expect(h.histogram.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
    const [lo, hi] = h.search(256);
    expect(Number.isFinite(lo) && Number.isFinite(hi)).toBe(true);
  });
});

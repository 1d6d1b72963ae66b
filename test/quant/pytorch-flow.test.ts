// The whole static flow (prepare -> calibrate -> convert) with the pytorch-fx quantizer against
// torch 1.13 FX on every fixture model: observer ranges and qparams (mapped by ONNX tensor
// name), int8 weights, output SQNR, and digits_mlp accuracy.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/ir/interpreter.js';
import type { Graph, Node } from '../../src/ir/graph.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { verify } from '../../src/ir/verify.js';
import '../../src/passes/index.js';
import { getPass, runPipeline } from '../../src/passes/index.js';
import { calibrate, convertGraph, datasetFromTensors, prepareGraph, resolveQuantizer } from '../../src/passes/quantize/index.js';
import { FIX, fixtureJson, fixtureNpy, foldedFixture, QUANT_MODELS, samplesOf, sqnrDb } from './flow-helpers.js';

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const bits = (x: number) => ((f32[0] = x), u32[0]!);
/** Distance in float32 units in the last place (same-sign values). */
const ulps = (a: number, b: number) => Math.abs(bits(a) - bits(b));

interface ObsRec {
  onnx_tensor: string;
  scale: number;
  zero_point: number;
  min_val?: number;
  max_val?: number;
  histogram_min_val?: number;
  histogram_max_val?: number;
}

function quantizeFixture(m: string, quantizer: string) {
  const g = foldedFixture(m);
  const p = prepareGraph(g, resolveQuantizer(quantizer));
  const c = calibrate(p.graph, datasetFromTensors(g, [fixtureNpy(m, 'calib.npy')], `${m}/calib.npy`), { progress: false });
  return { g, prepared: p, calibrated: c.graph, converted: convertGraph(c.graph).graph };
}

/** The activation observe node watching a fixture observer's ONNX tensor. */
function observerFor(calibrated: Graph, g: ReturnType<typeof foldedFixture>, onnxTensor: string): Node {
  const t = g.renamed.get(onnxTensor) ?? onnxTensor;
  const n = calibrated.nodes.find((x) => x.op === 'observe' && x.attrs['tensor'] === t && x.attrs['observer'] !== 'derived' && !(x.attrs['scale'] as number[]).slice(1).length);
  expect(n, `an observer for ${onnxTensor}`).toBeDefined();
  return n!;
}

/**
 * Our float forward pass sums convolutions in float64, torch in float32 with its own order, so
 * observed ranges of deep activations differ from torch's by a few ulps (up to 17 in
 * small_resnet's last block). The qparams formula itself is bit-exact (observers.test.ts); here
 * the scale may be off by one ulp more than its range is off (1 ulp when the ranges agree).
 */
const RANGE_ULPS: Record<string, number> = { conv_bn_relu: 2, convT_bn_relu: 1, depthwise_residual: 2, small_resnet: 18, mlp: 4, digits_mlp: 1 };

describe('pytorch-fx quantizer reproduces torch 1.13 FX (MinMax)', () => {
  for (const m of QUANT_MODELS) {
    it(`${m}: observers, qparams and int8 weights`, () => {
      const { g, calibrated, converted } = quantizeFixture(m, 'pytorch-fx');
      const ref = fixtureJson(m, 'qparams.json');
      for (const o of ref.observers as ObsRec[]) {
        const n = observerFor(calibrated, g, o.onnx_tensor);
        const [lo, hi] = [(n.attrs['min'] as number[] | undefined)?.[0], (n.attrs['max'] as number[] | undefined)?.[0]];
        const scale = (n.attrs['scale'] as number[])[0]!;
        expect((n.attrs['zero_point'] as number[])[0], `zero point of ${o.onnx_tensor}`).toBe(o.zero_point);
        if (o.min_val === undefined) {
          expect(n.attrs['observer']).toBe('fixed'); // tanh: 2/256, 128
          expect(scale).toBe(o.scale);
          continue;
        }
        const rangeOff = Math.max(ulps(lo!, o.min_val), ulps(hi!, o.max_val!));
        expect(rangeOff, `range of ${o.onnx_tensor}`).toBeLessThanOrEqual(RANGE_ULPS[m]!);
        expect(ulps(scale, o.scale), `scale of ${o.onnx_tensor}`).toBeLessThanOrEqual(rangeOff + 1);
      }
      // Weights: scales exact, int8 values equal torch's, read through dequantize.
      for (const w of ref.weights) {
        const conv = converted.nodes.find((n) => n.name === w.onnx_node)!;
        const dq = converted.nodes.find((n) => n.outputs[0] === conv.inputs[1])!;
        expect(dq.op).toBe('dequantize');
        const q = converted.constants[dq.inputs[0]!]!;
        expect(q.dtype).toBe('i8');
        expect(Array.from(q.data as Int8Array)).toEqual(Array.from(fixtureNpy(m, w.weight_int8_file).data as Int8Array));
        expect(dq.attrs['scale']).toEqual((w.scales as number[]).map(Math.fround));
        // The bias is int32 with scale fround(x_s · w_s[c]) (the integer kernels' bias scale).
        const bdq = converted.nodes.find((n) => n.outputs[0] === conv.inputs[2])!;
        expect(converted.constants[bdq.inputs[0]!]!.dtype).toBe('i32');
      }
      expect(verify(converted)).toEqual([]);
      expect(converted.nodes.some((n) => n.op === 'observe')).toBe(false);
    });
  }

  for (const m of QUANT_MODELS) {
    it(`${m}: the q/dq graph gives torch's int8 SQNR on test.npy`, () => {
      const { converted } = quantizeFixture(m, 'pytorch-fx');
      const fp = fixtureNpy(m, 'expected_fp32.npy').data as Float32Array;
      const torchInt8 = fixtureNpy(m, 'expected_int8_model.npy').data as Float32Array;
      const ours = new Float32Array(fp.length);
      samplesOf(fixtureNpy(m, 'test.npy')).forEach((t, i, all) => ours.set(run(converted, [t]).outputs[0]!.data as Float32Array, (i * fp.length) / all.length));
      expect(sqnrDb(fp, ours)).toBeCloseTo(fixtureJson(m, 'manifest.json').quantization?.sqnr_db_int8_vs_fp32 ?? sqnrDb(fp, torchInt8), 1);
      // Against torch's own int8 outputs: equal up to float rounding of the float ops.
      expect(sqnrDb(torchInt8, ours)).toBeGreaterThan(100);
    });
  }
});

describe.skipIf(!getPass('fold-batchnorm'))('through the real prepare (fold-batchnorm, then observers)', () => {
  for (const m of QUANT_MODELS) {
    it(`${m}: int8 weights equal torch's${m === 'convT_bn_relu' ? '' : ', and so does the output SQNR'}`, () => {
      const g = importOnnx(`${FIX}/${m}/model.onnx`);
      const prepared = runPipeline(g, 'prepare{quantizer=pytorch-fx}').graph;
      expect(prepared.nodes.some((n) => n.op === 'batch_norm')).toBe(false);
      const cal = calibrate(prepared, datasetFromTensors(g, [fixtureNpy(m, 'calib.npy')], 'calib'), { progress: false }).graph;
      const conv = convertGraph(cal).graph;
      // Folding renames the weighted nodes; the i-th one is torch's i-th quantized module.
      const weighted = conv.nodes.filter((n) => ['conv2d', 'conv_transpose2d', 'gemm'].includes(n.op));
      const ref = fixtureJson(m, 'qparams.json');
      expect(weighted).toHaveLength(ref.weights.length);
      ref.weights.forEach((w: { weight_int8_file: string }, i: number) => {
        const dq = conv.nodes.find((n) => n.outputs[0] === weighted[i]!.inputs[1])!;
        expect(Array.from(conv.constants[dq.inputs[0]!]!.data as Int8Array)).toEqual(Array.from(fixtureNpy(m, w.weight_int8_file).data as Int8Array));
      });
      // conv_transpose + relu is fused by the fold there, so its observers see post-relu values
      // (torch 1.13 FX observes before the relu): same weights, different activation qparams.
      if (m === 'convT_bn_relu') return;
      const fp = fixtureNpy(m, 'expected_fp32.npy').data as Float32Array;
      const ours = new Float32Array(fp.length);
      samplesOf(fixtureNpy(m, 'test.npy')).forEach((t, i, all) => ours.set(run(conv, [t]).outputs[0]!.data as Float32Array, (i * fp.length) / all.length));
      expect(sqnrDb(fixtureNpy(m, 'expected_int8_model.npy').data as Float32Array, ours)).toBeGreaterThan(100);
    });
  }
});

describe('pytorch-fx-histogram reproduces torch 1.13 HistogramObserver', () => {
  it('conv_bn_relu: every observer within 1 ulp, zero points exact', () => {
    const { g, calibrated } = quantizeFixture('conv_bn_relu', 'pytorch-fx-histogram');
    for (const o of fixtureJson('conv_bn_relu', 'qparams_histogram.json').observers as ObsRec[]) {
      const n = observerFor(calibrated, g, o.onnx_tensor);
      expect((n.attrs['zero_point'] as number[])[0]).toBe(o.zero_point);
      expect(ulps((n.attrs['scale'] as number[])[0]!, o.scale), o.onnx_tensor).toBeLessThanOrEqual(1);
    }
  });

  it('depthwise_residual: the input histogram is bit-exact; deeper ones follow the float forward pass', () => {
    const m = 'depthwise_residual';
    const { g, calibrated } = quantizeFixture(m, 'pytorch-fx-histogram');
    const ref = fixtureJson(m, 'qparams_histogram.json').observers as (ObsRec & { histogram_row?: number })[];
    const hists = fixtureNpy(m, 'histograms.npy');
    const input = calibrate(prepareGraph(g, resolveQuantizer('pytorch-fx-histogram')).graph, datasetFromTensors(g, [fixtureNpy(m, 'calib.npy')], 'calib'), { progress: false });
    const h = (input.observers.get(0) as unknown as { hist: { histogram: Float32Array } }).hist.histogram;
    expect(Array.from(h)).toEqual(Array.from((hists.data as Float32Array).subarray(0, 2048)));
    for (const o of ref) {
      const n = observerFor(calibrated, g, o.onnx_tensor);
      const scale = (n.attrs['scale'] as number[])[0]!;
      // torch saw a max 1 ulp lower here (11.887617 vs our 11.887618), which re-grids the whole
      // histogram; the L2 search then lands elsewhere. Every other observer agrees.
      if (/block1\/(bn|relu)_dw/.test(o.onnx_tensor)) {
        expect((n.attrs['max'] as number[])[0]).not.toBe(o.histogram_max_val);
        continue;
      }
      expect((n.attrs['zero_point'] as number[])[0], o.onnx_tensor).toBe(o.zero_point);
      expect(ulps(scale, o.scale), o.onnx_tensor).toBeLessThanOrEqual(4);
    }
  });
});

describe('digits_mlp int8 accuracy', () => {
  it('within 1 point of fp32 (96.67%) on the 450-sample test split', () => {
    const { converted } = quantizeFixture('digits_mlp', 'pytorch-fx');
    const fp = importOnnx(`${FIX}/digits_mlp/model.onnx`);
    const xs = samplesOf(fixtureNpy('digits_mlp', 'test_split_inputs.npy'));
    const ys = fixtureNpy('digits_mlp', 'test_split_labels.npy').data as BigInt64Array;
    const argmax = (d: Float32Array) => d.indexOf(Math.max(...d));
    let okF = 0, okQ = 0;
    xs.forEach((x, i) => {
      if (argmax(run(fp, [x]).outputs[0]!.data as Float32Array) === Number(ys[i])) okF++;
      if (argmax(run(converted, [x]).outputs[0]!.data as Float32Array) === Number(ys[i])) okQ++;
    });
    const [accF, accQ] = [(100 * okF) / xs.length, (100 * okQ) / xs.length];
    expect(accF).toBeCloseTo(96.67, 1);
    expect(accQ).toBeGreaterThanOrEqual(accF - 1);
  });
});

// Exported fixture models in onnxruntime-node, against our interpreter.
//  - QDQ (convert output of the pytorch-fx flow): ORT with its default optimisations (QDQ node
//    units fused into integer kernels). Tolerance: ≤ 1 output quantization step for ≥ 99% of
//    the outputs and ≤ 1 step everywhere; measured: 0 steps (identical) on all six models.
//  - float models: ≤ 1e-4 · max(1, |y|) (float32 accumulation order only).
//  - Round trip: the exported file re-imports through our importer and runs bit-identically,
//    with the same debug handles.
import path from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { importOnnx, toOnnxModel } from '../../src/ir/onnx/index.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { FIX, fixtureFlow, samplesOf } from '../debug/support.js';
import { readNpy } from '../../src/ir/npy.js';

const QUANT_MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet', 'mlp', 'digits_mlp'];

async function ortRun(bytes: Uint8Array, g: Graph, x: Record<string, Tensor>, level: 'all' | 'disabled' = 'all'): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  const feeds = Object.fromEntries(Object.entries(x).map(([k, t]) => [k, new ort.Tensor('float32', t.data as Float32Array, t.shape)]));
  const r = await s.run(feeds);
  return g.outputs.map((o) => r[o]!.data as Float32Array);
}

/** The scale of the dequantize producing graph output 0. */
const outputScale = (g: Graph): number => (g.nodes.find((n) => n.outputs[0] === g.outputs[0] && n.op === 'dequantize')!.attrs['scale'] as number[])[0]!;

describe('QDQ export runs in onnxruntime', () => {
  it.each(QUANT_MODELS)('%s: within 1 quantization step of our interpreter', async (m) => {
    const { quant, samples } = fixtureFlow(m);
    const bytes = toOnnxModel(quant);
    const step = outputScale(quant);
    let n = 0, within = 0, worst = 0;
    for (const x of samples) {
      const ours = run(quant, x).outputs[0]!.data as Float32Array;
      const [theirs] = await ortRun(bytes, quant, x);
      ours.forEach((v, i) => {
        const steps = Math.round(Math.abs(v - theirs![i]!) / step);
        n++;
        if (steps <= 1) within++;
        worst = Math.max(worst, steps);
      });
    }
    expect(within / n).toBeGreaterThanOrEqual(0.99);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it.each(QUANT_MODELS)('%s: re-imports and runs identically, handles included', (m) => {
    const { quant, samples } = fixtureFlow(m);
    const back = importOnnx(toOnnxModel(quant));
    for (const x of samples) expect(run(back, x).outputs[0]!.data).toEqual(run(quant, x).outputs[0]!.data);
    // A fused clamp comes back as a separate relu (convT_bn_relu), so compare the q/dq nodes and the handle set.
    const qdq = (g: Graph) => g.nodes.filter((n) => n.op === 'quantize' || n.op === 'dequantize').map((n) => [n.op, n.debugHandle]);
    expect(qdq(back)).toEqual(qdq(quant));
    expect(new Set(back.nodes.map((n) => n.debugHandle))).toEqual(new Set(quant.nodes.map((n) => n.debugHandle)));
  });
});

describe('float export runs in onnxruntime', () => {
  it.each([...QUANT_MODELS, 'attention_block'])('%s', async (m) => {
    const g = importOnnx(path.join(FIX, m, 'model.onnx'));
    const bytes = toOnnxModel(g);
    for (const x of samplesOf(readNpy(path.join(FIX, m, 'test.npy')), g.inputs[0]!).slice(0, 2)) {
      const ours = run(g, x).outputs[0]!.data as Float32Array;
      const [theirs] = await ortRun(bytes, g, x);
      ours.forEach((v, i) => expect(Math.abs(v - theirs![i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v))));
    }
  });
});

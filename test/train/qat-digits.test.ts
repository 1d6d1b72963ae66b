// Acceptance of quantization-aware training on ../shared/fixtures/digits_cnn_qat (a digits CNN
// with two conv+BN+ReLU blocks, trained in PyTorch; manifest.json has PyTorch's own figures).
// 2-bit per-channel weights / 4-bit activations (spec/quantizers/w2a4-qat.json): QAT after 3
// epochs ≥ 97.5% and ≥ our PTQ + 3 points; 8-bit QAT within 0.3 points of fp32; one epoch under
// 10 s; the converted model compiles to C bit-exact with the interpreter and exports to QDQ ONNX.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import '../../src/index.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { exportOnnx } from '../../src/ir/onnx/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { datasetFromTensors } from '../../src/passes/quantize/dataset.js';
import { quantizeGraph } from '../../src/passes/quantize/flow.js';
import { prepareQat } from '../../src/passes/quantize/prepare-qat.js';
import { convertQat } from '../../src/passes/quantize/convert-qat.js';
import { accuracy, evaluate, labelsFrom, train, type Labeled } from '../../src/train/train.js';
import { interpret } from '../codegen/helpers.js';
import { buildC, generateC, runC, TARGETS } from '../../src/codegen/index.js';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { FIX, fixtureJson, fixtureNpy } from '../quant/flow-helpers.js';

const M = 'digits_cnn_qat';
const W2A4 = path.resolve('spec/quantizers/w2a4-qat.json');
const model = importOnnx(path.join(FIX, M, 'model.onnx'));
const labeled = (x: string, y: string): Labeled => {
  const data = datasetFromTensors(model, [fixtureNpy(M, x)], x);
  return { data, labels: labelsFrom(fixtureNpy(M, y), data.size, y) };
};
const trainSet = labeled('train_inputs.npy', 'train_labels.npy');
const testSet = labeled('test_inputs.npy', 'test_labels.npy');
const torch = fixtureJson(M, 'manifest.json').torch_anchors as Record<string, number>;

describe('QAT on digits_cnn_qat', () => {
  const fp32 = evaluate(model, testSet).accuracy;

  it('the float model reproduces PyTorch fp32 accuracy', () => {
    expect(fp32).toBeCloseTo(torch['fp32_test_accuracy']!, 6);
  });

  it('w2a4: QAT after 3 epochs ≥ 97.5% and ≥ PTQ + 3 points; converted model compiles to C bit-exact and exports to QDQ ONNX', () => {
    // PTQ as PyTorch's anchor did it: MinMax on the first 64 training samples.
    const x = fixtureNpy(M, 'train_inputs.npy');
    const calib = datasetFromTensors(model, [tensor('f32', [64, ...x.shape.slice(1)], (x.data as Float32Array).subarray(0, 64 * 64))], 'first 64');
    const ptq = accuracy(quantizeGraph(model, { quantizer: W2A4, calib }).graph, testSet);

    const prepared = prepareQat(model, W2A4);
    const cpu: number[] = [];
    let t0 = process.cpuUsage();
    const trained = train(prepared.graph, trainSet, {
      epochs: 3, lr: 0.005, batch: 32, freezeBnFrom: 3,
      onEpoch: () => {
        const d = process.cpuUsage(t0);
        cpu.push((d.user + d.system) / 1e6);
        t0 = process.cpuUsage();
      },
    });
    const c = convertQat(trained.graph);
    const qat = accuracy(c.graph, testSet);
    console.log(`w2a4 test accuracy: fp32 ${fp32}, PTQ ${ptq}, QAT ${qat} (PyTorch: PTQ ${torch['ptq_w2a4_test_accuracy']}, QAT ${torch['qat_w2a4_test_accuracy']}); epoch seconds ${trained.history.map((h) => h.seconds.toFixed(1))} (cpu ${cpu.map((s) => s.toFixed(1))})`);
    expect(qat).toBeGreaterThanOrEqual(0.975);
    expect(qat).toBeGreaterThanOrEqual(ptq + 0.03);
    // One epoch of 1347 samples: under 10 s of this process's CPU time (wall time depends on the machine's load).
    expect(Math.max(...cpu)).toBeLessThan(10);

    // The converted model: integer ops only around the convs/gemm, BN gone.
    expect(c.graph.nodes.some((n) => n.op === 'batch_norm' || n.op === 'fake_quantize')).toBe(false);
    expect(c.graph.nodes.filter((n) => n.op === 'qconv2d')).toHaveLength(2);
    const inputs = [0, 1, 2, 3].map((i) => testSet.data.sample(i)[0]!);
    // Every target this host runs (the portable c one always).
    const dir = mkdtempSync(path.join(tmpdir(), 'qforge-qat-'));
    try {
      for (const target of TARGETS.filter((t) => t.name === 'c' || (t.name.startsWith('avx') && hostRuns(t))).map((t) => t.name)) {
        const out = path.join(dir, target);
        mkdirSync(out);
        for (const [f, text] of generateC(c.graph, { target, name: 'm' }).files) writeFileSync(path.join(out, f), text);
        const b = buildC(out, target);
        for (const input of inputs)
          expect(Array.from(runC(b, { inputs: [input], inputNames: c.graph.inputs }).outputs[0]!.data as Float32Array), target).toEqual(Array.from(interpret(c.graph, [input])[0]!.data as Float32Array));
      }
      exportOnnx(c.qdq, path.join(dir, 'q.onnx'));
      const back = importOnnx(path.join(dir, 'q.onnx'));
      expect(back.nodes.filter((n) => n.op === 'quantize').length).toBeGreaterThan(0);
      expect(accuracy(back, testSet)).toBeCloseTo(accuracy(c.qdq, testSet), 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('w8a8 (pytorch-fx): QAT within 0.3 points of fp32', () => {
    const trained = train(prepareQat(model, 'pytorch-fx').graph, trainSet, { epochs: 1, lr: 0.005 });
    const qat = accuracy(convertQat(trained.graph).graph, testSet);
    console.log(`w8a8 test accuracy: fp32 ${fp32}, QAT ${qat} (PyTorch QAT ${torch['qat_w8a8_test_accuracy']})`);
    expect(Math.abs(qat - fp32)).toBeLessThanOrEqual(0.003);
  }, 300_000);
});

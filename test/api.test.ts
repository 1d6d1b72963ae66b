// The library API end to end on a real model: import → quantize → generate C → build → run, and
// the C output equals the interpreter's bit for bit (the same calls the CLI makes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as qforge from '../src/index.js';

const FIX = path.resolve(process.cwd(), '../shared/fixtures');
const tmp = mkdtempSync(path.join(tmpdir(), 'qforge-api-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('public API', () => {
  it('quantizes conv_bn_relu with the PyTorch config and compiles it bit-exact with the interpreter', () => {
    const model = qforge.importOnnx(path.join(FIX, 'conv_bn_relu/model.onnx'));
    const q = qforge.quantizeGraph(model, { quantizer: 'pytorch-fx', calib: path.join(FIX, 'conv_bn_relu/calib.npy') });
    expect(q.graph.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['qconv2d', 'qlinear']));
    expect(q.graph.nodes.some((n) => n.op === 'batch_norm')).toBe(false);
    expect(q.qdq!.nodes.some((n) => n.op === 'dequantize')).toBe(true);
    qforge.verifyOrThrow(q.graph);

    const test = qforge.readNpy(path.join(FIX, 'conv_bn_relu/test.npy'));
    const x = qforge.tensor('f32', test.shape.slice(1), (test.data as Float32Array).slice(0, test.data.length / test.shape[0]!));
    const want = qforge.run(q.graph, [x]).outputs[0]!;

    const gen = qforge.generateC(q.graph, { target: 'c', name: 'net' });
    expect(gen.arenaBytes).toBeGreaterThanOrEqual(gen.arenaLowerBound);
    const dir = path.join(tmp, 'net');
    qforge.writeGenerated(dir, gen);
    const got = qforge.runC(qforge.buildC(dir, 'c'), { inputs: { [model.inputs[0]!]: x } }).outputs[0]!;
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
  });

  it('runs a pipeline from a spec and reports per-pass records', () => {
    const model = qforge.importOnnx(path.join(FIX, 'small_resnet/model.onnx'));
    const r = qforge.runPipeline(model, 'fold-batchnorm,canonicalize');
    expect(r.graph.nodes.filter((n) => n.op === 'batch_norm')).toHaveLength(0);
    expect(r.records.map((x) => x.name)).toEqual(['fold-batchnorm', 'canonicalize']);
    expect(r.records[0]!.changed).toBe(true);
  });

  it('errors are QforgeErrors with catalogued codes', () => {
    expect(() => qforge.runPipeline(qforge.importOnnx(path.join(FIX, 'mlp/model.onnx')), 'canonicalise')).toThrow(qforge.QforgeError);
    expect(() => qforge.quantizeGraph(qforge.importOnnx(path.join(FIX, 'mlp/model.onnx')), { mode: 'static' })).toThrow(/calibration data/);
  });
});

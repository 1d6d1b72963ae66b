// Calibration with its forward passes spread over worker threads gives exactly what one thread
// feeding the observers sample by sample gives (the implementation before workers, kept here as
// the oracle): every observer's qparams and range, bit for bit, on fixtures and random graphs —
// including the order-dependent histogram observer — and the same errors.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { lookup, type Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { registerOp, type OpDef } from '../../src/ir/ops/index.js';
import { tensor } from '../../src/ir/tensor.js';
import '../../src/passes/index.js';
import { calibrate, datasetFromTensors, observerConfig, prepareGraph, resolveQuantizer, type Dataset } from '../../src/passes/quantize/index.js';
import { createObserver, type Observer } from '../../src/passes/quantize/observers.js';
import { arbGraphWithInputs } from '../../src/testing/index.js';
import { errorOf, FIX, fixtureNpy } from './flow-helpers.js';

/** The sequential calibration loop: observers fed in sample order, constants observed once. */
function sequentialObservers(g: Graph, data: Dataset): Map<number, Observer> {
  const observers = new Map<number, Observer>();
  for (const n of g.nodes) {
    const gid = n.attrs['group'] as number;
    if (n.op !== 'observe' || n.attrs['observer'] === 'fixed' || n.attrs['observer'] === 'derived' || n.attrs['dynamic'] || observers.has(gid)) continue;
    observers.set(gid, createObserver(observerConfig(n, lookup(g.values, n.inputs[0]!)!.shape.length), n.inputs[0]!));
  }
  for (let i = 0; i < data.size; i++)
    run(g, data.sample(i), {
      onNode(node, [out]) {
        if (node.op !== 'observe' || (i > 0 && lookup(g.constants, node.inputs[0]!))) return;
        observers.get(node.attrs['group'] as number)?.observe(out!);
      },
    });
  return observers;
}

const results = (obs: Map<number, Observer>) => [...obs].map(([gid, o]) => ({ gid, q: o.qparams(), range: o.observedRange() }));

/** Calibrated on one thread and on `jobs` (`threads` of them ran), both equal to the sequential oracle. */
function expectSameCalibration(prepared: Graph, data: Dataset, jobs: number, threads = jobs): void {
  const oracle = results(sequentialObservers(prepared, data));
  const one = calibrate(prepared, data, { progress: false, jobs: 1 });
  const many = calibrate(prepared, data, { progress: false, jobs });
  expect(results(one.observers)).toEqual(oracle);
  expect(results(many.observers)).toEqual(oracle);
  expect(many.graph).toEqual(one.graph);
  expect([one.threads, many.threads]).toEqual([1, threads]);
}

describe('parallel calibration', () => {
  it.each([
    ['small_resnet', 'x86'],
    ['depthwise_residual', 'pytorch-fx-histogram'],
  ])('%s with %s: 3 jobs give the one-thread observers bit for bit', (m, q) => {
    const g = importOnnx(path.join(FIX, m, 'model.onnx'));
    const prepared = prepareGraph(g, resolveQuantizer(q)).graph;
    expectSameCalibration(prepared, datasetFromTensors(g, [fixtureNpy(m, 'calib.npy')], m), 3);
  });

  const OPS = ['add', 'mul', 'relu', 'sigmoid', 'conv2d', 'gemm', 'matmul', 'maxpool2d', 'global_avgpool', 'flatten', 'concat'];
  const arb = fc.tuple(arbGraphWithInputs({ ops: OPS, maxNodes: 6 }), fc.constantFrom('x86', 'pytorch-fx-histogram'), fc.integer({ min: 3, max: 6 }), fc.nat());
  // Each case starts a worker (seconds under the TypeScript loader): few runs.
  fcTest.prop([arb], { numRuns: 3 })('random graphs: 2 jobs give the one-thread observers bit for bit', ([{ g, inputs }, q, samples, seed]) => {
    // More samples from the generated ones, scaled differently so that ranges grow sample by sample.
    const stacked = inputs.map((t, k) => {
      const d = new Float32Array(samples * t.data.length);
      for (let s = 0; s < samples; s++) for (let j = 0; j < t.data.length; j++) d[s * t.data.length + j] = (t.data[j] as number) * (1 + ((s * 7 + seed + k) % 5) / 2);
      return tensor('f32', [samples, ...t.shape], d);
    });
    const prepared = prepareGraph(g, resolveQuantizer(q)).graph;
    expectSameCalibration(prepared, datasetFromTensors(g, stacked, 'random'), 2);
  });

  it('falls back to this thread when a worker lacks an op (registered at run time), with the same results', () => {
    const twice: OpDef = {
      name: 'test_twice',
      doc: 'y = 2x',
      category: 'elementwise',
      operands: [{ name: 'x' }],
      results: 1,
      attrs: {},
      infer: ({ inputs: [x] }) => [x!],
      kernel: ([x]) => [tensor('f32', x!.shape, (x!.data as Float32Array).map((v) => 2 * v))],
    };
    registerOp(twice);
    const g = convThen('test_twice');
    expectSameCalibration(prepareGraph(g, resolveQuantizer('x86')).graph, rampData(g, 4), 2, 1);
  });

  it('reports the first failing sample, as one thread does', () => {
    const g = convThen('relu');
    const data = rampData(g, 5, [1, 1, 3e38, 1, 3e38]); // the conv overflows float32 in samples 2 and 4
    const prepared = prepareGraph(g, resolveQuantizer('xnnpack')).graph;
    const one = errorOf(() => calibrate(prepared, data, { progress: false, jobs: 1 }));
    expect(one.text).toMatch(/Infinity/);
    expect(errorOf(() => calibrate(prepared, data, { progress: false, jobs: 3 }))).toEqual(one);
  });

  it('rejects a jobs count that is not a whole number ≥ 1', () => {
    const g = convThen('relu');
    expect(errorOf(() => calibrate(prepareGraph(g, resolveQuantizer('x86')).graph, rampData(g, 2), { jobs: 0 })).text).toMatch(/QF3005.*jobs/);
  });
});

/** input [1,2,4,4] -> 1x1 conv (all ones) -> op -> output. */
function convThen(op: string): Graph {
  const b = new GraphBuilder(op);
  const x = b.input('x', { dtype: 'f32', shape: [1, 2, 4, 4] });
  const w = b.constant('w', tensor('f32', [2, 2, 1, 1], [1, 1, 1, 1]));
  return b.output(b.op(op, [b.op('conv2d', [x, w], {}, 'conv')], {}, 'act')).build();
}

/** `n` samples of a ramp in [-1, 1], sample s scaled by scales[s] (default s + 1). */
function rampData(g: Graph, n: number, scales: number[] = []): Dataset {
  const per = 32, d = new Float32Array(n * per);
  for (let s = 0; s < n; s++) for (let j = 0; j < per; j++) d[s * per + j] = ((scales[s] ?? s + 1) * ((j % 7) - 3)) / 3;
  return datasetFromTensors(g, [tensor('f32', [n, 1, 2, 4, 4], d)], 'ramp');
}

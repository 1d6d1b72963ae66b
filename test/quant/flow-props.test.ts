// Properties of prepare / calibrate / convert on random graphs, for every built-in quantizer:
// observers are identities (the prepared and calibrated graphs compute exactly what the float
// graph does), and convert is exactly fake quantization with the calibrated qparams.
import { describe, expect } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { dtypeRange, type DType } from '../../src/ir/dtype.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { tensorsEqual, type Tensor } from '../../src/ir/tensor.js';
import { verify } from '../../src/ir/verify.js';
import { runPipeline } from '../../src/passes/index.js';
import { calibrate, convertGraph, prepareGraph, resolveQuantizer, type Dataset } from '../../src/passes/quantize/index.js';
import { arbGraphWithInputs } from '../../src/testing/index.js';

const OPS = ['add', 'mul', 'sub', 'relu', 'sigmoid', 'tanh', 'clip', 'softmax', 'conv2d', 'batch_norm', 'gemm', 'matmul', 'maxpool2d', 'avgpool2d', 'global_avgpool', 'flatten', 'reshape', 'transpose', 'concat'];
const QUANTIZERS = ['xnnpack', 'x86', 'pytorch-fx', 'pytorch-fx-histogram'];
const arb = fc.tuple(arbGraphWithInputs({ ops: OPS, maxNodes: 7 }), fc.constantFrom(...QUANTIZERS));

const oneSample = (inputs: Tensor[]): Dataset => ({ source: 'test', size: 1, sample: () => inputs });
const same = (a: Tensor[], b: Tensor[]) => a.length === b.length && a.every((t, i) => tensorsEqual(t, b[i]!));

/** The calibrated graph with every observe node replaced by fake_quantize with its qparams. */
function fakeQuantized(g: Graph): Graph {
  const nodes = g.nodes.map((n) => {
    if (n.op !== 'observe') return n;
    const [lo, hi] = dtypeRange(n.attrs['dtype'] as DType);
    const scale = n.attrs['scale'] as number[];
    return {
      ...n,
      op: 'fake_quantize',
      attrs: {
        scale,
        zero_point: n.attrs['zero_point']!,
        ...(scale.length > 1 ? { axis: n.attrs['axis']! } : {}),
        qmin: (n.attrs['qmin'] as number | undefined) ?? lo,
        qmax: (n.attrs['qmax'] as number | undefined) ?? hi,
      },
    };
  });
  return { ...g, nodes };
}

describe('prepare / calibrate / convert on random graphs', () => {
  fcTest.prop([arb], { numRuns: 40 })('observers are identities: prepared and calibrated graphs give the float results bit for bit', ([{ g, inputs }, q]) => {
    // prepare folds batch norms first (as PT2E does), which may round differently from conv → batch_norm:
    // the observers are identities on the folded graph.
    const ref = run(runPipeline(g, ['fold-batchnorm']).graph, inputs).outputs;
    const p = prepareGraph(g, resolveQuantizer(q));
    expect(verify(p.graph)).toEqual([]);
    expect(p.graph.outputs).toEqual(g.outputs);
    expect(same(run(p.graph, inputs).outputs, ref)).toBe(true);
    const c = calibrate(p.graph, oneSample(inputs), { progress: false });
    expect(same(run(c.graph, inputs).outputs, ref)).toBe(true);
    // One observe node per (value, group): never two observers of one group on one value.
    const seen = new Set(c.graph.nodes.filter((n) => n.op === 'observe').map((n) => `${n.inputs[0]}|${n.attrs['group']}`));
    expect(seen.size).toBe(c.graph.nodes.filter((n) => n.op === 'observe').length);
  });

  fcTest.prop([arb], { numRuns: 40 })('convert equals fake quantization with the calibrated qparams', ([{ g, inputs }, q]) => {
    const c = calibrate(prepareGraph(g, resolveQuantizer(q)).graph, oneSample(inputs), { progress: false });
    const conv = convertGraph(c.graph).graph;
    expect(verify(conv)).toEqual([]);
    expect(conv.nodes.some((n) => n.op === 'observe')).toBe(false);
    // Observed constants became integer constants read through dequantize.
    for (const n of conv.nodes) if (n.op === 'dequantize' && n.inputs[0]! in conv.constants) expect(conv.constants[n.inputs[0]!]!.dtype).not.toBe('f32');
    expect(same(run(conv, inputs).outputs, run(fakeQuantized(c.graph), inputs).outputs)).toBe(true);
  });
});

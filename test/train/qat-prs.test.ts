// The PT2E QAT fixes the issue names, as behaviours of prepare-qat / convert-qat:
// #125208 per-channel conv+BN QAT weight and bias (numerics against a hand-computed reference,
// and the converted per-channel q/dq), #131651 the batch norm erased after convert (whether or
// not BN was still in training mode), #126487 a value with several users and no output observer.
import { describe, expect, it } from 'vitest';
import '../../src/index.js';
import { GraphBuilder, run, type Graph, type Node } from '../../src/ir/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { fround, rint } from '../../src/ir/quant-math.js';
import { datasetFromTensors } from '../../src/passes/quantize/dataset.js';
import { prepareQat } from '../../src/passes/quantize/prepare-qat.js';
import { convertQat } from '../../src/passes/quantize/convert-qat.js';
import { accuracy, train, type Labeled } from '../../src/train/train.js';
import { forward, nodeAttrs } from '../../src/train/tape.js';
import { mulberry32 } from '../../src/util/prng.js';

const rnd = mulberry32(99);
const data = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rnd());

/** x[1,2,5,5] → conv(3 out, 3x3, pad 1, bias) → batch_norm → relu → flatten → gemm → logits[1,4]. */
function convBnModel(): Graph {
  const b = new GraphBuilder('conv_bn');
  const x = b.input('x', { dtype: 'f32', shape: [1, 2, 5, 5] });
  const w = b.constant('w', tensor('f32', [3, 2, 3, 3], data(54)));
  const bias = b.constant('bias', tensor('f32', [3], data(3)));
  const bn = ['gamma', 'beta', 'mean', 'var'].map((n, i) => b.constant(n, tensor('f32', [3], i === 0 ? [0.8, 1.3, -0.6] : i === 3 ? [0.5, 2, 0.25] : data(3))));
  const c = b.op('conv2d', [x, w, bias], { pads: [1, 1, 1, 1] }, 'conv');
  const y = b.op('batch_norm', [c, ...bn], { epsilon: 1e-5 }, 'bn');
  const f = b.op('flatten', [b.op('relu', [y], {}, 'relu')], {}, 'flatten');
  b.output(b.op('gemm', [f, b.constant('fc', tensor('f32', [4, 75], data(300, -0.2, 0.2))), b.constant('fc_b', tensor('f32', [4], data(4)))], { trans_b: true }, 'fc'));
  return b.build();
}

function labeledSet(g: Graph, n: number, classes: number): Labeled {
  const shape = g.values[g.inputs[0]!]!.shape;
  const x = tensor('f32', [n, ...shape], data(n * shape.reduce((a, b) => a * b, 1)));
  return { data: datasetFromTensors(g, [x], 'random'), labels: Int32Array.from({ length: n }, () => Math.floor(rnd() * classes)) };
}

const byOutput = (g: Graph) => new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
const noState = () => ({ setBuffer() {}, fakeQuant: new Map() });

describe('conv+BN QAT with per-channel weight and bias (pytorch PR #125208)', () => {
  const model = convBnModel();
  const p = prepareQat(model, 'pytorch-fx');

  it('simulates the folding: the per-channel weight fake quantizer reads w·γ/σ, the conv output is unscaled, BN stays', () => {
    const prod = byOutput(p.graph), conv = p.graph.nodes.find((n) => n.op === 'conv2d')!;
    const wfq = prod.get(conv.inputs[1]!)!;
    expect(wfq.op).toBe('fake_quantize');
    expect(wfq.attrs).toMatchObject({ granularity: 'per-channel', axis: 0, observer: 'moving-average', qmin: -128, qmax: 127 });
    expect(prod.get(wfq.inputs[0]!)!.op).toBe('mul');
    expect(conv.inputs[2]).toBeUndefined();
    expect(p.graph.nodes.filter((n) => n.op === 'batch_norm')).toHaveLength(1);
    expect(p.fusedConvBn).toBe(1);
  });

  it('training-mode forward equals the hand-computed PT2E formula', () => {
    const N = 4, x = tensor('f32', [N, 2, 5, 5], data(N * 50, 0, 1));
    const f = forward(p.graph, nodeAttrs(p.graph), new Map(Object.entries(p.graph.constants)), [x], { training: true, observe: true }, noState());
    const bnOut = f.values.get(p.graph.nodes.find((n) => n.op === 'batch_norm')!.outputs[0]!)!.data as Float32Array;

    const C = model.constants, at = (k: string) => C[k]!.data as Float32Array;
    const [w, b, g, be, rv] = ['w', 'bias', 'gamma', 'beta', 'var'].map(at) as Float32Array[];
    // input fake quant (u8 [0,255] affine, first batch: min 0, max = batch max)
    const xd = x.data as Float32Array, xs = fround(fround(Math.max(...xd)) / 255);
    const xq = xd.map((v) => fround(Math.min(Math.max(rint(fround(v * fround(1 / xs))), 0), 255) * xs));
    // k = γ/σ, per-channel symmetric i8 weight fake quant of w·k: scale = max|w·k| / 127.5
    // every step in float32, as the graph's add/sqrt/div/mul
    const k = g!.map((v, c) => fround(v / fround(Math.sqrt(fround(rv![c]! + fround(1e-5))))));
    const ws = w!.map((v, i) => fround(v * k[Math.floor(i / 18)]!));
    const wq = ws.map((v, i) => {
      const c = Math.floor(i / 18), s = fround(Math.max(...ws.slice(c * 18, c * 18 + 18).map(Math.abs)) / 127.5);
      return fround(Math.min(Math.max(rint(fround(v * fround(1 / s))), -128), 127) * s);
    });
    const ref = new Float64Array(N * 3 * 25);
    for (let n = 0; n < N; n++)
      for (let m = 0; m < 3; m++)
        for (let oh = 0; oh < 5; oh++)
          for (let ow = 0; ow < 5; ow++) {
            let s = 0;
            for (let c = 0; c < 2; c++)
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) {
                  const ih = oh + i - 1, iw = ow + j - 1;
                  if (ih >= 0 && ih < 5 && iw >= 0 && iw < 5) s += wq[((m * 2 + c) * 3 + i) * 3 + j]! * xq[((n * 2 + c) * 5 + ih) * 5 + iw]!;
                }
            ref[((n * 3 + m) * 5 + oh) * 5 + ow] = s / k[m]! + b![m]!; // unscaled, then the conv bias
          }
    // batch norm with batch statistics (biased variance)
    for (let m = 0; m < 3; m++) {
      const vals: number[] = [];
      for (let n = 0; n < N; n++) for (let q = 0; q < 25; q++) vals.push(ref[(n * 3 + m) * 25 + q]!);
      const mu = vals.reduce((a, v) => a + v, 0) / vals.length, v = vals.reduce((a, x) => a + (x - mu) ** 2, 0) / vals.length;
      for (let n = 0; n < N; n++) for (let q = 0; q < 25; q++) {
        const i = (n * 3 + m) * 25 + q;
        expect(bnOut[i]!).toBeCloseTo(((ref[i]! - mu) / Math.sqrt(v + 1e-5)) * g![m]! + be![m]!, 4);
      }
    }
  });

  it('convert: the folded weight and the int32 bias are both per channel (dequantize along axis 0) and the result matches the QAT model', () => {
    const set = labeledSet(model, 64, 4);
    const trained = train(p.graph, set, { epochs: 2, batch: 16, lr: 0.01 });
    const c = convertQat(trained.graph, { emit: 'qdq' });
    const prod = byOutput(c.qdq), conv = c.qdq.nodes.find((n) => n.op === 'conv2d')!;
    const [, wdq, bdq] = conv.inputs.map((v) => prod.get(v!));
    expect(wdq).toMatchObject({ op: 'dequantize', attrs: { axis: 0 } });
    expect((wdq!.attrs['scale'] as number[]).length).toBe(3);
    expect(bdq).toMatchObject({ op: 'dequantize', attrs: { axis: 0 } });
    expect(c.qdq.values[bdq!.inputs[0]!]!.dtype).toBe('i32');
    expect((bdq!.attrs['scale'] as number[]).length).toBe(3);
    // The converted model predicts as the trained QAT model does (eval mode) on most samples.
    const qatPred = forward(trained.graph, nodeAttrs(trained.graph), new Map(Object.entries(trained.graph.constants)), [tensor('f32', [64, 2, 5, 5], Array.from({ length: 64 }, (_, i) => Array.from(set.data.sample(i)[0]!.data as Float32Array)).flat())], { training: false, observe: false }, noState());
    const logits = qatPred.values.get(trained.graph.outputs[0]!)!.data as Float32Array;
    let agree = 0;
    for (let i = 0; i < 64; i++) {
      const q = run(c.graph, set.data.sample(i)).outputs[0]!.data as Float32Array;
      const arg = (a: ArrayLike<number>, o: number) => [0, 1, 2, 3].reduce((best, k) => (a[o + k]! > a[o + best]! ? k : best), 0);
      if (arg(q, 0) === arg(logits, i * 4)) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(60);
  });
});

describe('the batch norm is erased after convert (pytorch PR #131651)', () => {
  for (const [what, freezeBnFrom] of [['BN still training', undefined], ['BN frozen (eval) from the start', 1]] as const) {
    it(what, () => {
      const model = convBnModel(), set = labeledSet(model, 32, 4);
      const trained = train(prepareQat(model, 'pytorch-fx').graph, set, { epochs: 1, batch: 8, ...(freezeBnFrom ? { freezeBnFrom } : {}) });
      const c = convertQat(trained.graph);
      for (const g of [c.qdq, c.graph]) {
        expect(g.nodes.map((n) => n.op)).not.toContain('batch_norm');
        expect(g.nodes.filter((n) => ['sqrt', 'div', 'mul', 'reshape'].includes(n.op))).toEqual([]);
        for (const k of ['gamma', 'beta', 'mean', 'var', 'w', 'bias']) expect(g.constants[k]).toBeUndefined();
      }
      expect(c.foldedConvBn).toBe(1);
      expect(c.graph.nodes.map((n) => n.op)).toContain('qconv2d');
      expect(accuracy(c.graph, set)).toBeGreaterThan(0);
    });
  }
});

describe('a value with several users and no output observer (pytorch PR #126487)', () => {
  /** conv's result is a graph output and feeds relu → flatten → gemm; x86 gives conv no output spec. */
  function model(): Graph {
    const b = new GraphBuilder('multi_user');
    const x = b.input('x', { dtype: 'f32', shape: [1, 2, 4, 4] });
    const c = b.op('conv2d', [x, b.constant('w', tensor('f32', [2, 2, 3, 3], data(36))), b.constant('cb', tensor('f32', [2], data(2)))], { pads: [1, 1, 1, 1] }, 'conv');
    const f = b.op('flatten', [b.op('relu', [c], {}, 'relu')], {}, 'flatten');
    b.output(b.op('gemm', [f, b.constant('fc', tensor('f32', [3, 32], data(96, -0.3, 0.3)))], { trans_b: true }, 'fc'), c);
    return b.build();
  }

  it('prepares, trains and converts; the extra user reads the float conv result', () => {
    const g = model(), p = prepareQat(g, 'x86');
    const conv = p.graph.nodes.find((n) => n.op === 'conv2d')!;
    expect(p.graph.outputs[1]).toBe(conv.outputs[0]);
    const set = labeledSet(g, 32, 3);
    const c = convertQat(train(p.graph, set, { epochs: 1, batch: 8 }).graph);
    const out = run(c.graph, set.data.sample(0)).outputs;
    expect(out).toHaveLength(2);
    expect(out[1]!.dtype).toBe('f32');
  });

  it('convert still works when the user deletes a fake quantizer after training', () => {
    const g = model(), set = labeledSet(g, 32, 3);
    const trained = train(prepareQat(g, 'x86').graph, set, { epochs: 1, batch: 8 }).graph;
    // the fake quantizer on the gemm's input edge (the only activation one x86 puts after the conv)
    const gemmIn = trained.nodes.find((m) => m.op === 'gemm')!.inputs[0];
    const fq = trained.nodes.find((n) => n.op === 'fake_quantize' && n.outputs[0] === gemmIn)!;
    expect(fq).toBeDefined();
    const rewire = (n: Node): Node => ({ ...n, inputs: n.inputs.map((v) => (v === fq.outputs[0] ? fq.inputs[0]! : v)) });
    const edited: Graph = { ...trained, nodes: trained.nodes.filter((n) => n !== fq).map(rewire) };
    const c = convertQat(edited);
    const outs: Tensor[] = run(c.graph, set.data.sample(1)).outputs;
    expect(outs.every((t) => (t.data as Float32Array).every(Number.isFinite))).toBe(true);
  });
});

// The training loop's parts: optimizer updates against hand-computed steps, parameter discovery,
// the observe / fake-quant switches and BN freezing while training, fine-tuning a float model.
import { describe, expect, it } from 'vitest';
import '../../src/index.js';
import { GraphBuilder, type Graph } from '../../src/ir/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { datasetFromTensors } from '../../src/passes/quantize/dataset.js';
import { prepareQat } from '../../src/passes/quantize/prepare-qat.js';
import { convertQat } from '../../src/passes/quantize/convert-qat.js';
import { adam, sgd } from '../../src/train/optim.js';
import { planGradients } from '../../src/train/tape.js';
import { evaluate, train, type Labeled } from '../../src/train/train.js';
import { mulberry32 } from '../../src/util/prng.js';

describe('optimizers (torch.optim update rules)', () => {
  it('SGD with momentum: buf = g on the first step, then μ·buf + g; p −= lr·buf', () => {
    const p = Float32Array.from([1, -2]), o = sgd(0.1, 0.9);
    o.step(new Map([['p', p]]), new Map([['p', Float32Array.from([0.5, 1])]]));
    expect(Array.from(p)).toEqual([1 - 0.05, -2 - 0.1].map(Math.fround));
    o.step(new Map([['p', p]]), new Map([['p', Float32Array.from([1, 0])]]));
    expect(p[0]).toBeCloseTo(0.95 - 0.1 * (0.9 * 0.5 + 1), 6);
    expect(p[1]).toBeCloseTo(-2.1 - 0.1 * 0.9, 6);
  });

  it('Adam: the first step moves every parameter by lr·sign(g)', () => {
    const p = Float32Array.from([1, -2, 3]), o = adam(0.01);
    o.step(new Map([['p', p]]), new Map([['p', Float32Array.from([0.3, -5, 1e-3])]]));
    expect(p[0]).toBeCloseTo(0.99, 6);
    expect(p[1]).toBeCloseTo(-1.99, 6);
    expect(p[2]).toBeCloseTo(2.99, 4);
  });
});

const rnd = mulberry32(5);
const randn = (n: number, s = 1) => Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * s);

/** x[1,4] → gemm(8) → batch_norm → relu → gemm(3): two linearly separable classes of a toy task. */
function mlp(): Graph {
  const b = new GraphBuilder('mlp_bn');
  const x = b.input('x', { dtype: 'f32', shape: [1, 4] });
  const h = b.op('gemm', [x, b.constant('w1', tensor('f32', [8, 4], randn(32))), b.constant('b1', tensor('f32', [8], randn(8)))], { trans_b: true });
  const bn = ['g', 'be', 'mu', 'var'].map((n, i) => b.constant(n, tensor('f32', [8], i === 0 || i === 3 ? new Float32Array(8).fill(1) : new Float32Array(8))));
  const r = b.op('relu', [b.op('batch_norm', [h, ...bn])]);
  b.output(b.op('gemm', [r, b.constant('w2', tensor('f32', [3, 8], randn(24))), b.constant('half', tensor('f32', [], [0.5]))], { trans_b: true, beta: 1 }));
  return b.build();
}

function toy(g: Graph, n: number): Labeled {
  const x = randn(n * 4);
  const labels = Int32Array.from({ length: n }, (_, i) => (x[i * 4]! + x[i * 4 + 1]! > 0.3 ? 2 : x[i * 4 + 2]! > 0 ? 1 : 0));
  return { data: datasetFromTensors(g, [tensor('f32', [n, 1, 4], x)], 'toy'), labels };
}

describe('training', () => {
  it('parameters: f32 constants of rank ≥ 1 on a path to the logits; BN running statistics and rank-0 literals are not', () => {
    expect(planGradients(mlp()).params.sort()).toEqual(['b1', 'be', 'g', 'w1', 'w2']);
    expect(planGradients(mlp(), new Set(['w1'])).params).not.toContain('w1');
  });

  it('fine-tunes a float model: the loss falls and BN running statistics move', () => {
    const g = mlp(), set = toy(g, 256);
    const before = evaluate(g, set);
    const r = train(g, set, { epochs: 8, lr: 0.05, batch: 16 });
    const after = evaluate(r.graph, set);
    expect(after.loss).toBeLessThan(before.loss * 0.7);
    expect(r.history[7]!.loss).toBeLessThan(r.history[0]!.loss);
    expect(Array.from(r.graph.constants['mu']!.data as Float32Array).some((v) => v !== 0)).toBe(true);
    expect(r.graph.constants['half']!.data[0]).toBe(0.5);
  });

  it('freezeBnFrom keeps the running statistics; freezeObserversFrom keeps the qparams (convert then says they were never observed)', () => {
    const g = mlp(), set = toy(g, 64);
    const frozen = train(g, set, { epochs: 1, freezeBnFrom: 1 });
    expect(Array.from(frozen.graph.constants['mu']!.data as Float32Array)).toEqual(new Array(8).fill(0));
    const p = prepareQat(g, 'pytorch-fx');
    const still = train(p.graph, set, { epochs: 1, freezeObserversFrom: 1 });
    const fqs = still.graph.nodes.filter((n) => n.op === 'fake_quantize' && n.attrs['observer'] === 'moving-average');
    expect(fqs.length).toBeGreaterThan(0);
    for (const n of fqs) expect(n.attrs['min']).toBeUndefined();
    expect(() => convertQat(still.graph)).toThrow(/QF3007.*never observed a batch/);
    const observed = train(p.graph, set, { epochs: 1 }).graph.nodes.filter((n) => n.op === 'fake_quantize' && n.attrs['observer'] === 'moving-average');
    for (const n of observed) expect(n.attrs['min']).toBeDefined();
  });

  it('rejects bad options and labels that do not fit', () => {
    const g = mlp(), set = toy(g, 8);
    expect(() => train(g, set, { epochs: 0 })).toThrow(/QF3105.*epochs/);
    expect(() => train(g, set, { lr: -1 })).toThrow(/QF3105.*learning rate/);
    expect(() => train(g, { ...set, labels: set.labels.subarray(0, 4) })).toThrow(/QF3101.*4 labels for 8 samples/);
  });
});

// Every backward of the gradient table against central finite differences of L = Σ r·y (r random),
// on random shapes and attributes (fast-check). Inputs stay away from kinks (relu at 0, clip
// bounds, hardswish at ±3, window maxima ties) so that the difference quotient is the derivative.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getOp, resolveAttrs } from '../../src/ir/ops/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import type { Attrs, Node } from '../../src/ir/graph.js';
import { GRADS } from '../../src/train/tape.js';
import { isDiff, type TrainState } from '../../src/train/grad.js';
import { softmaxCrossEntropy } from '../../src/train/loss.js';
import { mulberry32 } from '../../src/util/prng.js';

const state = (): TrainState => ({ setBuffer() {}, fakeQuant: new Map() });

function run(op: string, node: Node, inputs: (Tensor | undefined)[], training: boolean, saved: Record<string, unknown>): Tensor {
  const attrs = resolveAttrs(getOp(op)!, node.attrs), r = GRADS[op]!;
  return (r.forward ? r.forward({ node, attrs, inputs, training, observe: training, saved, state: state() }) : getOp(op)!.kernel(inputs, attrs, []))[0]!;
}

/** Checks the analytic gradient of every differentiable operand on up to `probe` elements each. */
function checkGrad(op: string, inputs: (Tensor | undefined)[], attrs: Attrs, seed: number, opts: { training?: boolean; h?: number; tol?: number } = {}): void {
  const node: Node = { name: 'n', op, inputs: inputs.map((t, i) => (t ? `x${i}` : '')), outputs: ['y'], attrs };
  const rule = GRADS[op]!, rnd = mulberry32(seed), training = opts.training ?? true, h = opts.h ?? 1e-2, tol = opts.tol ?? 2e-2;
  const saved = {};
  const y = run(op, node, inputs, training, saved);
  const r = Float32Array.from(y.data as Float32Array, () => rnd() * 2 - 1);
  const need = inputs.map((t, i) => !!t && isDiff(rule, i));
  const grads = rule.backward({ node, attrs: resolveAttrs(getOp(op)!, attrs), inputs, output: y, dy: r, saved, need });
  const L = (ins: (Tensor | undefined)[]) => {
    const out = run(op, node, ins, training, {}).data as Float32Array;
    let s = 0;
    for (let i = 0; i < out.length; i++) s += r[i]! * out[i]!;
    return s;
  };
  inputs.forEach((t, i) => {
    if (!need[i]) return;
    const g = grads[i]!;
    expect(g.length).toBe(t!.data.length);
    for (let probe = 0; probe < 6; probe++) {
      const j = Math.floor(rnd() * t!.data.length);
      const at = (d: number) => inputs.map((u, k) => (k === i ? tensor('f32', u!.shape, Float32Array.from(u!.data as Float32Array, (v, e) => (e === j ? v + d : v))) : u));
      const num = (L(at(h)) - L(at(-h))) / (2 * h);
      expect(Math.abs(num - g[j]!), `${op} operand ${i} element ${j}: numeric ${num}, analytic ${g[j]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(num)));
    }
  });
}

/** Random f32 tensor; `away` pushes values out of (−away, away) so kinks at 0 are not crossed. */
function rand(shape: number[], seed: number, away = 0): Tensor {
  const rnd = mulberry32(seed);
  return tensor('f32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    const v = rnd() * 2 - 1;
    return away ? Math.sign(v || 1) * (away + Math.abs(v)) : v;
  }));
}

/** Distinct values spaced 0.1 apart in random order (max pooling has no near-ties). */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1), rnd = mulberry32(seed);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return tensor('f32', shape, v);
}

const seed = fc.integer({ min: 1, max: 2 ** 30 });
const RUNS = { numRuns: 12 };

describe('gradients match finite differences', () => {
  it('conv2d (grouped, depthwise, strided, padded, dilated, bias, clamp)', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom(1, 2, 4), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.integer({ min: 1, max: 2 }),
        (s, group, cpg, k, stride, pad, dil, bias, mpg) => {
          const C = group * cpg, M = group * mpg;
          const x = rand([2, C, 6, 5], s), w = rand([M, cpg, k, k], s + 1), b = bias ? rand([M], s + 2) : undefined;
          checkGrad('conv2d', [x, w, b], { group, strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [dil, dil] }, s);
        }),
      RUNS,
    );
  });

  it('conv2d with a fused clamp passes the gradient only inside it', () => {
    checkGrad('conv2d', [rand([1, 2, 5, 5], 3), rand([3, 2, 3, 3], 4)], { clamp_min: 0, clamp_max: 0.6, pads: [1, 1, 1, 1] }, 5, { h: 1e-3, tol: 5e-2 });
  });

  it('conv_transpose2d (grouped, strided, padded, output_padding)', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom(1, 2), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.boolean(), (s, group, k, stride, pad, bias) => {
        const C = 2 * group, Mg = 2;
        const x = rand([2, C, 4, 3], s), w = rand([C, Mg, k, k], s + 1), b = bias ? rand([Mg * group], s + 2) : undefined;
        const op = stride > 1 ? 1 : 0;
        checkGrad('conv_transpose2d', [x, w, b], { group, strides: [stride, stride], pads: [pad, pad, pad, pad], output_padding: [op, 0] }, s);
      }),
      RUNS,
    );
  });

  it('gemm (transposes, alpha, beta, broadcast c)', () => {
    fc.assert(
      fc.property(seed, fc.boolean(), fc.boolean(), fc.constantFrom('full', 'row', 'none'), (s, ta, tb, c) => {
        const M = 3, K = 5, N = 4;
        const a = rand(ta ? [K, M] : [M, K], s), b = rand(tb ? [N, K] : [K, N], s + 1);
        const cc = c === 'full' ? rand([M, N], s + 2) : c === 'row' ? rand([N], s + 2) : undefined;
        checkGrad('gemm', [a, b, cc], { trans_a: ta, trans_b: tb, alpha: 0.7, beta: 1.3 }, s);
      }),
      RUNS,
    );
  });

  it('matmul (2-D, batched, broadcast batch)', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom<[number[], number[]]>([[3, 4], [4, 2]], [[2, 3, 4], [2, 4, 5]], [[2, 3, 4], [4, 5]], [[1, 3, 4], [2, 4, 2]]), (s, [as, bs]) => {
        checkGrad('matmul', [rand(as, s), rand(bs, s + 1)], {}, s);
      }),
      RUNS,
    );
  });

  it('add, sub, mul, div with broadcasting', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom('add', 'sub', 'mul', 'div'), fc.constantFrom<[number[], number[]]>([[2, 3], [2, 3]], [[2, 3, 4], [3, 1]], [[4], [2, 1, 4]], [[2, 3], []]), (s, op, [as, bs]) => {
        checkGrad(op, [rand(as, s), rand(bs, s + 1, op === 'div' ? 0.5 : 0)], {}, s, { h: 1e-3 });
      }),
      RUNS,
    );
  });

  it('relu, clip, hardswish, sigmoid, tanh, sqrt', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const x = rand([3, 7], s, 0.05);
        checkGrad('relu', [x], {}, s);
        const kinkFree = tensor('f32', x.shape, Float32Array.from(x.data as Float32Array, (v) => (Math.abs(Math.abs(v) - 0.5) < 0.05 ? v + 0.2 : v)));
        checkGrad('clip', [kinkFree], { min: -0.5, max: 0.5 }, s);
        checkGrad('hardswish', [tensor('f32', x.shape, Float32Array.from(x.data as Float32Array, (v) => v * 2.5))], {}, s);
        checkGrad('sigmoid', [x], {}, s);
        checkGrad('tanh', [x], {}, s);
        checkGrad('sqrt', [tensor('f32', x.shape, Float32Array.from(x.data as Float32Array, (v) => Math.abs(v) + 0.5))], {}, s, { h: 1e-3 });
      }),
      RUNS,
    );
  });

  it('maxpool2d, avgpool2d (pads, ceil mode, count_include_pad), global_avgpool', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.boolean(), fc.boolean(), (s, k, stride, pad, ceil, incl) => {
        const p = Math.min(pad, k - 1), win = { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p], ceil_mode: ceil };
        checkGrad('maxpool2d', [distinct([2, 2, 5, 6], s)], win, s, { h: 1e-3 });
        checkGrad('avgpool2d', [rand([2, 2, 5, 6], s)], { ...win, count_include_pad: incl }, s);
        checkGrad('global_avgpool', [rand([2, 3, 4, 2], s)], {}, s);
      }),
      RUNS,
    );
  });

  it('flatten, reshape, concat', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 0, max: 2 }), (s, axis) => {
        checkGrad('flatten', [rand([2, 3, 4], s)], { axis: 1 }, s);
        checkGrad('reshape', [rand([2, 3, 4], s)], { shape: [4, -1] }, s);
        const shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]].map((sh, i) => sh.map((d, a) => (a === axis ? d + i : d)));
        checkGrad('concat', shapes.map((sh, i) => rand(sh, s + i)), { axis }, s);
      }),
      RUNS,
    );
  });

  it('batch_norm in training mode (batch statistics) and in eval mode', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom<number[][]>([4, 3, 2, 2], [3, 2, 5], [6, 4]), (s, shape) => {
        const C = shape[1]!;
        const args = [rand(shape, s), rand([C], s + 1, 0.5), rand([C], s + 2), rand([C], s + 3), tensor('f32', [C], new Array(C).fill(0.7))];
        checkGrad('batch_norm', args, {}, s, { h: 1e-3, tol: 3e-2 });
        checkGrad('batch_norm', args, {}, s, { training: false, h: 1e-3 });
      }),
      RUNS,
    );
  });

  it('softmax cross-entropy: gradient of the mean loss', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const logits = rand([4, 5], s), rnd = mulberry32(s), labels = [0, 1, 2, 3].map(() => Math.floor(rnd() * 5));
        const { grad } = softmaxCrossEntropy(logits, labels);
        for (let j = 0; j < 20; j++) {
          const at = (d: number) => tensor('f32', [4, 5], Float32Array.from(logits.data as Float32Array, (v, e) => (e === j ? v + d : v)));
          const num = (softmaxCrossEntropy(at(1e-3), labels).loss - softmaxCrossEntropy(at(-1e-3), labels).loss) / 2e-3;
          expect(Math.abs(num - grad[j]!)).toBeLessThan(1e-3);
        }
      }),
      RUNS,
    );
  });

  it('fake_quantize: straight-through inside the range, zero where clamped', () => {
    const x = tensor('f32', [6], [-3, -0.4, 0.1, 0.26, 0.9, 5]);
    const node: Node = { name: 'n', op: 'fake_quantize', inputs: ['x'], outputs: ['y'], attrs: { scale: [0.25], zero_point: [0], qmin: -2, qmax: 1 } };
    const saved = {};
    const y = run('fake_quantize', node, [x], true, saved);
    expect(Array.from(y.data as Float32Array)).toEqual([-0.5, -0.5, 0, 0.25, 0.25, 0.25]);
    const [dx] = GRADS['fake_quantize']!.backward({ node, attrs: resolveAttrs(getOp('fake_quantize')!, node.attrs), inputs: [x], output: y, dy: Float32Array.from([1, 2, 3, 4, 5, 6]), saved, need: [true] });
    // integers: -12, -2 (rint(-1.6)), 0, 1, 4 (rint(3.6)), 20: in [-2, 1] for the middle four only
    expect(Array.from(dx!)).toEqual([0, 2, 3, 4, 0, 0]);
  });
});

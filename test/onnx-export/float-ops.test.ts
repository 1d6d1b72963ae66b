// Float op exporters beyond what the fixtures use, in onnxruntime and back through our importer:
// one graph at opset 13 (reduce axes as attributes), one that needs opset 20 (LayerNormalization,
// Gelu, HardSwish; reduce axes as inputs), and one of ops whose export is their OnnxFacts alone.
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { importOnnx, ModelProto, toOnnxModel } from '../../src/ir/onnx/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';

const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });
const vals = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 2);

/** Shapes, selection and elementwise ops, at opset 13. */
function shapesNet(): Graph {
  const b = new GraphBuilder('shapes');
  const x = b.input('x', f32(2, 4, 6));
  const sm = b.op('softmax', [x], { axis: 1 });
  const p = b.op('pad', [sm], { pads: [0, 0, 1, 0, 0, 1], value: 0.5 });
  const sl = b.op('slice', [p], { starts: [1], ends: [7], axes: [2], steps: [2] });
  const [a, c] = b.node('split', [sl], { axis: 1, split: [1, 3] });
  const cat = b.op('concat', [c!, a!], { axis: 1 });
  const r = b.op('reduce_mean', [cat], { axes: [2], keepdims: true });
  const t = b.op('transpose', [cat], { perm: [0, 2, 1] });
  const us = b.op('unsqueeze', [b.op('squeeze', [r], { axes: [2] })], { axes: [1] });
  const m = b.op('mul', [t, us]);
  const gth = b.op('gather', [m, b.constant('idx', tensor('i64', [2], [2, 0]))], { axis: 1 });
  const flat = b.op('reshape', [gth], { shape: [4, 4] });
  const gm = b.op('gemm', [flat, b.constant('w', tensor('f32', [4, 5], vals(20, 1))), b.constant('bias', tensor('f32', [5], vals(5, 2)))], { alpha: 0.5, trans_b: false, clamp_min: -1, clamp_max: 6 });
  const e = b.op('elu', [b.op('leaky_relu', [gm], { alpha: 0.2 })], { alpha: 1.5 });
  const hs = b.op('hardsigmoid', [b.op('tanh', [b.op('erf', [e])])], { alpha: 0.3, beta: 0.4 });
  const lg = b.op('log', [b.op('add', [b.op('abs', [b.op('neg', [hs])]), b.constant('one', tensor('f32', [], [1]))])]);
  const mx = b.op('max', [b.op('sqrt', [b.op('exp', [lg])]), b.op('min', [lg, b.op('reciprocal', [b.op('add', [lg, b.constant('two', tensor('f32', [], [2]))])])])]);
  const pw = b.op('pow', [mx, b.constant('e2', tensor('f32', [], [2]))]);
  const pr = b.op('prelu', [b.op('sub', [pw, b.op('floor', [pw])]), b.constant('slope', tensor('f32', [5], [0.1, 0.2, 0.3, 0.4, 0.5]))]);
  const ls = b.op('log_softmax', [b.op('div', [pr, b.op('ceil', [b.op('sigmoid', [pr])])])], { axis: -1 });
  const rs = b.op('reduce_sum', [b.op('identity', [ls])], { axes: [1], keepdims: false });
  b.output(b.op('cast', [b.op('cast', [rs], { to: 'f64' })], { to: 'f32' }));
  return b.build();
}

/** Convolutions and pooling with fused clamps, then LayerNormalization, Gelu and HardSwish (opset 20). */
function convNet(): Graph {
  const b = new GraphBuilder('conv');
  const x = b.input('x', f32(1, 2, 7, 7));
  const c = b.op('conv2d', [x, b.constant('w', tensor('f32', [4, 2, 3, 3], vals(72, 3)))], { pads: [1, 1, 1, 1], strides: [2, 2], clamp_min: 0 });
  const bn = b.op('batch_norm', [c, ...[4, 5, 6, 7].map((s, i) => b.constant(`bn${i}`, tensor('f32', [4], vals(4, s).map((v) => (i === 3 ? Math.abs(v) + 0.5 : v)))))], { epsilon: 1e-3 });
  const ct = b.op('conv_transpose2d', [bn, b.constant('wt', tensor('f32', [4, 2, 2, 2], vals(32, 8)))], { strides: [2, 2], group: 2, clamp_min: -0.5, clamp_max: 0.5 });
  const mp = b.op('maxpool2d', [ct], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] });
  const ap = b.op('avgpool2d', [mp], { kernel_shape: [3, 3], strides: [2, 2], count_include_pad: true, ceil_mode: true, pads: [1, 1, 1, 1] });
  const ln = b.op('layer_norm', [ap, b.constant('g', tensor('f32', [5], vals(5, 9))), b.constant('be', tensor('f32', [5], vals(5, 10)))], { axis: -1, epsilon: 1e-4 });
  const ge = b.op('gelu', [b.op('hardswish', [ln])], { approximate: 'tanh' });
  const rm = b.op('reduce_max', [ge], { axes: [3], keepdims: true });
  b.output(b.op('flatten', [b.op('global_avgpool', [b.op('relu', [rm])])], { axis: 1 }));
  return b.build();
}

/** Comparisons, logic, where, trigonometry and the integer ops: exported as their OnnxFacts' op type alone. */
function factsNet(): Graph {
  const b = new GraphBuilder('facts');
  const x = b.input('x', f32(2, 3, 4));
  const half = b.constant('half', tensor('f32', [], [0.5]));
  const keep = b.op('or', [
    b.op('and', [b.op('greater', [x, half]), b.op('not', [b.op('less_equal', [x, b.op('neg', [half])])])]),
    b.op('xor', [b.op('equal', [x, half]), b.op('greater_equal', [x, b.op('sin', [x])])]),
  ]);
  const ok = b.op('and', [keep, b.op('not', [b.op('is_nan', [x])])]);
  const unit = b.op('mul', [b.op('tanh', [x]), b.constant('nine', tensor('f32', [], [0.9]))]);
  const inverse = b.op('add', [b.op('add', [b.op('asin', [unit]), b.op('acos', [unit])]), b.op('add', [b.op('atanh', [unit]), b.op('atan', [x])])]);
  const hyper = b.op('add', [b.op('add', [b.op('sinh', [x]), b.op('cosh', [x])]), b.op('add', [b.op('asinh', [x]), b.op('acosh', [b.op('add', [b.op('abs', [x]), b.constant('one', tensor('f32', [], [1]))])])])]);
  const picked = b.op('where', [ok, b.op('add', [inverse, b.op('tan', [unit])]), b.op('sub', [hyper, b.op('cos', [x])])]);
  const shaped = b.op('add', [b.op('sign', [picked]), b.op('add', [b.op('softplus', [picked]), b.op('round', [b.op('mul', [x, b.constant('four', tensor('f32', [], [4]))])])])]);
  const [q, scale, zp] = b.node('dynamic_quantize_linear', [b.op('reshape', [shaped], { shape: [6, 4] })]);
  const w = b.constant('w', tensor('u8', [4, 3], [3, 200, 17, 90, 0, 255, 128, 64, 32, 7, 99, 150]));
  const acc = b.op('matmul_integer', [q!, w, zp!, b.constant('wzp', tensor('u8', [], [128]))]);
  b.output(b.op('mul', [b.op('cast', [acc], { to: 'f32' }), scale!]));
  return b.build();
}

async function ortRun(bytes: Uint8Array, g: Graph, x: Record<string, Tensor>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run(Object.fromEntries(Object.entries(x).map(([k, t]) => [k, new ort.Tensor('float32', t.data as Float32Array, t.shape)])));
  return r[g.outputs[0]!]!.data as Float32Array;
}

describe.each([
  ['shapes', shapesNet, 13],
  ['conv', convNet, 20],
  ['OnnxFacts', factsNet, 13],
] as const)('float export: %s net', (_, make, opset) => {
  const g = make();
  const bytes = toOnnxModel(g);
  const x = { x: tensor('f32', g.values['x']!.shape, vals(g.values['x']!.shape.reduce((a, b) => a * b, 1), 11)) };

  it(`uses opset ${opset}`, () => {
    const m = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as { opsetImport: { version: number }[] };
    expect(m.opsetImport[0]!.version).toBe(opset);
  });

  it('onnxruntime agrees with our interpreter (≤ 1e-5 relative)', async () => {
    const ours = run(g, x).outputs[0]!.data as Float32Array, theirs = await ortRun(bytes, g, x);
    expect(theirs.length).toBe(ours.length);
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
  });

  it('re-imports and runs identically', () => {
    expect(run(importOnnx(bytes), x).outputs[0]!.data).toEqual(run(g, x).outputs[0]!.data);
  });
});

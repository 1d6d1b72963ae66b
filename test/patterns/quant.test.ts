// Quantization patterns in the language: q/dq folding with quantization-parameter equality, and
// dequantize → conv2d → quantize fused into a made-up quantized op registered by this test.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { run } from '../../src/ir/interpreter.js';
import { getOp, registerOp, resolveAttrs, type OpDef } from '../../src/ir/ops/index.js';
import { quantizeValue } from '../../src/ir/quant-math.js';
import { tensor, tensorsEqual, type Tensor } from '../../src/ir/tensor.js';
import type { DType } from '../../src/ir/dtype.js';
import { applyPatterns, loadPatterns } from '../../src/patterns/index.js';
import { expectValid, opsOf, randTensor, rng } from './support.js';

const FOLD_QDQ = `
/// quantize(dequantize(x)) ⇒ x when both use the same params, dtype and the full integer range.
pattern fold_qdq {
  match {
    %d = dequantize(%x)
    %q = quantize(%d)
  }
  where same_quant(%x, %q) and dtype(%x) == dtype(%q)
  where not present(%q.qmin) and not present(%q.qmax)
  rewrite { %x }
}`;

describe('q/dq folding', () => {
  const graph = (qScale: number, qmin?: number) => {
    const b = new GraphBuilder();
    const quant = { scale: [0.05], zeroPoint: [3] };
    const x = b.input('x', { dtype: 'i8', shape: [6], quant });
    const d = b.op('dequantize', [x], { scale: [0.05], zero_point: [3] }, 'dq');
    const q = b.op('quantize', [d], { scale: [qScale], zero_point: [3], dtype: 'i8', ...(qmin !== undefined ? { qmin } : {}) }, 'q');
    b.output(b.op('dequantize', [q], { scale: [qScale], zero_point: [3] }, 'out'));
    return b.build();
  };
  const input = tensor('i8', [6], [-128, -3, 0, 3, 50, 127]);

  it('folds when the quantization params are equal, and computes the same', () => {
    const g = graph(0.05);
    const res = applyPatterns(g, loadPatterns(FOLD_QDQ));
    expectValid(res.graph);
    expect(opsOf(res.graph)).toEqual(['dequantize']);
    expect(res.graph.nodes[0]!.inputs).toEqual(['x']);
    expect(tensorsEqual(run(res.graph, [input]).outputs[0]!, run(g, [input]).outputs[0]!)).toBe(true);
  });

  it('does not fold with different params or a narrowed range', () => {
    expect(applyPatterns(graph(0.1), loadPatterns(FOLD_QDQ)).changed).toBe(false);
    expect(applyPatterns(graph(0.05, -100), loadPatterns(FOLD_QDQ)).changed).toBe(false);
  });
});

// A made-up fused op: conv2d on dequantized per-tensor operands, requantized. Its reference
// kernel is the composition it replaces, so the fused graph must compute the same integers.
const QCONV: OpDef = {
  name: 'test_qconv2d',
  doc: 'test only: quantize(conv2d(dequantize(x), dequantize(w), b))',
  category: 'quantized',
  operands: [{ name: 'x' }, { name: 'w' }, { name: 'b', optional: true }],
  results: 1,
  attrs: {
    x_scale: { type: 'float' },
    x_zero_point: { type: 'int' },
    w_scale: { type: 'float' },
    y_scale: { type: 'float' },
    y_zero_point: { type: 'int' },
    dtype: { type: 'dtype' },
    pads: { type: 'ints', default: [0, 0, 0, 0] },
  },
  infer({ inputs, attrs }) {
    const conv = getOp('conv2d')!;
    const f = (t: NonNullable<(typeof inputs)[number]>) => ({ dtype: 'f32' as const, shape: t.shape });
    const [out] = conv.infer({ inputs: [f(inputs[0]!), f(inputs[1]!), inputs[2]], attrs: resolveAttrs(conv, { pads: attrs.pads as number[] }) });
    return [{ dtype: attrs.dtype as DType, shape: out!.shape, quant: { scale: [attrs.y_scale as number], zeroPoint: [attrs.y_zero_point as number] } }];
  },
  kernel([x, w, b], attrs) {
    const deq = (t: Tensor, s: number, z: number) => tensor('f32', t.shape, Array.from(t.data as Int8Array, (q) => Math.fround((q - z) * s)));
    const conv = getOp('conv2d')!;
    const [y] = conv.kernel([deq(x!, attrs.x_scale as number, attrs.x_zero_point as number), deq(w!, attrs.w_scale as number, 0), b], resolveAttrs(conv, { pads: attrs.pads as number[] }), []);
    const out = tensor(attrs.dtype as DType, y!.shape);
    (y!.data as Float32Array).forEach((v, i) => ((out.data as Int8Array)[i] = quantizeValue(v, attrs.y_scale as number, attrs.y_zero_point as number, -128, 127)));
    return [out];
  },
};
registerOp(QCONV);

const FUSE_QCONV = `
/// dequantize → conv2d → quantize ⇒ test_qconv2d, for per-tensor params and symmetric i8 weights.
pattern fuse_qconv benefit 10 {
  match {
    %xd = dequantize(%xq: i8)
    %wd = dequantize(%wq: const i8 [_, _, _, _])
    %c = conv2d(%xd, %wd, %b?: const f32) { group: 1, strides: [1, 1], dilations: [1, 1] }
    %y = quantize(%c) { dtype: i8 }
  }
  where len(%xd.scale) == 1 and len(%wd.scale) == 1 and len(%y.scale) == 1
  where %wd.zero_point == [0] and %c.clamp_min == -inf and %c.clamp_max == inf
  rewrite {
    test_qconv2d(%xq, %wq, %b) {
      x_scale: %xd.scale[0], x_zero_point: %xd.zero_point[0], w_scale: %wd.scale[0],
      y_scale: %y.scale[0], y_zero_point: %y.zero_point[0], dtype: %y.dtype, pads: %c.pads
    }
  }
}`;

describe('a quantized op fusion', () => {
  const graph = (wZero: number) => {
    const r = rng(11);
    const b = new GraphBuilder();
    const xq = b.input('xq', { dtype: 'i8', shape: [1, 2, 5, 5] });
    const wq = b.constant('wq', tensor('i8', [3, 2, 3, 3], Array.from({ length: 54 }, () => Math.round(r() * 200 - 100))));
    const bias = b.constant('b', randTensor([3], r));
    const xd = b.op('dequantize', [xq], { scale: [0.02], zero_point: [-4] });
    const wd = b.op('dequantize', [wq], { scale: [0.01], zero_point: [wZero] });
    const c = b.op('conv2d', [xd, wd, bias], { pads: [1, 1, 1, 1] });
    b.output(b.op('quantize', [c], { scale: [0.03], zero_point: [2], dtype: 'i8' }, 'y'));
    return { g: b.build(), input: tensor('i8', [1, 2, 5, 5], Array.from({ length: 50 }, () => Math.round(r() * 255 - 128))) };
  };

  it('fuses into the registered op and computes the same integers', () => {
    const { g, input } = graph(0);
    const res = applyPatterns(g, loadPatterns(FUSE_QCONV));
    expectValid(res.graph);
    expect(opsOf(res.graph)).toEqual(['test_qconv2d']);
    expect(res.graph.values['y']).toEqual(g.values['y']);
    expect(tensorsEqual(run(res.graph, [input]).outputs[0]!, run(g, [input]).outputs[0]!)).toBe(true);
  });

  it('does not fuse asymmetric weights', () => {
    expect(applyPatterns(graph(1).g, loadPatterns(FUSE_QCONV)).changed).toBe(false);
  });
});

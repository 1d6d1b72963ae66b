// The QDQ file itself (opset, typed zero points, per-axis weights, raw_data, handles), lowered
// integer ops exported back to QDQ form and run in onnxruntime, narrow ranges, and errors.
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { QforgeError } from '../../src/diagnostics/index.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { ModelProto, importOnnx, toOnnxModel } from '../../src/ir/onnx/index.js';
import { getOp } from '../../src/ir/ops/index.js';
import { fround } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { fixtureFlow } from '../debug/support.js';

interface P {
  opType: string;
  input: string[];
  attribute: { name: string; i?: number }[];
  metadataProps: { key: string; value: string }[];
}
interface I {
  name: string;
  dataType: number;
  dims: number[];
  rawData: Uint8Array;
  floatData: number[];
}
const decode = (b: Uint8Array) =>
  ModelProto.toObject(ModelProto.decode(b), { longs: Number, defaults: true }) as {
    irVersion: number;
    opsetImport: { version: number }[];
    graph: { node: P[]; initializer: I[] };
  };

/** Deterministic values in [lo, hi]. */
function ints(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31), lo + (s % (hi - lo + 1))));
}
const floats = (n: number, seed: number) => ints(n, -1000, 1000, seed).map((v) => v / 400);
// Scales are float32 values, as the quantization flow makes them (ONNX stores them as float).
const rq = (xs: number, ws: number, ys: number) => fround(fround(fround(xs) * fround(ws)) * fround(1 / fround(ys)));
const f32s = (a: Record<string, number | number[] | string>) =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, k.endsWith('scale') && k !== 'requant_scale' && typeof v === 'number' ? fround(v) : v]));

async function viaOrt(g: Graph, x: Record<string, Tensor>, level: 'all' | 'disabled'): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(toOnnxModel(g), { graphOptimizationLevel: level });
  const r = await s.run(Object.fromEntries(Object.entries(x).map(([k, t]) => [k, new ort.Tensor('float32', t.data as Float32Array, t.shape)])));
  return r[g.outputs[0]!]!.data as Float32Array;
}

/** Output differences in quantization steps: [share within 1 step, largest]. */
async function steps(g: Graph, x: Record<string, Tensor>, step: number, level: 'all' | 'disabled'): Promise<[number, number]> {
  const ours = run(g, x).outputs[0]!.data as Float32Array, theirs = await viaOrt(g, x, level);
  const d = Array.from(ours, (v, i) => Math.round(Math.abs(v - theirs[i]!) / step));
  return [d.filter((s) => s <= 1).length / d.length, Math.max(...d)];
}

describe('the QDQ file of a converted fixture (conv_bn_relu)', () => {
  const { quant } = fixtureFlow('conv_bn_relu');
  const m = decode(toOnnxModel(quant));
  const init = new Map(m.graph.initializer.map((t) => [t.name, t]));
  const nodes = m.graph.node;

  it('is opset 13, IR 10, with every initializer in raw_data', () => {
    expect([m.opsetImport[0]!.version, m.irVersion]).toEqual([13, 10]);
    for (const t of m.graph.initializer) expect([t.name, t.rawData.length > 0, t.floatData.length]).toEqual([t.name, true, 0]);
  });

  it('activations: QuantizeLinear with a scalar uint8 zero point', () => {
    const qs = nodes.filter((n) => n.opType === 'QuantizeLinear');
    expect(qs.length).toBe(6);
    for (const q of qs) {
      expect([init.get(q.input[1]!)!.dims, init.get(q.input[2]!)!.dataType, init.get(q.input[2]!)!.dims]).toEqual([[], 2, []]);
      expect(q.attribute.find((a) => a.name === 'axis')).toBeUndefined();
    }
  });

  it('weights: per-axis DequantizeLinear (axis 0) with int8 zero points; biases: int32 with no zero point', () => {
    const dqs = nodes.filter((n) => n.opType === 'DequantizeLinear' && init.has(n.input[0]!));
    const w = dqs.filter((n) => init.get(n.input[0]!)!.dataType === 3), b = dqs.filter((n) => init.get(n.input[0]!)!.dataType === 6);
    expect([w.length, b.length]).toEqual([3, 3]);
    for (const d of w) {
      const C = init.get(d.input[0]!)!.dims[0]!;
      expect([init.get(d.input[1]!)!.dims, init.get(d.input[2]!)!.dataType, init.get(d.input[2]!)!.dims]).toEqual([[C], 3, [C]]);
      expect(d.attribute).toEqual([expect.objectContaining({ name: 'axis', i: 0 })]);
    }
    for (const d of b) expect(d.input).toHaveLength(2);
  });

  it('keeps each node’s debug handle in metadata_props, and tags the QuantizeLinear of a reciprocal quantize', () => {
    const byName = new Map(quant.nodes.map((n) => [n.name, n.debugHandle]));
    for (const n of nodes as (P & { name: string })[]) {
      // The PyTorch flow's quantizes multiply by fround(1/scale): the tag lets our importer restore that.
      const tag = n.opType === 'QuantizeLinear' ? [{ key: 'qforge.quantize_scaling', value: 'reciprocal' }] : [];
      expect([n.name, n.metadataProps]).toEqual([n.name, [{ key: 'qforge.debug_handle', value: String(byName.get(n.name)) }, ...tag]]);
    }
    expect(nodes.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
  });
});

type Act = [name: string, shape: number[], scale: number, zp: number, dtype: 'u8' | 'i8'];

/** quantize(each input) → op(quantized inputs, extra constant operands) → dequantize: one integer op alone. */
function single(op: string, acts: Act[], attrs: Record<string, number | number[] | string>, consts: (b: GraphBuilder) => string[], out: [scale: number, zp: number]): Graph {
  const b = new GraphBuilder(op);
  const qs = acts.map(([n, shape, scale, zp, dtype]) => b.op('quantize', [b.input(n, { dtype: 'f32', shape })], { scale: [fround(scale)], zero_point: [zp], dtype }, `${n}_q`));
  const y = b.op(op, [...qs, ...consts(b)], f32s(attrs), op);
  b.output(b.op('dequantize', [y], { scale: [fround(out[0])], zero_point: [out[1]] }, 'y'));
  return b.build();
}

/** quantize(x), quantize(r) → op(x, w, r, bias?) → dequantize: a residual op alone. */
function residualCase(op: string, x: Act, r: Act, attrs: Record<string, number | number[] | string>, consts: (b: GraphBuilder) => string[], out: [scale: number, zp: number]): Graph {
  const b = new GraphBuilder(op);
  const [xq, rd] = [x, r].map(([n, shape, scale, zp, dtype]) => b.op('quantize', [b.input(n, { dtype: 'f32', shape })], { scale: [fround(scale)], zero_point: [zp], dtype }, `${n}_q`));
  const [w, ...bias] = consts(b);
  const y = b.op(op, [xq!, w!, rd!, ...bias], f32s(attrs), op);
  b.output(b.op('dequantize', [y], { scale: [fround(out[0])], zero_point: [out[1]] }, 'y'));
  return b.build();
}

const sigmoidTable = (lo: number) => Array.from({ length: 256 }, (_, k) => lo + Math.round(255 / (1 + Math.exp(-(k - 128) / 64))));
const convWs = [0.011, 0.007, 0.013, 0.009].map(fround), linWs = [0.02, 0.03, 0.025, 0.01, 0.04], lin3Ws = [0.01, 0.02, 0.015, 0.03, 0.012, 0.018].map(fround);

/** Every integer op of src/ir/ops/quantized.ts, with a per-channel / fused-clamp / narrow-range twist where it has one. */
const CASES: [string, Graph][] = [
  ['qconv2d (per-channel, bias, fused relu)', single('qconv2d', [['x', [1, 3, 8, 8], 0.04, 128, 'u8']], {
    pads: [1, 1, 1, 1], x_zero_point: 128, requant_scale: convWs.map((s) => rq(0.04, s, 0.05)), y_scale: 0.05, y_zero_point: 120, dtype: 'u8', qmin: 120,
  }, (b) => [b.constant('w', tensor('i8', [4, 3, 3, 3], ints(108, -127, 127, 1)), { scale: convWs, zeroPoint: [0, 0, 0, 0], axis: 0 }), b.constant('b', tensor('i32', [4], ints(4, -800, 800, 2)))], [0.05, 120])],
  ['qconv_transpose2d (per-channel along axis 1)', single('qconv_transpose2d', [['x', [1, 4, 4, 4], 0.05, 128, 'u8']], {
    strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], x_zero_point: 128, requant_scale: [0.012, 0.02].map((s) => rq(0.05, s, 0.06)), y_scale: 0.06, y_zero_point: 128, dtype: 'u8',
  }, (b) => [b.constant('w', tensor('i8', [4, 2, 3, 3], ints(72, -127, 127, 11)), { scale: [0.012, 0.02].map(fround), zeroPoint: [0, 0], axis: 1 }), b.constant('b', tensor('i32', [2], ints(2, -500, 500, 12)))], [0.06, 128])],
  ['qavgpool2d', single('qavgpool2d', [['x', [1, 2, 6, 6], 0.03, 110, 'u8']], {
    kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], x_zero_point: 110, requant_scale: fround(fround(0.03) / fround(0.02)), y_scale: 0.02, y_zero_point: 100, dtype: 'u8',
  }, () => [], [0.02, 100])],
  ['qglobal_avgpool', single('qglobal_avgpool', [['x', [1, 3, 5, 5], 0.02, 100, 'u8']], { x_zero_point: 100, requant_scale: fround(fround(0.02) / fround(0.015)), y_scale: 0.015, y_zero_point: 90, dtype: 'u8' }, () => [], [0.015, 90])],
  // No quant params on this weight's type: the exporter derives its scales from requant_scale.
  ['qlinear (2-D, weight scales derived)', single('qlinear', [['x', [2, 4], 0.02, 100, 'u8']], {
    x_zero_point: 100, requant_scale: linWs.map((s) => rq(0.02, s, 0.1)), y_scale: 0.1, y_zero_point: 10, dtype: 'i8',
  }, (b) => [b.constant('w', tensor('i8', [5, 4], ints(20, -127, 127, 3))), b.constant('b', tensor('i32', [5], ints(5, -3000, 3000, 4)))], [0.1, 10])],
  ['qlinear (3-D input)', single('qlinear', [['x', [2, 3, 5], 0.06, 0, 'i8']], { requant_scale: lin3Ws.map((x) => rq(0.06, x, 0.08)), y_scale: 0.08, dtype: 'i8' },
    (b) => [b.constant('w', tensor('i8', [6, 5], ints(30, -127, 127, 5)), { scale: lin3Ws, zeroPoint: lin3Ws.map(() => 0), axis: 0 }), b.constant('b', tensor('i32', [6], ints(6, -900, 900, 6)))], [0.08, 0])],
  ['qmatmul', single('qmatmul', [['a', [2, 3, 4], 0.04, -2, 'i8'], ['m', [4, 5], 0.025, -7, 'i8']], { a_zero_point: -2, b_zero_point: -7, requant_scale: rq(0.04, 0.025, 0.06), y_scale: 0.06, dtype: 'i8' }, () => [], [0.06, 0])],
  ['qadd', single('qadd', [['a', [2, 3, 4], 0.03, 0, 'i8'], ['b', [2, 3, 4], 0.02, 5, 'i8']], { a_scale: 0.03, b_scale: 0.02, b_zero_point: 5, y_scale: 0.05, dtype: 'i8' }, () => [], [0.05, 0])],
  ['qmul', single('qmul', [['a', [2, 3, 4], 0.05, 0, 'i8'], ['b', [2, 3, 4], 0.03, 0, 'i8']], { a_scale: 0.05, b_scale: 0.03, y_scale: 0.04, y_zero_point: -2, dtype: 'i8' }, () => [], [0.04, -2])],
  ['requantize (narrow range)', single('requantize', [['x', [1, 16], 0.1, 10, 'i8']], { x_scale: 0.1, x_zero_point: 10, y_scale: 0.07, y_zero_point: -3, dtype: 'i8', qmin: -100, qmax: 100 }, () => [], [0.07, -3])],
  // Gather on the table (an i8 index shifted by 128): exact. The tables rise by at most one step per
  // input step, so an input one step off in onnxruntime stays within one output step.
  ['qlut (i8 → u8)', single('qlut', [['x', [2, 3, 50], 0.03, -5, 'i8']], { y_scale: 0.004, y_zero_point: 3, dtype: 'u8' }, (b) => [b.constant('t', tensor('u8', [256], sigmoidTable(0)))], [0.004, 3])],
  ['qlut (per channel)', single('qlut', [['x', [1, 3, 4, 5], 0.05, 10, 'i8']], { axis: 1, y_scale: 0.02, y_zero_point: -1, dtype: 'i8' }, (b) => [b.constant('t', tensor('i8', [3, 256], [0, 40, 90].flatMap((o) => sigmoidTable(-128).map((v, k) => Math.min(127, v + (k > o ? 1 : 0))))))], [0.02, -1])],
  ['qlut (u8 → i8)', single('qlut', [['x', [4, 60], 0.05, 128, 'u8']], { y_scale: 0.02, y_zero_point: -1, dtype: 'i8' }, (b) => [b.constant('t', tensor('i8', [256], sigmoidTable(-128)))], [0.02, -1])],
  // qsoftmax / qlayernorm: the float graph they replace (within one step of their table / integer-statistics forms)
  ['qsoftmax', single('qsoftmax', [['x', [2, 3, 49], 0.08, 2, 'i8']], { x_scale: 0.08, x_zero_point: 2, y_scale: 1 / 256, y_zero_point: -128, dtype: 'i8' }, () => [], [1 / 256, -128])],
  ['qlayernorm', single('qlayernorm', [['x', [2, 4, 24], 0.06, 3, 'i8']], { x_scale: 0.06, x_zero_point: 3, y_scale: 0.03, y_zero_point: -1, dtype: 'i8' }, (b) => [b.constant('g', tensor('f32', [24], floats(24, 31))), b.constant('b', tensor('f32', [24], floats(24, 32)))], [0.03, -1])],
  // The residual ops: x and r quantized inputs, w (and a float bias) constants; weight scales from the type, or derived from acc_scale.
  ['qconv2d_add (per-channel, float bias, relu)', residualCase('qconv2d_add', ['x', [1, 3, 6, 6], 0.04, 128, 'u8'], ['r', [1, 4, 6, 6], 0.03, 100, 'u8'], {
    pads: [1, 1, 1, 1], x_zero_point: 128, acc_scale: convWs.map((s) => fround(fround(0.04) * s)), r_scale: fround(0.03), r_zero_point: 100, y_scale: 0.05, y_zero_point: 120, dtype: 'u8', qmin: 120,
  }, (b) => [b.constant('w', tensor('i8', [4, 3, 3, 3], ints(108, -127, 127, 21)), { scale: convWs, zeroPoint: [0, 0, 0, 0], axis: 0 }), b.constant('b', tensor('f32', [4], floats(4, 22)))], [0.05, 120])],
  ['qlinear_add (3-D input, weight scales derived)', residualCase('qlinear_add', ['x', [2, 3, 5], 0.06, 0, 'i8'], ['r', [2, 3, 6], 0.05, -4, 'i8'], {
    acc_scale: lin3Ws.map((s) => fround(fround(0.06) * s)), r_scale: fround(0.05), r_zero_point: -4, y_scale: 0.08, dtype: 'i8',
  }, (b) => [b.constant('w', tensor('i8', [6, 5], ints(30, -127, 127, 23)))], [0.08, 0])],
];

const inputsOf = (g: Graph): Record<string, Tensor> =>
  Object.fromEntries(g.inputs.map((n, k) => [n, tensor('f32', g.values[n]!.shape, floats(g.values[n]!.shape.reduce((a, b) => a * b, 1), 20 + k))]));
const stepOf = (g: Graph) => (g.nodes[g.nodes.length - 1]!.attrs['scale'] as number[])[0]!;

describe('lowered integer ops are exported in QDQ form', () => {
  it('as DequantizeLinear → float op → QuantizeLinear; a fused or narrow per-tensor clamp as a float Relu/Clip before it', () => {
    const ops = (g: Graph) => decode(toOnnxModel(g)).graph.node.map((n) => n.opType);
    // the form onnxruntime fuses (DQ → Conv → Relu/Clip → Q), not an integer Clip after the Q
    expect(ops(CASES[0]![1])).toEqual(['QuantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'Conv', expect.stringMatching(/^(Relu|Clip)$/), 'QuantizeLinear', 'DequantizeLinear']);
    expect(ops(CASES[5]![1])).toEqual(['QuantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'Transpose', 'MatMul', 'Add', 'QuantizeLinear', 'DequantizeLinear']);
    expect(ops(CASES[9]![1])).toEqual(['QuantizeLinear', 'DequantizeLinear', expect.stringMatching(/^(Relu|Clip)$/), 'QuantizeLinear', 'DequantizeLinear']);
  });

  // Tolerance: ≤ 1 output step for every element (ORT divides by the scale where we multiply by
  // its float32 inverse, and accumulates in float where the integer ops are exact); qsoftmax ≤ 2.
  it.each(CASES)('%s: onnxruntime within 1 step of our interpreter (optimisations on and off)', async (_, g) => {
    for (const level of ['all', 'disabled'] as const) {
      const [share, worst] = await steps(g, inputsOf(g), stepOf(g), level);
      // qsoftmax: its exp table is within one step of the float graph, onnxruntime's float32 softmax one more
      expect([level, share >= 0.99, worst <= (g.name === 'qsoftmax' ? 2 : 1)]).toEqual([level, true, true]);
    }
  });

  it.each(CASES)('%s: re-imports as q/dq + float ops within 1 step', (_, g) => {
    const back = importOnnx(toOnnxModel(g));
    expect(back.nodes.filter((n) => getOp(n.op)!.category === 'quantized')).toEqual([]);
    const x = inputsOf(g), step = stepOf(g);
    const a = run(g, x).outputs[0]!.data as Float32Array, b = run(back, x).outputs[0]!.data as Float32Array;
    // qadd, qmul and requantize are defined as dequantize → float op → quantize, qlut is a Gather: exact.
    if (['qadd', 'qmul', 'requantize', 'qlut'].includes(g.name)) expect(b).toEqual(a);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(step * 1.0001));
  });
});

describe('export errors', () => {
  const err = (g: Graph): string => {
    try {
      toOnnxModel(g);
    } catch (e) {
      if (e instanceof QforgeError) return e.message;
      throw e;
    }
    return 'no error';
  };

  it('observe nodes (a prepared, not converted, graph) and int32 quantize are refused by node', () => {
    const b = new GraphBuilder('g');
    b.output(b.op('observe', [b.input('x', { dtype: 'f32', shape: [2] })], { group: 0, dtype: 'u8' }, 'obs'));
    expect(err(b.build())).toBe("node 'obs' (observe): error QF3511: op 'observe' has no ONNX export (observe nodes are calibration markers: export the converted graph)");
    const c = new GraphBuilder('g');
    c.output(c.op('quantize', [c.input('x', { dtype: 'f32', shape: [2] })], { scale: [0.5], zero_point: [0], dtype: 'i32' }, 'q32'));
    expect(err(c.build())).toBe("node 'q32' (quantize): error QF3511: ONNX QuantizeLinear cannot produce i32");
  });
});

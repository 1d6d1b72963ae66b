// The x86 quantizer's int8 coverage beyond conv → add: a linear whose result a float op reads
// lowers to qlinear_f32 (equal to a reference written from its definition bit for bit, within
// float32 rounding of the dequantize → float op graph it replaces), and conv → SiLU, sigmoid gates
// and gated muls (squeeze-excite) quantize to integer ops only.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { DType } from '../../src/ir/dtype.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { dequantizeValue, fround } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { quantizeGraph } from '../../src/passes/quantize/flow.js';
import { datasetFromTensors } from '../../src/passes/quantize/index.js';
import { centred, dqAttrs, floatOp, lowered, opsOf, randInts, rng, type QP } from './qdq-graphs.js';

type Bias = 'none' | 'f32' | 'i32';
const linear = fc.record({
  dx: fc.constantFrom<DType>('u8', 'i8'), bias: fc.constantFrom<Bias>('none', 'f32', 'i32'), relu: fc.boolean(), transB: fc.boolean(), nd: fc.boolean(),
  m: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 24 }), n: fc.integer({ min: 1, max: 6 }), seed: fc.integer(),
});
type LinearCase = typeof linear extends fc.Arbitrary<infer T> ? T : never;

/** dq(x), dq(W) per output column → gemm (relu fused as clamp_min 0) or N-D matmul (+ float bias), read as float; and the definition's result. */
function linearCase(c: LinearCase): { g: Graph; x: Tensor; want: number[] } {
  const r = rng(c.seed), [lo, hi] = c.dx === 'u8' ? [0, 255] : [-128, 127];
  const px: QP = { scale: fround(0.005 + 0.05 * r()), zp: lo + Math.floor(r() * (hi - lo + 1)), dtype: c.dx };
  const nd = c.nd, trans = !nd && c.transB, bias: Bias = nd && c.bias === 'i32' ? 'f32' : c.bias, relu = !nd && c.relu;
  const xShape = nd ? [2, c.m, c.k] : [c.m, c.k], wShape = trans ? [c.n, c.k] : [c.k, c.n], wAxis = trans ? 0 : 1;
  const ws = Array.from({ length: c.n }, () => fround(0.002 + 0.02 * r()));
  const wq = randInts('i8', wShape, r), x = randInts(c.dx, xShape, r);
  const sb = ws.map((s) => fround(s * px.scale));
  const bf = Array.from({ length: c.n }, () => fround((r() - 0.5) * 2)), bi = Array.from({ length: c.n }, () => Math.floor((r() - 0.5) * 4000));
  const b = new GraphBuilder();
  const ins = [b.op('dequantize', [b.input('x', { dtype: c.dx, shape: xShape })], dqAttrs(px)), b.op('dequantize', [b.constant('w', wq)], { scale: ws, zero_point: ws.map(() => 0), axis: wAxis })];
  if (!nd && bias === 'f32') ins.push(b.constant('b', tensor('f32', [c.n], bf)));
  if (bias === 'i32') ins.push(b.op('dequantize', [b.constant('bq', tensor('i32', [c.n], bi))], { scale: sb, zero_point: sb.map(() => 0), axis: 0 }));
  let v = nd ? b.op('matmul', ins) : b.op('gemm', ins, { trans_b: trans, ...(relu ? { clamp_min: 0 } : {}) });
  if (nd && bias === 'f32') v = b.op('add', [v, b.constant('b', tensor('f32', [c.n], bf))]);
  const g = b.output(v).build();
  // The definition: exact sum, fround(fround(acc)·s_b[n]) + b[n], clamped.
  const acc = floatOp(nd ? 'matmul' : 'gemm', [centred(x, [px.zp]), centred(wq, [0])], nd ? {} : { trans_b: trans });
  const bv = bias === 'none' ? undefined : bias === 'f32' ? bf : bi.map((q, k) => dequantizeValue(q, sb[k]!, 0));
  const want = Array.from(acc.data as Float32Array, (a, i) => {
    let y = fround(fround(a) * sb[i % c.n]!);
    if (bv) y = fround(y + bv[i % c.n]!);
    return relu ? Math.max(y, 0) : y;
  });
  return { g, x, want };
}

describe('a linear read as float lowers to qlinear_f32', () => {
  test.prop([linear], { numRuns: 40 })('gemm (trans_b, any bias, relu) / N-D matmul (+ bias) ⇒ qlinear_f32: the definition bit for bit, float32 rounding from the float graph', (c) => {
    const { g, x, want } = linearCase(c);
    const out = lowered(g);
    expect(opsOf(out)).toEqual(['qlinear_f32']);
    const got = Array.from(run(out, [x]).outputs[0]!.data as Float32Array);
    expect(got).toEqual(want);
    const ref = run(g, [x]).outputs[0]!.data as Float32Array, big = Math.max(1, ...Array.from(ref, Math.abs));
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThanOrEqual(1e-5 * big);
  });

  it('a quantize after the linear still gives the fully integer qlinear', () => {
    const b = new GraphBuilder();
    const d = b.op('dequantize', [b.input('x', { dtype: 'u8', shape: [2, 3] })], { scale: [0.1], zero_point: [3] });
    const w = b.op('dequantize', [b.constant('w', tensor('i8', [2, 3], [1, -2, 3, 4, 0, -1]))], { scale: [0.05], zero_point: [0] });
    b.output(b.op('quantize', [b.op('gemm', [d, w], { trans_b: true })], { scale: [0.2], zero_point: [0], dtype: 'u8' }, 'y'));
    expect(opsOf(lowered(b.build()))).toEqual(['qlinear']);
  });
});

/** input → conv → SiLU → squeeze-excite (pool, conv, relu, conv, hardsigmoid, channel mul) → conv. */
function seBlock(): Graph {
  const r = rng(5), b = new GraphBuilder('se');
  const w = (name: string, shape: number[]) => b.constant(name, tensor('f32', shape, Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => (r() - 0.5) * 0.6)));
  const x = b.input('x', { dtype: 'f32', shape: [1, 4, 6, 6] });
  const c1 = b.op('conv2d', [x, w('w1', [8, 4, 3, 3]), w('b1', [8])], { pads: [1, 1, 1, 1] }, 'c1');
  const h = b.op('mul', [c1, b.op('sigmoid', [c1], {}, 'silu.sigmoid')], {}, 'silu');
  const s = b.op('relu', [b.op('conv2d', [b.op('global_avgpool', [h], {}, 'pool'), w('w2', [2, 8, 1, 1]), w('b2', [2])], {}, 'reduce')], {}, 'relu');
  const gate = b.op('hardsigmoid', [b.op('conv2d', [s, w('w3', [8, 2, 1, 1]), w('b3', [8])], {}, 'expand')], { alpha: 1 / 6, beta: 0.5 }, 'gate');
  const scaled = b.op('mul', [h, gate], {}, 'scale');
  return b.output(b.op('conv2d', [scaled, w('w4', [4, 8, 1, 1])], {}, 'proj')).build();
}

describe('x86: conv → SiLU and squeeze-excite gates are integer', () => {
  it('SiLU is one qlut after a qconv2d, the gate a qlut, the channel scale a qmul; no float op but the last conv (its result is the output)', () => {
    const g = seBlock(), r = rng(9);
    const calib = tensor('f32', [4, 1, 4, 6, 6], Array.from({ length: 4 * 144 }, () => (r() - 0.5) * 4));
    const res = quantizeGraph(g, { quantizer: 'x86', calib: datasetFromTensors(g, [calib], 'x') });
    const ops = opsOf(res.graph);
    expect(ops.filter((o) => o === 'qconv2d').length).toBe(3);
    expect(ops.filter((o) => o === 'qlut').length).toBe(2);
    expect(ops).toContain('qmul');
    expect(ops.filter((o) => ['sigmoid', 'hardsigmoid', 'mul', 'conv2d'].includes(o))).toEqual(['conv2d']);
  });

  it('SiLU is matched only as x·sigmoid(x) with no other reader of the sigmoid', () => {
    const b = new GraphBuilder('not_silu'), r = rng(3);
    const x = b.input('x', { dtype: 'f32', shape: [1, 2, 4, 4] });
    const c = b.op('conv2d', [x, b.constant('w', tensor('f32', [2, 2, 1, 1], [0.5, -0.25, 0.75, 0.3]))], {}, 'c');
    const s = b.op('sigmoid', [c], {}, 's');
    b.output(b.op('mul', [c, s], {}, 'm'), b.op('relu', [s], {}, 'other'));
    const g = b.build();
    const calib = tensor('f32', [2, 1, 2, 4, 4], Array.from({ length: 64 }, () => (r() - 0.5) * 4));
    const ops = opsOf(quantizeGraph(g, { quantizer: 'x86', calib: datasetFromTensors(g, [calib], 'x') }).graph);
    // not one SiLU table: the sigmoid is a gate of its own (a qlut), the mul reads it and the conv dequantized
    expect(ops.filter((o) => o === 'qlut').length).toBe(1);
    expect(ops).toContain('mul');
  });
});

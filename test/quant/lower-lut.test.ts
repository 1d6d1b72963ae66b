// lower-quantized's table lookups: every elementwise function of one 8-bit tensor between a
// dequantize and a quantize becomes one qlut, and the lookup equals the q/dq graph on every one of
// the 256 input values, for any qparams, both 8-bit dtypes on either side and both quantize scalings;
// a requantize after a lookup folds into its table, and x times a lookup of x (SiLU in two steps) is one; a concat with shared params stays on the integers.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { dtypeRange, type DType } from '../../src/ir/dtype.js';
import { run } from '../../src/ir/interpreter.js';
import { fround } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { dqAttrs, ints, lowered, opsOf, qAttrs, randInts, rng, type QP } from './qdq-graphs.js';

type Body = (b: GraphBuilder, d: string) => string;
let constants = 0;
const scalar = (b: GraphBuilder, v: number) => b.constant(`c${constants++}`, tensor('f32', [], [v]));

/** The functions of the lowering table, as a quantizer or an ONNX QDQ export leaves them. */
const FUNCTIONS: Record<string, Body> = {
  sigmoid: (b, d) => b.op('sigmoid', [d]),
  hardsigmoid: (b, d) => b.op('hardsigmoid', [d], { alpha: 1 / 6, beta: 0.5 }),
  hardswish: (b, d) => b.op('hardswish', [d]),
  tanh: (b, d) => b.op('tanh', [d]),
  gelu: (b, d) => b.op('gelu', [d]),
  gelu_tanh: (b, d) => b.op('gelu', [d], { approximate: 'tanh' }),
  elu: (b, d) => b.op('elu', [d], { alpha: 0.7 }),
  leaky_relu: (b, d) => b.op('leaky_relu', [d], { alpha: 0.1 }),
  exp: (b, d) => b.op('exp', [d]),
  log: (b, d) => b.op('log', [d]), // −inf and NaN below 0: qmin and the zero point
  sqrt: (b, d) => b.op('sqrt', [d]),
  reciprocal: (b, d) => b.op('reciprocal', [d]),
  softplus: (b, d) => b.op('softplus', [d]),
  silu: (b, d) => b.op('mul', [d, b.op('sigmoid', [d])]),
  silu_swapped: (b, d) => b.op('mul', [b.op('sigmoid', [d]), d]),
  hardswish_as_mul: (b, d) => b.op('mul', [d, b.op('hardsigmoid', [d], { alpha: 1 / 6, beta: 0.5 })]),
  gelu_erf_opset13: (b, d) => b.op('mul', [b.op('mul', [d, b.op('add', [b.op('erf', [b.op('div', [d, scalar(b, 1.4142135381698608)])]), scalar(b, 1)])]), scalar(b, 0.5)]),
  // The gate rule's other optional steps: x·sigmoid(1.702·x) (quick GELU), x·(tanh(x) − 0.5)·3.
  quick_gelu: (b, d) => b.op('mul', [d, b.op('sigmoid', [b.op('mul', [d, scalar(b, 1.702)])])]),
  gate_shifted_scaled: (b, d) => b.op('mul', [scalar(b, 3), b.op('mul', [b.op('sub', [b.op('tanh', [d]), scalar(b, 0.5)]), d])]),
  erf_of_scaled: (b, d) => b.op('erf', [b.op('div', [d, scalar(b, 1.4142135381698608)])]), // GELU's inner step, quantized after erf
  sigmoid_of_shifted: (b, d) => b.op('sigmoid', [b.op('add', [scalar(b, 3), d])]),
  add_scalar: (b, d) => b.op('add', [scalar(b, 0.75), d]),
  rsub_scalar: (b, d) => b.op('sub', [scalar(b, 1), d]),
  div_scalar: (b, d) => b.op('div', [d, scalar(b, 6)]),
  pow_scalar: (b, d) => b.op('pow', [d, scalar(b, 2)]),
  max_scalar: (b, d) => b.op('max', [d, scalar(b, -0.25)]),
};

/** Every value of the dtype, twice, as a [2, 2, 128] tensor (shape kept by the lowering). */
const allValues = (dt: DType): Tensor => {
  const lo = dtypeRange(dt)[0];
  return tensor(dt, [2, 2, 128], Array.from({ length: 512 }, (_, i) => lo + (i % 256)));
};

function graph(body: Body, px: QP, py: QP, scaling: 'reciprocal' | 'divide') {
  const b = new GraphBuilder('lut');
  const d = b.op('dequantize', [b.input('x', { dtype: px.dtype, shape: [2, 2, 128] })], dqAttrs(px));
  b.output(b.op('quantize', [body(b, d)], { ...qAttrs(py), scaling }));
  return b.build();
}

const qp = (dt: DType) =>
  fc.record({ scale: fc.double({ min: 0.002, max: 0.2, noNaN: true }).map(fround), zp: fc.integer({ min: dtypeRange(dt)[0], max: dtypeRange(dt)[1] }), dtype: fc.constant(dt) });
const dts = fc.constantFrom<DType>('u8', 'i8');

describe('lower-quantized: elementwise functions become table lookups (qlut)', () => {
  test.prop([fc.constantFrom(...Object.keys(FUNCTIONS)), dts.chain(qp), dts.chain(qp), fc.constantFrom<'reciprocal' | 'divide'>('reciprocal', 'divide')], { numRuns: 120 })(
    'one qlut, equal to dq → f → q on all 256 inputs',
    (name, px, py, scaling) => {
      const g = graph(FUNCTIONS[name]!, px, py, scaling);
      const out = lowered(g);
      expect(opsOf(out)).toEqual(['qlut']);
      const x = allValues(px.dtype);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    },
  );

  it('each function of the table lowers (fixed qparams: sigmoid 1/256, tanh 2/256)', () => {
    for (const [name, body] of Object.entries(FUNCTIONS)) {
      const g = graph(body, { scale: 0.05, zp: -3, dtype: 'i8' }, { scale: 1 / 128, zp: 0, dtype: 'i8' }, 'reciprocal');
      expect([name, opsOf(lowered(g))]).toEqual([name, ['qlut']]);
    }
  });

  it('a table is what the graph computes: sigmoid with fixed u8 qparams 1/256 is monotone from 0 to 255', () => {
    const g = graph(FUNCTIONS.sigmoid!, { scale: 0.1, zp: 128, dtype: 'u8' }, { scale: 1 / 256, zp: 0, dtype: 'u8' }, 'reciprocal');
    const out = lowered(g);
    const t = ints(out.constants[out.nodes[0]!.inputs[1]!]!);
    expect(t.length).toBe(256);
    expect(t[0]).toBe(0);
    expect(t[255]).toBe(255);
    expect(t.every((v, i) => i === 0 || v >= t[i - 1]!)).toBe(true);
  });

  test.prop([fc.constantFrom('sigmoid', 'tanh', 'silu'), dts.chain(qp), dts.chain(qp), dts.chain(qp)], { numRuns: 40 })(
    'a requantize after the lookup (fixed qparams read with other params) folds into its table',
    (name, px, pf, py) => {
      const b = new GraphBuilder('lut_rq');
      const d = b.op('dequantize', [b.input('x', { dtype: px.dtype, shape: [2, 2, 128] })], dqAttrs(px));
      const fixed = b.op('quantize', [FUNCTIONS[name]!(b, d)], qAttrs(pf));
      b.output(b.op('quantize', [b.op('dequantize', [fixed], dqAttrs(pf))], qAttrs(py)));
      const g = b.build();
      const out = lowered(g);
      expect(opsOf(out)).toEqual(['qlut']);
      const x = allValues(px.dtype);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    },
  );

  test.prop([fc.constantFrom('sigmoid', 'hardsigmoid'), fc.boolean(), dts.chain(qp), dts.chain(qp), dts.chain(qp)], { numRuns: 40 })(
    'x times its own gate is one lookup: the gate quantized on its own (XNNPACK: qlut then qmul), or each use of x with its own dequantize',
    (gate, ownGate, px, pg, py) => {
      const b = new GraphBuilder('gated');
      const x = b.input('x', { dtype: px.dtype, shape: [2, 2, 128] });
      const d = b.op('dequantize', [x], dqAttrs(px));
      const f = gate === 'sigmoid' ? b.op('sigmoid', [d]) : b.op('hardsigmoid', [d], { alpha: 1 / 6, beta: 0.5 });
      const g8 = ownGate ? b.op('dequantize', [b.op('quantize', [f], qAttrs(pg))], dqAttrs(pg)) : f;
      b.output(b.op('quantize', [b.op('mul', [b.op('dequantize', [x], dqAttrs(px)), g8])], qAttrs(py)));
      const g = b.build(), out = lowered(g);
      expect(opsOf(out)).toEqual(['qlut']);
      const xs = allValues(px.dtype);
      expect(ints(run(out, [xs]).outputs[0]!)).toEqual(ints(run(g, [xs]).outputs[0]!));
    },
  );

  test.prop([fc.constantFrom('add', 'mul'), fc.boolean(), dts.chain(qp), dts.chain(qp), dts.chain(qp), fc.integer({ min: -128, max: 127 })], { numRuns: 40 })(
    'qadd / qmul with a quantized scalar constant (either side) become a lookup, and a lookup after a lookup one',
    (op, constFirst, px, pc, py, code) => {
      const b = new GraphBuilder('scalar_op');
      const d = b.op('dequantize', [b.input('x', { dtype: px.dtype, shape: [2, 2, 128] })], dqAttrs(px));
      const c = b.op('dequantize', [b.constant('c', tensor(pc.dtype, [1], [pc.dtype === 'u8' ? code + 128 : code]))], dqAttrs(pc));
      const mid = b.op('quantize', [b.op('tanh', [d])], qAttrs(px));
      const md = b.op('dequantize', [mid], dqAttrs(px));
      b.output(b.op('quantize', [b.op(op, constFirst ? [c, md] : [md, c])], qAttrs(py)));
      const g = b.build(), out = lowered(g);
      expect(opsOf(out)).toEqual(['qlut']);
      const x = allValues(px.dtype);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    },
  );

  it('concat of two operands with the concat\'s own params stays on the integers', () => {
    for (const dt of ['u8', 'i8'] as DType[]) {
      const p: QP = { scale: 0.03, zp: dt === 'u8' ? 7 : -7, dtype: dt };
      const b = new GraphBuilder('cat');
      const ds = ['a', 'b'].map((n) => b.op('dequantize', [b.input(n, { dtype: dt, shape: [1, 3, 4, 4] })], dqAttrs(p)));
      b.output(b.op('quantize', [b.op('concat', ds, { axis: 1 })], qAttrs(p)));
      const g = b.build(), out = lowered(g);
      expect(opsOf(out)).toEqual(['concat']);
      const xs = [allValues(dt), allValues(dt)].map((t) => tensor(dt, [1, 3, 4, 4], t.data.slice(0, 48) as never));
      expect(ints(run(out, xs).outputs[0]!)).toEqual(ints(run(g, xs).outputs[0]!));
    }
  });

  // DenseNet's concats: 2..6 operands, each with the concat's params or its own (then one requantize)
  test.prop([fc.record({ n: fc.integer({ min: 2, max: 6 }), own: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), dt: fc.constantFrom<DType>('u8', 'i8'), seed: fc.integer() })], { numRuns: 25 })(
    'concat of n dequantized operands then a quantize is one integer concat (plus a requantize per operand with other params), bit-exactly',
    ({ n, own, dt, seed }) => {
      const r = rng(seed), p: QP = { scale: 0.03, zp: dt === 'u8' ? 7 : -7, dtype: dt };
      const ps = Array.from({ length: n }, (_, i): QP => (own[i] ? { scale: fround(0.01 + 0.05 * r()), zp: Math.floor(r() * 40) - 20 + (dt === 'u8' ? 128 : 0), dtype: dt } : p));
      const b = new GraphBuilder('cat');
      const ds = ps.map((q, i) => b.op('dequantize', [b.input(`x${i}`, { dtype: dt, shape: [1, 1 + i, 3, 2], quant: { scale: [q.scale], zeroPoint: [q.zp] } })], dqAttrs(q)));
      b.output(b.op('quantize', [b.op('concat', ds, { axis: 1 })], qAttrs(p)));
      const g = b.build(), out = lowered(g);
      const requants = ps.filter((q) => q !== p).length;
      expect(opsOf(out).sort()).toEqual([...Array<string>(requants).fill('requantize'), 'concat'].sort());
      const xs = ps.map((_, i) => randInts(dt, [1, 1 + i, 3, 2], r));
      expect(ints(run(out, xs).outputs[0]!)).toEqual(ints(run(g, xs).outputs[0]!));
    },
  );

  /** x [1, C, 16, 16] (or [256, C]) holding each of the 256 values once per channel, shuffled by channel. */
  const perChannelValues = (dt: DType, C: number, rank2: boolean): Tensor => {
    const lo = dtypeRange(dt)[0];
    const v = (c: number, k: number) => lo + ((k * 7 + c * 31) % 256);
    return rank2
      ? tensor(dt, [256, C], Array.from({ length: 256 * C }, (_, i) => v(i % C, Math.floor(i / C))))
      : tensor(dt, [1, C, 16, 16], Array.from({ length: 256 * C }, (_, i) => v(Math.floor(i / 256), i % 256)));
  };
  const bnParams = (b: GraphBuilder, C: number, r: () => number) =>
    [[0.5, 1.5], [-0.5, 0.5], [-0.3, 0.3], [0.2, 2]].map(([lo, hi], i) => b.constant(`bn${i}`, tensor('f32', [C], Array.from({ length: C }, () => fround(lo! + (hi! - lo!) * r())))));

  test.prop([dts.chain(qp), dts.chain(qp), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 9 }), fc.integer()], { numRuns: 40 })(
    'a batch_norm that cannot fold is a per-channel lookup ([C, 256]), exact on every value of every channel',
    (px, py, relu, rank2, C, seed) => {
      let s = seed | 1;
      const r = () => ((s = (s * 1103515245 + 12345) | 0) >>> 0) / 2 ** 32;
      const b = new GraphBuilder('bn');
      const shape = rank2 ? [256, C] : [1, C, 16, 16];
      const d = b.op('dequantize', [b.input('x', { dtype: px.dtype, shape })], dqAttrs(px));
      const bn = b.op('batch_norm', [d, ...bnParams(b, C, r)], {});
      b.output(b.op('quantize', [relu ? b.op('relu', [bn]) : bn], qAttrs(py)));
      const g = b.build(), out = lowered(g);
      expect(opsOf(out)).toEqual(['qlut']);
      const x = perChannelValues(px.dtype, C, rank2);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    },
  );

  it('a quantize after a max pool moves before it, so batch_norm → relu → pool lowers to a lookup and an integer pool', () => {
    for (const dt of ['u8', 'i8'] as DType[]) {
      const px: QP = { scale: 0.04, zp: dt === 'u8' ? 100 : -20, dtype: dt }, py: QP = { scale: 0.02, zp: dt === 'u8' ? 0 : -128, dtype: dt };
      const b = new GraphBuilder('bnpool');
      const d = b.op('dequantize', [b.input('x', { dtype: dt, shape: [1, 3, 16, 16] })], dqAttrs(px));
      const act = b.op('relu', [b.op('batch_norm', [d, ...bnParams(b, 3, () => 0.3)], {})]);
      b.output(b.op('quantize', [b.op('maxpool2d', [act], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: true })], qAttrs(py)));
      const g = b.build(), out = lowered(g);
      expect(opsOf(out)).toEqual(['qlut', 'maxpool2d']);
      const x = perChannelValues(dt, 3, false);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    }
  });

  test.prop([dts.chain(qp), fc.constantFrom('constant', 'reflect', 'edge'), fc.constantFrom(0, 0.37, -5, 1e6), fc.constantFrom<'reciprocal' | 'divide'>('reciprocal', 'divide')], { numRuns: 40 })(
    'pad with the same params stays on the integers, its constant quantized',
    (p, mode, value, scaling) => {
      const b = new GraphBuilder('pad');
      const d = b.op('dequantize', [b.input('x', { dtype: p.dtype, shape: [2, 2, 128] })], dqAttrs(p));
      b.output(b.op('quantize', [b.op('pad', [d], { pads: [0, 1, 3, 0, -1, 2], mode, value })], { ...qAttrs(p), scaling }));
      const g = b.build(), out = lowered(g);
      const lowers = scaling === 'reciprocal' || value === 0 || mode !== 'constant';
      expect(opsOf(out)).toEqual(lowers ? ['pad'] : opsOf(g));
      const x = allValues(p.dtype);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    },
  );

  it('stays float where the function is not elementwise or the params are per channel', () => {
    const px: QP = { scale: 0.05, zp: 0, dtype: 'i8' }, py = px;
    const keep = (body: Body) => {
      const g = graph(body, px, py, 'reciprocal');
      expect(opsOf(lowered(g))).toEqual(opsOf(g));
    };
    keep((b, d) => b.op('softmax', [d], { axis: 0 })); // not the last axis (that one lowers to qsoftmax)
    keep((b, d) => b.op('add', [d, b.constant('row', tensor('f32', [128], Array.from({ length: 128 }, (_, i) => i / 100)))]));
    keep((b, d) => b.op('mul', [d, b.op('sigmoid', [b.op('relu', [d])])]));
    const b = new GraphBuilder('pc');
    const d = b.op('dequantize', [b.input('x', { dtype: 'i8', shape: [2, 2, 128] })], { scale: [0.1, 0.2], zero_point: [0, 0], axis: 1 });
    b.output(b.op('quantize', [b.op('sigmoid', [d])], qAttrs(py)));
    const g = b.build();
    expect(opsOf(lowered(g))).toEqual(opsOf(g));
  });
});

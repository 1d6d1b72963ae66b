// lower-quantized on the x86 quantizer's residual chains: dq(x) → conv2d / gemm / matmul (+ bias) →
// add(dq(r)) (either order) → relu? → quantize becomes qconv2d_add / qlinear_add. On random shapes
// and qparams the lowered op must equal an independent reference written from its definition
// (centred integers through the float op, exact below 2^24, then the float32 epilogue) bit for bit,
// and stay within one output step of the float q/dq graph it replaces; the generated C equals the
// interpreter bit for bit.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { DType } from '../../src/ir/dtype.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { dequantizeValue, fround, quantizeValue, quantizeValueDivide } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { compileRun, mergeGraphs, mismatches } from '../codegen/helpers.js';
import { centred, clampBounds, dqAttrs, floatOp, ints, lowered, maxSteps, numelOf, opsOf, qAttrs, qparamsFor, randInts, rangeOf, rng, type QP } from './qdq-graphs.js';

const ACT_DT = fc.constantFrom<DType>('u8', 'i8');
type Bias = 'none' | 'f32' | 'i32';

interface Common {
  dx: DType;
  dr: DType;
  dy: DType;
  bias: Bias;
  relu: boolean;
  residualFirst: boolean;
  divide: boolean;
  seed: number;
}
const common = { dx: ACT_DT, dr: ACT_DT, dy: ACT_DT, bias: fc.constantFrom<Bias>('none', 'f32', 'i32'), relu: fc.boolean(), residualFirst: fc.boolean(), divide: fc.boolean(), seed: fc.integer() };

const randQP = (r: () => number, dtype: DType): QP => {
  const [lo, hi] = dtype === 'u8' ? [0, 255] : [-128, 127];
  return { scale: fround(0.005 + 0.05 * r()), zp: lo + Math.floor(r() * (hi - lo + 1)), dtype };
};

interface Built {
  g: Graph;
  inputs: Tensor[];
  /** The epilogue's reference integers for y params y. */
  want: number[];
}

/**
 * x → dq, W (i8 per output channel along wAxis) → dq, a float or dequantized i32 bias, the float op,
 * + dq(r), relu?, quantize with params chosen from the float result's range.
 */
function residualCase(c: Common, op: string, attrs: Record<string, unknown>, xShape: number[], wShape: number[], wAxis: number, outShape: number[], chAxis: number): Built {
  const r = rng(c.seed);
  const channels = wShape[wAxis]!;
  const px = randQP(r, c.dx), pr = randQP(r, c.dr);
  const ws = Array.from({ length: channels }, () => fround(0.002 + 0.02 * r()));
  const wq = randInts('i8', wShape, r);
  const sb = ws.map((s) => fround(fround(s) * fround(px.scale)));
  const bf = tensor('f32', [channels], Array.from({ length: channels }, () => fround((r() - 0.5) * 2)));
  const bi = tensor('i32', [channels], Array.from({ length: channels }, () => Math.floor((r() - 0.5) * 4000)));
  const x = randInts(c.dx, xShape, r), res = randInts(c.dr, outShape, r);
  const build = (y?: QP): Graph => {
    const b = new GraphBuilder();
    const xi = b.input('x', { dtype: c.dx, shape: xShape }), ri = b.input('r', { dtype: c.dr, shape: outShape });
    const ins = [b.op('dequantize', [xi], dqAttrs(px)), b.op('dequantize', [b.constant('w', wq)], { scale: ws, zero_point: ws.map(() => 0), axis: wAxis })];
    if (c.bias === 'f32' && op !== 'matmul') ins.push(b.constant('b', bf));
    if (c.bias === 'i32') ins.push(b.op('dequantize', [b.constant('bq', bi)], { scale: sb, zero_point: sb.map(() => 0), axis: 0 }));
    let v = b.op(op, ins, attrs as never);
    if (op === 'matmul' && c.bias !== 'none') v = b.op('add', [v, b.constant('b', bf)]);
    const dr = b.op('dequantize', [ri], dqAttrs(pr));
    v = b.op('add', c.residualFirst ? [dr, v] : [v, dr]);
    if (c.relu) v = b.op('relu', [v]);
    b.output(y ? b.op('quantize', [v], { ...qAttrs(y), ...(c.divide ? { scaling: 'divide' } : {}) }, 'y') : v);
    return b.build();
  };
  const [lo, hi] = rangeOf(build(), [x, res]);
  const y = qparamsFor(lo, hi, c.dy);
  // The definition: exact sum, fround(acc·s_b[c]) + bias, + dq(r), quantized (relu: clamp at quantize(0)).
  const acc = floatOp(op, [centred(x, [px.zp]), centred(wq, [0])], attrs);
  const inner = numelOf(outShape.slice(chAxis + 1));
  const bias = c.bias === 'none' ? undefined : c.bias === 'f32' ? Array.from(bf.data as Float32Array) : Array.from(bi.data as Int32Array, (q, k) => dequantizeValue(q, sb[k]!, 0));
  const [qmin, qmax] = clampBounds(y, c.relu ? 0 : -Infinity, Infinity);
  const q = c.divide ? quantizeValueDivide : quantizeValue;
  const want = Array.from(acc.data as Float32Array, (a, i) => {
    const ch = Math.floor(i / inner) % channels;
    let v = fround(fround(a) * sb[ch]!);
    if (bias) v = fround(v + bias[ch]!);
    return q(fround(v + dequantizeValue(Number(res.data[i]), pr.scale, pr.zp)), y.scale, y.zp, qmin, qmax);
  });
  return { g: build(y), inputs: [x, res], want };
}

function check(t: Built, op: string): Graph {
  const out = lowered(t.g);
  expect(opsOf(out)).toEqual([op]);
  const got = run(out, t.inputs).outputs[0]!;
  expect(ints(got)).toEqual(t.want);
  expect(maxSteps(got, run(t.g, t.inputs).outputs[0]!)).toBeLessThanOrEqual(1);
  return out;
}

const conv = fc.record({
  ...common,
  group: fc.integer({ min: 1, max: 2 }),
  cg: fc.integer({ min: 1, max: 3 }),
  mg: fc.integer({ min: 1, max: 4 }),
  hw: fc.integer({ min: 3, max: 6 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  pad: fc.integer({ min: 0, max: 1 }),
});
type ConvCase = typeof conv extends fc.Arbitrary<infer T> ? T : never;

function convCase(c: ConvCase): Built {
  const C = c.group * c.cg, M = c.group * c.mg, o = Math.floor((c.hw + 2 * c.pad - c.k) / c.stride) + 1;
  const attrs = { strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad], group: c.group };
  return residualCase(c, 'conv2d', attrs, [1, C, c.hw, c.hw], [M, c.cg, c.k, c.k], 0, [1, M, o, o], 1);
}

const linear = fc.record({ ...common, transB: fc.boolean(), nd: fc.boolean(), m: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 24 }), n: fc.integer({ min: 1, max: 6 }) });
type LinearCase = typeof linear extends fc.Arbitrary<infer T> ? T : never;

/** gemm (trans_b either way, any bias) or, nd, an N-D matmul with a [K, N] weight (+ float bias). */
function linearCase(c: LinearCase): Built {
  if (c.nd) return residualCase({ ...c, bias: c.bias === 'none' ? 'none' : 'f32' }, 'matmul', {}, [2, c.m, c.k], [c.k, c.n], 1, [2, c.m, c.n], 2);
  return residualCase(c, 'gemm', { trans_b: c.transB }, [c.m, c.k], c.transB ? [c.n, c.k] : [c.k, c.n], c.transB ? 0 : 1, [c.m, c.n], 1);
}

describe('residual adds lower to integer ops: the reference bit for bit, one step from the float graph', () => {
  test.prop([conv], { numRuns: 30 })('conv2d → add(dq r) → relu? → q ⇒ qconv2d_add (grouped, strided, padded; either add order)', (c) => void check(convCase(c), 'qconv2d_add'));

  test.prop([linear], { numRuns: 30 })('gemm / N-D matmul (+ bias) → add(dq r) → q ⇒ qlinear_add', (c) => void check(linearCase(c), 'qlinear_add'));
});

describe('the generated C equals the interpreter on random residual ops', () => {
  // One program per run: three conv cases and two linear cases side by side, on the portable target.
  test.prop([fc.tuple(conv, conv, conv, linear, linear)], { numRuns: 2 })('c target', (cases) => {
    const parts = cases.map((c, i) => (i < 3 ? convCase(c as ConvCase) : linearCase(c as LinearCase))).map((t) => ({ graph: lowered(t.g), inputs: t.inputs }));
    const { graph, inputs } = mergeGraphs(parts);
    expect(mismatches(graph, compileRun(graph, 'c', inputs).outputs, run(graph, inputs).outputs)).toEqual([]);
  });
});

describe('what stays float', () => {
  const base = (mutate: (b: GraphBuilder, conv: string, dr: string) => string): Graph => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'u8', shape: [1, 2, 3, 3] }), r = b.input('r', { dtype: 'u8', shape: [1, 2, 3, 3] });
    const w = b.op('dequantize', [b.constant('w', tensor('i8', [2, 2, 1, 1], [1, -2, 3, 4]))], { scale: [0.1], zero_point: [0] });
    const cv = b.op('conv2d', [b.op('dequantize', [x], { scale: [0.1], zero_point: [3] }), w], {});
    const v = mutate(b, cv, b.op('dequantize', [r], { scale: [0.2], zero_point: [5] }));
    b.output(b.op('quantize', [v], { scale: [0.1], zero_point: [0], dtype: 'u8' }, 'y'));
    return b.build();
  };
  it('a broadcast residual, a float residual, a relu between the conv and the add', () => {
    const bcast = (() => {
      const b = new GraphBuilder();
      const x = b.input('x', { dtype: 'u8', shape: [1, 2, 3, 3] }), r = b.input('r', { dtype: 'u8', shape: [1, 2, 1, 1] });
      const w = b.op('dequantize', [b.constant('w', tensor('i8', [2, 2, 1, 1], [1, -2, 3, 4]))], { scale: [0.1], zero_point: [0] });
      const cv = b.op('conv2d', [b.op('dequantize', [x], { scale: [0.1], zero_point: [3] }), w], {});
      b.output(b.op('quantize', [b.op('add', [cv, b.op('dequantize', [r], { scale: [0.2], zero_point: [5] })])], { scale: [0.1], zero_point: [0], dtype: 'u8' }, 'y'));
      return b.build();
    })();
    const floatResidual = (() => {
      const b = new GraphBuilder();
      const x = b.input('x', { dtype: 'u8', shape: [1, 2, 3, 3] }), r = b.input('r', { dtype: 'f32', shape: [1, 2, 3, 3] });
      const w = b.op('dequantize', [b.constant('w', tensor('i8', [2, 2, 1, 1], [1, -2, 3, 4]))], { scale: [0.1], zero_point: [0] });
      const cv = b.op('conv2d', [b.op('dequantize', [x], { scale: [0.1], zero_point: [3] }), w], {});
      b.output(b.op('quantize', [b.op('add', [cv, r])], { scale: [0.1], zero_point: [0], dtype: 'u8' }, 'y'));
      return b.build();
    })();
    expect(opsOf(lowered(base((b, cv, dr) => b.op('add', [cv, dr]))))).toEqual(['qconv2d_add']);
    expect(opsOf(lowered(bcast))).not.toContain('qconv2d_add');
    expect(opsOf(lowered(floatResidual))).not.toContain('qconv2d_add');
    expect(opsOf(lowered(base((b, cv, dr) => b.op('add', [b.op('relu', [cv]), dr]))))).not.toContain('qconv2d_add');
  });
});

// lower-quantized on random q/dq graphs. Ops defined as dq → op → q (qadd, qmul, requantize,
// relu/clip folded into the output range) must reproduce the q/dq graph bit for bit; integer
// accumulating ops (conv, conv-transpose, linear, matmul, pools) must equal an independent
// integer reference (centred integers through the float op, then PyTorch's requantization) and
// stay within one step of the float q/dq graph.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { dtypeRange, type DType } from '../../src/ir/dtype.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { fround, rint } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { accFits, quantizeBias, requantScales } from '../../src/patterns/helpers/quant.js';
import {
  centred, clampBounds, dqAttrs, floatOp, ints, lowered, maxSteps, numelOf, opsOf, qAttrs, qparamsFor, randInts, rangeOf, requantRef, rng, torchNumbers, type QP,
} from './qdq-graphs.js';

const ACT_DT = fc.constantFrom<DType>('u8', 'i8');
const ACT = fc.constantFrom('none', 'relu', 'relu6', 'clip', 'fused');
type Act = 'none' | 'relu' | 'relu6' | 'clip' | 'fused';

/** Activation bounds: relu [0, inf), relu6 [0, 6], clip/fused a random window around 0. */
function actBounds(act: Act, r: () => number): [number, number] {
  if (act === 'relu') return [0, Infinity];
  if (act === 'relu6') return [0, 6];
  if (act === 'none') return [-Infinity, Infinity];
  const lo = fround(-0.5 * r()), hi = fround(0.2 + 0.5 * r());
  return [lo, hi];
}

/** Adds the activation as a node (relu, clip) or returns the attrs that fuse it (fused). */
function addAct(b: GraphBuilder, v: string, act: Act, [lo, hi]: [number, number]): string {
  if (act === 'relu') return b.op('relu', [v]);
  if (act === 'relu6' || act === 'clip') return b.op('clip', [v], { min: lo, max: hi });
  return v;
}

function randQP(r: () => number, dtype: DType): QP {
  const [lo, hi] = dtypeRange(dtype);
  return { scale: fround(0.005 + 0.1 * r()), zp: lo + Math.floor(r() * (hi - lo + 1)), dtype };
}

/** y params from the float result of `build()` (no final quantize), then the q/dq graph with them. */
function withOutputParams(build: (y?: QP) => Graph, inputs: Tensor[], ydt: DType): { g: Graph; y: QP } {
  const [lo, hi] = rangeOf(build(), inputs);
  const y = qparamsFor(lo, hi, ydt);
  return { g: build(y), y };
}

describe('ops defined as dq → op → q lower bit-exactly', () => {
  const shapes = fc.constantFrom<[number[], number[]]>([[2, 3, 4], [2, 3, 4]], [[2, 3, 4], [1, 3, 1]], [[2, 3, 4], [4]], [[3, 1], [1, 5]]);
  test.prop([fc.record({ op: fc.constantFrom('add', 'mul'), shapes, da: ACT_DT, db: ACT_DT, dy: ACT_DT, act: ACT.filter((a) => a !== 'fused'), seed: fc.integer() })], { numRuns: 40 })(
    'qadd / qmul with broadcasting and a relu/relu6/clip before the quantize',
    (c) => {
      const r = rng(c.seed);
      const pa = randQP(r, c.da), pb = randQP(r, c.db), py = randQP(r, c.dy);
      const bounds = actBounds(c.act as Act, r);
      const b = new GraphBuilder();
      const a = b.input('a', { dtype: c.da, shape: c.shapes[0] }), bb = b.input('b', { dtype: c.db, shape: c.shapes[1] });
      const v = b.op(c.op, [b.op('dequantize', [a], dqAttrs(pa)), b.op('dequantize', [bb], dqAttrs(pb))]);
      b.output(b.op('quantize', [addAct(b, v, c.act as Act, bounds)], qAttrs(py), 'y'));
      const g = b.build();
      const out = lowered(g);
      expect(opsOf(out)).toEqual([`q${c.op}`]);
      const xs = [randInts(c.da, c.shapes[0], r), randInts(c.db, c.shapes[1], r)];
      expect(ints(run(out, xs).outputs[0]!)).toEqual(ints(run(g, xs).outputs[0]!));
    },
  );

  test.prop([fc.record({ dx: fc.constantFrom<DType>('u8', 'i8', 'i16', 'i32'), dy: ACT_DT, act: ACT.filter((a) => a !== 'fused'), same: fc.boolean(), seed: fc.integer() })], { numRuns: 40 })(
    'dequantize → [relu | clip] → quantize is one requantize with the activation in its range',
    (c) => {
      const r = rng(c.seed);
      const px = randQP(r, c.dx), py = c.same && c.dx === c.dy ? px : randQP(r, c.dy);
      const b = new GraphBuilder();
      const x = b.input('x', { dtype: c.dx, shape: [5, 7] });
      const v = addAct(b, b.op('dequantize', [x], dqAttrs(px)), c.act as Act, actBounds(c.act as Act, r));
      b.output(b.op('quantize', [v], qAttrs(py), 'y'));
      const g = b.build();
      const out = lowered(g);
      expect(opsOf(out)).toEqual(['requantize']);
      const lim = c.dx === 'i32' ? [-70000, 70000] : dtypeRange(c.dx);
      const xs = [randInts(c.dx, [5, 7], r, lim[0], lim[1])];
      expect(ints(run(out, xs).outputs[0]!)).toEqual(ints(run(g, xs).outputs[0]!));
    },
  );
});

/** Shared checks of an accumulating op: one integer node, equal to the reference, within 1 step of q/dq. */
function checkAccum(g: Graph, inputs: Tensor[], op: string, want: number[], m: readonly number[]): void {
  const out = lowered(g);
  expect(opsOf(out)).toEqual([op]);
  const got = run(out, inputs).outputs[0]!;
  expect(ints(got)).toEqual(want);
  // A float bias is rounded to the bias scale: at most m/2 steps; below one step in total, the
  // float graph and the integer op round to neighbouring integers at worst.
  if (Math.max(...m) < 1) expect(maxSteps(got, run(g, inputs).outputs[0]!)).toBeLessThanOrEqual(1);
}

type BiasKind = 'none' | 'f32' | 'i32';
const BIAS = fc.constantFrom<BiasKind>('none', 'f32', 'i32');

/** The weight dequantize: i8 symmetric (zp 0) or u8 affine; per channel along `axis` or per tensor. */
function weightParams(r: () => number, channels: number, perChannel: boolean, affine: boolean, axis: number) {
  const n = perChannel ? channels : 1;
  const scale = Array.from({ length: n }, () => fround(0.002 + 0.02 * r()));
  const zp = Array.from({ length: n }, () => (affine ? 100 + Math.floor(r() * 56) : 0));
  return { dtype: (affine ? 'u8' : 'i8') as DType, scale, zp, attrs: { scale, zero_point: zp, ...(perChannel ? { axis } : {}) } };
}

/**
 * Builds x → dq, W → dq, bias (float, or i32 → dq with scale s_b), op, activation, quantize, and
 * returns the graph, inputs, y params and the reference integers.
 */
function accumCase(
  c: { dx: DType; dy: DType; bias: BiasKind; act: Act; perChannel: boolean; affine: boolean; seed: number },
  xShape: number[],
  wShape: number[],
  wAxis: number,
  channels: number,
  op: string,
  attrs: Record<string, unknown>,
  outChannelAxis: number,
) {
  const r = rng(c.seed);
  const px = randQP(r, c.dx);
  const w = weightParams(r, channels, c.perChannel, c.affine, wAxis);
  const wq = randInts(w.dtype, wShape, r);
  const bf = tensor('f32', [channels], Array.from({ length: channels }, () => fround((r() - 0.5) * 0.5)));
  const { sb } = torchNumbers(px.scale, w.scale, 1);
  const bi = tensor('i32', [channels], Array.from({ length: channels }, () => Math.floor((r() - 0.5) * 4000)));
  const bounds = actBounds(c.act, r);
  const x = randInts(c.dx, xShape, r);
  const build = (y?: QP) => {
    const b = new GraphBuilder();
    const xi = b.input('x', { dtype: c.dx, shape: xShape });
    const ins = [b.op('dequantize', [xi], dqAttrs(px)), b.op('dequantize', [b.constant('w', wq)], w.attrs)];
    if (c.bias === 'f32') ins.push(b.constant('b', bf));
    if (c.bias === 'i32') ins.push(b.op('dequantize', [b.constant('bq', bi)], { scale: sb.length === 1 ? sb : sb, zero_point: sb.map(() => 0), ...(sb.length > 1 ? { axis: 0 } : {}) }));
    const fused = c.act === 'fused' ? { clamp_min: bounds[0], clamp_max: bounds[1] } : {};
    const v = addAct(b, b.op(op, ins, { ...attrs, ...fused } as never), c.act, bounds);
    b.output(y ? b.op('quantize', [v], qAttrs(y), 'y') : v);
    return b.build();
  };
  const { g, y } = withOutputParams(build, [x], c.dy);
  const { m, bq } = torchNumbers(px.scale, w.scale, y.scale, bf.data as Float32Array);
  // Reference: centred integers through the float op (exact), plus the int32 bias, requantized.
  const acc = floatOp(op, [centred(x, [px.zp]), centred(wq, w.zp, wAxis)], attrs);
  const bias = c.bias === 'f32' ? bq! : c.bias === 'i32' ? Array.from(bi.data as Int32Array) : undefined;
  const inner = numelOf(acc.shape.slice(outChannelAxis + 1));
  if (bias) (acc.data as Float32Array).forEach((v, i, d) => (d[i] = v + bias[Math.floor(i / inner) % channels]!));
  const [lo, hi] = clampBounds(y, ...bounds);
  return { g, x, m, want: requantRef(acc, m, y.zp, lo, hi, outChannelAxis) };
}

const accumCommon = { dx: ACT_DT, dy: ACT_DT, bias: BIAS, act: ACT, perChannel: fc.boolean(), affine: fc.boolean(), seed: fc.integer() };

describe('integer accumulation: independent reference, one step from the float graph', () => {
  const conv = fc.record({
    ...accumCommon,
    group: fc.integer({ min: 1, max: 2 }),
    cg: fc.integer({ min: 1, max: 3 }),
    mg: fc.integer({ min: 1, max: 3 }),
    hw: fc.integer({ min: 3, max: 6 }),
    k: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    pad: fc.integer({ min: 0, max: 1 }),
    dil: fc.integer({ min: 1, max: 2 }),
    outPad: fc.integer({ min: 0, max: 1 }),
  });

  test.prop([conv.filter((c) => c.hw + 2 * c.pad >= c.dil * (c.k - 1) + 1)], { numRuns: 30 })('conv2d ⇒ qconv2d (grouped, dilated, padded)', (c) => {
    const C = c.group * c.cg, M = c.group * c.mg;
    const attrs = { strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad], dilations: [c.dil, c.dil], group: c.group };
    const t = accumCase(c as never, [1, C, c.hw, c.hw], [M, c.cg, c.k, c.k], 0, M, 'conv2d', attrs, 1);
    checkAccum(t.g, [t.x], 'qconv2d', t.want, t.m);
  });

  test.prop([conv.filter((c) => c.outPad < Math.max(c.stride, c.dil))], { numRuns: 30 })('conv_transpose2d ⇒ qconv_transpose2d (per-channel only for one group)', (c) => {
    const C = c.group * c.cg, M = c.group * c.mg;
    const attrs = { strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad], dilations: [c.dil, c.dil], group: c.group, output_padding: [c.outPad, c.outPad] };
    const t = accumCase({ ...c, perChannel: c.perChannel && c.group === 1 } as never, [1, C, c.hw, c.hw], [C, c.mg, c.k, c.k], 1, M, 'conv_transpose2d', attrs, 1);
    checkAccum(t.g, [t.x], 'qconv_transpose2d', t.want, t.m);
  });

  test.prop([fc.record({ ...accumCommon, transB: fc.boolean(), m: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 24 }), n: fc.integer({ min: 1, max: 6 }) })], { numRuns: 40 })(
    'gemm (trans_b either way) ⇒ qlinear with the weight as [N, K]',
    (c) => {
      const wShape = c.transB ? [c.n, c.k] : [c.k, c.n];
      const t = accumCase(c as never, [c.m, c.k], wShape, c.transB ? 0 : 1, c.n, 'gemm', { trans_b: c.transB }, 1);
      checkAccum(t.g, [t.x], 'qlinear', t.want, t.m);
    },
  );

  test.prop([fc.record({ ...accumCommon, bias: fc.constant<BiasKind>('none'), act: fc.constantFrom<Act>('none', 'relu'), b: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 16 }), n: fc.integer({ min: 1, max: 5 }) })], { numRuns: 30 })(
    'matmul with a constant [K, N] weight ⇒ qlinear',
    (c) => {
      const t = accumCase(c as never, [c.b, 2, c.k], [c.k, c.n], 1, c.n, 'matmul', {}, 2);
      checkAccum(t.g, [t.x], 'qlinear', t.want, t.m);
    },
  );

  test.prop([fc.record({ da: ACT_DT, db: ACT_DT, dy: ACT_DT, batch: fc.constantFrom([2], [1], [2, 1]), k: fc.integer({ min: 1, max: 16 }), seed: fc.integer() })], { numRuns: 30 })(
    'matmul of two activations ⇒ qmatmul',
    (c) => {
      const r = rng(c.seed);
      const pa = randQP(r, c.da), pb = randQP(r, c.db);
      const aShape = [...c.batch, 3, c.k], bShape = [2, c.k, 4];
      const xs = [randInts(c.da, aShape, r), randInts(c.db, bShape, r)];
      const build = (y?: QP) => {
        const b = new GraphBuilder();
        const a = b.input('a', { dtype: c.da, shape: aShape }), bb = b.input('b', { dtype: c.db, shape: bShape });
        const v = b.op('matmul', [b.op('dequantize', [a], dqAttrs(pa)), b.op('dequantize', [bb], dqAttrs(pb))]);
        b.output(y ? b.op('quantize', [v], qAttrs(y)) : v);
        return b.build();
      };
      const { g, y } = withOutputParams(build, xs, c.dy);
      const { m } = torchNumbers(pa.scale, [pb.scale], y.scale);
      const acc = floatOp('matmul', [centred(xs[0]!, [pa.zp]), centred(xs[1]!, [pb.zp])], {});
      checkAccum(g, xs, 'qmatmul', requantRef(acc, m, y.zp, ...dtypeRange(c.dy), 0), m);
    },
  );

  const pool = fc.record({ dx: ACT_DT, dy: ACT_DT, c: fc.integer({ min: 1, max: 3 }), hw: fc.integer({ min: 2, max: 6 }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }), pad: fc.integer({ min: 0, max: 1 }), incl: fc.boolean(), same: fc.boolean(), seed: fc.integer() });
  test.prop([pool.filter((p) => p.pad < p.k && p.hw + 2 * p.pad >= p.k)], { numRuns: 30 })('avgpool2d ⇒ qavgpool2d (padding, count_include_pad)', (p) => {
    const r = rng(p.seed);
    const px = randQP(r, p.dx), shape = [1, p.c, p.hw, p.hw];
    const attrs = { kernel_shape: [p.k, p.k], strides: [p.s, p.s], pads: [p.pad, p.pad, p.pad, p.pad], count_include_pad: p.incl };
    const x = randInts(p.dx, shape, r);
    const build = (y?: QP) => {
      const b = new GraphBuilder();
      const v = b.op('avgpool2d', [b.op('dequantize', [b.input('x', { dtype: p.dx, shape })], dqAttrs(px))], attrs);
      b.output(y ? b.op('quantize', [v], qAttrs(p.same && p.dx === p.dy ? px : y)) : v);
      return b.build();
    };
    const { g, y: y0 } = withOutputParams(build, [x], p.dy);
    const y = p.same && p.dx === p.dy ? px : y0;
    // Reference: integer window sums over the valid part, count per avgpool's rule, multiplier fround(fround(x_s/y_s)/count).
    const Ho = Math.floor((p.hw + 2 * p.pad - p.k) / p.s) + 1, ratio = fround(px.scale / y.scale);
    const want: number[] = [];
    for (let ch = 0; ch < p.c; ch++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Ho; j++) {
          let acc = 0, n = 0;
          for (let a = 0; a < p.k; a++)
            for (let bb = 0; bb < p.k; bb++) {
              const h = i * p.s - p.pad + a, w = j * p.s - p.pad + bb;
              const inPad = h >= -p.pad && h < p.hw + p.pad && w >= -p.pad && w < p.hw + p.pad;
              if (h >= 0 && h < p.hw && w >= 0 && w < p.hw) (acc += Number(x.data[(ch * p.hw + h) * p.hw + w]) - px.zp), n++;
              else if (p.incl && inPad) n++;
            }
          want.push(Math.min(dtypeRange(p.dy)[1], Math.max(dtypeRange(p.dy)[0], rint(fround(fround(acc) * fround(ratio / n))) + y.zp)));
        }
    checkAccum(g, [x], 'qavgpool2d', want, [ratio]);
  });

  test.prop([fc.record({ dx: ACT_DT, dy: ACT_DT, c: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }), seed: fc.integer() })], { numRuns: 30 })(
    'global_avgpool ⇒ qglobal_avgpool',
    (p) => {
      const r = rng(p.seed);
      const px = randQP(r, p.dx), shape = [2, p.c, p.h, p.w];
      const x = randInts(p.dx, shape, r);
      const build = (y?: QP) => {
        const b = new GraphBuilder();
        const v = b.op('global_avgpool', [b.op('dequantize', [b.input('x', { dtype: p.dx, shape })], dqAttrs(px))]);
        b.output(y ? b.op('quantize', [v], qAttrs(y)) : v);
        return b.build();
      };
      const { g, y } = withOutputParams(build, [x], p.dy);
      const size = p.h * p.w, mult = fround(fround(px.scale / y.scale) / size);
      const want = Array.from({ length: 2 * p.c }, (_, q) => {
        let acc = 0;
        for (let i = 0; i < size; i++) acc += Number(x.data[q * size + i]) - px.zp;
        return Math.min(dtypeRange(p.dy)[1], Math.max(dtypeRange(p.dy)[0], rint(fround(fround(acc) * mult)) + y.zp));
      });
      checkAccum(g, [x], 'qglobal_avgpool', want, [fround(px.scale / y.scale)]);
    },
  );
});

describe('an activation observed with the qparams of its input folds into the op (clamp_into_qop)', () => {
  // XNNPACK's and x86's hardtanh share the qparams of the conv before it: op → q(y) → dq → act → q(y).
  // Lowered, that is one op whose clamp is the activation's, equal to the op alone then clamped.
  const OPS = ['conv2d', 'depthwise', 'add', 'mul'] as const;
  test.prop([fc.record({ op: fc.constantFrom(...OPS), dx: ACT_DT, dy: ACT_DT, act: ACT.filter((a) => a !== 'none' && a !== 'fused'), seed: fc.integer() })], { numRuns: 30 })(
    'op → q(y) → dq → relu | relu6 | clip → q(y) ⇒ one op, = the op then clamp(quantize(lo), quantize(hi))',
    (c) => {
      const r = rng(c.seed);
      const px = randQP(r, c.dx), pw = { scale: [fround(0.01 + 0.02 * r())], zero_point: [0] };
      const bounds = actBounds(c.act as Act, r);
      const C = 3, xShape = c.op === 'add' || c.op === 'mul' ? [1, C, 4, 4] : [1, C, 5, 5];
      const x = randInts(c.dx, xShape, r);
      const build = (y?: QP, act = true) => {
        const b = new GraphBuilder();
        const dx = b.op('dequantize', [b.input('x', { dtype: c.dx, shape: xShape })], dqAttrs(px));
        const dw = (shape: number[]) => b.op('dequantize', [b.constant('w', randInts('i8', shape, rng(c.seed + 1)))], pw);
        const v = c.op === 'conv2d' ? b.op('conv2d', [dx, dw([2, C, 3, 3])], { pads: [1, 1, 1, 1] })
          : c.op === 'depthwise' ? b.op('conv2d', [dx, dw([C, 1, 3, 3])], { pads: [1, 1, 1, 1], strides: [2, 2], group: C })
          : b.op(c.op, [dx, dx]);
        if (!y) {
          b.output(v);
          return b.build();
        }
        const q = b.op('quantize', [v], qAttrs(y), act ? 'q' : 'y');
        b.output(act ? b.op('quantize', [addAct(b, b.op('dequantize', [q], dqAttrs(y)), c.act as Act, bounds)], qAttrs(y), 'y') : q);
        return b.build();
      };
      const { y } = withOutputParams(build, [x], c.dy);
      const folded = lowered(build(y)), plain = lowered(build(y, false));
      const op = c.op === 'add' || c.op === 'mul' ? `q${c.op}` : 'qconv2d';
      expect(opsOf(folded)).toEqual([op]);
      expect(opsOf(plain)).toEqual([op]);
      const [lo, hi] = clampBounds(y, ...bounds);
      const want = ints(run(plain, [x]).outputs[0]!).map((v) => Math.min(Math.max(v, lo), hi));
      expect(ints(run(folded, [x]).outputs[0]!)).toEqual(want);
    },
  );
});

describe('what stays float', () => {
  const graph = (mutate: (b: GraphBuilder, x: string, w: string) => string) => {
    const b = new GraphBuilder();
    const x = b.op('dequantize', [b.input('x', { dtype: 'u8', shape: [2, 4] })], { scale: [0.1], zero_point: [128] });
    const w = b.constant('w', randInts('i8', [3, 4], rng(3)));
    b.output(b.op('quantize', [mutate(b, x, w)], { scale: [0.05], zero_point: [128], dtype: 'u8' }, 'y'));
    return b.build();
  };
  const dqw = (b: GraphBuilder, w: string, attrs: Record<string, unknown> = { scale: [0.01], zero_point: [0] }) => b.op('dequantize', [w], attrs as never);

  it('a gemm with alpha ≠ 1, a per-channel weight on the wrong axis, a float weight, an op without an integer form, a clip excluding 0', () => {
    const cases = [
      graph((b, x, w) => b.op('gemm', [x, dqw(b, w)], { trans_b: true, alpha: 0.5 })),
      graph((b, x, w) => b.op('gemm', [x, dqw(b, w, { scale: [0.01, 0.02, 0.03, 0.04], zero_point: [0, 0, 0, 0], axis: 1 })], { trans_b: true })),
      graph((b, x) => b.op('gemm', [x, b.constant('wf', tensor('f32', [3, 4]))], { trans_b: true })),
      graph((b, x) => b.op('softmax', [x], { axis: 0 })), // not the last axis: no qsoftmax
      graph((b, x) => b.op('clip', [x], { min: 0.5, max: 6 })),
    ];
    for (const g of cases) expect(opsOf(lowered(g))).toEqual(opsOf(g));
  });

  it('an int32 sum that could overflow keeps the float op', () => {
    const K = 70000;
    const b = new GraphBuilder();
    const x = b.op('dequantize', [b.input('x', { dtype: 'u8', shape: [1, K] })], { scale: [0.1], zero_point: [0] });
    const w = b.op('dequantize', [b.constant('w', tensor('i8', [1, K], new Array(K).fill(-128)))], { scale: [0.01], zero_point: [0] });
    b.output(b.op('quantize', [b.op('gemm', [x, w], { trans_b: true })], { scale: [1], zero_point: [0], dtype: 'u8' }));
    expect(opsOf(lowered(b.build()))).toContain('gemm');
  });
});

describe('helpers of the lowering patterns', () => {
  it('quantize_bias: PyTorch rounding (ties to even), beta, int32 kept or requantized, absent as zeros', () => {
    // s_b = fround(1 · 0.5) = 0.5: 1.25 → 2.5 → 2 and 1.75 → 3.5 → 4 (half to even).
    expect(ints(quantizeBias(tensor('f32', [2], [1.25, 1.75]), [], 1, 1, [0.5], 2))).toEqual([2, 4]);
    expect(ints(quantizeBias(tensor('f32', [2], [1.25, 1.75]), [], 2, 1, [0.5, 0.25], 2))).toEqual([5, 14]);
    expect(ints(quantizeBias(tensor('i32', [2], [7, -9]), [0.5, 0.25], 1, 1, [0.5, 0.25], 2))).toEqual([7, -9]);
    expect(ints(quantizeBias(tensor('i32', [2], [7, -9]), [1, 1], 1, 1, [0.5, 0.25], 2))).toEqual([14, -36]);
    expect(ints(quantizeBias(undefined, [], 1, 1, [0.5], 3))).toEqual([0, 0, 0]);
    expect(() => quantizeBias(tensor('f32', [3]), [], 1, 1, [0.5], 2)).toThrow(/3 elements/);
  });

  it('requant_scale and acc_fits', () => {
    const xs = 0.0283419, ws = [0.0024312, 0.0030921], ys = 0.0183547;
    expect(requantScales(xs, ws, ys)).toEqual(ws.map((w) => fround(fround(fround(w) * fround(xs)) * fround(1 / fround(ys)))));
    // 255 · Σ|w| per output row against 2^31 − 1.
    const w = tensor('i8', [2, 2], [127, 127, 1, 1]);
    expect(accFits(w, [0], 0, 'u8', 0)).toBe(true);
    const big = tensor('i8', [1, 66000], new Array(66000).fill(-128));
    expect(accFits(big, [0], 0, 'u8', 0)).toBe(false);
    expect(accFits(big, [-128], 0, 'u8', 0)).toBe(true);
  });
});

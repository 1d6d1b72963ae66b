// Dynamic and weight-only quantization: the per-group dequantize and qlinear_dynamic against
// references written from their definitions, the quantize-weight-only / quantize-dynamic passes,
// accuracy on the mlp, digits_mlp and attention_block fixtures, and `qforge quantize --mode`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { main } from '../../src/cli/main.js';
import { checkSupported } from '../../src/codegen/ops/index.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { dynamicQParams } from '../../src/ir/ops/quantized-dynamic.js';
import { fround, quantizeValue } from '../../src/ir/quant-math.js';
import { readQir } from '../../src/ir/text/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { runPipeline } from '../../src/passes/index.js';
import { calculateQParams, makeRange } from '../../src/passes/quantize/qparams.js';
import { FIX, fixtureNpy, samplesOf, sqnrDb } from './flow-helpers.js';
import { expectValid, numelOf, opsOf, randInts, rng } from './qdq-graphs.js';

const randF32 = (shape: number[], r: () => number, s = 1) => tensor('f32', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() - 0.5) * 2 * s));

describe('dequantize with group_size', () => {
  test.prop([fc.record({ outer: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), g: fc.integer({ min: 1, max: 4 }), inner: fc.integer({ min: 1, max: 3 }), seed: fc.integer() })], { numRuns: 40 })(
    'one scale per group of group_size along axis, ordered (outer, inner, group)',
    (c) => {
      const r = rng(c.seed);
      const len = c.groups * c.g, shape = [c.outer, len, c.inner];
      const q = randInts('i4', shape, r);
      const n = c.outer * c.inner * c.groups;
      const scale = Array.from({ length: n }, () => fround(0.01 + r())), zp = Array.from({ length: n }, () => Math.floor(r() * 16) - 8);
      const b = new GraphBuilder();
      b.output(b.op('dequantize', [b.input('q', { dtype: 'i4', shape })], { scale, zero_point: zp, axis: 1, group_size: c.g }));
      const got = run(b.build(), [q]).outputs[0]!.data;
      for (let o = 0; o < c.outer; o++)
        for (let k = 0; k < len; k++)
          for (let i = 0; i < c.inner; i++) {
            const e = (o * len + k) * c.inner + i, blk = (o * c.inner + i) * c.groups + Math.floor(k / c.g);
            expect(got[e]).toBe(fround((Number(q.data[e]) - zp[blk]!) * scale[blk]!));
          }
    },
  );

  it('rejects a group size that does not divide the axis, a wrong scale count, and typed per-channel operands', () => {
    const b = new GraphBuilder();
    const q = b.input('q', { dtype: 'i4', shape: [2, 6] });
    const s4 = { scale: [1, 1, 1, 1], zero_point: [0, 0, 0, 0], axis: 1 };
    expect(() => b.op('dequantize', [q], { ...s4, group_size: 4 })).toThrow(/group_size 4 must divide axis 1 of size 6/);
    expect(() => b.op('dequantize', [q], { ...s4, group_size: 2 })).toThrow(/needs 6 scales/);
    expect(b.op('dequantize', [q], { ...s4, group_size: 3 })).toBeTruthy();
    const typed = b.constant('w', tensor('i8', [2, 6]), { scale: [1, 1], zeroPoint: [0, 0], axis: 0 });
    expect(() => b.op('dequantize', [typed], { ...s4, group_size: 3 })).toThrow(/per-group operand/);
  });
});

describe('qlinear_dynamic', () => {
  it('run-time qparams are the u8 affine observer formula', () => {
    const r = rng(5);
    for (let t = 0; t < 200; t++) {
      const x = Array.from({ length: 1 + Math.floor(r() * 20) }, () => fround((r() - 0.3) * 10 ** (3 * r() - 1)));
      const want = calculateQParams(Math.min(...x), Math.max(...x), makeRange('u8', 'affine'));
      expect(dynamicQParams(x, 0, 255, 2 ** -23)).toEqual(want);
    }
  });

  test.prop([fc.record({ rows: fc.constantFrom([1], [3], [2, 2]), k: fc.integer({ min: 1, max: 20 }), n: fc.integer({ min: 1, max: 6 }), perChannel: fc.boolean(), bias: fc.boolean(), xdt: fc.constantFrom('u8', 'i8'), relu: fc.boolean(), seed: fc.integer() })], { numRuns: 40 })(
    'matches a reference written from its definition',
    (c) => {
      const r = rng(c.seed);
      const xShape = [...c.rows, c.k], R = numelOf(c.rows);
      const x = randF32(xShape, r, 3), w = randInts('i8', [c.n, c.k], r);
      const ws = Array.from({ length: c.perChannel ? c.n : 1 }, () => fround(0.001 + 0.02 * r()));
      const wz = ws.map(() => Math.floor(r() * 11) - 5);
      const bias = randF32([c.n], r);
      const b = new GraphBuilder();
      const ins = [b.input('x', { dtype: 'f32', shape: xShape }), b.constant('w', w), ...(c.bias ? [b.constant('b', bias)] : [])];
      b.output(b.op('qlinear_dynamic', ins, { w_scale: ws, w_zero_point: wz, x_dtype: c.xdt, ...(c.relu ? { clamp_min: 0 } : {}) }));
      const got = run(b.build(), [x]).outputs[0]!.data;
      const [qmin, qmax] = c.xdt === 'u8' ? [0, 255] : [-128, 127];
      const xd = x.data as Float32Array;
      const { scale: xs, zeroPoint: xz } = calculateQParams(Math.min(...xd), Math.max(...xd), makeRange(c.xdt as 'u8', 'affine'));
      for (let row = 0; row < R; row++)
        for (let n = 0; n < c.n; n++) {
          let acc = 0;
          const s = ws.length === 1 ? ws[0]! : ws[n]!, z = wz.length === 1 ? wz[0]! : wz[n]!;
          for (let k = 0; k < c.k; k++) acc += (quantizeValue(xd[row * c.k + k]!, xs, xz, qmin, qmax) - xz) * (Number(w.data[n * c.k + k]) - z);
          let y = fround(fround(acc) * fround(fround(xs) * fround(s)));
          if (c.bias) y = fround(y + (bias.data as Float32Array)[n]!);
          expect(got[row * c.n + n]).toBe(c.relu ? Math.max(y, 0) : y);
        }
    },
  );

  it('checks its operands', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [2, 4] }), w = b.constant('w', tensor('i8', [3, 4]));
    expect(() => b.op('qlinear_dynamic', [x, w, b.constant('b', tensor('f32', [4]))], { w_scale: [1] })).toThrow(/bias must be f32\[3\]/);
    expect(() => b.op('qlinear_dynamic', [x, w], { w_scale: [1, 1] })).toThrow(/w_scale needs 1 or 3 values/);
    expect(() => b.op('qlinear_dynamic', [x, b.constant('w2', tensor('i8', [3, 5]))], { w_scale: [1] })).toThrow(/must end in K = 5/);
  });
});

/** A gemm/matmul graph: x [2, K] · W (shared by two users) → outputs. */
function linearGraph(K: number, N: number, transB: boolean, seed: number): { g: Graph; x: Tensor } {
  const r = rng(seed);
  const b = new GraphBuilder();
  const x = b.input('x', { dtype: 'f32', shape: [2, K] });
  const w = b.constant('w', randF32(transB ? [N, K] : [K, N], r));
  const y = b.op('gemm', [x, w, b.constant('c', randF32([N], r))], { trans_b: transB });
  b.output(b.op('relu', [y]), b.op('matmul', [x, transB ? b.constant('w2', randF32([K, N], r)) : w]));
  return { g: b.build(), x: randF32([2, K], r) };
}

describe('quantize-weight-only', () => {
  test.prop([fc.record({ k: fc.constantFrom(8, 16, 24), n: fc.integer({ min: 1, max: 5 }), transB: fc.boolean(), bits: fc.constantFrom('8', '4'), seed: fc.integer() })], { numRuns: 20 })(
    'weights become i8 per channel or i4 per group, within half a step of the float weights',
    (c) => {
      const { g, x } = linearGraph(c.k, c.n, c.transB, c.seed);
      const out = runPipeline(g, [{ pass: 'quantize-weight-only', options: { bits: c.bits, 'group-size': 8 } }]).graph;
      expectValid(out);
      const dqs = out.nodes.filter((n) => n.op === 'dequantize');
      expect(dqs.length).toBe(c.transB ? 2 : 1); // the shared [K, N] weight is quantized once
      for (const d of dqs) {
        const q = out.constants[d.inputs[0]!]!;
        expect(q.dtype).toBe(c.bits === '8' ? 'i8' : 'i4');
        expect(d.attrs['group_size']).toBe(c.bits === '8' ? undefined : 8);
        expect((d.attrs['zero_point'] as number[]).every((z) => z === 0)).toBe(true);
        const deq = run({ ...out, outputs: [d.outputs[0]!] }, [x]).outputs[0]!.data as Float32Array;
        const orig = g.constants[d.outputs[0]!.replace(/_dq$/, '')]!.data as Float32Array;
        const maxScale = Math.max(...(d.attrs['scale'] as number[]));
        orig.forEach((v, i) => expect(Math.abs(v - deq[i]!)).toBeLessThanOrEqual(maxScale / 2 + 1e-7));
      }
      expect(Object.values(out.constants).some((t) => t.dtype === 'f32' && t.shape.length === 2)).toBe(false);
    },
  );

  it('skips a 4-bit weight whose input features are not a multiple of the group size', () => {
    const { g } = linearGraph(12, 3, true, 1);
    const r = runPipeline(g, [{ pass: 'quantize-weight-only', options: { bits: '4', 'group-size': 8 } }]);
    expect(r.records[0]!.stats['skipped-weights']).toBe(2);
    expect(opsOf(r.graph)).toEqual(opsOf(g));
  });
});

describe('quantize-dynamic', () => {
  it('turns gemm (either layout, a following relu as its clamp) and matmul into qlinear_dynamic', () => {
    const { g, x } = linearGraph(16, 4, false, 2);
    const fused = runPipeline(g, ['quantize-dynamic']).graph;
    expectValid(fused);
    expect(opsOf(fused)).toEqual(['qlinear_dynamic', 'qlinear_dynamic']);
    const want = run(g, [x]).outputs, got = run(fused, [x]).outputs;
    got.forEach((t, i) => expect(sqnrDb(want[i]!.data as Float32Array, t.data as Float32Array)).toBeGreaterThan(30));
  });
});

/** Output SQNR over the fixture's test inputs, and (digits) the test-split accuracy. */
function accuracy(m: string, g: Graph, q: Graph): { sqnr: number; acc?: number; accFp32?: number } {
  const ref: number[] = [], got: number[] = [];
  for (const x of samplesOf(fixtureNpy(m, 'test.npy'))) {
    ref.push(...(run(g, [x]).outputs[0]!.data as Float32Array));
    got.push(...(run(q, [x]).outputs[0]!.data as Float32Array));
  }
  if (m !== 'digits_mlp') return { sqnr: sqnrDb(ref, got) };
  const X = samplesOf(fixtureNpy(m, 'test_split_inputs.npy')), Y = fixtureNpy(m, 'test_split_labels.npy');
  const argmax = (d: Float32Array) => d.indexOf(Math.max(...d));
  let ok = 0, okF = 0;
  X.forEach((x, i) => {
    const y = Number(Y.data[i]);
    ok += argmax(run(q, [x]).outputs[0]!.data as Float32Array) === y ? 1 : 0;
    okF += argmax(run(g, [x]).outputs[0]!.data as Float32Array) === y ? 1 : 0;
  });
  return { sqnr: sqnrDb(ref, got), acc: ok / X.length, accFp32: okF / X.length };
}

describe('fixtures: dynamic and weight-only accuracy vs fp32', () => {
  // [pipeline, min SQNR dB, max accuracy drop on digits]. Measured: dynamic 38.7 / 47.2 / 52.3 dB
  // (mlp / digits / attention), int8 weight-only 43.8 / 47.9 / 58.1, int4 g32 16.5 / 22.4 / 33.1.
  const modes: [string, unknown, number, number][] = [
    ['dynamic', 'quantize-dynamic', 35, 0.005],
    ['int8 weight-only', 'quantize-weight-only', 40, 0.005],
    ['int4 weight-only g32', { pass: 'quantize-weight-only', options: { bits: '4', 'group-size': 32 } }, 15, 0.015],
  ];
  for (const m of ['mlp', 'digits_mlp', 'attention_block'])
    it(m, () => {
      const g = importOnnx(path.join(FIX, m, 'model.onnx'));
      for (const [mode, pass, minDb, maxDrop] of modes) {
        const q = runPipeline(g, [pass as never]).graph;
        expectValid(q);
        const ops = opsOf(q);
        if (mode === 'dynamic') expect(ops.filter((o) => o === 'gemm' || o === 'matmul').length).toBe(m === 'attention_block' ? 2 : 0); // attention's two activation matmuls stay float
        else expect(ops.filter((o) => o === 'dequantize').length).toBe(ops.filter((o) => o === 'gemm' || o === 'matmul').length - (m === 'attention_block' ? 2 : 0));
        const a = accuracy(m, g, q);
        expect(a.sqnr, `${m} ${mode}`).toBeGreaterThan(minDb);
        if (a.acc !== undefined) expect(a.accFp32! - a.acc, `${m} ${mode} accuracy`).toBeLessThanOrEqual(maxDrop);
      }
    });
});

describe('qforge quantize --mode', () => {
  it('dynamic and weight-only need no calibration data; the written graph reads back and runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qforge-modes-'));
    const model = path.join(FIX, 'digits_mlp', 'model.onnx'), x = samplesOf(fixtureNpy('digits_mlp', 'test.npy'))[0]!;
    for (const [args, op] of [[['--mode', 'dynamic'], 'qlinear_dynamic'], [['--mode', 'weight-only', '--bits', '4', '--group-size', '16'], 'qlinear_weight_only'], [['--mode', 'weight-only', '--emit', 'qdq'], 'dequantize']] as const) {
      const out = path.join(dir, `${args.join('')}.qir`);
      let text = '';
      const code = await main(['quantize', model, ...args, '-o', out], { out: (s) => void (text += s), err: (s) => void (text += s) });
      expect(code, text).toBe(0);
      const g = readQir(out);
      expect(opsOf(g)).toContain(op);
      expect(run(g, [x]).outputs[0]!.shape).toEqual([1, 10]);
    }
    let err = '';
    expect(await main(['quantize', model, '--mode', 'weight-only', '--bits', '3', '-o', path.join(dir, 'x.qir')], { out: () => {}, err: (s) => void (err += s) })).not.toBe(0);
    expect(err).toMatch(/bits/);
  });
});

describe('code generation', () => {
  it('compiles the lowered weight-only graph; a per-group dequantize left outside a linear layer is refused, not read per channel', () => {
    const g = importOnnx(path.join(FIX, 'digits_mlp', 'model.onnx'));
    const int4 = runPipeline(g, [{ pass: 'quantize-weight-only', options: { bits: '4', 'group-size': 16 } }]).graph;
    expect(() => checkSupported(int4)).toThrow(/per-group dequantize \(group_size\) has no C implementation/);
    expect(() => checkSupported(runPipeline(int4, ['lower-weight-only']).graph)).not.toThrow();
  });
});

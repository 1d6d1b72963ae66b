// Weight-only linear layers (qlinear_weight_only, lower-weight-only.qpat, qforge_weight_only.c) on
// random shapes, group sizes, bit widths, signedness, zero points and scales: the lowered graph
// equals the dequantize → gemm/matmul graph bit for bit in the interpreter, and the generated C
// equals the interpreter bit for bit on every target (native, SIMDe, qemu).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { main } from '../../src/cli/main.js';
import { generateC } from '../../src/codegen/index.js';
import { getTarget, hostCpuFlags, hostRuns } from '../../src/codegen/targets/index.js';
import { GraphBuilder, tensor, type Graph, type Tensor } from '../../src/ir/index.js';
import type { DType } from '../../src/ir/dtype.js';
import { readNpy } from '../../src/ir/npy.js';
import { fround } from '../../src/ir/quant-math.js';
import { readQir } from '../../src/ir/text/index.js';
import { runPipeline } from '../../src/passes/index.js';
import { quantizeGraph } from '../../src/passes/quantize/flow.js';
import { compileRun, floatTensor, interpret, mergeGraphs, mismatches, randomTensor, rng } from './helpers.js';

const RUNS = Number(process.env.QF_RUNS ?? 40);
const FIX = path.resolve(process.cwd(), '../shared/fixtures');

const arbCase = fc.record({
  op: fc.constantFrom('gemm', 'matmul'),
  transB: fc.boolean(),
  lead: fc.constantFrom([1], [3], [2, 2]),
  n: fc.integer({ min: 1, max: 37 }),
  groups: fc.integer({ min: 1, max: 6 }),
  groupSize: fc.constantFrom(1, 2, 8, 32, 64),
  bits: fc.constantFrom(4, 8),
  unsigned: fc.boolean(),
  params: fc.constantFrom('group', 'channel', 'tensor'),
  zeroPoints: fc.boolean(),
  f32Scales: fc.boolean(),
  bias: fc.constantFrom('none', 'n', '1n'),
  alphaBeta: fc.boolean(),
  relu: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

/** dequantize(int weight) → gemm or matmul, as quantize-weight-only writes it (and more general: any zero point, scale, dtype). */
function weightOnlyGraph(c: Case): { graph: Graph; inputs: Tensor[] } {
  const r = rng(c.seed), b = new GraphBuilder('wo');
  const N = c.n, K = c.groups * c.groupSize, gemm = c.op === 'gemm';
  const lead: number[] = gemm ? [c.lead.reduce((p: number, q: number) => p * q, 1)] : [...c.lead];
  const dtype = `${c.unsigned ? 'u' : 'i'}${c.bits}` as DType;
  const [lo, hi] = c.bits === 4 ? (c.unsigned ? [0, 15] : [-8, 7]) : c.unsigned ? [0, 255] : [-128, 127];
  const transB = gemm && c.transB, wShape = transB ? [N, K] : [K, N];
  const count = c.params === 'group' ? N * c.groups : c.params === 'channel' ? N : 1;
  const scale = Array.from({ length: count }, () => (c.f32Scales ? fround(0.0005 * r(1, 100)) : 0.0005 * r(1, 100) + 1e-9));
  const zp = scale.map(() => (c.zeroPoints ? r(lo, hi) : c.unsigned ? (lo + hi + 1) / 2 : 0));
  const axes: Record<string, number> = c.params === 'group' ? { axis: transB ? 1 : 0, group_size: c.groupSize } : { axis: transB ? 0 : 1 };
  const x = b.input('x', { dtype: 'f32', shape: [...lead, K] });
  const dq = b.op('dequantize', [b.constant('w', randomTensor(dtype, wShape, r, lo, hi))], { scale, zero_point: zp, ...axes }, 'w_dq');
  const attrs = { trans_b: transB, ...(c.alphaBeta ? { alpha: fround(0.25 * r(1, 8)), beta: fround(0.5 * r(-4, 4)) } : {}), ...(c.relu ? { clamp_min: 0 } : {}) };
  const bias = c.bias === 'none' ? [] : [b.constant('c', floatTensor(c.bias === 'n' ? [N] : [1, N], r))];
  b.output(gemm ? b.op('gemm', [x, dq, ...bias], attrs, 'y') : b.op('matmul', [x, dq], {}, 'y'));
  return { graph: b.build(), inputs: [floatTensor([...lead, K], r, 4)] };
}

const lower = (g: Graph): Graph => runPipeline(g, ['lower-weight-only']).graph;

describe('lower-weight-only', () => {
  test.prop([arbCase], { numRuns: RUNS })('lowered equals dequantize → gemm/matmul bit for bit in the interpreter', (c) => {
    const { graph, inputs } = weightOnlyGraph(c);
    const low = lower(graph);
    expect(low.nodes.map((n) => n.op)).toEqual(['qlinear_weight_only']);
    const want = interpret(graph, inputs)[0]!, got = interpret(low, inputs)[0]!;
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
  });
});

describe('qlinear_weight_only in C: bit-exact on every target', () => {
  // Eight random layers in one program per target (one compile each).
  const targets: [string, boolean, object][] = [
    ['c', true, {}],
    ['c (ASan + UBSan)', true, { sanitize: true }],
    ['avx2 (native)', hostRuns(getTarget('avx2'), hostCpuFlags()), {}],
    ['avx512-vnni (SIMDe)', true, { emulate: true }],
    ['neon (qemu)', true, {}],
    ['neon-dot (qemu)', true, {}],
  ];
  for (const [name, runs, opts] of targets)
    it.runIf(runs)(name, () =>
      fc.assert(
        fc.property(fc.array(arbCase, { minLength: 8, maxLength: 8 }), (cases) => {
          const { graph, inputs } = mergeGraphs(cases.map((c) => ({ ...weightOnlyGraph(c), graph: lower(weightOnlyGraph(c).graph) })));
          const got = compileRun(graph, name.split(' ')[0]!, inputs, opts);
          expect(mismatches(graph, got.outputs, interpret(graph, inputs))).toEqual([]);
          expect(got.warnings).toBe('');
        }),
        { numRuns: 1 },
      ));
});

describe('qforge quantize --mode weight-only → qforge compile', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'qforge-wo-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const cli = async (...argv: string[]) => {
    let out = '', err = '';
    const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  };

  it('digits_mlp int4 (groups of 32) compiles without --float; on the 450 test digits the C equals the interpreter bit for bit', async () => {
    const dir = path.join(FIX, 'digits_mlp'), q = path.join(tmp, 'digits.w4.qir'), out = path.join(tmp, 'digits');
    const quant = await cli('quantize', path.join(dir, 'model.onnx'), '--mode', 'weight-only', '--bits', '4', '-o', q);
    expect(quant.code, quant.err).toBe(0);
    const g = readQir(q);
    expect(g.nodes.map((n) => n.op)).toEqual(['flatten', 'qlinear_weight_only', 'relu', 'qlinear_weight_only']);
    const inputs = path.join(dir, 'test_split_inputs.npy');
    const r = await cli('compile', q, '-t', 'c', '-o', out, '--run', '-i', `input=${inputs}`);
    expect(r.code, r.err).toBe(0);
    const got = readNpy(path.join(out, 'output.npy')).data as Float32Array, labels = readNpy(path.join(dir, 'test_split_labels.npy')).data;
    const X = readNpy(inputs), per = X.data.length / X.shape[0]!;
    const argmax = (d: ArrayLike<number>) => Array.prototype.indexOf.call(d, Math.max(...Array.from(d)));
    let same = 0, ok = 0, okInterp = 0;
    for (let i = 0; i < X.shape[0]!; i++) {
      const want = interpret(g, [tensor('f32', X.shape.slice(1), (X.data as Float32Array).slice(i * per, (i + 1) * per))])[0]!.data as Float32Array;
      const mine = got.subarray(i * 10, (i + 1) * 10);
      if (mine.every((v, k) => v === want[k])) same++;
      ok += argmax(mine) === Number(labels[i]) ? 1 : 0;
      okInterp += argmax(want) === Number(labels[i]) ? 1 : 0;
    }
    expect(same).toBe(X.shape[0]);
    expect(ok).toBe(okInterp);
    expect(ok / X.shape[0]!).toBeGreaterThan(0.9);
  });

  it('the dequantize → gemm form (--emit qdq) is refused with the way out, and compiles after qforge opt -p lower-weight-only', async () => {
    const model = path.join(FIX, 'digits_mlp', 'model.onnx'), qdq = path.join(tmp, 'qdq.qir'), low = path.join(tmp, 'low.qir');
    expect((await cli('quantize', model, '--mode', 'weight-only', '--bits', '4', '--emit', 'qdq', '-o', qdq)).code).toBe(0);
    const refused = await cli('compile', qdq, '-t', 'c', '-o', path.join(tmp, 'qdq'));
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/QF4002[\s\S]*qforge opt -p lower-weight-only/);
    expect((await cli('opt', qdq, '-p', 'lower-weight-only', '-o', low)).code).toBe(0);
    const r = await cli('compile', low, '-t', 'c', '-o', path.join(tmp, 'low'));
    expect(r.code, r.err).toBe(0);
  });

  it('the weights in the generated C are the packed int4/int8 bytes: a 512×256 linear layer shrinks ~6–7.5x (int4), ~4x (int8)', () => {
    const r = rng(3), b = new GraphBuilder('big');
    b.output(b.op('gemm', [b.input('x', { dtype: 'f32', shape: [1, 512] }), b.constant('w', floatTensor([256, 512], r)), b.constant('b', floatTensor([256], r))], { trans_b: true }, 'fc'));
    const g = b.build();
    const size = (q: Graph, float = false) => {
      const gen = generateC(q, { target: 'c', name: 'm', float });
      return { consts: gen.constBytes, source: gen.files.get('m.c')!.length };
    };
    const f = size(g, true);
    const wo = (bits: 4 | 8, groupSize = 32) => size(quantizeGraph(g, { mode: 'weight-only', bits, groupSize }).graph);
    // int4: 4 bits per weight + a float32 scale per group (g32: 5 bits, g128: 4.25 bits).
    for (const [q, min] of [[wo(4), 6], [wo(4, 128), 7.2], [wo(8), 3.9]] as const) {
      expect(f.consts / q.consts).toBeGreaterThan(min);
      expect(f.source / q.source).toBeGreaterThan(min * 0.95);
    }
  });
});

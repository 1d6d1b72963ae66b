// Weight-only linear layers (qlinear_weight_only, lower-weight-only.qpat, qforge_weight_only.c) on
// random shapes, group sizes, bit widths, signedness, zero points and scales: the lowered graph
// equals the dequantize → gemm/matmul graph bit for bit in the interpreter, and the generated C
// equals the interpreter bit for bit on every target (native, SIMDe, qemu).
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { getTarget, hostCpuFlags, hostRuns } from '../../src/codegen/targets/index.js';
import { GraphBuilder, type Graph, type Tensor } from '../../src/ir/index.js';
import type { DType } from '../../src/ir/dtype.js';
import { fround } from '../../src/ir/quant-math.js';
import { runPipeline } from '../../src/passes/index.js';
import { compileRun, floatTensor, interpret, mergeGraphs, mismatches, randomTensor, rng } from './helpers.js';

const RUNS = Number(process.env.QF_RUNS ?? 40);

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
  const lead = gemm ? [c.lead.reduce((p, q) => p * q, 1)] : c.lead;
  const dtype = `${c.unsigned ? 'u' : 'i'}${c.bits}` as DType;
  const [lo, hi] = c.bits === 4 ? (c.unsigned ? [0, 15] : [-8, 7]) : c.unsigned ? [0, 255] : [-128, 127];
  const transB = gemm && c.transB, wShape = transB ? [N, K] : [K, N];
  const count = c.params === 'group' ? N * c.groups : c.params === 'channel' ? N : 1;
  const scale = Array.from({ length: count }, () => (c.f32Scales ? fround(0.0005 * r(1, 100)) : 0.0005 * r(1, 100) + 1e-9));
  const zp = scale.map(() => (c.zeroPoints ? r(lo, hi) : c.unsigned ? (lo + hi + 1) / 2 : 0));
  const axes = c.params === 'group' ? { axis: transB ? 1 : 0, group_size: c.groupSize } : { axis: transB ? 0 : 1 };
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

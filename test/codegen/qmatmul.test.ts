// qmatmul (u8/i8 activation x activation, as in attention): the kernel rewrites the zero-point
// algebra into dot products over a transposed copy of B, and the SIMD targets run it through the
// float GEMM where float32 holds every sum exactly (K * max|a - a_zp| * max|b - b_zp| < 2^24), so it
// is checked bit for bit against the interpreter on odd shapes, broadcast batches, extreme zero
// points and both sides of that bound, natively and under ASan/UBSan.
import { describe, expect, it } from 'vitest';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { AVX512_VNNI_TARGET } from '../../src/codegen/targets/avx512-vnni.js';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { GraphBuilder, type Graph, type Tensor } from '../../src/ir/index.js';
import { compileRun, interpret, mergeGraphs, mismatches, randomTensor, rng } from './helpers.js';

interface Case { a: number[]; b: number[]; adt: 'u8' | 'i8'; bdt: 'u8' | 'i8'; azp: number; bzp: number; ydt: 'u8' | 'i8'; yzp: number }

function qmatmulGraph(c: Case, seed: number, name: string): { graph: Graph; inputs: Tensor[] } {
  const r = rng(seed), range = (dt: string): [number, number] => (dt === 'u8' ? [0, 255] : [-128, 127]);
  const inputs = [randomTensor(c.adt, c.a, r, ...range(c.adt)), randomTensor(c.bdt, c.b, r, ...range(c.bdt))];
  // Scale so the accumulators' spread covers the output range: neither constant nor saturated.
  const K = c.a[c.a.length - 1]!, spread = Math.sqrt(K) * 255 * 255 + Math.abs(K * (c.azp - 64) * (c.bzp - 64));
  const b = new GraphBuilder(name);
  const x = b.input(`${name}_a`, { dtype: c.adt, shape: c.a }), w = b.input(`${name}_b`, { dtype: c.bdt, shape: c.b });
  b.output(b.op('qmatmul', [x, w], { a_zero_point: c.azp, b_zero_point: c.bzp, requant_scale: Math.fround(150 / spread), y_scale: 0.1, y_zero_point: c.yzp, dtype: c.ydt }, name));
  return { graph: b.build(), inputs };
}

const CASES: Case[] = [
  { a: [1, 1], b: [1, 1], adt: 'u8', bdt: 'u8', azp: 0, bzp: 0, ydt: 'u8', yzp: 0 },
  { a: [7, 33], b: [33, 5], adt: 'u8', bdt: 'u8', azp: 255, bzp: 0, ydt: 'u8', yzp: 128 },
  { a: [3, 64], b: [64, 65], adt: 'u8', bdt: 'u8', azp: 0, bzp: 255, ydt: 'i8', yzp: -7 },
  { a: [4, 2, 17, 24], b: [4, 2, 24, 17], adt: 'i8', bdt: 'i8', azp: -128, bzp: 127, ydt: 'i8', yzp: 0 },
  { a: [2, 3, 9, 40], b: [40, 11], adt: 'i8', bdt: 'u8', azp: 5, bzp: 200, ydt: 'u8', yzp: 3 },
  { a: [1, 12, 1], b: [3, 1, 1, 12], adt: 'u8', bdt: 'i8', azp: 17, bzp: -3, ydt: 'u8', yzp: 250 },
  { a: [5, 300], b: [300, 3], adt: 'u8', bdt: 'u8', azp: 128, bzp: 128, ydt: 'i8', yzp: 1 },
  // the float path's bound: 258 * 255 * 255 < 2^24 <= 259 * 255 * 255 (the integer loop)
  { a: [2, 9, 258], b: [258, 37], adt: 'u8', bdt: 'u8', azp: 0, bzp: 255, ydt: 'i8', yzp: 127 }, // accumulators all <= 0
  { a: [9, 259], b: [259, 37], adt: 'u8', bdt: 'i8', azp: 255, bzp: -128, ydt: 'i8', yzp: 127 },
  // attention shapes: 49-token windows (N past one float tile), heads of 24
  { a: [4, 2, 49, 24], b: [4, 2, 24, 49], adt: 'u8', bdt: 'i8', azp: 131, bzp: 3, ydt: 'u8', yzp: 100 },
  { a: [4, 2, 49, 49], b: [4, 2, 49, 24], adt: 'u8', bdt: 'u8', azp: 0, bzp: 120, ydt: 'i8', yzp: -20 },
];

describe('qmatmul in C: bit-exact with the interpreter', () => {
  const { graph, inputs } = mergeGraphs(CASES.map((c, i) => qmatmulGraph(c, 100 + i, `mm${i}`)));
  const want = interpret(graph, inputs);

  it('the cases are not trivial: outputs vary', () => {
    const varied = want.filter((t) => new Set(Array.from(t.data as ArrayLike<number>)).size > 2).length;
    expect(varied).toBeGreaterThanOrEqual(CASES.length - 1); // the 1x1 case has one element
  });
  it('native build of the portable target', () => {
    expect(mismatches(graph, compileRun(graph, 'c', inputs).outputs, want)).toEqual([]);
  });
  it('avx2 build (the compiler vectorises the dot products differently per ISA)', () => {
    expect(mismatches(graph, compileRun(graph, 'avx2', inputs).outputs, want)).toEqual([]);
  });
  it.skipIf(!hostRuns(AVX512_VNNI_TARGET))('avx512-vnni build, natively', () => {
    expect(mismatches(graph, compileRun(graph, 'avx512-vnni', inputs).outputs, want)).toEqual([]);
  });
  it('under AddressSanitizer and UndefinedBehaviorSanitizer (avx2 where the host runs it: both paths of the SIMD kernel)', () => {
    const target = hostRuns(AVX2_TARGET) ? 'avx2' : 'c';
    expect(mismatches(graph, compileRun(graph, target, inputs, { sanitize: true }).outputs, want)).toEqual([]);
  });
});

// qsoftmax (attention's probabilities on 8-bit integers, src/ir/ops/quantized-softmax.ts): C bit for
// bit with the interpreter on every x86 build (the loop kernel and the reference, under ASan/UBSan
// too), on rows shorter and longer than a vector, u8 and i8 on either side, saturating scales; and
// lower_softmax's result within one quantization step of the float graph it replaces.
import { describe, expect, it } from 'vitest';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { AVX512_VNNI_TARGET } from '../../src/codegen/targets/avx512-vnni.js';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { GraphBuilder, run, type Graph, type Tensor } from '../../src/ir/index.js';
import { runPipeline } from '../../src/passes/index.js';
import '../../src/passes/builtin.js';
import { compileRun, interpret, mergeGraphs, mismatches, randomTensor, rng } from './helpers.js';

interface Case { shape: number[]; xdt: 'u8' | 'i8'; xs: number; xzp: number; ydt: 'u8' | 'i8'; ys: number; yzp: number }

const CASES: Case[] = [
  { shape: [4, 2, 49, 49], xdt: 'i8', xs: 0.11, xzp: -3, ydt: 'i8', ys: 1 / 256, yzp: -128 }, // Swin's windows
  { shape: [5, 2], xdt: 'u8', xs: 0.05, xzp: 128, ydt: 'u8', ys: 1 / 255, yzp: 0 },
  { shape: [2, 5, 130], xdt: 'u8', xs: 0.02, xzp: 0, ydt: 'u8', ys: 1 / 2048, yzp: 0 }, // saturates at 255
  { shape: [7, 64], xdt: 'i8', xs: 0.9, xzp: 100, ydt: 'u8', ys: 0.004, yzp: 3 },
];

function qsoftmaxGraph(c: Case, seed: number, name: string): { graph: Graph; inputs: Tensor[] } {
  const r = rng(seed), [lo, hi] = c.xdt === 'u8' ? [0, 255] : [-128, 127];
  const b = new GraphBuilder(name);
  const x = b.input(`${name}_x`, { dtype: c.xdt, shape: c.shape });
  b.output(b.op('qsoftmax', [x], { x_scale: c.xs, x_zero_point: c.xzp, y_scale: c.ys, y_zero_point: c.yzp, dtype: c.ydt }, name));
  return { graph: b.build(), inputs: [randomTensor(c.xdt, c.shape, r, lo, hi)] };
}

describe('qsoftmax in C: bit-exact with the interpreter', () => {
  const { graph, inputs } = mergeGraphs(CASES.map((c, i) => qsoftmaxGraph(c, 40 + i, `sm${i}`)));
  const want = interpret(graph, inputs);

  it('the outputs vary', () => {
    for (const t of want) expect(new Set(Array.from(t.data as ArrayLike<number>)).size).toBeGreaterThan(2);
  });
  it('portable target (the reference kernel)', () => {
    expect(mismatches(graph, compileRun(graph, 'c', inputs).outputs, want)).toEqual([]);
  });
  it.skipIf(!hostRuns(AVX2_TARGET))('avx2 (the loop kernel), under ASan/UBSan', () => {
    expect(mismatches(graph, compileRun(graph, 'avx2', inputs, { sanitize: true }).outputs, want)).toEqual([]);
  });
  it.skipIf(!hostRuns(AVX512_VNNI_TARGET))('avx512-vnni, natively', () => {
    expect(mismatches(graph, compileRun(graph, 'avx512-vnni', inputs).outputs, want)).toEqual([]);
  });
  it('neon-dot (qemu-aarch64 -cpu max)', () => {
    expect(mismatches(graph, compileRun(graph, 'neon-dot', inputs).outputs, want)).toEqual([]);
  });
});

describe('lower_softmax', () => {
  it('dequantize → softmax (last axis) → quantize becomes qsoftmax, within one step of the float graph', () => {
    const b = new GraphBuilder('attn');
    const x = b.input('x', { dtype: 'i8', shape: [4, 3, 49], quant: { scale: [0.08], zeroPoint: [2] } });
    const s = b.op('softmax', [b.op('dequantize', [x], { scale: [0.08], zero_point: [2] })], { axis: -1 });
    b.output(b.op('quantize', [s], { scale: [1 / 256], zero_point: [-128], dtype: 'i8' }));
    const g = b.build(), lowered = runPipeline(g, ['lower-quantized']).graph;
    expect(lowered.nodes.map((n) => n.op)).toEqual(['qsoftmax']);
    const input = randomTensor('i8', [4, 3, 49], rng(9), -128, 127);
    const got = run(lowered, [input]).outputs[0]!.data as Int8Array, ref = run(g, [input]).outputs[0]!.data as Int8Array;
    const steps = got.map((v, i) => Math.abs(v - ref[i]!));
    expect(Math.max(...steps)).toBeLessThanOrEqual(1);
    expect(steps.filter((d) => d).length).toBeLessThan(got.length / 20);
  });
});

// qlayernorm (src/ir/ops/quantized-norm.ts): C bit for bit with the interpreter (c, avx2 under
// ASan/UBSan, avx512-vnni, neon under qemu) on u8/i8, rows of 1 to 200, constant rows (variance 0);
// lower_layer_norm's result within one quantization step of the float graph it replaces.
import { describe, expect, it } from 'vitest';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { AVX512_VNNI_TARGET } from '../../src/codegen/targets/avx512-vnni.js';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { GraphBuilder, run, tensor, type Graph, type Tensor } from '../../src/ir/index.js';
import { runPipeline } from '../../src/passes/index.js';
import '../../src/passes/builtin.js';
import { compileRun, floatTensor, interpret, mergeGraphs, mismatches, randomTensor, rng } from './helpers.js';

interface Case { shape: number[]; xdt: 'u8' | 'i8'; xs: number; xzp: number; ydt: 'u8' | 'i8'; ys: number; yzp: number; constant?: boolean }

const CASES: Case[] = [
  { shape: [1, 8, 8, 48], xdt: 'i8', xs: 0.07, xzp: -4, ydt: 'i8', ys: 0.03, yzp: 1 }, // Swin's norms
  { shape: [5, 200], xdt: 'u8', xs: 0.02, xzp: 131, ydt: 'u8', ys: 0.01, yzp: 128 }, // saturates
  { shape: [3, 1], xdt: 'u8', xs: 0.5, xzp: 0, ydt: 'i8', ys: 0.05, yzp: 0 },
  { shape: [4, 17], xdt: 'i8', xs: 0.3, xzp: 9, ydt: 'u8', ys: 0.02, yzp: 100, constant: true },
];

function graphOf(c: Case, seed: number, name: string): { graph: Graph; inputs: Tensor[] } {
  const r = rng(seed), [lo, hi] = c.xdt === 'u8' ? [0, 255] : [-128, 127], n = c.shape[c.shape.length - 1]!;
  const b = new GraphBuilder(name);
  const x = b.input(`${name}_x`, { dtype: c.xdt, shape: c.shape });
  const g = b.constant(`${name}_g`, floatTensor([n], r)), be = b.constant(`${name}_b`, floatTensor([n], r, 0.2));
  b.output(b.op('qlayernorm', [x, g, be], { x_scale: c.xs, x_zero_point: c.xzp, y_scale: c.ys, y_zero_point: c.yzp, dtype: c.ydt }, name));
  const input = c.constant ? tensor(c.xdt, c.shape, new Array(c.shape.reduce((p, q) => p * q, 1)).fill(lo + 77)) : randomTensor(c.xdt, c.shape, r, lo, hi);
  return { graph: b.build(), inputs: [input] };
}

describe('qlayernorm in C: bit-exact with the interpreter', () => {
  const { graph, inputs } = mergeGraphs(CASES.map((c, i) => graphOf(c, 60 + i, `ln${i}`)));
  const want = interpret(graph, inputs);
  it('the outputs vary', () => {
    for (const t of want.slice(0, 2)) expect(new Set(Array.from(t.data as ArrayLike<number>)).size).toBeGreaterThan(20);
  });
  it('portable target', () => expect(mismatches(graph, compileRun(graph, 'c', inputs).outputs, want)).toEqual([]));
  it.skipIf(!hostRuns(AVX2_TARGET))('avx2 under ASan/UBSan', () => expect(mismatches(graph, compileRun(graph, 'avx2', inputs, { sanitize: true }).outputs, want)).toEqual([]));
  it.skipIf(!hostRuns(AVX512_VNNI_TARGET))('avx512-vnni', () => expect(mismatches(graph, compileRun(graph, 'avx512-vnni', inputs).outputs, want)).toEqual([]));
  it('neon (qemu-aarch64)', () => expect(mismatches(graph, compileRun(graph, 'neon', inputs).outputs, want)).toEqual([]));
});

describe('lower_layer_norm', () => {
  it('dequantize → layer_norm (last axis) → quantize becomes qlayernorm, within one step of the float graph', () => {
    const r = rng(3), b = new GraphBuilder('ln');
    const x = b.input('x', { dtype: 'i8', shape: [64, 96], quant: { scale: [0.06], zeroPoint: [3] } });
    const d = b.op('dequantize', [x], { scale: [0.06], zero_point: [3] });
    const n = b.op('layer_norm', [d, b.constant('g', floatTensor([96], r)), b.constant('b', floatTensor([96], r, 0.2))], { axis: -1 });
    b.output(b.op('quantize', [n], { scale: [0.02], zero_point: [-1], dtype: 'i8' }));
    const g = b.build(), lowered = runPipeline(g, ['lower-quantized']).graph;
    expect(lowered.nodes.map((v) => v.op)).toEqual(['qlayernorm']);
    const input = randomTensor('i8', [64, 96], rng(5), -128, 127);
    const got = run(lowered, [input]).outputs[0]!.data as Int8Array, ref = run(g, [input]).outputs[0]!.data as Int8Array;
    const steps = got.map((v, i) => Math.abs(v - ref[i]!));
    expect(Math.max(...steps)).toBeLessThanOrEqual(1);
    expect(steps.filter((s) => s).length).toBeLessThan(got.length / 50);
  });
});

// qavgpool2d on the SIMD targets (the loop kernel of qforge_kernels_loops.h: channel blocks of 16 and
// a tail) bit for bit with the interpreter: DenseNet's 2x2/2 transition, padded and ceil-mode windows,
// count_include_pad, channel counts below, at and past one block.
import { describe, expect, it } from 'vitest';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { AVX512_VNNI_TARGET } from '../../src/codegen/targets/avx512-vnni.js';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { GraphBuilder, type Graph, type Tensor } from '../../src/ir/index.js';
import { fround } from '../../src/ir/quant-math.js';
import { compileRun, interpret, mergeGraphs, mismatches, randomTensor, rng } from './helpers.js';

const CASES: [number, Record<string, unknown>][] = [
  [40, { kernel_shape: [2, 2], strides: [2, 2] }],
  [7, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  [16, { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1], ceil_mode: true, count_include_pad: true }],
  [33, { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: true }],
];

function poolGraph(C: number, attrs: Record<string, unknown>, i: number): { graph: Graph; inputs: Tensor[] } {
  const b = new GraphBuilder(`p${i}`), dt = i % 2 ? 'i8' : 'u8';
  const x = b.input(`p${i}_x`, { dtype: dt, shape: [1, C, 9, 8] });
  b.output(b.op('qavgpool2d', [x], { ...attrs, x_zero_point: dt === 'u8' ? 130 : -5, requant_scale: fround(0.07 / 0.05), y_scale: 0.05, y_zero_point: 3, dtype: dt } as never, `p${i}`));
  return { graph: b.build(), inputs: [randomTensor(dt, [1, C, 9, 8], rng(7 + i), dt === 'u8' ? 0 : -128, dt === 'u8' ? 255 : 127)] };
}

describe('qavgpool2d loop kernel: bit-exact with the interpreter', () => {
  const { graph, inputs } = mergeGraphs(CASES.map(([C, a], i) => poolGraph(C, a, i)));
  const want = interpret(graph, inputs);
  it('the outputs vary', () => {
    for (const t of want) expect(new Set(Array.from(t.data as ArrayLike<number>)).size).toBeGreaterThan(10);
  });
  it.skipIf(!hostRuns(AVX2_TARGET))('avx2', () => expect(mismatches(graph, compileRun(graph, 'avx2', inputs).outputs, want)).toEqual([]));
  it.skipIf(!hostRuns(AVX512_VNNI_TARGET))('avx512-vnni', () => expect(mismatches(graph, compileRun(graph, 'avx512-vnni', inputs).outputs, want)).toEqual([]));
  it('neon (qemu-aarch64)', () => expect(mismatches(graph, compileRun(graph, 'neon', inputs).outputs, want)).toEqual([]));
});

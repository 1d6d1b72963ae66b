// Every SIMD target against the interpreter, bit for bit, on the same batched program: avx2
// natively, avx512-vnni through SIMDe (AVX-512 emulated on AVX2), neon and neon-dot under
// qemu-aarch64. Their kernels replace the portable ones through the kernel interface.
import { describe, expect, it } from 'vitest';
import { hostCpuFlags, hostRuns, getTarget } from '../../src/codegen/targets/index.js';
import { compileRun, interpret, mergeGraphs, mismatches } from './helpers.js';
import { convZoo, misc, saturation, tails } from './graphs.js';

const batch = () => mergeGraphs([convZoo(5), tails(6, [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33]), saturation(), misc(7)]);

describe('SIMD targets: bit-exact with the interpreter', () => {
  const { graph, inputs } = batch();
  const want = interpret(graph, inputs);
  it.runIf(hostRuns(getTarget('avx2'), hostCpuFlags()))('avx2 (native)', () => {
    expect(mismatches(graph, compileRun(graph, 'avx2', inputs).outputs, want)).toEqual([]);
  });
  it('avx512-vnni (SIMDe emulation)', () => {
    expect(mismatches(graph, compileRun(graph, 'avx512-vnni', inputs, { emulate: true }).outputs, want)).toEqual([]);
  });
  it('neon (qemu-aarch64)', () => {
    expect(mismatches(graph, compileRun(graph, 'neon', inputs).outputs, want)).toEqual([]);
  });
  it('neon-dot (qemu-aarch64 -cpu max)', () => {
    expect(mismatches(graph, compileRun(graph, 'neon-dot', inputs).outputs, want)).toEqual([]);
  });
});

describe('sanitizers', () => {
  // ASan + UBSan (clang's runtime, or gcc's where clang has none): no out-of-bounds access (the
  // kernels' over-reads stay inside the QF_SLACK bytes), no signed overflow, no misaligned loads.
  const { graph, inputs } = mergeGraphs([convZoo(8), saturation(), misc(9)]);
  const want = interpret(graph, inputs);
  for (const target of ['c', 'avx2'])
    it(`${target} with -fsanitize=address,undefined`, () => {
      expect(mismatches(graph, compileRun(graph, target, inputs, { sanitize: true }).outputs, want)).toEqual([]);
    });
});

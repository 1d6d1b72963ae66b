// ASan + UBSan builds (clang's runtime, or gcc's where clang has none): no out-of-bounds access
// (kernel over-reads stay inside the QF_SLACK bytes), no signed overflow, no misaligned access.
import { describe, expect, it } from 'vitest';
import { compileRun, interpret, mergeGraphs, mismatches } from './helpers.js';
import { getTarget, hostCpuFlags, hostRuns } from '../../src/codegen/targets/index.js';
import { convZoo, misc, residual, saturation } from './graphs.js';

describe('sanitizers', () => {
  const { graph, inputs } = mergeGraphs([convZoo(8), saturation(), misc(9), residual(11)]);
  const want = interpret(graph, inputs);
  // avx2 and avx512-vnni natively where the host has it (their implicit-GEMM convolutions read the padded image's slack)
  for (const target of ['c', 'avx2', ...(hostRuns(getTarget('avx512-vnni'), hostCpuFlags()) ? ['avx512-vnni'] : [])])
    it(`${target} with -fsanitize=address,undefined`, () => {
      expect(mismatches(graph, compileRun(graph, target, inputs, { sanitize: true }).outputs, want)).toEqual([]);
    });
});

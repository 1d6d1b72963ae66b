// ASan + UBSan builds (clang's runtime, or gcc's where clang has none): no out-of-bounds access
// (kernel over-reads stay inside the QF_SLACK bytes), no signed overflow, no misaligned access.
import { describe, expect, it } from 'vitest';
import { compileRun, interpret, mergeGraphs, mismatches } from './helpers.js';
import { convZoo, misc, saturation } from './graphs.js';

describe('sanitizers', () => {
  const { graph, inputs } = mergeGraphs([convZoo(8), saturation(), misc(9)]);
  const want = interpret(graph, inputs);
  for (const target of ['c', 'avx2'])
    it(`${target} with -fsanitize=address,undefined`, () => {
      expect(mismatches(graph, compileRun(graph, target, inputs, { sanitize: true }).outputs, want)).toEqual([]);
    });
});

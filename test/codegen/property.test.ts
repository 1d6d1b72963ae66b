// Property: random quantized convolutions (plain, grouped, depthwise, transposed) and linear layers,
// with random geometry, zero points, dtypes and fused relu, compile to C that computes exactly what
// the interpreter computes. Each run batches 12 random cases into one program (one compile). The SIMD
// targets run one-group convolutions as implicit GEMMs (rows read from the padded image, each kernel
// row's run rounded to the target's qconvGran): random geometries of those on avx2, neon, neon-dot.
import { describe, expect } from 'vitest';
import { test as fcTest } from '@fast-check/vitest';
import { compileRun, interpret, mismatches } from './helpers.js';
import { implicitCases, randomCases, randomGraph } from './random-graphs.js';
import { getTarget, hostCpuFlags, hostRuns } from '../../src/codegen/targets/index.js';

describe('random quantized graphs', () => {
  fcTest.prop([randomCases(12)], { numRuns: 2 })('C equals the interpreter bit for bit', (specs) => {
    const { graph: g, inputs } = randomGraph(specs);
    expect(mismatches(g, compileRun(g, 'c', inputs).outputs, interpret(g, inputs))).toEqual([]);
  });
  // avx2 natively where the host runs it; neon and neon-dot under qemu: one-group convolutions only (implicit GEMMs)
  for (const target of [...(hostRuns(getTarget('avx2'), hostCpuFlags()) ? ['avx2'] : []), 'neon', 'neon-dot'])
    fcTest.prop([implicitCases(12)], { numRuns: 1 })(`${target}: implicit-GEMM convolutions equal the interpreter bit for bit`, (specs) => {
      const { graph: g, inputs } = randomGraph(specs);
      expect(mismatches(g, compileRun(g, target, inputs).outputs, interpret(g, inputs))).toEqual([]);
    });
});

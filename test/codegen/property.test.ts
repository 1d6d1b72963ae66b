// Property: random quantized convolutions (plain, grouped, depthwise, transposed) and linear layers,
// with random geometry, zero points, dtypes and fused relu, compile to C that computes exactly what
// the interpreter computes. Each run batches 12 random cases into one program (one compile).
import { describe, expect } from 'vitest';
import { test as fcTest } from '@fast-check/vitest';
import { compileRun, interpret, mismatches } from './helpers.js';
import { randomCases, randomGraph } from './random-graphs.js';

describe('random quantized graphs', () => {
  fcTest.prop([randomCases(12)], { numRuns: 2 })('C equals the interpreter bit for bit', (specs) => {
    const { graph: g, inputs } = randomGraph(specs);
    expect(mismatches(g, compileRun(g, 'c', inputs).outputs, interpret(g, inputs))).toEqual([]);
  });
});

// --float: float graphs compile too (the comparison baseline). Float results are not bit-exact
// with the interpreter (it accumulates in float64 and rounds once; the C keeps float32 partial sums
// in GEMMs/convolutions): the stated tolerance is 1e-5 of the output's largest magnitude.
import { describe, expect, it } from 'vitest';
import { compileRun, FLOAT_TOLERANCE, interpret, relErr } from './helpers.js';
import { floatNet } from './graphs.js';

describe('float fallback', () => {
  it('every float op family agrees with the interpreter within tolerance', () => {
    const { graph, inputs } = floatNet();
    const want = interpret(graph, inputs);
    const got = compileRun(graph, 'c', inputs, { float: true });
    const errs = graph.outputs.map((o, i) => [o, relErr(got.outputs[i]!, want[i]!)] as const).filter(([, e]) => !(e <= FLOAT_TOLERANCE));
    expect(errs).toEqual([]);
    expect(got.outputs.map((t) => t.dtype)).toEqual(want.map((t) => t.dtype));
    expect(got.warnings).toBe('');
  });
});

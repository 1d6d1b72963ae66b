// quantize's `scaling` in the generated C: 'reciprocal' multiplies by fround(1/scale), 'divide'
// divides by fround(scale) in float32 (ONNX QuantizeLinear). On inputs within two ulps of a
// rounding tie, where the two differ, the C equals the interpreter bit for bit for both: quantize
// (u8, i8, per channel, i16 through qf_quantize_any), requantize (u8 and i16 sources), qadd, qmul
// and fake_quantize, on the portable `c` target and on avx2.
import { describe, expect, it } from 'vitest';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { GraphBuilder, type Graph } from '../../src/ir/index.js';
import type { AttrValue } from '../../src/ir/graph.js';
import { fround } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { haveTool } from './support/kernel-build.js';
import { compileRun, interpret, mismatches } from './helpers.js';

const SCALINGS = ['reciprocal', 'divide'] as const;
/** Outputs at the end of the graph on special values (NaN, infinities), alike for both scalings. */
const SPECIALS = 2;
const S = [0.0123, 1 / 3, 2 / 255, 0.1732].map(fround);

/** fround((k + 0.5)·scale) and its float32 neighbours within 2 ulps, k from k0, n values. */
function nearTies(scale: number, k0: number, n: number): number[] {
  const out: number[] = [], f = new Float32Array(1), i = new Int32Array(f.buffer);
  for (let k = k0; out.length < n; k++)
    for (let d = -2; d <= 2 && out.length < n; d++) {
      f[0] = fround((k + 0.5) * scale);
      i[0]! += f[0]! < 0 ? -d : d;
      out.push(f[0]!);
    }
  return out;
}

function graph(scaling: (typeof SCALINGS)[number]): { g: Graph; inputs: Tensor[] } {
  const b = new GraphBuilder(`scaling_${scaling}`);
  const sc: Record<string, AttrValue> = scaling === 'divide' ? { scaling } : {};
  // x: [4, 640], row c near the ties of S[c] (k from -64: i8 and u8 ranges, some clamped)
  const x = b.input('x', { dtype: 'f32', shape: [4, 640] });
  const xs = S.flatMap((s) => nearTies(s, -64, 640));
  const perTensor = (dtype: 'u8' | 'i8' | 'i16', zp: number) => b.op('quantize', [x], { scale: [S[0]!], zero_point: [zp], dtype, ...sc });
  const qu8 = perTensor('u8', 128), qi8 = perTensor('i8', 0), qi16 = perTensor('i16', 7);
  const qch = b.op('quantize', [x], { scale: S, zero_point: [120, 128, 130, 128], axis: 0, dtype: 'u8', ...sc });
  // 4-D per channel (the C may see it channels-last)
  const x4 = b.input('x4', { dtype: 'f32', shape: [1, 4, 10, 16] });
  const x4s = S.flatMap((s) => nearTies(s, -60, 160));
  const q4 = b.op('quantize', [x4], { scale: S, zero_point: [3, 0, -2, 1], axis: 1, dtype: 'i8', ...sc });
  // requantize 0.1 -> 0.2 (every odd q a near-tie), from u8 and from i16
  const r = b.input('r', { dtype: 'u8', shape: [256] });
  const rq = b.op('requantize', [r], { x_scale: 0.1, x_zero_point: 0, y_scale: 0.2, y_zero_point: -3, dtype: 'i8', ...sc });
  const rq16 = b.op('requantize', [qi16], { x_scale: S[0]!, x_zero_point: 7, y_scale: fround(S[0]! * 2), y_zero_point: 0, dtype: 'u8', ...sc });
  // qadd / qmul over every pair of u8 values
  const a = b.input('a', { dtype: 'u8', shape: [256, 1] }), c = b.input('c', { dtype: 'i8', shape: [1, 256] });
  const bin = { a_scale: 0.1, a_zero_point: 128, b_scale: 0.3, b_zero_point: -2, y_zero_point: 3, dtype: 'i8', ...sc };
  const add = b.op('qadd', [a, c], { ...bin, y_scale: 0.2 }), mul = b.op('qmul', [a, c], { ...bin, y_scale: 1.2 });
  const fq = b.op('fake_quantize', [x], { scale: S, zero_point: [0, 1, -1, 0], axis: 0, qmin: -127, qmax: 127, ...sc });
  // NaN (the zero point), infinities, huge values and -0: past the near-tie
  // outputs (SPECIALS of them at the end), which the two scalings give alike
  const sp = b.input('sp', { dtype: 'f32', shape: [2, 9] });
  const spT = b.op('quantize', [sp], { scale: [S[1]!], zero_point: [15], qmin: 10, qmax: 200, dtype: 'u8', ...sc });
  const spC = b.op('quantize', [sp], { scale: [S[2]!, S[3]!], zero_point: [-3, 100], axis: 0, dtype: 'i8', ...sc });
  b.output(qu8, qi8, qi16, qch, q4, rq, rq16, add, mul, fq, spT, spC);
  const ramp = (n: number, lo: number) => Array.from({ length: n }, (_, i) => lo + (i % 256));
  return {
    g: b.build(),
    inputs: [tensor('f32', [4, 640], xs), tensor('f32', [1, 4, 10, 16], x4s), tensor('u8', [256], ramp(256, 0)), tensor('u8', [256, 1], ramp(256, 0)), tensor('i8', [1, 256], ramp(256, -128)),
      tensor('f32', [2, 9], [NaN, Infinity, -Infinity, 1e30, -1e30, -0, 3.4e38, 0.7, -2.5, -1.4, NaN, 0, -Infinity, 1e-30, 2.5, Infinity, -3e38, NaN])],
  };
}

const avx2 = haveTool('clang-19') && hostRuns(AVX2_TARGET);

describe('quantize scaling in the generated C', () => {
  it('the two scalings give different integers on these inputs', () => {
    const [r, d] = SCALINGS.map((s) => {
      const { g, inputs } = graph(s);
      return interpret(g, inputs);
    });
    r!.slice(0, -SPECIALS).forEach((t, i) => expect(Array.from(t.data as ArrayLike<number>), `output ${i}`).not.toEqual(Array.from(d![i]!.data as ArrayLike<number>)));
  });

  for (const target of ['c', 'avx2'])
    it.skipIf(target === 'avx2' && !avx2).each(SCALINGS)(`${target}: %s scaling equals the interpreter bit for bit`, (s) => {
      const { g, inputs } = graph(s);
      const got = compileRun(g, target, inputs);
      expect(mismatches(g, got.outputs, interpret(g, inputs))).toEqual([]);
      expect(got.warnings).toBe('');
      expect(got.source.includes('qf_par_quantize_div_u8(ctx, ')).toBe(s === 'divide');
      expect(got.source.includes('qf_par_requantize_div_u8(ctx, ')).toBe(s === 'divide');
    });
});

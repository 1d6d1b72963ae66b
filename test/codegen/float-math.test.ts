// The float fallback's own exp/erf/sigmoid/tanh/gelu (qforge_fmath.h) and the fast softmax and
// layer_norm paths, against the float64 interpreter over wide input ranges and special values,
// with the error bounds docs/codegen.md states, per target (native builds and qemu for NEON).
import { describe, expect, it } from 'vitest';
import { GraphBuilder, tensor, type Tensor } from '../../src/ir/index.js';
import { compileRun, interpret } from './helpers.js';
import { nativeTarget } from '../../src/codegen/index.js';

/** Each activation's bound: |got − want| ≤ abs + rel·|want|. */
const BOUNDS: Record<string, { abs: number; rel: number }> = {
  exp: { abs: 1.2e-38, rel: 5e-7 }, // results below FLT_MIN flush to 0
  sigmoid: { abs: 2e-7, rel: 5e-7 },
  tanh: { abs: 2e-7, rel: 5e-7 },
  erf: { abs: 2e-7, rel: 5e-7 },
  // 1 + erf(x/√2) cancels for x < 0: the error follows |x|·ulp(1) there, as in any float32 gelu.
  gelu: { abs: 1e-6, rel: 5e-7 },
  gelu_tanh: { abs: 1e-6, rel: 5e-7 },
};

const N = 4099;
function wideInput(): Tensor {
  const v = Array.from({ length: N }, (_, i) => -40 + (80 * i) / (N - 1));
  v.push(NaN, Infinity, -Infinity, -0, 0, 88.7, 88.8, -87.3, -87.4, -103, 1e-30, -1e-30, 1e-8, 3.4e38, -3.4e38);
  return tensor('f32', [v.length], Float32Array.from(v));
}

function worst(op: string, got: Tensor, want: Tensor): string | undefined {
  const { abs, rel } = BOUNDS[op]!;
  const x = wideInput().data as Float32Array;
  let bad: string | undefined;
  want.data.forEach((w, i) => {
    const g = got.data[i] as number, wv = w as number;
    if (Number.isNaN(wv) ? !Number.isNaN(g) : !Number.isFinite(wv) ? g !== wv : !(Math.abs(g - wv) <= abs + rel * Math.abs(wv)))
      bad ??= `${op}(${x[i]}) = ${g}, want ${wv}`;
  });
  return bad;
}

function activations() {
  const b = new GraphBuilder('fmath');
  const x = b.input('x', { dtype: 'f32', shape: [N + 15] });
  for (const op of Object.keys(BOUNDS))
    b.output(op === 'gelu_tanh' ? b.op('gelu', [x], { approximate: 'tanh' }, op) : b.op(op, [x], {}, op));
  return b.build();
}

function normalisations() {
  const b = new GraphBuilder('norms');
  const rows = 37, n = 301;
  const x = b.input('x', { dtype: 'f32', shape: [rows, n] });
  const g = b.constant('g', tensor('f32', [n], Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 7) / 7)));
  const bias = b.constant('b', tensor('f32', [n], Float32Array.from({ length: n }, (_, i) => (i % 5) / 10 - 0.2)));
  b.output(b.op('softmax', [x], { axis: -1 }, 'softmax'), b.op('layer_norm', [x, g, bias], { axis: -1 }, 'ln'));
  // Rows far from zero with a small spread (the float32 cancellation trap), large logits, a constant row.
  const data = Float32Array.from({ length: rows * n }, (_, i) => {
    const r = Math.floor(i / n), k = i % n;
    return r === 0 ? 5 : r < 10 ? 1000 + Math.sin(k) * 0.01 : r < 20 ? 60 * Math.cos(k * r) : Math.sin(k * 0.37 + r) * 4;
  });
  return { graph: b.build(), input: tensor('f32', [rows, n], data) };
}

const TARGETS = [...new Set(['c', 'avx2', nativeTarget().name, 'neon-dot'])];
describe.each(TARGETS)('float math on %s', (target) => {
  it('activations stay within their stated bounds over [-40, 40] and at special values', () => {
    const g = activations(), x = wideInput();
    const want = interpret(g, [x]), got = compileRun(g, target, [x], { float: true }).outputs;
    const bad = Object.keys(BOUNDS).map((op, i) => worst(op, got[i]!, want[i]!)).filter(Boolean);
    expect(bad).toEqual([]);
  });
  it('softmax and layer_norm within 1e-6 of the largest output magnitude, cancellation-prone rows included', () => {
    const { graph, input } = normalisations();
    const want = interpret(graph, [input]), got = compileRun(graph, target, [input], { float: true }).outputs;
    want.forEach((w, i) => {
      const scale = Math.max(...Array.from(w.data as Float32Array, Math.abs));
      const err = Math.max(...Array.from(w.data as Float32Array, (v, k) => Math.abs((got[i]!.data[k] as number) - v)));
      expect(err / scale, graph.outputs[i]).toBeLessThanOrEqual(1e-6);
    });
  });
});

// APPROXIMATE_FLOAT_OPS (src/codegen/ops/approximate.ts) against the C it describes: every
// one-operand float op the code generator compiles, plus softmax, log_softmax and layer_norm, on
// one wide input (float attributes as float32 values) — an op on the list stays within the float
// tolerance and differs from the interpreter somewhere (else the entry is stale); every other op
// equals it bit for bit.
import { describe, expect, it } from 'vitest';
import { nativeTarget } from '../../src/codegen/index.js';
import { APPROXIMATE_FLOAT_OPS, EMITTERS } from '../../src/codegen/ops/index.js';
import { GraphBuilder, tensor } from '../../src/ir/index.js';
import { getOp, resolveAttrs } from '../../src/ir/ops/index.js';
import { compileRun, FLOAT_TOLERANCE, interpret, relErr } from './helpers.js';

const N = 1031;
const x = tensor('f32', [N], Float32Array.from({ length: N }, (_, i) => -12 + (24 * i) / (N - 1) + (i % 7) * 1e-3));

/** Elementwise ops of one f32 tensor with every attribute defaulted (the result is x's type) that the C compiles. */
const unaryOps = Object.keys(EMITTERS).filter((op) => {
  const d = getOp(op)!;
  if (d.category === 'quant' || d.category === 'quantized' || d.operands.slice(1).some((o) => !o.optional)) return false;
  try {
    const [t, ...more] = d.infer({ inputs: [x], attrs: resolveAttrs(d, {}) });
    return more.length === 0 && t!.dtype === 'f32' && t!.shape.join() === String(N);
  } catch {
    return false; // an attribute without a default, or not defined on a 1-D f32 tensor
  }
});

/**
 * Float attributes at their defaults rounded to float32, as ONNX stores them: the C takes float32
 * parameters, so a default such as leaky_relu's 0.01 (a double) would differ for that reason alone.
 */
function float32Attrs(op: string): Record<string, number> {
  const attrs = getOp(op)!.attrs;
  return Object.fromEntries(Object.entries(attrs).filter(([, a]) => a.type === 'float' && typeof a.default === 'number').map(([k, a]) => [k, Math.fround(a.default as number)]));
}

const b = new GraphBuilder('approximate');
const xin = b.input('x', { dtype: 'f32', shape: [N] });
const ops = [...unaryOps, 'layer_norm'];
for (const op of unaryOps) b.output(b.op(op, [xin], float32Attrs(op)));
b.output(b.op('layer_norm', [xin, b.constant('gamma', tensor('f32', [N], Float32Array.from({ length: N }, (_, i) => 1 + i / N)))]));
const g = b.build();
const want = interpret(g, [x]);

// The portable C and this machine's SIMD target (the same qforge_float.c, other compiler flags).
describe.each([...new Set(['c', nativeTarget().name])])('APPROXIMATE_FLOAT_OPS matches the C (%s)', (target) => {
  const got = compileRun(g, target, [x], { float: true }).outputs;

  it('covers the listed ops and the elementwise families', () => {
    expect([...APPROXIMATE_FLOAT_OPS].filter((op) => !ops.includes(op))).toEqual([]);
    expect(ops.length).toBeGreaterThan(30);
  });

  it.each(ops.map((op, i) => [op, i] as const))('%s', (op, i) => {
    const a = got[i]!.data, w = want[i]!.data;
    const differ = a.some((v, k) => v !== w[k] && !(Number.isNaN(v) && Number.isNaN(w[k])));
    if (APPROXIMATE_FLOAT_OPS.has(op)) {
      expect(relErr(got[i]!, want[i]!)).toBeLessThanOrEqual(FLOAT_TOLERANCE);
      expect(differ, `${op} is listed as approximate but its C is exact: drop it from the list`).toBe(true);
    } else expect(differ, `${op}'s C differs from the interpreter: list it in APPROXIMATE_FLOAT_OPS or make it exact`).toBe(false);
  });
});

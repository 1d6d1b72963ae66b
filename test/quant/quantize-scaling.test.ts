// The q/dq folds and lowerings with quantize's `scaling: divide` (ONNX QuantizeLinear, what the
// importer sets): the exact rewrites carry the scaling into requantize / qadd / qmul and stay bit
// for bit, a clip does not fold into a divide quantize (its bounds would be quantized with the
// reciprocal formula), and the accumulating ops still lower.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { DType } from '../../src/ir/dtype.js';
import type { AttrValue, Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { fround } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { ints, lowered, maxSteps, opsOf } from './qdq-graphs.js';

const SCALINGS = ['reciprocal', 'divide'] as const;
const sc = (s: string): Record<string, AttrValue> => (s === 'divide' ? { scaling: s } : {});
const all = (dt: DType): number[] => Array.from({ length: 256 }, (_, i) => (dt === 'u8' ? i : i - 128));

/** The quantize / quantized op of a graph, with its scaling (undefined: the default). */
const scalingOf = (g: Graph, op: string) => g.nodes.find((n) => n.op === op)?.attrs['scaling'];

describe('fold-qdq and lower-quantized with scaling divide', () => {
  // x_s = 0.1 → y_s = 0.2 puts every odd q at (nearly) a tie: the scalings give different integers.
  it.each(SCALINGS)('dq → q (%s) with other params folds into a requantize of that scaling, bit-exactly', (s) => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'u8', shape: [256] });
    const d = b.op('dequantize', [x], { scale: [0.1], zero_point: [0] });
    b.output(b.op('quantize', [d], { scale: [0.2], zero_point: [0], dtype: 'u8', ...sc(s) }));
    const g = b.build(), xin = [tensor('u8', [256], all('u8'))];
    const out = lowered(g, 'fold-qdq');
    expect(opsOf(out)).toEqual(['requantize']);
    expect(scalingOf(out, 'requantize')).toBe(s === 'divide' ? 'divide' : undefined);
    expect(ints(run(out, xin).outputs[0]!)).toEqual(ints(run(g, xin).outputs[0]!));
  });

  it('the scalings do differ on that input (the test above is meaningful)', () => {
    const outs = SCALINGS.map((s) => {
      const b = new GraphBuilder();
      const x = b.input('x', { dtype: 'u8', shape: [256] });
      b.output(b.op('requantize', [x], { x_scale: 0.1, y_scale: 0.2, dtype: 'u8', ...sc(s) }));
      return ints(run(b.build(), [tensor('u8', [256], all('u8'))]).outputs[0]!);
    });
    expect(outs[0]).not.toEqual(outs[1]);
  });

  it('dq → q (divide) with equal params is the integer tensor itself', () => {
    for (const scale of [0.1, 0.0123, 1 / 3, 17.3].map(fround)) {
      const b = new GraphBuilder();
      const x = b.input('x', { dtype: 'i8', shape: [256] });
      const d = b.op('dequantize', [b.op('relu', [x])], { scale: [scale], zero_point: [-5] });
      const q = b.op('quantize', [d], { scale: [scale], zero_point: [-5], dtype: 'i8', scaling: 'divide' });
      b.output(b.op('dequantize', [q], { scale: [scale], zero_point: [-5] }));
      const g = b.build(), xin = [tensor('i8', [256], all('i8'))];
      const out = lowered(g, 'fold-qdq');
      expect(opsOf(out)).toEqual(['relu', 'dequantize']);
      expect(Array.from(run(out, xin).outputs[0]!.data as Float32Array)).toEqual(Array.from(run(g, xin).outputs[0]!.data as Float32Array));
    }
  });

  it.each([
    ['add', 'qadd'],
    ['mul', 'qmul'],
  ])('dq → %s → q (divide) lowers to %s with scaling divide, bit-exactly on every pair of inputs', (op, qop) => {
    for (const s of SCALINGS) {
      const b = new GraphBuilder();
      const a = b.input('a', { dtype: 'u8', shape: [256, 1] }), c = b.input('b', { dtype: 'i8', shape: [1, 256] });
      const da = b.op('dequantize', [a], { scale: [0.1], zero_point: [128] }), dc = b.op('dequantize', [c], { scale: [0.3], zero_point: [-2] });
      const ys = op === 'add' ? 0.2 : 1.2; // products and sums of tenths over 0.2 / 1.2: many near-ties
      b.output(b.op('quantize', [b.op(op, [da, dc])], { scale: [ys], zero_point: [3], dtype: 'i8', ...sc(s) }));
      const g = b.build(), xin: Tensor[] = [tensor('u8', [256, 1], all('u8')), tensor('i8', [1, 256], all('i8'))];
      const out = lowered(g);
      expect(opsOf(out)).toEqual([qop]);
      expect(scalingOf(out, qop)).toBe(s === 'divide' ? 'divide' : undefined);
      expect(ints(run(out, xin).outputs[0]!)).toEqual(ints(run(g, xin).outputs[0]!));
    }
  });

  it('a clip folds into a reciprocal quantize only; a relu into either', () => {
    for (const s of SCALINGS)
      for (const act of ['clip', 'relu'] as const) {
        const b = new GraphBuilder();
        const x = b.input('x', { dtype: 'f32', shape: [64] });
        const v = act === 'clip' ? b.op('clip', [x], { min: 0, max: fround(0.35) }) : b.op('relu', [x]);
        b.output(b.op('quantize', [v], { scale: [0.1], zero_point: [0], dtype: 'u8', ...sc(s) }));
        const g = b.build();
        const out = lowered(g);
        const folds = act === 'relu' || s === 'reciprocal';
        expect(opsOf(out)).toEqual(folds ? ['quantize'] : [act, 'quantize']);
        expect(scalingOf(out, 'quantize')).toBe(s === 'divide' ? 'divide' : undefined);
        // near the clip bound 0.35 = 3.5 steps: the bound itself and its float32 neighbours
        const xs = Float32Array.from({ length: 64 }, (_, i) => (i < 32 ? fround(0.35) + (i - 16) * 3e-8 : (i - 40) * 0.0499));
        const xin = [tensor('f32', [64], xs)];
        expect(ints(run(out, xin).outputs[0]!)).toEqual(ints(run(g, xin).outputs[0]!));
      }
  });

  it('conv → relu6 → quantize (divide) still lowers to qconv2d, within one step of the float graph', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'u8', shape: [1, 2, 16, 16] });
    const w = b.constant('w', tensor('i8', [3, 2, 1, 1], [1, -2, 3, -4, 5, -6]));
    const dx = b.op('dequantize', [x], { scale: [0.05], zero_point: [128] }), dw = b.op('dequantize', [w], { scale: [0.02], zero_point: [0] });
    const c = b.op('conv2d', [dx, dw], { clamp_min: 0, clamp_max: 0.6 });
    b.output(b.op('quantize', [c], { scale: [fround(0.6 / 127)], zero_point: [0], dtype: 'i8', scaling: 'divide' }));
    const g = b.build(), out = lowered(g);
    expect(opsOf(out)).toEqual(['qconv2d']);
    const xin = [tensor('u8', [1, 2, 16, 16], Array.from({ length: 512 }, (_, i) => (i * 37) % 256))];
    expect(maxSteps(run(out, xin).outputs[0]!, run(g, xin).outputs[0]!)).toBeLessThanOrEqual(1);
  });
});

// A requantize that keeps its input's scale and zero point (relu6/clip with shared qparams, as the
// xnnpack quantizer leaves after every MobileNetV2 conv) compiles to an integer clamp, and gives
// the interpreter's bits; different qparams keep the float requantisation.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Graph } from '../../src/ir/index.js';
import { compileRun, floatTensor, interpret, rng } from './helpers.js';

function graph(dtype: 'u8' | 'i8', xs: number, ys: number, zp: number, yzp: number, qmin: number, qmax: number): Graph {
  const b = new GraphBuilder('rq');
  const x = b.input('x', { dtype: 'f32', shape: [1, 5, 7, 9] });
  const q = b.op('quantize', [x], { scale: [xs], zero_point: [zp], dtype }, 'q');
  const r = b.op('requantize', [q], { x_scale: xs, x_zero_point: zp, y_scale: ys, y_zero_point: yzp, dtype, qmin, qmax }, 'rq');
  b.output(b.op('dequantize', [r], { scale: [ys], zero_point: [yzp] }, 'dq'));
  return b.build();
}

describe('requantize with unchanged qparams', () => {
  const x = floatTensor([1, 5, 7, 9], rng(7), 12);
  const cases: [string, Graph, boolean][] = [
    ['u8 relu6 range', graph('u8', 0.06995657831430435, 0.06995657831430435, 137, 137, 137, 223), true],
    ['i8 full range', graph('i8', 0.0417, 0.0417, -5, -5, -128, 127), true],
    ['i8 narrowed', graph('i8', 0.1, 0.1, 3, 3, 3, 60), true],
    ['different scale', graph('u8', 0.05, 0.07, 128, 128, 128, 255), false],
    ['different zero point', graph('u8', 0.05, 0.05, 128, 120, 120, 255), false],
  ];
  for (const [name, g, clamp] of cases)
    it(`${name}: ${clamp ? 'integer clamp' : 'float requantize'}, bit-exact`, () => {
      const got = compileRun(g, 'c', [x]);
      expect(got.source.includes('qf_par_clamp_u8(ctx, ')).toBe(clamp);
      expect(got.source.includes('qf_par_requantize_u8(ctx, ')).toBe(!clamp);
      expect([...got.outputs[0]!.data]).toEqual([...interpret(g, [x])[0]!.data]);
    });
});

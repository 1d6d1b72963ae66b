// The portable `c` target against the interpreter, bit for bit, on hand-built quantized graphs:
// every conv flavour (strides, asymmetric pads, dilations, groups, depthwise, transposed), channel
// counts 1..33, extreme zero points, the int16-saturation pattern, pools and elementwise ops.
import { describe, expect, it } from 'vitest';
import { run, GraphBuilder, tensor } from '../../src/ir/index.js';
import { compileRun, interpret, mergeGraphs, mismatches, rng, floatTensor, randomTensor } from './helpers.js';
import { addConv, convZoo, misc, saturation, tails } from './graphs.js';

describe('c target: bit-exact with the interpreter', () => {
  it('conv zoo, channel tails 1..33, saturation pattern, pools and elementwise ops in one program', () => {
    const { graph, inputs } = mergeGraphs([convZoo(), tails(), saturation(), misc()]);
    const want = interpret(graph, inputs);
    // The cases are meaningful: outputs are neither constant nor saturated everywhere.
    const varied = want.filter((t) => new Set(Array.from(t.data as ArrayLike<number>)).size > 3).length;
    expect(varied).toBeGreaterThan(want.length * 0.8);
    const got = compileRun(graph, 'c', inputs);
    expect(mismatches(graph, got.outputs, want)).toEqual([]);
    expect(got.warnings).toBe(''); // -Wall -Wextra clean
  });

  it('run_quantized takes and returns the int8 tensors at the edges', () => {
    const r = rng(11), b = new GraphBuilder('edges');
    const x = b.input('x', { dtype: 'f32', shape: [1, 4, 5, 5] });
    const q = b.op('quantize', [x], { scale: [0.02], zero_point: [-9], dtype: 'i8' }, 'q');
    const y = addConv(b, q, -9, { cin: 4, cout: 6, k: [3, 3], pads: [1, 1, 1, 1], ydtype: 'i8', yzp: 4 }, r, 'conv');
    b.output(b.op('dequantize', [y], { scale: [0.05], zero_point: [4] }, 'dq'));
    const g = b.build(), xin = floatTensor([1, 4, 5, 5], r, 2);
    const all = run(g, [xin], { keepAll: true }).values;
    const got = compileRun(g, 'c', [xin], { qInputs: [all.get('q')!] });
    expect(mismatches(g, got.outputs, [all.get('dq')!])).toEqual([]);
    expect(got.quantized![0]!.dtype).toBe('i8');
    expect(Array.from(got.quantized![0]!.data as Int8Array)).toEqual(Array.from(all.get('conv')!.data as Int8Array));
  });

  it('a graph output read by later nodes, an output listed twice and an output that is an input', () => {
    const b = new GraphBuilder('outs');
    const x = b.input('x', { dtype: 'u8', shape: [2, 3] });
    const y = b.op('requantize', [x], { x_scale: 0.1, x_zero_point: 3, y_scale: 0.2, y_zero_point: -1, dtype: 'i8' }, 'rq');
    const z = b.op('relu', [y], {}, 'relu');
    b.output(y, z, y, x);
    const g = b.build(), xin = tensor('u8', [2, 3], [0, 3, 100, 255, 7, 50]);
    expect(mismatches(g, compileRun(g, 'c', [xin]).outputs, interpret(g, [xin]))).toEqual([]);
  });

  it('a dequantized constant weight (a linear the quantizer left float) is computed at compile time: same values, no run-time dequantize', () => {
    const r = rng(5), b = new GraphBuilder('float_tail');
    const x = b.input('x', { dtype: 'u8', shape: [2, 6] });
    // power-of-two scales: every product and sum is exact in float32, so the float matmul is bit-exact too
    const w = b.op('dequantize', [b.constant('w', randomTensor('i8', [4, 6], r, -128, 127))], { scale: [0.25, 0.5, 0.125, 1], zero_point: [0, 0, 0, 0], axis: 0 }, 'w_dq');
    const wt = b.op('transpose', [w], { perm: [1, 0] }, 'wt');
    b.output(b.op('matmul', [b.op('dequantize', [x], { scale: [0.125], zero_point: [3] }, 'x_dq'), wt], {}, 'y'), wt);
    b.output(b.op('requantize', [x], { x_scale: 0.1, x_zero_point: 3, y_scale: 0.2, y_zero_point: 0, dtype: 'u8' }, 'rq'));
    const g = b.build(), xin = randomTensor('u8', [2, 6], r, 0, 255);
    const got = compileRun(g, 'c', [xin]);
    // x's dequantize in each entry point (run, run_quantized); none for the weight
    expect(got.source.match(/qf_par_dequantize_u8|qf_dequantize_any/g)?.length).toBe(2);
    expect(mismatches(g, got.outputs, interpret(g, [xin]))).toEqual([]);
  });
});

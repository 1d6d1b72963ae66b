// The x86 quantizer annotates conv_transpose2d like conv2d (beyond PyTorch's X86InductorQuantizer,
// which leaves ConvTranspose2d in float): on the convT_bn_relu fixture the transposed convolutions
// followed by a quantized consumer lower to qconv_transpose2d, and the compiled C equals the
// interpreter bit for bit on them.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { run } from '../../src/ir/interpreter.js';
import '../../src/passes/index.js';
import { quantizeGraph } from '../../src/passes/quantize/flow.js';
import { compileRun, mismatches } from '../codegen/helpers.js';
import { FIX, fixtureNpy, samplesOf, sqnrDb } from './flow-helpers.js';

describe('x86 quantizer: conv_transpose2d', () => {
  const dir = path.join(FIX, 'convT_bn_relu');
  const g = importOnnx(path.join(dir, 'model.onnx'));
  const q = quantizeGraph(g, { quantizer: 'x86', calib: path.join(dir, 'calib.npy') });

  it('weights per output channel (axis 1) without groups, per tensor with groups; both int8 layers lowered', () => {
    const convs = q.qdq!.nodes.filter((n) => n.op === 'conv_transpose2d');
    expect(convs.length).toBe(3);
    const weightScales = convs.map((c) => (q.qdq!.nodes.find((n) => n.outputs[0] === c.inputs[1])?.attrs['scale'] as number[] | undefined)?.length);
    expect(weightScales).toEqual([8, 1, 3]); // deconv2 has groups = 2
    // The first two feed a quantized conv_transpose (its input edge is quantized); the last feeds tanh and stays float.
    expect(q.graph.nodes.filter((n) => n.op === 'qconv_transpose2d').length).toBe(2);
    expect(q.graph.nodes.filter((n) => n.op === 'conv_transpose2d').length).toBe(1);
    const x = samplesOf(fixtureNpy('convT_bn_relu', 'test.npy'));
    const ref = x.flatMap((s) => Array.from(run(g, [s]).outputs[0]!.data as Float32Array));
    const got = x.flatMap((s) => Array.from(run(q.graph, [s]).outputs[0]!.data as Float32Array));
    expect(sqnrDb(ref, got)).toBeGreaterThan(30); // measured 36.0 dB on test.npy
  });

  it('compiles; the integer layers equal the interpreter bit for bit', () => {
    const ints = q.graph.nodes.filter((n) => n.op === 'qconv_transpose2d').map((n) => n.outputs[0]!);
    const graph = { ...q.graph, outputs: [...q.graph.outputs, ...ints] };
    const inputs = [samplesOf(fixtureNpy('convT_bn_relu', 'test.npy'))[0]!];
    const want = run(graph, inputs).outputs;
    const got = compileRun(graph, 'c', inputs).outputs;
    // The last layer is a float conv_transpose2d (float32 sums in C): output 0 within the float tolerance.
    expect(mismatches({ ...graph, outputs: ints }, got.slice(1), want.slice(1))).toEqual([]);
    expect(Math.max(...Array.from(got[0]!.data as Float32Array, (v, i) => Math.abs(v - (want[0]!.data as Float32Array)[i]!)))).toBeLessThan(1e-5);
  });
});

// The simulated conv+BN of prepare-qat and the fold of convert-qat are exact rewrites of the float
// model: with fake quantization switched off, both compute what the float model does, on the
// PyTorch fixtures with conv+BN (weight axis 0) and conv_transpose+BN (weight axis 1).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import '../../src/index.js';
import { run } from '../../src/ir/interpreter.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { prepareQat } from '../../src/passes/quantize/prepare-qat.js';
import { foldConvBnQat } from '../../src/passes/quantize/convert-qat.js';
import { setQatSwitches } from '../../src/train/observer.js';
import { EVAL, forward, nodeAttrs } from '../../src/train/tape.js';
import { FIX, fixtureNpy } from '../quant/flow-helpers.js';

const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0, m = 0;
  for (let i = 0; i < a.length; i++) [e, m] = [Math.max(e, Math.abs(a[i]! - b[i]!)), Math.max(m, Math.abs(b[i]!))];
  return e / Math.max(m, 1e-6);
};

describe.each(['conv_bn_relu', 'convT_bn_relu', 'digits_cnn_qat'])('%s', (m) => {
  const model = importOnnx(path.join(FIX, m, 'model.onnx'));
  // A grouped conv_transpose2d's weight axis 1 is not its output channel: PT2E leaves that pair alone, so do we.
  const grouped = new Set(model.nodes.filter((n) => n.op === 'conv_transpose2d' && ((n.attrs['group'] as number | undefined) ?? 1) > 1).map((n) => n.outputs[0]));
  const bns = model.nodes.filter((n) => n.op === 'batch_norm' && !grouped.has(n.inputs[0])).length;
  const p = prepareQat(model, 'pytorch-fx');
  const off = setQatSwitches(p.graph, { fakeQuant: false, observe: false });
  const x = fixtureNpy(m, m === 'digits_cnn_qat' ? 'test_inputs.npy' : 'calib.npy');
  const input = { dtype: 'f32' as const, shape: model.values[model.inputs[0]!]!.shape, data: (x.data as Float32Array).subarray(0, model.values[model.inputs[0]!]!.shape.reduce((a, b) => a * b, 1)) };
  const want = run(model, [input]).outputs[0]!.data as Float32Array;

  it('every conv+BN is simulated, and with fake quantization off the eval-mode QAT graph is the float model', () => {
    expect(p.fusedConvBn).toBe(bns);
    expect(bns).toBeGreaterThan(0);
    const got = forward(off, nodeAttrs(off), new Map(Object.entries(off.constants)), [input], EVAL, { setBuffer() {}, fakeQuant: new Map() }).values.get(off.outputs[0]!)!.data as Float32Array;
    expect(maxErr(got, want)).toBeLessThan(1e-5);
  });

  it('folding the simulation (convert) erases every simulated BN and still computes the float model', () => {
    const f = foldConvBnQat(off);
    expect(f.folded).toBe(bns);
    expect(f.graph.nodes.filter((n) => n.op === 'batch_norm')).toHaveLength(model.nodes.filter((n) => n.op === 'batch_norm').length - bns);
    expect(maxErr(run(f.graph, [input]).outputs[0]!.data as Float32Array, want)).toBeLessThan(1e-5);
  });
});

// Fuzz: mutated ONNX bytes (bit flips, odd bytes, insertions, deletions, copies, truncation) of
// the fixture models and small built ones go through importOnnx; what imports must verify and run.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'vitest';
import { aints, onnxModel } from '../onnx/build-model.js';
import { tensor } from '../../src/ir/tensor.js';
import { expectBothOutcomes, fuzz, importChecked, mutateBytes, runs, SEED } from './support.js';

const FIXTURES = ['conv_bn_relu', 'convT_bn_relu', 'digits_mlp', 'attention_block', 'depthwise_residual'];
const w = (shape: number[]) => tensor('f32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 7) - 3));
const BUILT: Record<string, Uint8Array> = {
  reshape_transpose: onnxModel({
    nodes: [
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
      { op: 'Transpose', inputs: ['r'], outputs: ['y'], attrs: [aints('perm', [1, 0])] },
    ],
    inputs: [['x', 'f32', [2, 3]]],
    outputs: [['y', 'f32']],
    initializers: { shape: tensor('i64', [2], [3, 2]) },
  }),
  matmul_softmax: onnxModel({
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
      { op: 'Softmax', inputs: ['m'], outputs: ['y'] },
    ],
    inputs: [['x', 'f32', [1, 4]]],
    outputs: [['y', 'f32']],
    initializers: { w: w([4, 3]) },
  }),
};

const models: [string, Uint8Array][] = [
  ...FIXTURES.map((f) => [f, readFileSync(resolve('../shared/fixtures', f, 'model.onnx'))] as [string, Uint8Array]),
  ...Object.entries(BUILT),
];

describe('fuzz: ONNX bytes', () => {
  it(`${runs(300)} mutated models import cleanly or get a diagnostic`, () => {
    const outcomes = fuzz(
      'onnx-bytes',
      SEED,
      runs(300),
      (i, r) => ({ input: mutateBytes(models[i % models.length]![1], r), suffix: `(${models[i % models.length]![0]}).onnx` }),
      importChecked,
    );
    expectBothOutcomes(outcomes);
  });
});

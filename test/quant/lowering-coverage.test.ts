// Every conv and residual add of a real ResNet lowers to an integer op under the quantizers that
// annotate them: a regression here (float convs left between a dequantize and a quantize) still
// computes the right answer, so only the op census catches it (the bench showed it as 58% int8 MACs).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/ir/onnx/index.js';
import '../../src/passes/index.js';
import { datasetFromTensors } from '../../src/passes/quantize/index.js';
import { quantizeGraph } from '../../src/passes/quantize/flow.js';
import { FIX, fixtureNpy } from './flow-helpers.js';

const census = (ops: readonly string[]) => ops.reduce<Record<string, number>>((c, op) => ({ ...c, [op]: (c[op] ?? 0) + 1 }), {});

describe('lowering coverage on small_resnet', () => {
  const g = importOnnx(path.join(FIX, 'small_resnet', 'model.onnx'));
  const convs = g.nodes.filter((n) => n.op === 'conv2d').length;
  it.each(['xnnpack', 'x86'])('%s: no conv2d or add left in float', (quantizer) => {
    const q = quantizeGraph(g, { quantizer, calib: datasetFromTensors(g, [fixtureNpy('small_resnet', 'calib.npy')], 'small_resnet'), jobs: 1 });
    const c = census(q.graph.nodes.map((n) => n.op));
    expect(c['conv2d'] ?? 0).toBe(0);
    expect(c['add'] ?? 0).toBe(0);
    expect((c['qconv2d'] ?? 0) + (c['qconv2d_add'] ?? 0)).toBe(convs);
  });
});

// The PyTorch fixture models: after the fold pipeline no batch_norm is left, the folded weights
// and biases match torch's own folding (weights/*_folded_fp32.npy), and the models still
// compute PyTorch's outputs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { readNpy } from '../../src/ir/npy.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { runPipeline } from '../../src/passes/index.js';
import { applyPatterns, builtinPatterns, type RewriteEvent } from '../../src/patterns/index.js';
import { expectValid } from './support.js';

const ROOT = '/work/shared/fixtures';
const MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet'];

/** Max |a-b| over max |b|: relative to the tensor's scale, so near-zero entries do not dominate. */
function relToMax(a: Tensor, b: Tensor): number {
  let d = 0, m = 0;
  for (let i = 0; i < b.data.length; i++) {
    d = Math.max(d, Math.abs(Number(a.data[i]) - Number(b.data[i])));
    m = Math.max(m, Math.abs(Number(b.data[i])));
  }
  return d / m;
}

/** Entry i of a stacked .npy ([4, 1, …]: each entry is one batch-1 model input or output). */
function sample(t: Tensor, i: number): Tensor {
  const n = t.data.length / t.shape[0]!;
  return tensor('f32', t.shape.slice(1), (t.data as Float32Array).slice(i * n, (i + 1) * n));
}

describe.skipIf(!existsSync(ROOT))('fixture models', () => {
  for (const model of MODELS) {
    describe(model, () => {
      const dir = join(ROOT, model);
      const g = importOnnx(join(dir, 'model.onnx'));
      const events: RewriteEvent[] = [];
      const folded = applyPatterns(g, builtinPatterns('fold-batchnorm', 'fuse-activation'), { onRewrite: (e) => events.push(e) });

      it('loses every batch_norm and stays valid', () => {
        expect(g.nodes.some((n) => n.op === 'batch_norm')).toBe(true);
        expect(folded.graph.nodes.filter((n) => n.op === 'batch_norm')).toEqual([]);
        expectValid(folded.graph);
      });

      it("folds weights and biases like torch (≤ 1e-6 of each tensor's scale)", () => {
        const folds = events.filter((e) => e.pattern.startsWith('fold_'));
        expect(folds.length).toBeGreaterThan(0);
        for (const e of folds) {
          const module = e.bindings['w']!.replace(/\.weight$/, '');
          const root = e.created[e.created.length - 1]!;
          const [w, b] = [root.inputs[1]!, root.inputs[2]!].map((v) => folded.graph.constants[v]!);
          const wRef = readNpy(join(dir, 'weights', `${module}.weight_folded_fp32.npy`));
          const bRef = readNpy(join(dir, 'weights', `${module}.bias_folded_fp32.npy`));
          expect(w!.shape).toEqual(wRef.shape);
          expect(relToMax(w!, wRef), `${module}.weight`).toBeLessThanOrEqual(1e-6);
          expect(relToMax(b!, bRef), `${module}.bias`).toBeLessThanOrEqual(1e-6);
        }
      });

      it("still computes PyTorch's outputs", () => {
        const inputs = readNpy(join(dir, 'test.npy')), expected = readNpy(join(dir, 'expected_fp32.npy'));
        for (let i = 0; i < inputs.shape[0]!; i++) {
          const out = run(folded.graph, [sample(inputs, i)]).outputs[0]!;
          expect(relToMax(out, sample(expected, i))).toBeLessThanOrEqual(1e-5);
        }
      });
    });
  }

  it('the fold-batchnorm,fuse-activation pipeline reports rewrites per pattern', () => {
    const g: Graph = importOnnx(join(ROOT, 'small_resnet', 'model.onnx'));
    const { graph, records } = runPipeline(g, 'fold-batchnorm,fuse-activation');
    expect(graph.nodes.filter((n) => n.op === 'batch_norm')).toEqual([]);
    expect(records[0]!.stats).toEqual({ fold_conv_bn: 15, 'nodes-erased': 15 });
    // The 6 relus after a residual add stay: they follow an add, not a conv.
    expect(records[1]!.stats).toMatchObject({ fuse_relu: 7 });
    expect(graph.nodes.filter((n) => n.op === 'relu')).toHaveLength(6);
  });
});

// The canonicalisation passes on the real fixture models, with redundancy injected (duplicated
// nodes and constants, identity-like wrappers, dead nodes, constant subexpressions): the imported
// models are already clean, so each run adds work for every pass. `canonicalize,cse` must remove
// all of it (back to the imported node count), keep every output bit for bit (no pass
// reassociates float arithmetic, and folding uses the interpreter's own kernels), leave a valid
// graph with nothing left for its parts to do, and compute what the fixpoint group of its parts
// computes.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { run } from '../../src/ir/interpreter.js';
import { readNpy } from '../../src/ir/npy.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { printGraph } from '../../src/ir/text/index.js';
import { verify } from '../../src/ir/verify.js';
import { runPipeline } from '../../src/passes/index.js';
import { arbInjection, inject } from './support/redundancy.js';

const FIXTURES = resolve(process.cwd(), '../shared/fixtures');
const MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet', 'mlp', 'attention_block', 'digits_mlp'];

const hex = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');

/** Sample 0 of a stacked [N, ...shape] array. */
function first(t: Tensor): Tensor {
  const per = t.data.length / t.shape[0]!;
  return { dtype: t.dtype, shape: t.shape.slice(1), data: t.data.slice(0, per) } as Tensor;
}

describe.skipIf(!existsSync(FIXTURES))('canonicalisation passes on the fixture models', () => {
  for (const model of MODELS)
    it(model, () => {
      const clean = importOnnx(join(FIXTURES, model, 'model.onnx'));
      const input = first(readNpy(join(FIXTURES, model, 'test.npy')));
      const expected = run(clean, [input]).outputs.map(hex);
      const removable = arbInjection.filter((j) => j.kind !== 'alias-output'); // an extra output must stay
      fc.assert(
        fc.property(fc.array(removable, { minLength: 1, maxLength: 12 }), (steps) => {
          const g = inject(clean, steps);
          const { graph, records } = runPipeline(g, 'canonicalize,cse', { verifyEach: true });
          expect(verify(graph)).toEqual([]);
          expect(graph.nodes.length).toBe(clean.nodes.length);
          expect(run(graph, [input]).outputs.map(hex)).toEqual(expected);
          expect(records.flatMap((r) => r.warnings)).toEqual([]);
          for (const part of ['remove-identity', 'fold-constants', 'cse', 'dce']) expect(runPipeline(graph, part).records[0]!.changed, part).toBe(false);
          const group = runPipeline(g, 'fixpoint(remove-identity,fold-constants,cse,dce)').graph;
          expect(printGraph(runPipeline(g, 'canonicalize').graph)).toBe(printGraph(group));
        }),
        { numRuns: Number(process.env.QF_RUNS ?? 10) },
      );
    });
});

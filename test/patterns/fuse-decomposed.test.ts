// fuse-decomposed (spec/patterns/fuse-decomposed.qpat): LayerNorm and erf-GELU as PyTorch exports
// them below opset 17 become one layer_norm / gelu node, on random shapes and statistics, within
// float tolerance; near misses (another axis, another constant, a link used elsewhere) stay.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { tensor } from '../../src/ir/tensor.js';
import { run } from '../../src/ir/index.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { runPipeline } from '../../src/passes/index.js';
import { applyPatterns, builtinPatterns } from '../../src/patterns/index.js';
import { opsOf, randTensor, relError, rewriteAndCompare, rng } from './support.js';

const SET = builtinPatterns('fuse-decomposed');
/** The fused op skips the float32 rounding between links: a few ulps of the output scale. */
const TOL = 1e-5;
const scalar = (v: number) => tensor('f32', [], [v]);

interface LnOpts { axes?: number[]; two?: number; square?: 'pow' | 'mul'; eps?: number; shareVar?: boolean }
function layerNormChain(shape: number[], r: () => number, o: LnOpts = {}) {
  const b = new GraphBuilder('ln');
  const C = shape[shape.length - 1]!;
  const x = b.input('x', { dtype: 'f32', shape });
  const axes = o.axes ?? [-1];
  const mean = b.op('reduce_mean', [x], { axes }, 'mean');
  const d = b.op('sub', [x, mean], {}, 'd');
  const sq = o.square === 'mul' ? b.op('mul', [d, d], {}, 'sq') : b.op('pow', [d, b.constant('two', scalar(o.two ?? 2))], {}, 'sq');
  const v = b.op('reduce_mean', [sq], { axes }, 'var');
  const ve = b.op('add', [v, b.constant('eps', scalar(Math.fround(o.eps ?? 1e-5)))], {}, 've');
  const n = b.op('div', [d, b.op('sqrt', [ve], {}, 'std')], {}, 'n');
  const s = b.op('mul', [n, b.constant('gamma', randTensor([C], r, 0.5, 1.5))], {}, 's');
  b.output(b.op('add', [s, b.constant('beta', randTensor([C], r, -0.5, 0.5))], {}, 'y'));
  if (o.shareVar) b.output(v);
  return { g: b.build(), input: randTensor(shape, r, -3, 3) };
}

function geluChain(shape: number[], r: () => number, form: 'div' | 'mul', half = 0.5) {
  const b = new GraphBuilder('gelu');
  const x = b.input('x', { dtype: 'f32', shape });
  const s = form === 'div' ? b.op('div', [x, b.constant('r2', scalar(Math.SQRT2))], {}, 's') : b.op('mul', [x, b.constant('ir2', scalar(Math.SQRT1_2))], {}, 's');
  const p = b.op('add', [b.op('erf', [s], {}, 'e'), b.constant('one', scalar(1))], {}, 'p');
  b.output(b.op('mul', [b.op('mul', [x, p], {}, 'm'), b.constant('half', scalar(half))], {}, 'y'));
  return { g: b.build(), input: randTensor(shape, r, -4, 4) };
}

const shapes = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }).map((s) => [...s, 1 + (s.length % 5) * 3]);

describe('fuse-decomposed', () => {
  test.prop([shapes, fc.constantFrom<'pow' | 'mul'>('pow', 'mul'), fc.constantFrom(1e-5, 1e-6, 1e-3), fc.integer()])(
    'a LayerNorm chain becomes one layer_norm with its epsilon',
    (shape, square, eps, seed) => {
      const { g, input } = layerNormChain(shape, rng(seed), { square, eps, axes: seed % 2 ? [-1] : [shape.length - 1] });
      const res = rewriteAndCompare(g, SET, [input], TOL);
      expect(opsOf(res.graph)).toEqual(['layer_norm']);
      expect(res.graph.nodes[0]!.attrs['epsilon']).toBe(Math.fround(eps));
    },
  );

  test.prop([shapes, fc.constantFrom<'div' | 'mul'>('div', 'mul'), fc.integer()])('an erf-GELU chain becomes gelu', (shape, form, seed) => {
    const { g, input } = geluChain(shape, rng(seed), form);
    expect(opsOf(rewriteAndCompare(g, SET, [input], TOL).graph)).toEqual(['gelu']);
  });

  it('leaves near misses alone', () => {
    const r = rng(7);
    const misses = [
      layerNormChain([2, 3, 4], r, { axes: [1] }).g, // normalises another axis
      layerNormChain([2, 4], r, { two: 3 }).g, // cubes instead of squaring
      layerNormChain([2, 4], r, { shareVar: true }).g, // the variance is also a graph output
      geluChain([5], r, 'div', 0.25).g, // another constant
    ];
    for (const g of misses) expect(applyPatterns(g, SET).changed).toBe(false);
  });
});

const FIXTURE = path.resolve(import.meta.dirname, '../../../shared/fixtures/attention_block');
describe.skipIf(!existsSync(FIXTURE))('fuse-decomposed on the attention_block fixture (opset-13 export)', () => {
  it('fuses both LayerNorms and the GELU and still computes PyTorch\'s output', async () => {
    const { readNpy } = await import('../../src/ir/npy.js');
    const g = importOnnx(path.join(FIXTURE, 'model.onnx'));
    const { graph, records } = runPipeline(g, 'fuse-decomposed', { verifyEach: true });
    expect(records[0]!.stats).toMatchObject({ fuse_layer_norm: 2, fuse_gelu_erf: 1 });
    expect(graph.nodes.length).toBe(g.nodes.length - 20);
    const x = readNpy(path.join(FIXTURE, 'test.npy'));
    const want = readNpy(path.join(FIXTURE, 'expected_fp32.npy'));
    const one = { ...x, shape: x.shape.slice(1), data: x.data.subarray(0, x.data.length / x.shape[0]!) };
    const got = run(graph, [one as typeof x]).outputs[0]!;
    const ref = { ...want, shape: want.shape.slice(1), data: want.data.subarray(0, want.data.length / want.shape[0]!) };
    expect(relError(got, ref as typeof want)).toBeLessThan(1e-5);
  });
});

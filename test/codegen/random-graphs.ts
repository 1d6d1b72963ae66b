// Random quantized convolutions (plain, grouped, depthwise, transposed) and linear layers, with
// random geometry, zero points, dtypes and fused relu: the fast-check generator of the property tests.
import { fc } from '@fast-check/vitest';
import { GraphBuilder, type Graph, type Tensor } from '../../src/ir/index.js';
import type { DType } from '../../src/ir/dtype.js';
import { randomTensor, rng } from './helpers.js';
import { addConv, addLinear } from './graphs.js';

export const spec = fc.record({
  kind: fc.constantFrom('conv', 'group', 'depthwise', 'transpose', 'linear'),
  cg: fc.integer({ min: 1, max: 9 }),
  mg: fc.integer({ min: 1, max: 9 }),
  hw: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })),
  k: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  dil: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
  xdtype: fc.constantFrom<DType>('u8', 'i8'),
  ydtype: fc.constantFrom<DType>('u8', 'i8'),
  xz: fc.integer({ min: 0, max: 255 }),
  relu: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});
export type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

export const fits = (s: Spec): boolean => {
  if (s.kind === 'linear' || s.kind === 'transpose') return true;
  return s.hw.every((n, i) => n + s.pads[i]! + s.pads[i + 2]! >= (s.k[i]! - 1) * s.dil[i]! + 1);
};

export function addCase(b: GraphBuilder, s: Spec, i: number, inputs: Tensor[]): void {
  const r = rng(s.seed), shift = s.xdtype === 'i8' ? -128 : 0, xz = s.xz + shift;
  const G = s.kind === 'group' ? 2 : s.kind === 'depthwise' ? s.cg + 2 : 1;
  const C = s.kind === 'depthwise' ? G : s.cg * G, M = s.kind === 'depthwise' ? G : s.mg * G;
  const shape = s.kind === 'linear' ? [s.hw[0], s.cg * 3] : [1, C, ...s.hw];
  const x = b.input(`x${i}`, { dtype: s.xdtype, shape });
  inputs.push(randomTensor(s.xdtype, shape, r, -128 - shift, 127 - shift));
  if (s.kind === 'linear') return void b.output(addLinear(b, x, xz, s.cg * 3, s.mg * 4, r, `case${i}`, s.ydtype));
  const transpose = s.kind === 'transpose';
  const outPad: [number, number] = [Math.min(s.stride[0], s.dil[0]) - 1, 0];
  b.output(addConv(b, x, xz, {
    cin: C, cout: M, k: s.k, stride: s.stride, dil: s.dil, group: G, transpose, ydtype: s.ydtype, relu: s.relu,
    yzp: s.ydtype === 'u8' ? s.seed % 256 : (s.seed % 256) - 128,
    pads: transpose ? [0, 0, 0, 0] : s.pads, ...(transpose ? { outPad } : {}),
  }, r, `case${i}`));
}

/** One graph of the given cases (one output each) and its inputs. */
export function randomGraph(specs: Spec[]): { graph: Graph; inputs: Tensor[] } {
  const b = new GraphBuilder('random'), inputs: Tensor[] = [];
  specs.forEach((s, i) => addCase(b, s, i, inputs));
  return { graph: b.build(), inputs };
}

/** Arbitrary batches of `n` cases that fit their windows. */
export const randomCases = (n: number) => fc.array(spec.filter(fits), { minLength: n, maxLength: n });

/** Batches of `n` one-group convolutions without column dilation: the SIMD targets' implicit GEMMs (qf_qconv_cols). */
export const implicitCases = (n: number) =>
  fc.array(spec.map((s) => ({ ...s, kind: 'conv' as const, dil: [s.dil[0], 1] as [number, number] })).filter(fits), { minLength: n, maxLength: n });

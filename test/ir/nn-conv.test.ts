import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { tensor } from '../../src/ir/index.js';
import { expectClose, randTensor, refConv2d, refConvTranspose2d, runOp } from './nn-ref.js';

const pair = (lo: number, hi: number) => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));

// Small random convs covering stride, asymmetric pads, dilation, groups (incl. depthwise: cg = 1).
const convCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  group: fc.integer({ min: 1, max: 3 }),
  cg: fc.integer({ min: 1, max: 3 }),
  mg: fc.integer({ min: 1, max: 3 }),
  hw: pair(1, 8),
  k: pair(1, 3),
  strides: pair(1, 3),
  dilations: pair(1, 2),
  pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
  bias: fc.boolean(),
  clamp: fc.option(fc.tuple(fc.float({ min: -1, max: 0, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }))),
  seed: fc.nat(),
});

type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

function attrsOf(c: ConvCase) {
  return {
    strides: [...c.strides],
    pads: [...c.pads],
    dilations: [...c.dilations],
    group: c.group,
    ...(c.clamp ? { clamp_min: Math.fround(c.clamp[0]), clamp_max: Math.fround(c.clamp[1]) } : {}),
  };
}

const fits = (n: number, k: number, s: number, p: number, d: number) => Math.floor((n + p - d * (k - 1) - 1) / s) + 1 >= 1;

describe('conv2d', () => {
  test.prop([convCase], { numRuns: 150 })('matches the direct-loop reference', (c) => {
    fc.pre(fits(c.hw[0], c.k[0], c.strides[0], c.pads[0] + c.pads[2], c.dilations[0]));
    fc.pre(fits(c.hw[1], c.k[1], c.strides[1], c.pads[1] + c.pads[3], c.dilations[1]));
    const C = c.cg * c.group, M = c.mg * c.group;
    const x = randTensor([c.n, C, c.hw[0], c.hw[1]], c.seed);
    const w = randTensor([M, c.cg, c.k[0], c.k[1]], c.seed + 1);
    const b = c.bias ? randTensor([M], c.seed + 2) : undefined;
    const attrs = attrsOf(c);
    expectClose(runOp('conv2d', [x, w, b], attrs), refConv2d(x, w, b, attrs));
  });

  test.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), pair(1, 9), fc.nat()])(
    '1x1 stride-1 convs (the direct GEMM path) match the reference',
    (C, M, hw, seed) => {
      const x = randTensor([1, C, hw[0], hw[1]], seed), w = randTensor([M, C, 1, 1], seed + 1), b = randTensor([M], seed + 2);
      const attrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
      expectClose(runOp('conv2d', [x, w, b], {}), refConv2d(x, w, b, attrs));
    },
  );

  it('crosses the GEMM block edges (K > 256, pixels > 512, M not a multiple of 4)', () => {
    const x = randTensor([1, 40, 30, 30], 7), w = randTensor([13, 40, 3, 3], 8), b = randTensor([13], 9);
    const attrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };
    expectClose(runOp('conv2d', [x, w, b], { pads: [1, 1, 1, 1] }), refConv2d(x, w, b, attrs));
  });

  it('hand-computed: 2x2 ones kernel, and 3x3 ones kernel with padding 1', () => {
    const x = tensor('f32', [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const y = runOp('conv2d', [x, tensor('f32', [1, 1, 2, 2], [1, 1, 1, 1])]);
    expect([...y.data]).toEqual([12, 16, 24, 28]);
    const ones = tensor('f32', [1, 1, 3, 3], new Array(9).fill(1));
    const z = runOp('conv2d', [ones, ones], { pads: [1, 1, 1, 1] });
    expect([...z.data]).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });

  it('applies bias before the fused clamp (relu6)', () => {
    const x = tensor('f32', [1, 1, 1, 4], [-3, 1, 2, 10]);
    const y = runOp('conv2d', [x, tensor('f32', [1, 1, 1, 1], [1]), tensor('f32', [1], [0.5])], { clamp_min: 0, clamp_max: 6 });
    expect([...y.data]).toEqual([0, 1.5, 2.5, 6]);
  });

  it('depthwise with channel multiplier 2: each output reads only its own input channel', () => {
    const x = tensor('f32', [1, 2, 1, 2], [1, 2, 10, 20]);
    const w = tensor('f32', [4, 1, 1, 2], [1, 0, 0, 1, 1, 1, 2, 0]);
    const y = runOp('conv2d', [x, w], { group: 2 });
    expect(y.shape).toEqual([1, 4, 1, 1]);
    expect([...y.data]).toEqual([1, 2, 30, 20]);
  });
});

const convTCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  group: fc.integer({ min: 1, max: 3 }),
  cg: fc.integer({ min: 1, max: 3 }),
  mg: fc.integer({ min: 1, max: 3 }),
  hw: pair(1, 5),
  k: pair(1, 4),
  strides: pair(1, 3),
  dilations: pair(1, 2),
  pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
  outPad: pair(0, 2),
  bias: fc.boolean(),
  seed: fc.nat(),
});

describe('conv_transpose2d', () => {
  test.prop([convTCase], { numRuns: 120 })('matches the scatter reference', (c) => {
    const op = [c.outPad[0] % Math.max(c.strides[0], c.dilations[0]), c.outPad[1] % Math.max(c.strides[1], c.dilations[1])];
    const len = (i: 0 | 1) => (c.hw[i] - 1) * c.strides[i] - c.pads[i] - c.pads[i + 2]! + c.dilations[i] * (c.k[i] - 1) + op[i]! + 1;
    fc.pre(len(0) >= 1 && len(1) >= 1);
    const C = c.cg * c.group;
    const x = randTensor([c.n, C, c.hw[0], c.hw[1]], c.seed);
    const w = randTensor([C, c.mg, c.k[0], c.k[1]], c.seed + 1);
    const b = c.bias ? randTensor([c.mg * c.group], c.seed + 2) : undefined;
    const attrs = { strides: [...c.strides], pads: [...c.pads], dilations: [...c.dilations], group: c.group, output_padding: op };
    expectClose(runOp('conv_transpose2d', [x, w, b], attrs), refConvTranspose2d(x, w, b, attrs));
  });

  it('hand-computed: stride 2 with a 2x2 ones kernel repeats each pixel into a 2x2 block', () => {
    const x = tensor('f32', [1, 1, 2, 2], [1, 2, 3, 4]);
    const y = runOp('conv_transpose2d', [x, tensor('f32', [1, 1, 2, 2], [1, 1, 1, 1])], { strides: [2, 2] });
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect([...y.data]).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('output_padding adds rows that only the bias reaches', () => {
    const x = tensor('f32', [1, 1, 1, 1], [2]);
    const y = runOp('conv_transpose2d', [x, tensor('f32', [1, 1, 1, 1], [3]), tensor('f32', [1], [1])], {
      strides: [2, 2],
      output_padding: [1, 0],
    });
    expect(y.shape).toEqual([1, 1, 2, 1]);
    expect([...y.data]).toEqual([7, 1]);
  });
});

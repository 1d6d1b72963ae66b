import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder, tensor } from '../../src/ir/index.js';
import { expectClose, randTensor, refPool, runOp } from './nn-ref.js';

const pair = (lo: number, hi: number) => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));

const poolCase = fc
  .record({
    nc: pair(1, 2),
    hw: pair(1, 8),
    k: pair(1, 4),
    strides: pair(1, 3),
    dilations: pair(1, 2),
    pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)),
    ceil_mode: fc.boolean(),
    count_include_pad: fc.boolean(),
    seed: fc.nat(),
  })
  // Pads stay below the kernel (the op's rule), so the reference needs no empty-window case.
  .map((c) => ({ ...c, pads: c.pads.map((p, i) => p % c.k[i % 2]!) }));

type PoolCase = typeof poolCase extends fc.Arbitrary<infer T> ? T : never;

function outLen(c: PoolCase, axis: 0 | 1, d: number) {
  const span = c.hw[axis] + c.pads[axis]! + c.pads[axis + 2]! - d * (c.k[axis] - 1) - 1;
  return span >= 0;
}

describe('maxpool2d', () => {
  test.prop([poolCase], { numRuns: 150 })('matches the reference (dilation, asymmetric pads, ceil_mode)', (c) => {
    const pads = c.pads.map((p, i) => p % (c.dilations[i % 2]! * (c.k[i % 2]! - 1) + 1));
    const cc = { ...c, pads };
    fc.pre(outLen(cc, 0, c.dilations[0]) && outLen(cc, 1, c.dilations[1]));
    const x = randTensor([c.nc[0], c.nc[1], c.hw[0], c.hw[1]], c.seed);
    const attrs = { kernel_shape: [...c.k], strides: [...c.strides], pads, dilations: [...c.dilations], ceil_mode: c.ceil_mode };
    expectClose(runOp('maxpool2d', [x], attrs), refPool('max', x, attrs), 0);
  });

  it('hand-computed: ceil_mode adds the partial last window', () => {
    const x = tensor('f32', [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...runOp('maxpool2d', [x], { kernel_shape: [2, 2], strides: [2, 2] }).data]).toEqual([5]);
    const y = runOp('maxpool2d', [x], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: true });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect([...y.data]).toEqual([5, 6, 8, 9]);
  });

  it('ceil_mode drops a window that would start in the end padding', () => {
    // H=4, k=2, s=2, pad end 1: ceil((4+1-2)/2)+1 = 3, but window 3 would start at 4 ≥ H + pad_begin.
    const x = randTensor([1, 1, 4, 4], 3);
    const y = runOp('maxpool2d', [x], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: true });
    expect(y.shape).toEqual([1, 1, 2, 2]);
  });

  it('works on int8 data and keeps quant params', () => {
    const x = tensor('i8', [1, 1, 2, 2], [-128, 5, 127, -1]);
    expect([...runOp('maxpool2d', [x], { kernel_shape: [2, 2] }).data]).toEqual([127]);
    const b = new GraphBuilder();
    const quant = { scale: [0.5], zeroPoint: [3] };
    const y = b.op('maxpool2d', [b.input('x', { dtype: 'u8', shape: [1, 1, 4, 4], quant })], { kernel_shape: [2, 2], strides: [2, 2] });
    expect(b.build().values[y]).toEqual({ dtype: 'u8', shape: [1, 1, 2, 2], quant });
  });
});

describe('avgpool2d', () => {
  test.prop([poolCase], { numRuns: 150 })('matches the reference (asymmetric pads, ceil_mode, count_include_pad)', (c) => {
    fc.pre(outLen(c, 0, 1) && outLen(c, 1, 1));
    const x = randTensor([c.nc[0], c.nc[1], c.hw[0], c.hw[1]], c.seed);
    const attrs = { kernel_shape: [...c.k], strides: [...c.strides], pads: [...c.pads], ceil_mode: c.ceil_mode, count_include_pad: c.count_include_pad };
    expectClose(runOp('avgpool2d', [x], attrs), refPool('avg', x, attrs));
  });

  it('hand-computed: count_include_pad divides corners by the full window', () => {
    const ones = tensor('f32', [1, 1, 3, 3], new Array(9).fill(1));
    const attrs = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
    expect([...runOp('avgpool2d', [ones], attrs).data]).toEqual(new Array(9).fill(1));
    const inc = runOp('avgpool2d', [ones], { ...attrs, count_include_pad: true });
    expect([...inc.data].map((v) => Number(v) * 9)).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4].map((v) => Math.fround(v / 9) * 9));
  });
});

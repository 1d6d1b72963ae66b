import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import type { QuantParams, TensorType } from '../../src/ir/index.js';
import { inferOp, runOp, t, vals } from './op-harness.js';

const ty = (shape: number[], quant?: QuantParams, dtype: TensorType['dtype'] = 'i8'): TensorType => ({ dtype, shape, ...(quant ? { quant } : {}) });
const perTensor: QuantParams = { scale: [0.5], zeroPoint: [3] };
const perChannel = (n: number, axis: number): QuantParams => ({
  scale: Array.from({ length: n }, (_, i) => 0.1 * (i + 1)),
  zeroPoint: Array.from({ length: n }, (_, i) => i),
  axis,
});

/** Naive transpose: result index idx reads the operand at the index whose perm[d]-th coordinate is idx[d]. */
function naiveTranspose(data: number[], shape: number[], perm: number[]): number[] {
  const out = perm.map((p) => shape[p]!), n = data.length, res = new Array<number>(n);
  for (let o = 0; o < n; o++) {
    const idx: number[] = [];
    let rest = o;
    for (let d = out.length - 1; d >= 0; d--) {
      idx[d] = rest % out[d]!;
      rest = Math.floor(rest / out[d]!);
    }
    const src: number[] = [];
    perm.forEach((p, d) => (src[p] = idx[d]!));
    res[o] = data[src.reduce((acc, c, d) => acc * shape[d]! + c, 0)]!;
  }
  return res;
}

describe('reshape family', () => {
  it('reshape with -1 and ONNX 0 (copy dim)', () => {
    expect(inferOp('reshape', [ty([2, 3, 4])], { shape: [0, -1] })[0]!.shape).toEqual([2, 12]);
    expect(inferOp('reshape', [ty([2, 3, 4])], { shape: [-1, 2, 2] })[0]!.shape).toEqual([6, 2, 2]);
    const r = runOp('reshape', [t('i64', [2, 3], [1, 2, 3, 4, 5, 6])], { shape: [3, 2] })[0]!;
    expect(r.shape).toEqual([3, 2]);
    expect([...(r.data as BigInt64Array)]).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it('reshape errors', () => {
    expect(() => inferOp('reshape', [ty([2, 3])], { shape: [4, 2] })).toThrow(/cannot become \[4,2\]/);
    expect(() => inferOp('reshape', [ty([2, 3])], { shape: [-1, -1] })).toThrow(/more than one -1/);
    expect(() => inferOp('reshape', [ty([2, 3])], { shape: [4, -1] })).toThrow(/cannot infer -1/);
    expect(() => inferOp('reshape', [ty([2, 3])], { shape: [-2, 3] })).toThrow(/bad target dim -2/);
    expect(() => inferOp('reshape', [ty([6])], {})).toThrow(/needs attribute 'shape'/);
  });

  it('flatten, squeeze, unsqueeze', () => {
    expect(inferOp('flatten', [ty([2, 3, 4])])[0]!.shape).toEqual([2, 12]);
    expect(inferOp('flatten', [ty([2, 3, 4])], { axis: 0 })[0]!.shape).toEqual([1, 24]);
    expect(inferOp('flatten', [ty([2, 3, 4])], { axis: 3 })[0]!.shape).toEqual([24, 1]);
    expect(inferOp('flatten', [ty([2, 3, 4])], { axis: -1 })[0]!.shape).toEqual([6, 4]);
    expect(() => inferOp('flatten', [ty([2, 3])], { axis: 3 })).toThrow(/axis 3 is out of range/);
    expect(inferOp('squeeze', [ty([1, 3, 1, 2])])[0]!.shape).toEqual([3, 2]);
    expect(inferOp('squeeze', [ty([1, 3, 1, 2])], { axes: [-2] })[0]!.shape).toEqual([1, 3, 2]);
    expect(() => inferOp('squeeze', [ty([1, 3])], { axes: [1] })).toThrow(/axis 1 has size 3, not 1/);
    expect(inferOp('unsqueeze', [ty([3, 2])], { axes: [0, 3] })[0]!.shape).toEqual([1, 3, 2, 1]);
    expect(inferOp('unsqueeze', [ty([3, 2])], { axes: [-1] })[0]!.shape).toEqual([3, 2, 1]);
    expect(() => inferOp('unsqueeze', [ty([3])], { axes: [1, -2] })).toThrow(/repeat an axis/);
    expect(vals(runOp('unsqueeze', [t('u8', [2], [7, 9])], { axes: [0] })[0]!)).toEqual([7, 9]);
  });

  it('identity, dropout and shape', () => {
    expect(vals(runOp('dropout', [t('f32', [2], [1, 2])], { ratio: 0.2 })[0]!)).toEqual([1, 2]);
    expect(() => inferOp('dropout', [ty([2])], { ratio: 1 })).toThrow(/ratio must be in \[0, 1\)/);
    expect(vals(runOp('identity', [t('i32', [2], [5, -6])])[0]!)).toEqual([5, -6]);
    const s = runOp('shape', [t('f32', [2, 3, 1])])[0]!;
    expect(s.dtype).toBe('i64');
    expect([...(s.data as BigInt64Array)]).toEqual([2n, 3n, 1n]);
  });
});

describe('transpose', () => {
  it('hand-checked, empty perm reverses', () => {
    expect(vals(runOp('transpose', [t('f32', [2, 3], [1, 2, 3, 4, 5, 6])])[0]!)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(inferOp('transpose', [ty([2, 3, 4])], { perm: [1, 2, 0] })[0]!.shape).toEqual([3, 4, 2]);
    expect(() => inferOp('transpose', [ty([2, 3])], { perm: [0, 0] })).toThrow(/not a permutation/);
    expect(() => inferOp('transpose', [ty([2, 3])], { perm: [0] })).toThrow(/not a permutation/);
  });

  const permCase = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
    .chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length })));

  fcTest.prop([permCase])('matches a naive transpose; the inverse perm restores the operand', ([shape, perm]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, (_, i) => i - 50);
    const x = t('i16', shape, data);
    const y = runOp('transpose', [x], { perm })[0]!;
    expect(vals(y)).toEqual(naiveTranspose(data, shape, perm));
    const inv = perm.map((_, i) => perm.indexOf(i));
    const back = runOp('transpose', [y], { perm: inv })[0]!;
    expect(back.shape).toEqual(shape);
    expect(vals(back)).toEqual(data);
  });
});

describe('cast', () => {
  it('float to integer truncates toward zero; NaN -> 0; out of range wraps', () => {
    expect(vals(runOp('cast', [t('f32', [5], [-1.7, 2.9, NaN, 300, -0.5])], { to: 'i8' })[0]!)).toEqual([-1, 2, 0, 44, 0]);
    expect(vals(runOp('cast', [t('f32', [2], [-1, 256.5])], { to: 'u8' })[0]!)).toEqual([255, 0]);
    expect([...(runOp('cast', [t('f32', [3], [-2.5, 3e9, Infinity])], { to: 'i64' })[0]!.data as BigInt64Array)]).toEqual([-2n, 3000000000n, 0n]);
    expect(vals(runOp('cast', [t('f32', [3], [7, 9, -9])], { to: 'i4' })[0]!)).toEqual([7, -7, 7]);
    expect(vals(runOp('cast', [t('i8', [2], [17, -1])], { to: 'u4' })[0]!)).toEqual([1, 15]);
  });

  it('integer and bool conversions', () => {
    expect(vals(runOp('cast', [t('i64', [2], [2 ** 33 + 5, -1])], { to: 'i32' })[0]!)).toEqual([5, -1]);
    expect(vals(runOp('cast', [t('i32', [2], [16777217, -3])], { to: 'f32' })[0]!)).toEqual([16777216, -3]);
    expect(vals(runOp('cast', [t('f32', [3], [0, -0.1, NaN])], { to: 'bool' })[0]!)).toEqual([0, 1, 1]);
    expect(vals(runOp('cast', [t('bool', [2], [1, 0])], { to: 'f32' })[0]!)).toEqual([1, 0]);
    expect(() => inferOp('cast', [ty([2])], { to: 'f16' })).toThrow(/attribute 'to'/);
  });

  it('drops quantization params', () => {
    expect(inferOp('cast', [ty([2], perTensor)], { to: 'i32' })[0]).toEqual({ dtype: 'i32', shape: [2] });
  });
});

describe('quantization params through data movement', () => {
  it('per-tensor params pass through every data-movement op', () => {
    const x = ty([1, 4, 2, 1], perTensor);
    const cases: [string, Record<string, unknown>][] = [
      ['reshape', { shape: [4, 2] }],
      ['flatten', {}],
      ['squeeze', {}],
      ['unsqueeze', { axes: [0] }],
      ['transpose', {}],
      ['identity', {}],
      ['dropout', {}],
      ['slice', { starts: [1], ends: [3], axes: [1] }],
      ['pad', { pads: [0, 1, 0, 0, 0, 1, 0, 0], value: 3 }],
    ];
    for (const [op, attrs] of cases) expect(inferOp(op, [x], attrs as never)[0]!.quant, op).toEqual(perTensor);
    expect(inferOp('split', [x], { axis: 1, split: [1, 3] }).map((r) => r.quant)).toEqual([perTensor, perTensor]);
    expect(inferOp('gather', [x, { dtype: 'i64', shape: [3] }], { axis: 1 })[0]!.quant).toEqual(perTensor);
    expect(inferOp('concat', [x, x], { axis: 1 })[0]!.quant).toEqual(perTensor);
  });

  it('per-channel params follow their axis', () => {
    const x = ty([1, 4, 2, 3], perChannel(4, 1));
    expect(inferOp('transpose', [x], { perm: [0, 2, 3, 1] })[0]!.quant!.axis).toBe(3);
    expect(inferOp('unsqueeze', [x], { axes: [0] })[0]!.quant!.axis).toBe(2);
    expect(inferOp('squeeze', [x], { axes: [0] })[0]!.quant!.axis).toBe(0);
    expect(inferOp('reshape', [x], { shape: [4, 6] })[0]!.quant!.axis).toBe(0);
    expect(inferOp('flatten', [x], { axis: 2 })[0]!.quant!.axis).toBe(0);
    expect(() => inferOp('flatten', [x], {})).toThrow(/flatten cannot keep per-channel quantization along axis 1/);
    expect(() => inferOp('gather', [x, { dtype: 'i32', shape: [2] }], { axis: 1 })).toThrow(/gather cannot keep per-channel/);
    expect(inferOp('gather', [x, { dtype: 'i32', shape: [2, 2] }], { axis: 2 })[0]!.quant!.axis).toBe(1);
    expect(() => inferOp('pad', [x], { pads: [0, 1, 0, 0, 0, 0, 0, 0] })).toThrow(/pad cannot keep per-channel/);
    expect(inferOp('pad', [x], { pads: [0, 0, 1, 0, 0, 0, 1, 0] })[0]!.quant).toEqual(perChannel(4, 1));
  });

  it('channel selections keep the selected scales', () => {
    const x = ty([4, 2], perChannel(4, 0));
    expect(inferOp('slice', [x], { starts: [-1], ends: [-5], steps: [-2] })[0]!.quant).toEqual({ scale: [0.4, 0.2], zeroPoint: [3, 1], axis: 0 });
    expect(inferOp('slice', [x], { starts: [2], ends: [3] })[0]!.quant).toEqual({ scale: [0.30000000000000004], zeroPoint: [2] });
    const parts = inferOp('split', [x], { split: [1, 3] });
    expect(parts.map((p) => p.quant)).toEqual([
      { scale: [0.1], zeroPoint: [0] },
      { scale: [0.2, 0.30000000000000004, 0.4], zeroPoint: [1, 2, 3], axis: 0 },
    ]);
  });

  it('concat needs equal params and no per-channel concat axis', () => {
    const a = ty([2, 2], perTensor), b = ty([2, 2], { scale: [0.25], zeroPoint: [3] });
    expect(() => inferOp('concat', [a, b], { axis: 0 })).toThrow(/different quantization params/);
    expect(() => inferOp('concat', [a, ty([2, 2])], { axis: 0 })).toThrow(/different quantization params/);
    const pc = ty([2, 2], perChannel(2, 1));
    expect(inferOp('concat', [pc, pc], { axis: 0 })[0]!.quant).toEqual(perChannel(2, 1));
    expect(() => inferOp('concat', [pc, pc], { axis: 1 })).toThrow(/concat cannot keep per-channel/);
  });
});

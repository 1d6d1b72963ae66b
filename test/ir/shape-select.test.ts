import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { alongAxis, flat, inferOp, nest, runOp, t, vals, type Nested } from './op-harness.js';

const iota = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const shapeArb = (maxRank = 3, maxDim = 4) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank });

/** Naive pad of one list (numpy semantics for pads below the length; negative pads crop). */
function padList(list: Nested[], begin: number, end: number, mode: string, fill: Nested): Nested[] {
  let out = [...list];
  if (begin < 0) out = out.slice(-begin);
  if (end < 0) out = out.slice(0, out.length + end);
  const n = list.length;
  const before: Nested[] = [], after: Nested[] = [];
  for (let k = 1; k <= begin; k++) before.unshift(mode === 'constant' ? fill : mode === 'edge' ? list[0]! : list[k]!);
  for (let k = 1; k <= end; k++) after.push(mode === 'constant' ? fill : mode === 'edge' ? list[n - 1]! : list[n - 1 - k]!);
  return [...before, ...out, ...after];
}

/** A constant block shaped like the sub-arrays below depth `axis` of `n`. */
const filled = (like: Nested, v: number): Nested => (Array.isArray(like) ? like.map((s) => filled(s, v)) : v);

/** ONNX Slice restated: the selected indices of one axis, by walking from the clamped start. */
function sliceIndices(n: number, start: number, end: number, step: number): number[] {
  let s = start < 0 ? start + n : start, e = end < 0 ? end + n : end;
  const lo = step > 0 ? 0 : -1;
  s = Math.max(0, Math.min(s, step > 0 ? n : n - 1));
  e = Math.max(lo, Math.min(e, step > 0 ? n : n - 1));
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

describe('concat and split', () => {
  it('hand-checked on axis 1 and for i64', () => {
    const a = t('f32', [2, 1], [1, 2]), b = t('f32', [2, 2], [3, 4, 5, 6]);
    expect(vals(runOp('concat', [a, b], { axis: 1 })[0]!)).toEqual([1, 3, 4, 2, 5, 6]);
    const c = runOp('concat', [t('i64', [1], [2 ** 40]), t('i64', [2], [-1, 2])], { axis: 0 })[0]!;
    expect([...(c.data as BigInt64Array)]).toEqual([2n ** 40n, -1n, 2n]);
    const parts = runOp('split', [t('u8', [2, 3], [1, 2, 3, 4, 5, 6])], { axis: -1, split: [2, 0, 1] });
    expect(parts.map((p) => p.shape)).toEqual([[2, 2], [2, 0], [2, 1]]);
    expect(parts.map(vals)).toEqual([[1, 2, 4, 5], [], [3, 6]]);
  });

  it('errors', () => {
    const x = { dtype: 'f32' as const, shape: [2, 3] };
    expect(() => inferOp('concat', [x, { dtype: 'f32', shape: [3, 3] }], { axis: 1 })).toThrow(/differ outside axis 1/);
    expect(() => inferOp('concat', [x, { dtype: 'i8', shape: [2, 3] }], { axis: 0 })).toThrow(/differ outside/);
    expect(() => inferOp('concat', [x, x], {})).toThrow(/needs attribute 'axis'/);
    expect(() => inferOp('split', [x], { split: [1, 2] })).toThrow(/do not add up to dim 0 \(2\)/);
    expect(() => inferOp('split', [x], { split: [] })).toThrow(/not be empty|not empty/);
  });

  fcTest.prop([shapeArb(), fc.nat(), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 })])(
    'split then concat restores the operand; concat then split restores the parts',
    (shape, axisSeed, sizes) => {
      const axis = axisSeed % shape.length;
      // Grow the split axis to the sum of the sizes.
      const s = [...shape];
      s[axis] = sizes.reduce((a, b) => a + b, 0);
      const x = t('i32', s, iota(size(s), -7));
      const parts = runOp('split', [x], { axis, split: sizes });
      expect(parts.map((p) => p.shape[axis])).toEqual(sizes);
      const back = runOp('concat', parts, { axis })[0]!;
      expect(back.shape).toEqual(s);
      expect(vals(back)).toEqual(vals(x));
      // Against nested arrays: each part is a contiguous run along the axis.
      let from = 0;
      parts.forEach((p, i) => {
        const want = alongAxis(nest(vals(x), s), axis, (l) => l.slice(from, from + sizes[i]!));
        expect(vals(p)).toEqual(flat(want));
        from += sizes[i]!;
      });
    },
  );
});

describe('pad', () => {
  it('hand-checked modes', () => {
    const x = t('f32', [3], [1, 2, 3]);
    expect(vals(runOp('pad', [x], { pads: [2, 1], value: 9 })[0]!)).toEqual([9, 9, 1, 2, 3, 9]);
    expect(vals(runOp('pad', [x], { pads: [2, 2], mode: 'reflect' })[0]!)).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(vals(runOp('pad', [x], { pads: [2, 1], mode: 'edge' })[0]!)).toEqual([1, 1, 1, 2, 3, 3]);
    expect(vals(runOp('pad', [x], { pads: [-1, 1] })[0]!)).toEqual([2, 3, 0]);
    const m = t('i8', [2, 2], [1, 2, 3, 4]);
    expect(vals(runOp('pad', [m], { pads: [1, 0, 0, 1], value: -1 })[0]!)).toEqual([-1, -1, -1, 1, 2, -1, 3, 4, -1]);
  });

  it('errors', () => {
    const x = { dtype: 'f32' as const, shape: [3] };
    expect(() => inferOp('pad', [x], { pads: [1] })).toThrow(/2 \* rank = 2/);
    expect(() => inferOp('pad', [x], { pads: [3, 0], mode: 'reflect' })).toThrow(/reflect pads on dim 0 must be below its size 3/);
    expect(() => inferOp('pad', [x], { pads: [-2, -2] })).toThrow(/crop more than dim 0/);
    expect(() => inferOp('pad', [x], { pads: [1, 1], mode: 'wrap' })).toThrow(/mode/);
    expect(() => inferOp('pad', [{ dtype: 'u8', shape: [3] }], { pads: [1, 1], value: -1 })).toThrow(/value -1 is not a u8 value/);
  });

  const padCase = shapeArb().chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(...shape.map((n) => fc.tuple(fc.integer({ min: -Math.floor(n / 2), max: n - 1 }), fc.integer({ min: -Math.floor(n / 2), max: n - 1 })))),
      fc.constantFrom('constant', 'reflect', 'edge'),
    ),
  );

  fcTest.prop([padCase])('matches a naive axis-by-axis pad', ([shape, pairs, mode]) => {
    const data = iota(size(shape), 1);
    // A crop at one end and a pad at the other: reflect/edge read the uncropped dim.
    const pads = [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
    let want: Nested = nest(data, shape);
    pairs.forEach(([b, e], axis) => {
      want = alongAxis(want, axis, (l) => padList(l, b, e, mode, filled(l[0]!, -5)));
    });
    const got = runOp('pad', [t('i16', shape, data)], { pads, mode, value: -5 })[0]!;
    expect(got.shape).toEqual(shape.map((n, d) => n + pairs[d]![0] + pairs[d]![1]));
    expect(vals(got)).toEqual(flat(want));
  });
});

describe('slice', () => {
  it('hand-checked with clamping, negative steps and axes', () => {
    const x = t('f32', [5], [0, 1, 2, 3, 4]);
    const s = (attrs: Record<string, number[]>): number[] => vals(runOp('slice', [x], attrs)[0]!);
    expect(s({ starts: [1], ends: [100] })).toEqual([1, 2, 3, 4]);
    expect(s({ starts: [-1], ends: [-100], steps: [-2] })).toEqual([4, 2, 0]);
    expect(s({ starts: [10], ends: [0], steps: [-1] })).toEqual([4, 3, 2, 1]);
    expect(s({ starts: [3], ends: [1] })).toEqual([]);
    const m = t('i8', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(vals(runOp('slice', [m], { starts: [1], ends: [3], axes: [-1] })[0]!)).toEqual([2, 3, 5, 6]);
  });

  it('errors', () => {
    const x = { dtype: 'f32' as const, shape: [5] };
    expect(() => inferOp('slice', [x], { starts: [0], ends: [1], steps: [0] })).toThrow(/step 0/);
    expect(() => inferOp('slice', [x], { starts: [0, 0], ends: [1] })).toThrow(/equal lengths/);
    expect(() => inferOp('slice', [x], { starts: [0], ends: [1], axes: [1] })).toThrow(/slice axis 1 is out of range/);
  });

  const sliceCase = shapeArb().chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(
        ...shape.map(() =>
          fc.record({
            start: fc.integer({ min: -7, max: 7 }),
            end: fc.integer({ min: -7, max: 7 }),
            step: fc.integer({ min: -3, max: 3 }).filter((v) => v !== 0),
            use: fc.boolean(),
          }),
        ),
      ),
    ),
  );

  fcTest.prop([sliceCase])('matches a naive per-axis walk', ([shape, specs]) => {
    const data = iota(size(shape));
    const axes = specs.flatMap((sp, i) => (sp.use ? [i] : []));
    const attrs = {
      starts: axes.map((a) => specs[a]!.start),
      ends: axes.map((a) => specs[a]!.end),
      axes,
      steps: axes.map((a) => specs[a]!.step),
    };
    if (axes.length === 0) return;
    let want: Nested = nest(data, shape);
    for (const a of axes) {
      const idx = sliceIndices(shape[a]!, specs[a]!.start, specs[a]!.end, specs[a]!.step);
      want = alongAxis(want, a, (l) => idx.map((i) => l[i]!));
    }
    const got = runOp('slice', [t('i32', shape, data)], attrs)[0]!;
    expect(vals(got)).toEqual(flat(want));
  });
});

describe('gather', () => {
  it('hand-checked with negative and multi-dim indices', () => {
    const x = t('f32', [3, 2], [0, 1, 2, 3, 4, 5]);
    const g = runOp('gather', [x, t('i64', [2, 2], [-1, 0, 1, 1])])[0]!;
    expect(g.shape).toEqual([2, 2, 2]);
    expect(vals(g)).toEqual([4, 5, 0, 1, 2, 3, 2, 3]);
    const c = runOp('gather', [x, t('i32', [], [1])], { axis: 1 })[0]!;
    expect(c.shape).toEqual([3]);
    expect(vals(c)).toEqual([1, 3, 5]);
  });

  it('errors', () => {
    const x = t('f32', [3], [0, 1, 2]);
    expect(() => runOp('gather', [x, t('i32', [1], [3])])).toThrow(/index 3 is out of range for dim 0 \(3\)/);
    expect(() => runOp('gather', [x, t('i32', [1], [-4])])).toThrow(/index -4 is out of range/);
    expect(() => inferOp('gather', [{ dtype: 'f32', shape: [3] }, { dtype: 'f32', shape: [1] }])).toThrow(/indices must be i32 \| i64/);
  });

  fcTest.prop([shapeArb(3, 3), fc.nat(), fc.array(fc.integer({ min: -3, max: 2 }), { minLength: 1, maxLength: 4 })])(
    'matches picking from nested arrays',
    (shape, axisSeed, raw) => {
      const axis = axisSeed % shape.length, n = shape[axis]!;
      const picks = raw.map((k) => (k < -n || k >= n ? k % n : k));
      const data = iota(size(shape));
      const got = runOp('gather', [t('u8', shape, data), t('i64', [picks.length], picks)], { axis })[0]!;
      const want = alongAxis(nest(data, shape), axis, (l) => picks.map((k) => l[k < 0 ? k + n : k]!));
      expect(vals(got)).toEqual(flat(want));
    },
  );
});

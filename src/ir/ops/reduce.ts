// Reductions over a set of axes (empty = all), keeping reduced dims as 1 when keepdims.
// Floats accumulate in float64 in row-major order and round once to the result dtype (PyTorch and
// onnxruntime accumulate in float32, so they may differ by a few ulp). Integers wrap like C's
// fixed-width types; reduce_mean is float-only.
import { dtypeRange, isFloatDType, type DType } from '../dtype.js';
import { strides, tensor } from '../tensor.js';
import { numel } from '../types.js';
import { FLOATS, INTS } from './activation.js';
import { normAxis, operandOf } from './infer-util.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

interface Reduction {
  doc: string;
  dtypes: readonly DType[];
  /** Starting value for a dtype (e.g. -inf or the dtype minimum for max). */
  init: (d: DType) => number | bigint;
  float: (acc: number, x: number) => number;
  /** 8..32-bit integers; the accumulator wraps at 32 bits, which agrees with the narrower wrap. */
  int: (acc: number, x: number) => number;
  big: (acc: bigint, x: bigint) => bigint;
  finish?: (acc: number, count: number) => number;
}

const I64_MIN = -(1n << 63n), I64_MAX = (1n << 63n) - 1n;

const REDUCTIONS: Record<string, Reduction> = {
  reduce_sum: {
    doc: 'sum over axes',
    dtypes: [...FLOATS, ...INTS],
    init: () => 0,
    float: (a, x) => a + x,
    int: (a, x) => (a + x) | 0,
    big: (a, x) => BigInt.asIntN(64, a + x),
  },
  reduce_mean: {
    doc: 'arithmetic mean over axes',
    dtypes: FLOATS,
    init: () => 0,
    float: (a, x) => a + x,
    int: (a, x) => a + x,
    big: (a, x) => a + x,
    finish: (a, n) => a / n,
  },
  reduce_max: {
    doc: 'maximum over axes (NaN propagates; empty: -inf or the dtype minimum)',
    dtypes: [...FLOATS, ...INTS],
    init: (d) => (d === 'i64' ? I64_MIN : dtypeRange(d)[0]),
    float: Math.max,
    int: Math.max,
    big: (a, x) => (x > a ? x : a),
  },
  reduce_min: {
    doc: 'minimum over axes (NaN propagates; empty: +inf or the dtype maximum)',
    dtypes: [...FLOATS, ...INTS],
    init: (d) => (d === 'i64' ? I64_MAX : dtypeRange(d)[1]),
    float: Math.min,
    int: Math.min,
    big: (a, x) => (x < a ? x : a),
  },
  reduce_prod: {
    doc: 'product over axes',
    dtypes: [...FLOATS, ...INTS],
    init: () => 1,
    float: (a, x) => a * x,
    int: Math.imul,
    big: (a, x) => BigInt.asIntN(64, a * x),
  },
};

/** The normalised, sorted reduced axes (all axes when the attribute is empty). */
function reducedAxes(attrs: ResolvedAttrs, rank: number): number[] {
  const given = attrs['axes'] as number[];
  if (given.length === 0) return [...Array(rank).keys()];
  const axes = given.map((a) => normAxis(a, rank, 'reduce axis'));
  check(new Set(axes).size === axes.length, `reduce axes [${given.join(',')}] repeat an axis`);
  return axes.sort((a, b) => a - b);
}

function reducedShape(shape: readonly number[], axes: number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

function reduceOp(name: string, r: Reduction): OpDef {
  return {
    name,
    doc: r.doc,
    category: 'reduce',
    operands: [{ name: 'x', dtypes: r.dtypes }],
    results: 1,
    attrs: { axes: { type: 'ints', default: [] }, keepdims: { type: 'bool', default: true } },
    infer({ inputs, attrs }) {
      const x = operandOf(inputs, 0, 'x', r.dtypes, name);
      return [{ dtype: x.dtype, shape: reducedShape(x.shape, reducedAxes(attrs, x.shape.length), attrs['keepdims'] as boolean) }];
    },
    kernel([x], attrs) {
      const t = x!, rank = t.shape.length;
      const axes = reducedAxes(attrs, rank);
      const kept = reducedShape(t.shape, axes, true);
      const out = tensor(t.dtype, reducedShape(t.shape, axes, attrs['keepdims'] as boolean));
      // Output offset of an input element: its index with reduced coordinates dropped.
      const ks = strides(kept).map((s, i) => (axes.includes(i) ? 0 : s));
      const n = t.data.length, count = numel(axes.map((a) => t.shape[a]!));
      const idx = new Array<number>(rank).fill(0);
      const forEach = (f: (i: number, o: number) => void): void => {
        let o = 0;
        for (let i = 0; i < n; i++) {
          f(i, o);
          for (let d = rank - 1; d >= 0; d--) {
            o += ks[d]!;
            if (++idx[d]! < t.shape[d]!) break;
            o -= ks[d]! * t.shape[d]!;
            idx[d] = 0;
          }
        }
      };
      const init = r.init(t.dtype);
      if (t.data instanceof BigInt64Array) {
        const src = t.data, acc = out.data as BigInt64Array;
        acc.fill(BigInt(init));
        forEach((i, o) => (acc[o] = r.big(acc[o]!, src[i]!)));
        return [out];
      }
      // Accumulate in float64 (exact for the 32-bit-wrapped integer steps too).
      const src = t.data, acc = new Float64Array(out.data.length);
      const step = isFloatDType(t.dtype) ? r.float : r.int;
      acc.fill(init as number);
      forEach((i, o) => (acc[o] = step(acc[o]!, src[i] as number)));
      const o = out.data as Float32Array;
      for (let k = 0; k < acc.length; k++) o[k] = r.finish ? r.finish(acc[k]!, count) : acc[k]!;
      return [out];
    },
  };
}

export const REDUCE_OPS: OpDef[] = withOnnx(Object.entries(REDUCTIONS).map(([name, r]) => reduceOp(name, r)), {
  reduce_sum: 'ReduceSum', reduce_mean: 'ReduceMean', reduce_max: 'ReduceMax', reduce_min: 'ReduceMin', reduce_prod: 'ReduceProd',
});

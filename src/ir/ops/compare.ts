// Comparisons and logic: numeric comparisons with broadcasting give bool; not/and/or/xor on bool;
// where(cond, a, b) selects with three-way broadcasting; is_nan / is_inf test floats. Every result
// is exact (NaN compares unequal to everything, as in IEEE and C).
import { broadcastStrides, forEachBroadcast2 } from '../compute/broadcast.js';
import { tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { numel } from '../types.js';
import { FLOATS } from './activation.js';
import { broadcastShapes, operandOf, sameDType } from './infer-util.js';
import { type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

export const NUMERIC: readonly DType[] = ['f32', 'f64', 'i8', 'u8', 'i16', 'u16', 'i32', 'i64'];
const BOOL: readonly DType[] = ['bool'];

type Scalar = number | bigint;

/** A broadcasting binary op with a bool result; `test` sees the stored values (bigint for i64). */
function predicate(name: string, doc: string, dtypes: readonly DType[], test: (a: Scalar, b: Scalar) => boolean, commutative = false): OpDef {
  return {
    name,
    doc,
    category: 'compare',
    operands: [{ name: 'a', dtypes }, { name: 'b', dtypes }],
    results: 1,
    attrs: {},
    commutative,
    infer({ inputs }) {
      const a = operandOf(inputs, 0, 'a', dtypes, name), b = operandOf(inputs, 1, 'b', dtypes, name);
      sameDType([a, b], name);
      return [{ dtype: 'bool', shape: broadcastShapes(a.shape, b.shape) }];
    },
    kernel([a, b]) {
      const shape = broadcastShapes(a!.shape, b!.shape);
      const out = tensor('bool', shape);
      const o = out.data, x = a!.data, y = b!.data;
      forEachBroadcast2(shape, a!.shape, b!.shape, (i, p, q) => (o[i] = test(x[p]!, y[q]!) ? 1 : 0));
      return [out];
    },
  };
}

const not: OpDef = {
  name: 'not',
  doc: 'logical negation of a bool tensor',
  category: 'compare',
  operands: [{ name: 'x', dtypes: BOOL }],
  results: 1,
  attrs: {},
  infer: ({ inputs }) => [{ dtype: 'bool', shape: [...operandOf(inputs, 0, 'x', BOOL, 'not').shape] }],
  kernel([x]) {
    const out = tensor('bool', x!.shape);
    x!.data.forEach((v, i) => (out.data[i] = v ? 0 : 1));
    return [out];
  },
};

/** Elementwise float test with a bool result. */
function floatTest(name: string, doc: string, attrs: OpDef['attrs'], test: (a: ResolvedAttrs) => (x: number) => boolean): OpDef {
  return {
    name,
    doc,
    category: 'compare',
    operands: [{ name: 'x', dtypes: FLOATS }],
    results: 1,
    attrs,
    infer: ({ inputs }) => [{ dtype: 'bool', shape: [...operandOf(inputs, 0, 'x', FLOATS, name).shape] }],
    kernel([x], a) {
      const out = tensor('bool', x!.shape), f = test(a);
      x!.data.forEach((v, i) => (out.data[i] = f(v as number) ? 1 : 0));
      return [out];
    },
  };
}

/** Calls f(out, c, a, b) with the flat offsets of three operands broadcast to `shape`. */
function forEachBroadcast3(shape: number[], shapes: number[][], f: (o: number, c: number, a: number, b: number) => void): void {
  const st = shapes.map((s) => broadcastStrides(shape, s));
  const rank = shape.length, n = numel(shape), idx = new Array<number>(rank).fill(0);
  const off = [0, 0, 0];
  for (let o = 0; o < n; o++) {
    f(o, off[0]!, off[1]!, off[2]!);
    for (let d = rank - 1; d >= 0; d--) {
      for (let k = 0; k < 3; k++) off[k]! += st[k]![d]!;
      if (++idx[d]! < shape[d]!) break;
      for (let k = 0; k < 3; k++) off[k]! -= st[k]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

const where: OpDef = {
  name: 'where',
  doc: 'cond ? a : b elementwise, the three operands broadcast together',
  category: 'compare',
  operands: [{ name: 'cond', dtypes: BOOL }, { name: 'a' }, { name: 'b' }],
  results: 1,
  attrs: {},
  infer({ inputs }) {
    const c = operandOf(inputs, 0, 'cond', BOOL, 'where');
    const a = operandOf(inputs, 1, 'a', [...NUMERIC, 'bool'], 'where'), b = operandOf(inputs, 2, 'b', [...NUMERIC, 'bool'], 'where');
    return [{ dtype: sameDType([a, b], 'where'), shape: broadcastShapes(c.shape, broadcastShapes(a.shape, b.shape)) }];
  },
  kernel([c, a, b]) {
    const shape = broadcastShapes(c!.shape, broadcastShapes(a!.shape, b!.shape));
    const out = tensor(a!.dtype, shape);
    const o = out.data as unknown as Scalar[], cd = c!.data, ad = a!.data, bd = b!.data;
    forEachBroadcast3(shape, [c!.shape, a!.shape, b!.shape], (i, p, q, r) => (o[i] = cd[p] ? ad[q]! : bd[r]!));
    return [out];
  },
};

export const COMPARE_OPS: OpDef[] = withOnnx([
  predicate('equal', 'a == b (bool result, broadcasting)', [...NUMERIC, 'bool'], (a, b) => a === b, true),
  predicate('less', 'a < b (bool result, broadcasting)', NUMERIC, (a, b) => a < b),
  predicate('less_equal', 'a <= b (bool result, broadcasting)', NUMERIC, (a, b) => a <= b),
  predicate('greater', 'a > b (bool result, broadcasting)', NUMERIC, (a, b) => a > b),
  predicate('greater_equal', 'a >= b (bool result, broadcasting)', NUMERIC, (a, b) => a >= b),
  predicate('and', 'logical and of bool tensors (broadcasting)', BOOL, (a, b) => !!a && !!b, true),
  predicate('or', 'logical or of bool tensors (broadcasting)', BOOL, (a, b) => !!a || !!b, true),
  predicate('xor', 'logical xor of bool tensors (broadcasting)', BOOL, (a, b) => !!a !== !!b, true),
  not,
  where,
  floatTest('is_nan', 'x is NaN', {}, () => Number.isNaN),
  floatTest('is_inf', 'x is +inf (detect_positive) or -inf (detect_negative)', {
    detect_positive: { type: 'bool', default: true },
    detect_negative: { type: 'bool', default: true },
  }, (a) => {
    const pos = a['detect_positive'] as boolean, neg = a['detect_negative'] as boolean;
    return (x) => (pos && x === Infinity) || (neg && x === -Infinity);
  }),
], {
  equal: 'Equal', less: 'Less', less_equal: 'LessOrEqual', greater: 'Greater', greater_equal: 'GreaterOrEqual',
  and: 'And', or: 'Or', xor: 'Xor', not: 'Not', where: 'Where', is_nan: 'IsNaN', is_inf: 'IsInf',
});

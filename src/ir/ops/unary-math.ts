// More elementwise math: sign, round (half to even), trigonometric and hyperbolic functions,
// softplus, celu, thresholded_relu, shrink, and mod. Floats: computed in float64 from the stored
// input and rounded once to the result dtype; integers (where accepted) wrap like C.
import { forEachBroadcast2 } from '../compute/broadcast.js';
import { rint } from '../quant-math.js';
import { tensor } from '../tensor.js';
import { isFloatDType, type DType } from '../dtype.js';
import { FLOATS, INTS, unaryOp, type UnarySpec } from './activation.js';
import { broadcastShapes, operandOf, sameDType } from './infer-util.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

type F = (x: number) => number;

const num = (a: ResolvedAttrs, k: string): number => a[k] as number;

const TRIG: Record<string, F> = {
  sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  sinh: Math.sinh, cosh: Math.cosh, asinh: Math.asinh, acosh: Math.acosh, atanh: Math.atanh,
};

const UNARY: Record<string, UnarySpec> = {
  ...Object.fromEntries(Object.entries(TRIG).map(([name, f]) => [name, { doc: `${name}(x)`, float: () => f }])),
  sign: {
    doc: '-1, 0 or 1 by the sign of x (NaN stays NaN); also on integers',
    float: () => (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
    int: () => Math.sign,
    big: () => (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n),
  },
  round: { doc: 'round to the nearest integer, ties to even', float: () => rint },
  // log(1 + exp(x)) without overflow for large x.
  softplus: { doc: 'log(1 + exp(x))', float: () => (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))) },
  celu: {
    doc: 'max(0, x) + min(0, alpha * (exp(x / alpha) - 1))',
    attrs: { alpha: { type: 'float', default: 1 } },
    float: (a) => {
      const alpha = num(a, 'alpha');
      return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
    },
  },
  thresholded_relu: {
    doc: 'x > alpha ? x : 0',
    attrs: { alpha: { type: 'float', default: 1 } },
    float: (a) => {
      const alpha = num(a, 'alpha');
      return (x) => (x > alpha ? x : 0);
    },
  },
  shrink: {
    doc: 'x < -lambd ? x + bias : x > lambd ? x - bias : 0; also on integers',
    attrs: { lambd: { type: 'float', default: 0.5 }, bias: { type: 'float', default: 0 } },
    float: (a) => {
      const l = num(a, 'lambd'), b = num(a, 'bias');
      return (x) => (x < -l ? x + b : x > l ? x - b : 0);
    },
    int: (a) => {
      const l = num(a, 'lambd'), b = num(a, 'bias');
      return (x) => (x < -l ? x + b : x > l ? x - b : 0);
    },
  },
};

const NUMERIC: readonly DType[] = [...FLOATS, ...INTS];

/** Python's integer modulo: the result takes the divisor's sign. */
function floorMod(a: number, b: number): number {
  check(b !== 0, 'mod: integer division by zero');
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

function floorModBig(a: bigint, b: bigint): bigint {
  check(b !== 0n, 'mod: integer division by zero');
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

const mod: OpDef = {
  name: 'mod',
  doc: 'remainder with broadcasting: fmod = 1 takes the dividend\'s sign (C fmod), fmod = 0 the divisor\'s (integers only)',
  category: 'elementwise',
  operands: [{ name: 'a', dtypes: NUMERIC }, { name: 'b', dtypes: NUMERIC }],
  results: 1,
  attrs: { fmod: { type: 'bool', default: false } },
  infer({ inputs, attrs }) {
    const a = operandOf(inputs, 0, 'a', NUMERIC, 'mod'), b = operandOf(inputs, 1, 'b', NUMERIC, 'mod');
    const dtype = sameDType([a, b], 'mod');
    check(!isFloatDType(dtype) || attrs['fmod'], 'mod: floats need fmod = 1');
    return [{ dtype, shape: broadcastShapes(a.shape, b.shape) }];
  },
  kernel([a, b], attrs) {
    const shape = broadcastShapes(a!.shape, b!.shape), fmod = attrs['fmod'] as boolean;
    const out = tensor(a!.dtype, shape), o = out.data, x = a!.data, y = b!.data;
    if (o instanceof BigInt64Array) {
      const f = fmod ? (p: bigint, q: bigint) => (check(q !== 0n, 'mod: integer division by zero'), p % q) : floorModBig;
      forEachBroadcast2(shape, a!.shape, b!.shape, (i, p, q) => (o[i] = f(x[p] as bigint, y[q] as bigint)));
    } else {
      const int = !isFloatDType(a!.dtype);
      const f = !fmod ? floorMod : int ? (p: number, q: number) => (check(q !== 0, 'mod: integer division by zero'), p % q) : (p: number, q: number) => p % q;
      forEachBroadcast2(shape, a!.shape, b!.shape, (i, p, q) => (o[i] = f(x[p] as number, y[q] as number)));
    }
    return [out];
  },
};

export const UNARY_MATH_OPS: OpDef[] = withOnnx([...Object.entries(UNARY).map(([name, s]) => unaryOp(name, s)), mod], {
  sin: 'Sin', cos: 'Cos', tan: 'Tan', asin: 'Asin', acos: 'Acos', atan: 'Atan', sinh: 'Sinh', cosh: 'Cosh', asinh: 'Asinh', acosh: 'Acosh', atanh: 'Atanh',
  sign: 'Sign', round: 'Round', softplus: 'Softplus', celu: 'Celu', thresholded_relu: 'ThresholdedRelu', shrink: 'Shrink', mod: 'Mod',
});

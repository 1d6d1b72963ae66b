// Unary activations and math functions, defined by a table: name -> float function (and an
// integer variant where the op is defined on integers). Floats: each result is computed in
// float64 from the stored input and rounded once to the result dtype by the typed array.
// Integers wrap like C's fixed-width types (e.g. neg/abs of -128 in i8 is -128).
import { forEachBroadcast2 } from '../compute/broadcast.js';
import { erf } from '../compute/erf.js';
import { tensor, type Tensor } from '../tensor.js';
import { isFloatDType, type DType } from '../dtype.js';
import { broadcastShapes, operandOf, sameDType } from './infer-util.js';
import { check, type AttrSpec, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';
import { sameShape } from '../types.js';

export const FLOATS: readonly DType[] = ['f32', 'f64'];
export const INTS: readonly DType[] = ['i8', 'u8', 'i16', 'u16', 'i32', 'i64'];

type F = (x: number) => number;

/** An elementwise function of one tensor, defined by its float (and integer) semantics; unary-math.ts uses it too. */
export interface UnarySpec {
  doc: string;
  attrs?: Record<string, AttrSpec>;
  /** Float semantics given the resolved attributes. */
  float: (a: ResolvedAttrs) => F;
  /** Integer semantics (8..32-bit, wrapped by the typed array), when the op accepts integers. */
  int?: (a: ResolvedAttrs) => F;
  /** i64 semantics on BigInt. */
  big?: (a: ResolvedAttrs) => (x: bigint) => bigint;
}

const num = (a: ResolvedAttrs, k: string): number => a[k] as number;
const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

// Plain float functions that need no attributes.
const FLOAT_FNS: Record<string, [doc: string, f: F]> = {
  sigmoid: ['1 / (1 + exp(-x))', (x) => 1 / (1 + Math.exp(-x))],
  tanh: ['hyperbolic tangent', Math.tanh],
  erf: ['Gauss error function', erf],
  sqrt: ['square root (NaN below 0)', Math.sqrt],
  exp: ['e^x', Math.exp],
  log: ['natural logarithm (NaN below 0, -inf at 0)', Math.log],
  reciprocal: ['1 / x', (x) => 1 / x],
  floor: ['round toward -inf', Math.floor],
  ceil: ['round toward +inf', Math.ceil],
  // PyTorch's form x * relu6(x + 3) / 6 (ONNX HardSwish is the same function).
  hardswish: ['x * clamp(x + 3, 0, 6) / 6', (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6],
};

const UNARY: Record<string, UnarySpec> = {
  ...Object.fromEntries(Object.entries(FLOAT_FNS).map(([name, [doc, f]]) => [name, { doc, float: () => f }])),
  relu: {
    doc: 'max(x, 0) (NaN stays NaN); also on integers',
    float: () => (x) => (x < 0 ? 0 : x),
    int: () => (x) => (x < 0 ? 0 : x),
    big: () => (x) => (x < 0n ? 0n : x),
  },
  neg: { doc: '-x; also on integers (wrapping)', float: () => (x) => -x, int: () => (x) => -x, big: () => (x) => BigInt.asIntN(64, -x) },
  abs: {
    doc: '|x|; also on integers (wrapping)',
    float: () => Math.abs,
    int: () => Math.abs,
    big: () => (x) => BigInt.asIntN(64, x < 0n ? -x : x),
  },
  leaky_relu: {
    doc: 'x < 0 ? alpha * x : x',
    attrs: { alpha: { type: 'float', default: 0.01 } },
    float: (a) => {
      const alpha = num(a, 'alpha');
      return (x) => (x < 0 ? alpha * x : x);
    },
  },
  elu: {
    doc: 'x < 0 ? alpha * (exp(x) - 1) : x',
    attrs: { alpha: { type: 'float', default: 1 } },
    float: (a) => {
      const alpha = num(a, 'alpha');
      return (x) => (x < 0 ? alpha * Math.expm1(x) : x);
    },
  },
  clip: {
    doc: 'min(max(x, min), max) (relu6 = clip 0..6); also on integers, with bounds rounded inward',
    attrs: { min: { type: 'float', default: -Infinity }, max: { type: 'float', default: Infinity } },
    float: (a) => {
      const lo = num(a, 'min'), hi = num(a, 'max');
      return (x) => Math.min(Math.max(x, lo), hi);
    },
    int: (a) => {
      const lo = Math.ceil(num(a, 'min')), hi = Math.floor(num(a, 'max'));
      return (x) => Math.min(Math.max(x, lo), hi);
    },
    big: (a) => {
      const lo = Math.ceil(num(a, 'min')), hi = Math.floor(num(a, 'max'));
      // Bounds beyond the i64 range never clamp; BigInt() only accepts finite values.
      const blo = Number.isFinite(lo) ? BigInt(lo) : undefined, bhi = Number.isFinite(hi) ? BigInt(hi) : undefined;
      return (x) => {
        const y = blo !== undefined && x < blo ? blo : x;
        return bhi !== undefined && y > bhi ? bhi : y;
      };
    },
  },
  hardsigmoid: {
    doc: 'clamp(alpha * x + beta, 0, 1) (ONNX defaults; PyTorch uses alpha = 1/6)',
    attrs: { alpha: { type: 'float', default: 0.2 }, beta: { type: 'float', default: 0.5 } },
    float: (a) => {
      const alpha = num(a, 'alpha'), beta = num(a, 'beta');
      return (x) => Math.min(Math.max(alpha * x + beta, 0), 1);
    },
  },
  gelu: {
    doc: "x * Phi(x) with the exact erf form, or the tanh approximation when approximate = 'tanh'",
    attrs: { approximate: { type: 'string', default: 'none', oneOf: ['none', 'tanh'] } },
    float: (a) =>
      a['approximate'] === 'tanh'
        ? (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
        : (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
  },
};

export function unaryOp(name: string, s: UnarySpec): OpDef {
  const dtypes = s.int ? [...FLOATS, ...INTS] : FLOATS;
  return {
    name,
    doc: s.doc,
    category: 'activation',
    operands: [{ name: 'x', dtypes }],
    results: 1,
    attrs: s.attrs ?? {},
    infer({ inputs }) {
      const x = operandOf(inputs, 0, 'x', dtypes, name);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    kernel([x], attrs) {
      const t = x!;
      const out = tensor(t.dtype, t.shape);
      const o = out.data, d = t.data;
      if (o instanceof BigInt64Array) {
        check(s.big, `${name} is not defined on i64`);
        const f = s.big(attrs);
        for (let i = 0; i < o.length; i++) o[i] = f(d[i] as bigint);
      } else {
        const f = isFloatDType(t.dtype) ? s.float(attrs) : s.int!(attrs);
        for (let i = 0; i < o.length; i++) o[i] = f(d[i] as number);
      }
      return [out];
    },
  };
}

const prelu: OpDef = {
  name: 'prelu',
  doc: 'x < 0 ? slope * x : x, slope broadcast to the shape of x',
  category: 'activation',
  operands: [
    { name: 'x', dtypes: FLOATS },
    { name: 'slope', dtypes: FLOATS },
  ],
  results: 1,
  attrs: {},
  infer({ inputs }) {
    const x = operandOf(inputs, 0, 'x', FLOATS, 'prelu'), slope = operandOf(inputs, 1, 'slope', FLOATS, 'prelu');
    const dtype = sameDType([x, slope], 'prelu');
    const shape = broadcastShapes(x.shape, slope.shape);
    check(sameShape(shape, x.shape), `prelu: slope [${slope.shape.join(',')}] must broadcast to x [${x.shape.join(',')}]`);
    return [{ dtype, shape }];
  },
  kernel([x, slope]) {
    const t = x!, sl: Tensor = slope!;
    const out = tensor(t.dtype, t.shape);
    const o = out.data as Float32Array, xd = t.data as Float32Array, sd = sl.data as Float32Array;
    forEachBroadcast2(t.shape, t.shape, sl.shape, (i, p, q) => {
      const v = xd[p]!;
      o[i] = v < 0 ? sd[q]! * v : v;
    });
    return [out];
  },
};

export const ACTIVATION_OPS: OpDef[] = withOnnx([...Object.entries(UNARY).map(([name, s]) => unaryOp(name, s)), prelu], {
  sigmoid: 'Sigmoid', tanh: 'Tanh', erf: 'Erf', sqrt: 'Sqrt', exp: 'Exp', log: 'Log', reciprocal: 'Reciprocal', floor: 'Floor', ceil: 'Ceil',
  hardswish: { opType: 'HardSwish', since: 14 }, relu: 'Relu', neg: 'Neg', abs: 'Abs', leaky_relu: 'LeakyRelu', elu: 'Elu', clip: 'Clip',
  hardsigmoid: 'HardSigmoid', gelu: { opType: 'Gelu', since: 20 }, prelu: 'PRelu',
});

// The helpers every pattern file can call. Tensor + - * / are operators of the language itself
// (tensor-math.ts); these are the named functions. Layout-specific folding helpers live in fold.ts,
// quantization helpers (int32 bias, requantization multipliers, clamps) in quant.ts.
import type { DType } from '../../ir/dtype.js';
import { along, fill, reshape, rsqrt, scalar, unaryOp } from './tensor-math.js';
import { defineHelper, HelperRegistry, type Helper } from './registry.js';
import { FOLD_HELPERS } from './fold.js';
import { QUANT_HELPERS } from './quant.js';
import { VALUE_HELPERS } from './values.js';

const T = (name: string) => ({ name, type: 'tensor' }) as const;
const F = (name: string) => ({ name, type: 'float' }) as const;
const I = (name: string) => ({ name, type: 'int' }) as const;

export const BUILTIN_HELPERS: Helper[] = [
  defineHelper({ name: 'min', doc: 'smaller of two numbers', params: [F('a'), F('b')], result: 'float', fn: (a, b) => Math.min(a, b) }),
  defineHelper({ name: 'max', doc: 'larger of two numbers', params: [F('a'), F('b')], result: 'float', fn: (a, b) => Math.max(a, b) }),
  defineHelper({ name: 'abs', doc: 'absolute value', params: [F('x')], result: 'float', fn: (x) => Math.abs(x) }),
  defineHelper({ name: 'sqrt', doc: 'square root of a number', params: [F('x')], result: 'float', fn: (x) => Math.sqrt(x) }),
  defineHelper({ name: 'sqrt', doc: 'elementwise square root (rounded to the tensor dtype)', params: [T('x')], result: 'tensor', fn: (x) => unaryOp(x, Math.sqrt) }),
  defineHelper({ name: 'rsqrt', doc: 'elementwise 1/sqrt(x) as torch.rsqrt (sqrt rounded, then the division)', params: [T('x')], result: 'tensor', fn: rsqrt }),
  defineHelper({ name: 'zeros_like', doc: 'a tensor of zeros with the dtype and shape of t', params: [T('t')], result: 'tensor', fn: (t) => fill(t, 0) }),
  defineHelper({
    name: 'scalar',
    doc: 'a 0-d constant of the dtype holding v, e.g. scalar(2.0, dtype(%x)) to write x + x as x * 2 (an integer dtype needs one of its values)',
    params: [F('v'), { name: 'dtype', type: 'dtype' }],
    result: 'tensor',
    fn: (v, d) => scalar(v, d as DType),
  }),
  defineHelper({ name: 'ones_like', doc: 'a tensor of ones with the dtype and shape of t', params: [T('t')], result: 'tensor', fn: (t) => fill(t, 1) }),
  defineHelper({
    name: 'reshape',
    doc: 'the same elements with another shape',
    params: [T('t'), { name: 'shape', type: 'ints' }],
    result: 'tensor',
    fn: (t, shape) => reshape(t, shape),
  }),
  defineHelper({
    name: 'along',
    doc: 'a 1-D tensor [C] reshaped to rank r with C on axis and 1 elsewhere (broadcasts per channel)',
    params: [T('t'), I('axis'), I('rank')],
    result: 'tensor',
    fn: along,
  }),
  defineHelper({
    name: 'all_equal',
    doc: 'every element of t equals v (e.g. all zero points 0)',
    params: [T('t'), F('v')],
    result: 'bool',
    fn: (t, v) => {
      for (let i = 0; i < t.data.length; i++) if (Number(t.data[i]) !== v) return false;
      return true;
    },
  }),
  ...FOLD_HELPERS,
  ...QUANT_HELPERS,
  ...VALUE_HELPERS,
];

/** The registry pattern files see unless the caller passes its own (usually a child of this one). */
export const defaultHelpers = new HelperRegistry().register(...BUILTIN_HELPERS);

// Built-in functions that look at the matched graph rather than at data: types, shapes, uses,
// quantization parameters. (Pure data functions are helpers, see helpers/builtins.ts; `present`
// is handled by the expression checker because it accepts values that may be absent.)
import { sameQuant } from '../../ir/types.js';
import type { Base, RtVal } from '../lang/types.js';
import type { ValueRef } from '../lang/types.js';
import type { ValueId } from '../../ir/numbered/index.js';
import type { EvalCtx } from '../engine/program.js';
import { LUT_INTRINSICS } from './lut-table.js';

/** `value`: a capture; `node`: a capture bound to a matched node; `list`: ints, floats, strings or values (%xs...). */
export type IParam = 'value' | 'node' | 'int' | 'list';

export interface Intrinsic {
  name: string;
  doc: string;
  params: readonly IParam[];
  result: Base;
  run(ctx: EvalCtx, args: RtVal[]): RtVal;
}

const id = (v: RtVal): ValueId => (v as ValueRef).id;
const typeOf = (ctx: EvalCtx, v: RtVal) => ctx.g.type(id(v))!;

function axisOf(rank: number, i: number): number {
  const a = i < 0 ? i + rank : i;
  if (a < 0 || a >= rank) throw new Error(`axis ${i} is out of range for rank ${rank}`);
  return a;
}

export const INTRINSICS: Intrinsic[] = [
  { name: 'rank', doc: 'number of dimensions', params: ['value'], result: 'int', run: (c, [v]) => typeOf(c, v).shape.length },
  {
    name: 'dim',
    doc: 'size of dimension i (negative counts from the end)',
    params: ['value', 'int'],
    result: 'int',
    run: (c, [v, i]) => {
      const s = typeOf(c, v).shape;
      return s[axisOf(s.length, i as number)]!;
    },
  },
  { name: 'shape', doc: 'the dimensions', params: ['value'], result: 'ints', run: (c, [v]) => [...typeOf(c, v).shape] },
  { name: 'dtype', doc: 'the element type', params: ['value'], result: 'dtype', run: (c, [v]) => typeOf(c, v).dtype },
  { name: 'numel', doc: 'number of elements', params: ['value'], result: 'int', run: (c, [v]) => typeOf(c, v).shape.reduce((a, b) => a * b, 1) },
  { name: 'is_const', doc: 'the value is a constant (initializer)', params: ['value'], result: 'bool', run: (c, [v]) => c.g.constant(id(v)) !== undefined },
  { name: 'uses', doc: 'use sites: operand slots of all nodes, plus one if it is a graph output', params: ['value'], result: 'int', run: (c, [v]) => c.g.useSites(id(v)) },
  { name: 'users', doc: 'distinct nodes using the value', params: ['value'], result: 'int', run: (c, [v]) => c.g.userNodes(id(v)).length },
  { name: 'one_use', doc: 'exactly one use site (and not a graph output)', params: ['value'], result: 'bool', run: (c, [v]) => c.g.useSites(id(v)) === 1 },
  { name: 'is_output', doc: 'the value is a graph output', params: ['value'], result: 'bool', run: (c, [v]) => c.g.isOutput(id(v)) },
  {
    name: 'same_quant',
    doc: 'both values carry equal quantization params (scale, zero point, axis), or neither has any',
    params: ['value', 'value'],
    result: 'bool',
    run: (c, [a, b]) => sameQuant(typeOf(c, a).quant, typeOf(c, b).quant),
  },
  { name: 'is_quantized', doc: 'the value type carries quantization params', params: ['value'], result: 'bool', run: (c, [v]) => !!typeOf(c, v).quant },
  { name: 'scale', doc: 'quantization scales ([] when not quantized)', params: ['value'], result: 'floats', run: (c, [v]) => [...(typeOf(c, v).quant?.scale ?? [])] },
  {
    name: 'zero_point',
    doc: 'quantization zero points ([] when not quantized)',
    params: ['value'],
    result: 'ints',
    run: (c, [v]) => [...(typeOf(c, v).quant?.zeroPoint ?? [])],
  },
  { name: 'quant_axis', doc: 'per-channel quantization axis, -1 when per-tensor or not quantized', params: ['value'], result: 'int', run: (c, [v]) => typeOf(c, v).quant?.axis ?? -1 },
  { name: 'op', doc: 'the op name of a matched node (to tell alternatives apart)', params: ['node'], result: 'string', run: (c, [v]) => c.g.op(c.g.producer(id(v))) },
  { name: 'len', doc: 'length of a list', params: ['list'], result: 'int', run: (_c, [l]) => (l as unknown[]).length },
  ...LUT_INTRINSICS,
];

export const INTRINSIC_BY_NAME = new Map(INTRINSICS.map((i) => [i.name, i]));

/** `present(x)`: documented with the intrinsics, checked by the expression checker. */
export const PRESENT_DOC = 'the optional operand, node, capture or attribute x is there';

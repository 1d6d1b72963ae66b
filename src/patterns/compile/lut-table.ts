// The tables of qlut ops, for the pattern intrinsics lut_table / channel_lut_table (the matched
// nodes from a dequantize %d to a quantize %y: sigmoid, x·sigmoid(x), erf(x/√2), batch_norm…),
// lut_of (an integer op of one 8-bit operand and scalar constants), lut_from (an integer chain
// from one 8-bit value) and lut_then (a qlut's table
// mapped by the op after it). The nodes are run by their own interpreter kernels on every value the
// 8-bit input can hold, so a table holds exactly what the graph computes, rounding and clamping
// included.
import { dtypeRange, type DType } from '../../ir/dtype.js';
import { getOp } from '../../ir/ops/index.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { numel } from '../../ir/types.js';
import { LUT_SIZE } from '../../ir/ops/quantized.js';
import { NONE, type NumberedGraph, type ValueId } from '../../ir/numbered/index.js';
import type { ValueRef } from '../lang/types.js';
import type { Intrinsic } from './intrinsics.js';

/**
 * Runs the producer of v on the node's own kernel; `at` maps values already computed. With
 * `scalars`, a constant operand must be one number (broadcast over the input, or the table would
 * mix positions); a per-channel table's pattern vouches for its constants (batch_norm's [C]).
 */
function evaluate(g: NumberedGraph, v: ValueId, at: Map<ValueId, Tensor>, scalars: boolean): Tensor {
  const known = at.get(v) ?? g.constant(v);
  if (known) {
    if (scalars && !at.has(v) && numel(known.shape) !== 1) throw new Error(`lookup table: constant '${g.valueName(v)}' has ${numel(known.shape)} elements; only scalars keep the function elementwise`);
    return known;
  }
  const n = g.producer(v);
  if (n === NONE) throw new Error(`lookup table: '${g.valueName(v)}' is not computed from the 8-bit input`);
  const def = getOp(g.op(n))!, attrs = g.attrs(n);
  // a qlut's table (operand 1) is indexed by the values, not broadcast against them
  const ins = g.operands(n).map((u, i) => (u === NONE ? undefined : evaluate(g, u, at, scalars && !(g.op(n) === 'qlut' && i === 1))));
  const types = def.infer({ inputs: ins.map((t) => t && { dtype: t.dtype, shape: t.shape }), attrs });
  const outs = def.kernel(ins, attrs, types);
  for (let i = 0; i < outs.length; i++) at.set(g.result(n, i), outs[i]!);
  return at.get(v)!;
}

/** Every value of an 8-bit dtype, in order: [dtype_min, …, dtype_max]. */
const everyValue = (dtype: DType): Tensor => tensor(dtype, [LUT_SIZE], Array.from({ length: LUT_SIZE }, (_, i) => dtypeRange(dtype)[0] + i));

/**
 * table[i] = the quantize's result for input value dtype_min + i; with a channel axis,
 * table[c][i] for channel c, from a tensor holding the 256 values next to the channel axis
 * ([1, C, 256, 1] for NCHW and axis 1; [256, C] for [N, C]), so per-channel parameters apply.
 */
export function lutTable(g: NumberedGraph, d: ValueId, y: ValueId, axis?: number): Tensor {
  const dq = g.producer(d), x = g.operand(dq, 0), xt = g.type(x)!;
  const lo = dtypeRange(xt.dtype)[0], rank = xt.shape.length;
  const ax = axis === undefined ? -1 : axis < 0 ? axis + rank : axis;
  if (axis !== undefined && (ax < 0 || ax >= rank || rank < 2)) throw new Error(`lut_table: channel axis ${axis} does not fit x [${xt.shape.join(',')}]`);
  const C = ax < 0 ? 1 : xt.shape[ax]!, last = ax === rank - 1;
  const shape = ax < 0 ? [LUT_SIZE] : xt.shape.map((_, i) => (i === ax ? C : i === (last ? ax - 1 : ax + 1) ? LUT_SIZE : 1));
  // flat position of (channel c, value k) in that tensor
  const pos = (c: number, k: number) => (last ? k * C + c : c * LUT_SIZE + k);
  let values = everyValue(xt.dtype);
  if (ax >= 0) {
    values = tensor(xt.dtype, shape);
    for (let c = 0; c < C; c++) for (let k = 0; k < LUT_SIZE; k++) values.data[pos(c, k)] = lo + k;
  }
  const out = evaluate(g, y, new Map<ValueId, Tensor>([[x, values]]), ax < 0);
  if (out.shape.join() !== shape.join()) throw new Error(`lut_table: the matched function changes the shape ([${out.shape.join(',')}] from [${shape.join(',')}])`);
  if (ax < 0) return out;
  const table = tensor(out.dtype, [C, LUT_SIZE]);
  for (let c = 0; c < C; c++) for (let k = 0; k < LUT_SIZE; k++) table.data[c * LUT_SIZE + k] = out.data[pos(c, k)]!;
  return table;
}

/** The table of %l = qlut(x, T) followed by the integer map %r (requantize, a one-table qlut): %r run on T. */
export function lutThen(g: NumberedGraph, l: ValueId, r: ValueId): Tensor {
  const table = g.constant(g.operand(g.producer(l), 1));
  if (!table) throw new Error(`lut_then: the table of '${g.valueName(l)}' is not a constant`);
  return evaluate(g, r, new Map([[l, table]]), false); // %r's own constant is a table (a second qlut)
}

/** The table of an integer op %n of one 8-bit operand and scalar constants: %n run on every value. */
export function lutOf(g: NumberedGraph, nv: ValueId): Tensor {
  const n = g.producer(nv), vars = g.operands(n).filter((u) => u !== NONE && !g.constant(u));
  if (vars.length !== 1) throw new Error(`lut_of: '${g.valueName(nv)}' must have exactly one operand that is not a constant`);
  const out = evaluate(g, nv, new Map([[vars[0]!, everyValue(g.type(vars[0]!)!.dtype)]]), true);
  if (out.shape.length !== 1 || out.shape[0] !== LUT_SIZE) throw new Error(`lut_of: '${g.valueName(nv)}' changes the shape ([${out.shape.join(',')}] from [${LUT_SIZE}])`);
  return out;
}

/** The table of %y as a function of the 8-bit value x alone (qmul(x, qlut(x)): SiLU lowered in two steps): every node between them run on every value of x. */
export function lutFrom(g: NumberedGraph, x: ValueId, y: ValueId): Tensor {
  const out = evaluate(g, y, new Map([[x, everyValue(g.type(x)!.dtype)]]), true);
  if (out.shape.length !== 1 || out.shape[0] !== LUT_SIZE) throw new Error(`lut_from: '${g.valueName(y)}' is not an elementwise function of '${g.valueName(x)}' ([${out.shape.join(',')}] from [${LUT_SIZE}])`);
  return out;
}

export const LUT_INTRINSICS: Intrinsic[] = [
  {
    name: 'lut_table',
    doc: 'the 256 results of the matched nodes from dequantize %d to quantize %y, run on every value of the 8-bit input (the qlut table)',
    params: ['node', 'node'],
    result: 'tensor',
    run: (c, [d, y]) => lutTable(c.g, (d as ValueRef).id, (y as ValueRef).id),
  },
  {
    name: 'channel_lut_table',
    doc: 'lut_table per channel along axis: [C, 256] (per-channel functions such as batch_norm)',
    params: ['node', 'node', 'int'],
    result: 'tensor',
    run: (c, [d, y, axis]) => lutTable(c.g, (d as ValueRef).id, (y as ValueRef).id, axis as number),
  },
  {
    name: 'lut_of',
    doc: 'the 256 results of the integer op %n (one 8-bit operand, the others scalar constants) on every value of that operand',
    params: ['node'],
    result: 'tensor',
    run: (c, [n]) => lutOf(c.g, (n as ValueRef).id),
  },
  {
    name: 'lut_from',
    doc: 'the 256 results of node %y computed from the 8-bit value %x alone, for every value %x can hold (an integer chain such as qmul(x, qlut(x)))',
    params: ['value', 'node'],
    result: 'tensor',
    run: (c, [x, y]) => lutFrom(c.g, (x as ValueRef).id, (y as ValueRef).id),
  },
  {
    name: 'lut_then',
    doc: 'the table of qlut %l with the elementwise integer op %r applied to its entries (one lookup instead of two steps)',
    params: ['node', 'node'],
    result: 'tensor',
    run: (c, [l, r]) => lutThen(c.g, (l as ValueRef).id, (r as ValueRef).id),
  },
];

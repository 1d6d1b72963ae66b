// lut_table(%d, %y): the 256-entry table of a qlut op (and lut_then: a qlut's table mapped by the integer op after it). The matched nodes between a dequantize %d
// and a quantize %y (an elementwise function of one 8-bit tensor: sigmoid, x·sigmoid(x), x/√2…)
// are run by their own interpreter kernels on every value the 8-bit input can hold, so the table
// holds exactly what the dq → f → q graph computes, rounding and clamping included.
import { dtypeRange } from '../../ir/dtype.js';
import { getOp } from '../../ir/ops/index.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { numel } from '../../ir/types.js';
import { LUT_SIZE } from '../../ir/ops/quantized.js';
import { NONE, type ValueId } from '../engine/ids.js';
import type { WorkGraph } from '../engine/work-graph.js';
import { ValueRef } from '../lang/types.js';
import type { Intrinsic } from './intrinsics.js';

/** Runs the producer of v on the node's own kernel; `at` maps values already computed. */
function evaluate(g: WorkGraph, v: ValueId, at: Map<ValueId, Tensor>): Tensor {
  const known = at.get(v) ?? g.constant(v);
  if (known) {
    // A constant operand broadcast over the input must be one number, or the table would mix positions.
    if (!at.has(v) && numel(known.shape) !== 1) throw new Error(`lut_table: constant '${g.valueName(v)}' has ${numel(known.shape)} elements; only scalars keep the function elementwise`);
    return known;
  }
  const n = g.producer(v);
  if (n === NONE) throw new Error(`lut_table: '${g.valueName(v)}' is not computed from the dequantize`);
  const def = getOp(g.op(n))!, attrs = g.attrs(n);
  const ins = g.operands(n).map((u) => (u === NONE ? undefined : evaluate(g, u, at)));
  const types = def.infer({ inputs: ins.map((t) => t && { dtype: t.dtype, shape: t.shape }), attrs });
  const outs = def.kernel(ins, attrs, types);
  for (let i = 0; i < outs.length; i++) at.set(g.result(n, i), outs[i]!);
  return at.get(v)!;
}

/** table[i] = the quantize's result for input value dtype_min + i. */
export function lutTable(g: WorkGraph, d: ValueId, y: ValueId): Tensor {
  const dq = g.producer(d), x = g.operand(dq, 0), xt = g.type(x)!;
  const lo = dtypeRange(xt.dtype)[0];
  const values = tensor(xt.dtype, [LUT_SIZE], Array.from({ length: LUT_SIZE }, (_, i) => lo + i));
  const at = new Map<ValueId, Tensor>([[x, values]]);
  const out = evaluate(g, y, at);
  if (out.shape.length !== 1 || out.shape[0] !== LUT_SIZE) throw new Error(`lut_table: the matched function changes the shape ([${out.shape.join(',')}] from [${LUT_SIZE}])`);
  return out;
}

/** The table of %l = qlut(x, T) followed by the integer map %r (requantize, a clamp): %r run on T. */
export function lutThen(g: WorkGraph, l: ValueId, r: ValueId): Tensor {
  const table = g.constant(g.operand(g.producer(l), 1));
  if (!table) throw new Error(`lut_then: the table of '${g.valueName(l)}' is not a constant`);
  return evaluate(g, r, new Map([[l, table]]));
}

export const LUT_THEN_INTRINSIC: Intrinsic = {
  name: 'lut_then',
  doc: 'the table of qlut %l with the elementwise integer op %r applied to its entries (one lookup instead of two steps)',
  params: ['node', 'node'],
  result: 'tensor',
  run: (c, [l, r]) => lutThen(c.g, (l as ValueRef).id, (r as ValueRef).id),
};

export const LUT_INTRINSIC: Intrinsic = {
  name: 'lut_table',
  doc: 'the 256 results of the matched nodes from dequantize %d to quantize %y, run on every value of the 8-bit input (the qlut table)',
  params: ['node', 'node'],
  result: 'tensor',
  run: (c, [d, y]) => lutTable(c.g, (d as ValueRef).id, (y as ValueRef).id),
};

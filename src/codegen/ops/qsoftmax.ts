// qsoftmax (src/ir/ops/quantized-softmax.ts): rows of the last axis in plain layout, the op's exp
// table as a static uint32 array, one qf_qsoftmax (qforge_kernels.h) over all rows, split over the threads by rows.
import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { qsoftmaxTable } from '../../ir/ops/quantized-softmax.js';
import { numel } from '../../ir/types.js';
import { f64lit } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { kernelForm } from '../plan/forms.js';
import { attrsOf, outQuant, type OpEmitter } from './util.js';

function qsoftmax(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!, xt = L.type(xn), yt = L.type(yn);
  const x = L.need(xn, kernelForm(xt.dtype, 'plain')), y = L.define(yn, yt, kernelForm(yt.dtype, 'plain'));
  const n = xt.shape[xt.shape.length - 1]!, rows = n ? numel(xt.shape) / n : 0, oq = outQuant(a, yt.dtype as DType);
  const table = L.pool.decl(`${node.name}_exp`, 'uint32_t', `{${qsoftmaxTable(a.x_scale as number).join(',')}}`, '[256]');
  const e = L.scratch(4 * Math.max(1, n), `${node.name}_e`, { perThread: true });
  L.emit(`${rows} rows of ${n}`, [
    `qf_par_qsoftmax(ctx, ${rows}, ${n}, ${x.cname}, ${table}, ${f64lit(a.y_scale as number)}, ${oq.zp}, ${oq.qmin}, ${oq.qmax}, ${y.cname}, ${e});`,
  ]);
}

export const QSOFTMAX_EMITTERS: Record<string, OpEmitter> = { qsoftmax: { emit: qsoftmax } };

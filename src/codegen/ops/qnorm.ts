// qlayernorm (src/ir/ops/quantized-norm.ts): rows of the last axis in plain layout, gamma and beta
// as static float arrays, one qf_qlayernorm (qforge_kernels.h) over all rows, split over the threads by rows.
import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import { numel } from '../../ir/types.js';
import { f32lit, f64lit } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { kernelForm } from '../plan/forms.js';
import { attrsOf, outQuant, shiftOf, type OpEmitter } from './util.js';

function qlayernorm(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, gn, bn] = node.inputs as [string, string, string], yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn), n = xt.shape[xt.shape.length - 1]!, rows = n ? numel(xt.shape) / n : 0;
  const x = L.need(xn, kernelForm(xt.dtype, 'plain')), y = L.define(yn, yt, kernelForm(yt.dtype, 'plain'));
  const floats = (v: string, hint: string) => L.pool.decl(`${node.name}_${hint}`, 'float', `{${Array.from(L.constTensor(v)!.data as Float32Array, f32lit).join(',')}}`, `[${Math.max(1, n)}]`);
  const oq = outQuant(a, yt.dtype as DType), inv = f32lit(fround(1 / (a.y_scale as number)));
  L.emit(`${rows} rows of ${n}`, [
    `qf_par_qlayernorm(ctx, ${rows}, ${n}, ${x.cname}, ${f64lit(a.x_scale as number)}, ${(a.x_zero_point as number) + shiftOf(xt.dtype)}, ${f64lit(a.epsilon as number)}, ${floats(gn, 'gamma')}, ${floats(bn, 'beta')}, ${inv}, ${oq.zp}, ${oq.qmin}, ${oq.qmax}, ${y.cname});`,
  ]);
}

export const QNORM_EMITTERS: Record<string, OpEmitter> = {
  qlayernorm: { emit: qlayernorm, unsupported: (n, g) => (n.inputs.slice(1).every((v) => v in g.constants) ? undefined : 'gamma and beta must be constants') },
};

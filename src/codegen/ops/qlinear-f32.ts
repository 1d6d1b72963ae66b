// qlinear_f32: the target's int32 GEMM (qf_qgemm_i32, the x zero point folded into a compile-time
// int32 bias) into a block of rows that stays in cache, then qlinear_dynamic's float epilogue
// (qf_dynamic_output with x_s = 1: fround(acc)·acc_scale[n] + b[n], clamped) into the f32 result;
// qf_par_qlinear_f32 splits the rows over the threads, each with its own block.
import { fround } from '../../ir/quant-math.js';
import { numel } from '../../ir/types.js';
import { f32Bytes, f32lit, i32Bytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { kernelForm, PLAIN } from '../plan/forms.js';
import { attrsOf, perChannel, shiftOf, type OpEmitter } from './util.js';
import type { Node } from '../../ir/graph.js';
import { centred, foldBias } from './weights.js';

/** int32 sums per row block (the accumulator block stays in L2 between the GEMM and the epilogue). */
const ACC_BYTES = 64 * 1024;

function qlinearF32(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, wn, bn] = node.inputs as [string, string, string | undefined], yn = node.outputs[0]!;
  const xt = L.type(xn), w = L.constTensor(wn)!, [N, K] = w.shape as [number, number], R = numel(xt.shape) / K;
  const xz = (a.x_zero_point as number) + shiftOf(xt.dtype);
  const [wp, b32, sc] = L.pool.memo(`${node.name}\u0000f32`, () => {
    const wc = centred(node, w, a.w_zero_point as number[], (i) => Math.floor(i / K));
    return [L.pool.bytes(`${node.name}_w`, L.target.packGemm(wc, N, K)), L.pool.bytes(`${node.name}_bias32`, i32Bytes(foldBias(node, wc, N, K, undefined, xz))),
      L.pool.bytes(`${node.name}_scale`, f32Bytes(perChannel(a.acc_scale as number[], N)))];
  });
  // The GEMM over-reads rows of x: it must sit in the arena (slack), not in the caller's buffer.
  const x = L.need(xn, kernelForm(xt.dtype, 'plain'), { arena: true }), b = bn ? L.need(bn, PLAIN) : undefined;
  const y = L.define(yn, L.type(yn), PLAIN);
  const RB = Math.max(1, Math.min(R, Math.floor(ACC_BYTES / (4 * N))));
  const acc = L.scratch(RB * N * 4, `${node.name}_acc`, { perThread: true });
  const lo = f32lit(fround(a.clamp_min as number)), hi = f32lit(fround(a.clamp_max as number));
  L.emit(`${R}x${K} x ${K}x${N}, f32 result`, [
    `qf_par_qlinear_f32(ctx, ${R}, ${N}, ${K}, ${x.cname}, ${wp}, (const int32_t *)${b32}, ${RB}, 1.0f, (const float *)${sc}, ${b ? b.cname : 'NULL'}, ${lo}, ${hi}, ${y.cname}, ${acc});`,
  ]);
}

export const QLINEAR_F32_EMITTERS: Record<string, OpEmitter> = {
  qlinear_f32: {
    emit: qlinearF32,
    unsupported: (n, g) => (n.inputs[1]! in g.constants ? undefined : 'weights must be constants (they are packed at compile time)'),
  },
};

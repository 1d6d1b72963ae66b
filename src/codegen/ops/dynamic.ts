// qlinear_dynamic: x is quantized at run time from its own min/max (qf_dynamic_qparams), multiplied
// by the packed int8 weights with the ordinary int32 GEMM (bias = -x_zp·colsum, known only at run
// time), and the float epilogue scales by x_s·w_s[n] and adds the float bias; the quantize and the
// GEMM with its epilogue run split over the threads (qf_par_quantize_u8, qf_par_qlinear_f32).
import type { DType } from '../../ir/dtype.js';
import { dtypeRange } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import { numel } from '../../ir/types.js';
import { f32Bytes, f32lit, i32Bytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { PLAIN } from '../plan/forms.js';
import { attrsOf, nodeFail, perChannel, shiftOf, type OpEmitter } from './util.js';
import { centred } from './weights.js';

function qlinearDynamic(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, wn, bn] = node.inputs as [string, string, string | undefined], yn = node.outputs[0]!;
  const xt = L.type(xn), w = L.constTensor(wn)!, [N, K] = w.shape as [number, number], R = numel(xt.shape) / K;
  const xd = a.x_dtype as DType, s = shiftOf(xd), [lo, hi] = dtypeRange(xd);
  const qmin = (a.x_qmin as number | undefined) ?? lo, qmax = (a.x_qmax as number | undefined) ?? hi;
  const [wsym, colsum, ws] = L.pool.memo(`${node.name}\u0000dynamic`, () => {
    const wc = centred(node, w, a.w_zero_point as number[], (i) => Math.floor(i / K));
    const sums = Array.from({ length: N }, (_, n) => wc.subarray(n * K, (n + 1) * K).reduce((p, q) => p + q, 0));
    sums.forEach((sum, n) => {
      let abs = 0;
      for (let k = 0; k < K; k++) abs += Math.abs(wc[n * K + k]!);
      if (255 * (Math.abs(sum) + abs) >= 2 ** 31) nodeFail('CODEGEN_OVERFLOW', node, `output channel ${n}: the int32 accumulator may overflow (K = ${K})`);
    });
    return [L.pool.bytes(`${node.name}_w`, L.target.packGemm(wc, N, K)), L.pool.bytes(`${node.name}_colsum`, i32Bytes(sums)),
      L.pool.bytes(`${node.name}_wscale`, f32Bytes(perChannel(a.w_scale as number[], N)))];
  });
  const x = L.need(xn, PLAIN), b = bn ? L.need(bn, PLAIN) : undefined;
  const y = L.define(yn, L.type(yn), PLAIN);
  // int32 sums per block of rows of a thread's range (qf_par_qlinear_f32): 64 KiB, as qlinear_f32's
  const RB = Math.max(1, Math.min(R, Math.floor((64 * 1024) / (4 * N))));
  const xq = L.scratch(R * K, `${node.name}_xq`), bias = L.scratch(N * 4, `${node.name}_bias`), acc = L.scratch(RB * N * 4, `${node.name}_acc`, { perThread: true });
  L.emit(`${R}x${K} x ${K}x${N}, x quantized at run time to ${xd} [${qmin}, ${qmax}]`, [
    '{',
    '  float xs, inv;',
    '  int32_t xz;',
    `  qf_dynamic_qparams(${R * K}, ${x.cname}, ${qmin}, ${qmax}, ${f32lit(fround(a.eps as number))}, &xs, &xz);`,
    `  inv = 1.0f / xs;`,
    `  xz += ${s};`,
    `  qf_par_quantize_u8(ctx, ${R * K}, 1, 1, ${x.cname}, &inv, &xz, ${qmin + s}, ${qmax + s}, ${xq});`,
    `  qf_dynamic_bias(${N}, xz, (const int32_t *)${colsum}, (int32_t *)${bias});`,
    `  qf_par_qlinear_f32(ctx, ${R}, ${N}, ${K}, ${xq}, ${wsym}, (const int32_t *)${bias}, ${RB}, xs, (const float *)${ws}, ${b ? b.cname : 'NULL'}, ${f32lit(fround(a.clamp_min as number))}, ${f32lit(fround(a.clamp_max as number))}, ${y.cname}, ${acc});`,
    '}',
  ]);
}

export const DYNAMIC_EMITTERS: Record<string, OpEmitter> = {
  qlinear_dynamic: {
    emit: qlinearDynamic,
    unsupported: (n, g) => (n.inputs[1]! in g.constants ? undefined : 'weights must be constants (they are packed at compile time)'),
  },
};

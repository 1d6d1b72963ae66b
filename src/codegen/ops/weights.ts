// Compile-time weight work for the accumulating ops: remove the weight zero point (the result must
// fit int8: kernels multiply u8 activations by s8 weights), fold the activation zero point into the
// bias (bias'[n] = bias[n] - x_zp·Σk W[n][k], so padding filled with x_zp and the stored u8 domain
// need no run-time correction), prove the int32 accumulator cannot overflow, and emit qf_rq.
import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Lowering } from '../emit/lower.js';
import { f32Bytes, i32Bytes } from '../emit/consts.js';
import { nodeFail, type OutQuant } from './util.js';

/** w[i] - wz[channelOf(i)] as int8, or a QF4006 error naming the first channel that does not fit. */
export function centred(node: Node, w: Tensor, wz: readonly number[], channelOf: (i: number) => number): Int8Array {
  const out = new Int8Array(w.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = channelOf(i), z = wz.length === 1 ? wz[0]! : wz[c]!;
    const v = Number(w.data[i]) - z;
    if (v < -128 || v > 127)
      nodeFail('CODEGEN_WEIGHT_ZERO', node, `weight ${Number(w.data[i])} minus zero point ${z} (output channel ${c}) is ${v}, outside int8`,
        'quantize weights symmetrically (zero point 0) or with a zero point that keeps w - zp within [-128, 127]');
    out[i] = v;
  }
  return out;
}

/**
 * bias'[n] = bias[n] - xz·Σk W[n][k] for W as rows [N][K] (rowOf maps (n, k) to the flat index), and
 * the proof that |bias'| + 255·Σk |W[n][k]| < 2^31 (so any summation order is exact in int32).
 */
export function foldBias(node: Node, w: Int8Array, N: number, K: number, bias: ArrayLike<number> | undefined, xz: number, rowOf = (n: number, k: number) => n * K + k): number[] {
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    let sum = 0, abs = 0;
    for (let k = 0; k < K; k++) {
      const v = w[rowOf(n, k)]!;
      sum += v;
      abs += Math.abs(v);
    }
    const b = (bias ? Number(bias[n]) : 0) - xz * sum;
    if (Math.abs(b) + 255 * abs >= 2 ** 31)
      nodeFail('CODEGEN_OVERFLOW', node, `output channel ${n}: |bias| + 255·Σ|w| = ${Math.abs(b) + 255 * abs} may overflow the int32 accumulator (K = ${K})`,
        'split the reduction (smaller K per op) or reduce the bias');
    out.push(b);
  }
  return out;
}

/** static const qf_rq entries for groups of `per` channels (one struct when groups = 1). */
export function rqDecl(L: Lowering, hint: string, bias: number[], mult: number[], oq: OutQuant, groups = 1): string {
  const b = L.pool.bytes(`${hint}_bias`, i32Bytes(bias));
  const m = L.pool.bytes(`${hint}_mult`, f32Bytes(mult));
  const per = bias.length / groups;
  const one = (g: number) => `{(const int32_t *)(${b} + ${g * per * 4}), (const float *)(${m} + ${g * per * 4}), ${oq.zp}, ${oq.qmin}, ${oq.qmax}}`;
  if (groups === 1) return L.pool.decl(`${hint}_rq`, 'qf_rq', one(0));
  return L.pool.decl(`${hint}_rq`, 'qf_rq', `{${Array.from({ length: groups }, (_, g) => one(g)).join(',\n  ')}}`, `[${groups}]`);
}

/** Packed blobs of several groups and a table of pointers to them; returns the table symbol. */
export function packedTable(L: Lowering, hint: string, blobs: Uint8Array[]): string {
  const syms = blobs.map((p, g) => L.pool.bytes(`${hint}_w${blobs.length > 1 ? g : ''}`, p));
  return L.pool.decl(`${hint}_wp`, 'void *const', `{${syms.join(', ')}}`, `[${syms.length}]`);
}

// qlinear_weight_only: the int8/int4 weight is packed at compile time into panels of QF_WO_NR
// output rows (int4 two per byte), with per-group scales and zero points laid out per panel, and
// qf_wo_linear_run (qforge_weight_only.c) dequantizes a panel block into float scratch and
// multiplies it, summing as the interpreter's gemm does (bit-exact); qf_par_wo_linear splits the
// panels over the ctx's threads, each with its own scratch.
import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import type { Tensor } from '../../ir/tensor.js';
import { numel } from '../../ir/types.js';
import { f32Bytes, f64Bytes, f64lit } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { PLAIN } from '../plan/forms.js';
import { attrsOf, type OpEmitter } from './util.js';

const NR = 16, KC = 256;

/** q − zp is kept; unsigned values and zero points are stored shifted into the signed range. */
const SHIFT: Partial<Record<DType, number>> = { u8: 128, u4: 8 };

export interface PackedWeightOnly {
  bits: 8 | 4;
  G: number;
  w: Uint8Array;
  /** [panel][group][NR] */
  scale: number[];
  /** [panel][group][NR], or undefined when every zero point is 0. */
  zp?: Int8Array;
}

/**
 * Panels of NR rows of the [N, K] weight (the last padded with weight 0, scale 1, zero point 0):
 * k-major int8 [K][NR], or int4 [K][NR/2] with row j < NR/2 in the low nibble of byte j and row
 * NR/2 + j in its high nibble (so each half unpacks into contiguous lanes). Scales: one, one per row,
 * or N·K/G per group (row-major [N][K/G]).
 */
export function packWeightOnly(w: Tensor, scale: readonly number[], zeroPoint: readonly number[], groupSize: number | undefined): PackedWeightOnly {
  const [N, K] = w.shape as [number, number];
  const bits = w.dtype === 'i4' || w.dtype === 'u4' ? 4 : 8, shift = SHIFT[w.dtype] ?? 0;
  const G = groupSize ?? Math.max(K, 1), groups = K / G, panels = Math.ceil(N / NR);
  const at = (n: number, g: number) => (scale.length === 1 ? 0 : groupSize === undefined ? n : n * groups + g);
  const out = new Uint8Array(panels * K * (bits === 8 ? NR : NR / 2));
  const sc = new Array<number>(panels * groups * NR).fill(1), zp = new Int8Array(panels * groups * NR);
  for (let n = 0; n < N; n++) {
    const p = Math.floor(n / NR), j = n % NR;
    for (let g = 0; g < groups; g++) {
      sc[(p * groups + g) * NR + j] = scale[at(n, g)]!;
      zp[(p * groups + g) * NR + j] = zeroPoint[at(n, g)]! - shift;
    }
    for (let k = 0; k < K; k++) {
      const q = Number(w.data[n * K + k]) - shift;
      if (bits === 8) out[(p * K + k) * NR + j] = q & 255;
      else out[(p * K + k) * (NR / 2) + (j % (NR / 2))]! |= (q & 15) << (j < NR / 2 ? 0 : 4);
    }
  }
  return { bits, G, w: out, scale: sc, ...(zp.some((z) => z !== 0) ? { zp } : {}) };
}

function qlinearWeightOnly(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, wn, bn] = node.inputs as [string, string, string | undefined], yn = node.outputs[0]!;
  const w = L.constTensor(wn)!, [N, K] = w.shape as [number, number], R = numel(L.type(xn).shape) / Math.max(K, 1);
  const params = L.pool.memo(`${node.name}\u0000weight-only`, () => {
    const p = packWeightOnly(w, a.scale as number[], a.zero_point as number[], a.group_size as number | undefined);
    const f32 = p.scale.every((s) => fround(s) === s);
    const ws = L.pool.bytes(`${node.name}_w`, p.w);
    const scale = f32 ? L.pool.bytes(`${node.name}_scale`, f32Bytes(p.scale)) : L.pool.bytes(`${node.name}_scale64`, f64Bytes(p.scale));
    const zp = p.zp ? `(const int8_t *)${L.pool.bytes(`${node.name}_zp`, new Uint8Array(p.zp.buffer))}` : 'NULL';
    return { p, ws, scale: f32 ? `(const float *)${scale}, NULL` : `NULL, (const double *)${scale}`, zp };
  });
  const x = L.need(xn, PLAIN), b = bn ? L.need(bn, PLAIN) : undefined;
  const y = L.define(yn, L.type(yn), PLAIN);
  // The dequantized block (min(K, KC)·NR floats, a multiple of 8 bytes), then R·NR double sums; per thread.
  const scratch = L.scratch(Math.min(K, KC) * NR * 4 + R * NR * 8, `${node.name}_wo`, { perThread: true });
  const { p } = params;
  // The struct names the bias buffer, so it is built at run time, not as a static constant.
  L.emit(`${R}x${K} x ${K}x${N}, int${p.bits} weights${a.group_size !== undefined ? `, groups of ${p.G}` : ''}, dequantized per ${NR}-row panel`, [
    '{',
    `  const qf_wo_linear p = {${N}, ${K}, ${p.G}, ${p.bits}, ${params.ws}, ${params.scale}, ${params.zp}, ${b ? b.cname : 'NULL'},`,
    `                         ${f64lit(a.alpha as number)}, ${f64lit(a.beta as number)}, ${f64lit(a.clamp_min as number)}, ${f64lit(a.clamp_max as number)}};`,
    `  qf_par_wo_linear(ctx, &p, ${R}, ${x.cname}, ${y.cname}, ${scratch});`,
    '}',
  ]);
}

export const WEIGHT_ONLY_EMITTERS: Record<string, OpEmitter> = {
  qlinear_weight_only: {
    emit: qlinearWeightOnly,
    unsupported: (n, g) => (n.inputs[1]! in g.constants ? undefined : 'weights must be constants (they are packed at compile time)'),
  },
};

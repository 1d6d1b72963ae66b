// Batched matmul (NumPy broadcasting of batch dims): qmatmul on two u8 activations, and float
// matmul/gemm, with compile-time batch offsets: qmatmul is one qf_par_qmatmul over all batch matrices
// (split over (batch, row) pairs), float matmul on a constant 2-D B one packed GEMM (split over column
// panels), on any other B one qf_par_fmatmul (split over (batch, row) pairs like qmatmul).
import { broadcastStrides } from '../../ir/compute/broadcast.js';
import { matmulShapes } from '../../ir/compute/matmul.js';
import type { Node } from '../../ir/graph.js';
import { numel } from '../../ir/types.js';
import { f32lit } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { kernelForm, PLAIN } from '../plan/forms.js';
import type { DType } from '../../ir/dtype.js';
import { attrsOf, outQuant, shiftOf, type OpEmitter } from './util.js';
import { requantScaleIssue } from './qelementwise.js';
import { colPanels, colPanelsSize, paddedBias } from './fpack.js';

interface Batch {
  M: number;
  K: number;
  N: number;
  /** Element offsets of each batch matrix of a and b. */
  offsets: [number, number][];
}

function batches(as: readonly number[], bs: readonly number[]): Batch {
  const s = matmulShapes(as, bs);
  const M = s.a[s.a.length - 2]!, K = s.a[s.a.length - 1]!, N = s.b[s.b.length - 1]!;
  const sa = broadcastStrides(s.batch, s.a.slice(0, -2)), sb = broadcastStrides(s.batch, s.b.slice(0, -2));
  const nb = numel(s.batch), idx = new Array<number>(s.batch.length).fill(0), offsets: [number, number][] = [];
  for (let i = 0; i < nb; i++) {
    let ao = 0, bo = 0;
    idx.forEach((v, d) => ((ao += v * sa[d]!), (bo += v * sb[d]!)));
    offsets.push([ao * M * K, bo * K * N]);
    for (let d = s.batch.length - 1; d >= 0 && ++idx[d]! === s.batch[d]!; d--) idx[d] = 0;
  }
  return { M, K, N, offsets };
}

/** The static table of batch offsets: uint32_t [batches][2]. */
const batchTable = (L: Lowering, node: Node, b: Batch): string =>
  L.pool.decl(`${node.name}_batch`, 'uint32_t', `{${b.offsets.map(([x, y]) => `{${x},${y}}`).join(',')}}`, `[${b.offsets.length}][2]`);

/** QF_QMATMUL_F_ROWS of qforge_kernels.h. */
const QMATMUL_F_ROWS = 64;

function qmatmul(node: Node, L: Lowering): void {
  const a = attrsOf(node), [an, bn] = node.inputs as [string, string], yn = node.outputs[0]!;
  const at = L.type(an), bt = L.type(bn), yt = L.type(yn);
  const x = L.need(an, kernelForm(at.dtype, 'plain')), w = L.need(bn, kernelForm(bt.dtype, 'plain'));
  const y = L.define(yn, yt, kernelForm(yt.dtype, 'plain'));
  const b = batches(at.shape, bt.shape), oq = outQuant(a, yt.dtype as DType);
  const az = (a.a_zero_point as number) + shiftOf(at.dtype), bz = (a.b_zero_point as number) + shiftOf(bt.dtype);
  const m = f32lit(a.requant_scale as number);
  // for each thread (every range prepares its batches' B itself): the larger of QF_QMATMUL_SCRATCH(K, N)
  // (B transposed, column sums) and the SIMD targets' QF_QMATMUL_F_SCRATCH(K, N) (B as float panels,
  // 64 rows of A and of results as floats)
  const intBytes = Math.ceil((b.K * b.N) / 4) * 4 + 4 * b.N, floatBytes = 4 * (colPanelsSize(L, b.N, b.K) + QMATMUL_F_ROWS * (b.K + b.N));
  const scratch = L.scratch(Math.max(intBytes, floatBytes), `${node.name}_bt`, { perThread: true });
  const offsets = b.offsets.length === 1 ? 'NULL' : batchTable(L, node, b);
  L.emit(`${b.offsets.length} x (${b.M}x${b.K} x ${b.K}x${b.N})`, [
    `qf_par_qmatmul(ctx, ${b.offsets.length}, ${offsets}, ${b.M}, ${b.N}, ${b.K}, ${x.cname}, ${az}, ${w.cname}, ${bz}, ${m}, ${oq.zp}, ${oq.qmin}, ${oq.qmax}, ${y.cname}, ${scratch});`,
  ]);
}

/** Float matmul on the packed GEMM (qforge_fgemm.c): a constant 2-D right operand is packed at
 *  compile time and the left one's batch rows fold into M; otherwise each batch matrix is packed at
 *  run time, by every thread that computes rows of it, into its own scratch. */
function matmul(node: Node, L: Lowering): void {
  const [an, bn] = node.inputs as [string, string], yn = node.outputs[0]!;
  const at = L.type(an), bt = L.type(bn), yt = L.type(yn);
  const x = L.need(an, PLAIN);
  const b = batches(at.shape, bt.shape);
  if (L.isConst(bn) && bt.shape.length === 2) {
    const y = L.define(yn, yt, PLAIN), M = numel(at.shape) / b.K;
    const w = colPanels(L, bn, { N: b.N, K: b.K, ks: b.N, ns: 1 }, node.name).ptr;
    L.emit(`${M}x${b.K} x ${b.K}x${b.N}, packed`, [`qf_par_fgemm_packed(ctx, ${M}, ${b.N}, ${b.K}, ${x.cname}, ${b.K}, ${w}, NULL, -INFINITY, INFINITY, ${y.cname}, ${b.N});`]);
    return;
  }
  const w = L.need(bn, PLAIN), s = L.scratch(colPanelsSize(L, b.N, b.K) * 4, `${node.name}_bp`, { perThread: true }), y = L.define(yn, yt, PLAIN);
  const offsets = b.offsets.length === 1 ? 'NULL' : batchTable(L, node, b);
  L.emit(`${b.offsets.length} x (${b.M}x${b.K} x ${b.K}x${b.N})`, [
    `qf_par_fmatmul(ctx, ${b.offsets.length}, ${offsets}, ${b.M}, ${b.N}, ${b.K}, ${x.cname}, ${w.cname}, ${y.cname}, ${s});`,
  ]);
}

/** The bias row of a gemm whose C is a constant broadcast along rows ([N], [1, N] or a scalar): beta·C. */
function gemmBias(L: Lowering, cn: string | undefined, N: number, beta: number): number[] | null | undefined {
  if (!cn) return undefined;
  const t = L.constTensor(cn), shape = L.type(cn).shape;
  if (!t || numel(shape) > N || (numel(shape) !== 1 && shape[shape.length - 1] !== N)) return null;
  return Array.from({ length: N }, (_, n) => Math.fround(beta * Number(t.data[numel(shape) === 1 ? 0 : n])));
}

function gemm(node: Node, L: Lowering): void {
  const a = attrsOf(node), [an, bn, cn] = node.inputs as [string, string, string | undefined], yn = node.outputs[0]!;
  const at = L.type(an), yt = L.type(yn);
  const ta = a.trans_a as boolean, tb = a.trans_b as boolean;
  const [M, N] = yt.shape as [number, number], K = ta ? at.shape[0]! : at.shape[1]!;
  const bias = gemmBias(L, cn, N, a.beta as number), lo = f32lit(a.clamp_min as number), hi = f32lit(a.clamp_max as number);
  if (!ta && L.isConst(bn) && bias !== null) {
    // Linear layers: packed constant weights, alpha folded into them (exact when alpha = 1, as exported)
    const x = L.need(an, PLAIN), y = L.define(yn, yt, PLAIN);
    const w = colPanels(L, bn, { N, K, ks: tb ? 1 : N, ns: tb ? K : 1 }, node.name, a.alpha as number).ptr;
    const bp = bias ? paddedBias(L, bias, N, node.name) : 'NULL';
    L.emit(`${M}x${K} x ${K}x${N}${tb ? ', b transposed' : ''}, packed`, [`qf_par_fgemm_packed(ctx, ${M}, ${N}, ${K}, ${x.cname}, ${K}, ${w}, ${bp}, ${lo}, ${hi}, ${y.cname}, ${N});`]);
    return;
  }
  const x = L.need(an, PLAIN), w = L.need(bn, PLAIN);
  const c = cn ? L.need(cn, PLAIN) : undefined;
  const y = L.define(yn, yt, PLAIN);
  const [ars, acs] = ta ? [1, M] : [K, 1], [brs, bcs] = tb ? [1, K] : [N, 1];
  const [crs, ccs] = c ? broadcastStrides([M, N], L.type(cn!).shape) : [0, 0];
  L.emit(`${M}x${K} x ${K}x${N}${ta ? ', a transposed' : ''}${tb ? ', b transposed' : ''}`, [
    `qf_par_f_gemm(ctx, ${M}, ${N}, ${K}, ${x.cname}, ${ars}, ${acs}, ${w.cname}, ${brs}, ${bcs}, ${c ? c.cname : 'NULL'}, ${crs}, ${ccs}, ${f32lit(a.alpha as number)}, ${f32lit(a.beta as number)}, ${lo}, ${hi}, ${y.cname});`,
  ]);
}

export const MATMUL_EMITTERS: Record<string, OpEmitter> = {
  qmatmul: { emit: qmatmul, unsupported: (n) => requantScaleIssue([attrsOf(n).requant_scale as number]) },
  matmul: { emit: matmul },
  gemm: { emit: gemm },
};

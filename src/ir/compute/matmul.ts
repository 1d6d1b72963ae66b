// gemm (ONNX Gemm) and matmul (NumPy) on top of the blocked GEMM.
import { broadcastShapes } from '../ops/infer-util.js';
import { check, type ResolvedAttrs } from '../ops/registry.js';
import { tensor, type Tensor } from '../tensor.js';
import { numel } from '../types.js';
import { broadcastStrides } from './broadcast.js';
import { gemm, storeSink, view } from './gemm.js';

export function gemmKernel([a, b, c]: (Tensor | undefined)[], attrs: ResolvedAttrs): Tensor {
  const ta = attrs.trans_a as boolean, tb = attrs.trans_b as boolean;
  const [ar, ac] = a!.shape as [number, number], [br, bc] = b!.shape as [number, number];
  const M = ta ? ac : ar, K = ta ? ar : ac, N = tb ? br : bc;
  const out = tensor('f32', [M, N]);
  // A transpose is the same data read with swapped strides.
  const A = ta ? view(a!.data as Float32Array, 0, 1, ac) : view(a!.data as Float32Array, 0, ac, 1);
  const B = tb ? view(b!.data as Float32Array, 0, 1, bc) : view(b!.data as Float32Array, 0, bc, 1);
  let addend;
  if (c) {
    const [rs, cs] = broadcastStrides([M, N], c.shape);
    addend = view(c.data as Float32Array, 0, rs!, cs!);
  }
  const sink = storeSink(M, out.data as Float32Array, 0, N, {
    alpha: attrs.alpha as number,
    beta: attrs.beta as number,
    addend,
    lo: attrs.clamp_min as number,
    hi: attrs.clamp_max as number,
  });
  gemm(M, N, K, A, B, sink);
  return out;
}

export interface MatmulShapes {
  /** Operands as batch + [M,K] and batch + [K,N] after 1-D promotion. */
  a: number[];
  b: number[];
  batch: number[];
  out: number[];
}

/** NumPy matmul shapes: a 1-D a becomes [1,K], a 1-D b [K,1]; the promoted axes are dropped from the result. */
export function matmulShapes(as: readonly number[], bs: readonly number[]): MatmulShapes {
  check(as.length >= 1 && bs.length >= 1, `matmul: operands must have rank ≥ 1, got [${as.join(',')}] and [${bs.join(',')}]`);
  const a = as.length === 1 ? [1, as[0]!] : [...as];
  const b = bs.length === 1 ? [bs[0]!, 1] : [...bs];
  const K = a[a.length - 1]!, Kb = b[b.length - 2]!;
  check(K === Kb, `matmul: inner dimensions differ: a [${as.join(',')}] has ${K} columns, b [${bs.join(',')}] has ${Kb} rows`);
  let batch: number[];
  try {
    batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  } catch {
    check(false, `matmul: batch dimensions of [${as.join(',')}] and [${bs.join(',')}] do not broadcast`);
  }
  const out = [...batch];
  if (as.length > 1) out.push(a[a.length - 2]!);
  if (bs.length > 1) out.push(b[b.length - 1]!);
  return { a, b, batch, out };
}

export function matmulKernel(x: Tensor, y: Tensor): Tensor {
  const s = matmulShapes(x.shape, y.shape);
  const M = s.a[s.a.length - 2]!, K = s.a[s.a.length - 1]!, N = s.b[s.b.length - 1]!;
  const out = tensor('f32', s.out);
  const sa = broadcastStrides(s.batch, s.a.slice(0, -2)), sb = broadcastStrides(s.batch, s.b.slice(0, -2));
  const nb = numel(s.batch), rank = s.batch.length;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < nb; i++) {
    let ao = 0, bo = 0;
    for (let d = 0; d < rank; d++) {
      ao += idx[d]! * sa[d]!;
      bo += idx[d]! * sb[d]!;
    }
    // broadcastStrides counts whole [M,K] / [K,N] matrices as one element of the batch shape.
    const A = view(x.data as Float32Array, ao * M * K, K, 1), B = view(y.data as Float32Array, bo * K * N, N, 1);
    gemm(M, N, K, A, B, storeSink(M, out.data as Float32Array, i * M * N, N));
    for (let d = rank - 1; d >= 0 && ++idx[d]! === s.batch[d]!; d--) idx[d] = 0;
  }
  return out;
}

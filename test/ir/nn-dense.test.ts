import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { tensor, type Tensor } from '../../src/ir/index.js';
import { expectClose, randTensor, runOp } from './nn-ref.js';

/** Row-major flat index of `idx` in `shape`, with size-1 axes broadcast (right-aligned). */
function bcastIndex(shape: number[], idx: number[]): number {
  let flat = 0;
  const off = idx.length - shape.length;
  shape.forEach((d, i) => (flat = flat * d + (d === 1 ? 0 : idx[off + i]!)));
  return flat;
}

function refGemm(a: Tensor, b: Tensor, c: Tensor | undefined, at: { alpha: number; beta: number; trans_a: boolean; trans_b: boolean }) {
  const M = at.trans_a ? a.shape[1]! : a.shape[0]!, K = at.trans_a ? a.shape[0]! : a.shape[1]!;
  const N = at.trans_b ? b.shape[0]! : b.shape[1]!;
  const A = (m: number, k: number) => a.data[at.trans_a ? k * M + m : m * K + k] as number;
  const B = (k: number, n: number) => b.data[at.trans_b ? n * K + k : k * N + n] as number;
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A(m, k) * B(k, n);
      out[m * N + n] = at.alpha * s + (c ? at.beta * (c.data[bcastIndex(c.shape, [m, n])] as number) : 0);
    }
  return { shape: [M, N], data: out };
}

const gemmCase = fc.record({
  m: fc.integer({ min: 1, max: 9 }),
  n: fc.integer({ min: 1, max: 9 }),
  k: fc.integer({ min: 1, max: 9 }),
  trans_a: fc.boolean(),
  trans_b: fc.boolean(),
  alpha: fc.constantFrom(1, 0.5, -2),
  beta: fc.constantFrom(1, 0, 3),
  c: fc.constantFrom('none', 'scalar', 'row', 'col', 'full', 'rank0'),
  seed: fc.nat(),
});

describe('gemm', () => {
  test.prop([gemmCase], { numRuns: 120 })('matches the reference for transposes, alpha, beta and c broadcasting', (g) => {
    const a = randTensor(g.trans_a ? [g.k, g.m] : [g.m, g.k], g.seed);
    const b = randTensor(g.trans_b ? [g.n, g.k] : [g.k, g.n], g.seed + 1);
    const cShape = { none: undefined, scalar: [1], rank0: [], row: [g.n], col: [g.m, 1], full: [g.m, g.n] }[g.c];
    const c = cShape ? randTensor(cShape, g.seed + 2) : undefined;
    const attrs = { alpha: g.alpha, beta: g.beta, trans_a: g.trans_a, trans_b: g.trans_b };
    expectClose(runOp('gemm', [a, b, c], attrs), refGemm(a, b, c, attrs));
  });

  it('crosses the K and N block edges', () => {
    const a = randTensor([7, 600], 1), b = randTensor([1100, 600], 2), c = randTensor([1100], 3);
    const attrs = { alpha: 1, beta: 1, trans_a: false, trans_b: true };
    expectClose(runOp('gemm', [a, b, c], attrs), refGemm(a, b, c, attrs));
  });

  it('hand-computed, with alpha, beta and a fused clamp', () => {
    const a = tensor('f32', [2, 2], [1, 2, 3, 4]), b = tensor('f32', [2, 2], [5, 6, 7, 8]);
    expect([...runOp('gemm', [a, b]).data]).toEqual([19, 22, 43, 50]);
    const c = tensor('f32', [2], [1, -100]);
    expect([...runOp('gemm', [a, b, c], { alpha: 2, beta: 0.5, clamp_max: 90 }).data]).toEqual([38.5, -6, 86.5, 50]);
  });
});

function refMatmul(a: Tensor, b: Tensor) {
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape, bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
  const ab = as.slice(0, -2), bb = bs.slice(0, -2), r = Math.max(ab.length, bb.length);
  const batch = Array.from({ length: r }, (_, i) => Math.max(ab[ab.length - r + i] ?? 1, bb[bb.length - r + i] ?? 1));
  const nb = batch.reduce((x, y) => x * y, 1);
  const out = new Float32Array(nb * M * N);
  for (let t = 0; t < nb; t++) {
    const idx: number[] = [];
    for (let d = r - 1, q = t; d >= 0; d--) (idx[d] = q % batch[d]!), (q = Math.floor(q / batch[d]!));
    const ao = bcastIndex(ab, idx) * M * K, bo = bcastIndex(bb, idx) * K * N;
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += (a.data[ao + m * K + k] as number) * (b.data[bo + k * N + n] as number);
        out[(t * M + m) * N + n] = s;
      }
  }
  const shape = [...batch, ...(a.shape.length > 1 ? [M] : []), ...(b.shape.length > 1 ? [N] : [])];
  return { shape, data: out };
}

// Batch dims drawn per side with some set to 1 or dropped, so broadcasting and rank mismatch both occur.
const matmulCase = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
    dropA: fc.nat(3),
    dropB: fc.nat(3),
    onesA: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    onesB: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    m: fc.integer({ min: 1, max: 6 }),
    k: fc.integer({ min: 1, max: 6 }),
    n: fc.integer({ min: 1, max: 6 }),
    vecA: fc.boolean(),
    vecB: fc.boolean(),
    seed: fc.nat(),
  })
  .map((c) => {
    const side = (drop: number, ones: boolean[]) => c.batch.slice(Math.min(drop, c.batch.length)).map((d, i) => (ones[i] ? 1 : d));
    const aShape = c.vecA ? [c.k] : [...side(c.dropA, c.onesA), c.m, c.k];
    const bShape = c.vecB ? [c.k] : [...side(c.dropB, c.onesB), c.k, c.n];
    return { aShape, bShape, seed: c.seed };
  });

describe('matmul', () => {
  test.prop([matmulCase], { numRuns: 150 })('matches NumPy semantics (1-D promotion, batch broadcasting)', ({ aShape, bShape, seed }) => {
    const a = randTensor(aShape, seed), b = randTensor(bShape, seed + 1);
    expectClose(runOp('matmul', [a, b]), refMatmul(a, b));
  });

  it('hand-computed: vector·vector is a scalar, matrix·vector a vector', () => {
    const v = tensor('f32', [3], [1, 2, 3]);
    const dot = runOp('matmul', [v, tensor('f32', [3], [4, 5, 6])]);
    expect(dot.shape).toEqual([]);
    expect([...dot.data]).toEqual([32]);
    const mv = runOp('matmul', [tensor('f32', [2, 3], [1, 0, 0, 0, 1, 1]), v]);
    expect(mv.shape).toEqual([2]);
    expect([...mv.data]).toEqual([1, 5]);
  });
});

describe('batch_norm', () => {
  test.prop([fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 }), fc.nat(), fc.constantFrom(1e-5, 1e-3)])(
    'is (x - mean) / sqrt(var + eps) * scale + bias per channel',
    (shape, seed, epsilon) => {
      const C = shape[1]!;
      const x = randTensor(shape, seed, 3), scale = randTensor([C], seed + 1), bias = randTensor([C], seed + 2), mean = randTensor([C], seed + 3);
      const vr = tensor('f32', [C], (randTensor([C], seed + 4).data as Float32Array).map((v) => v * v + 0.1));
      const inner = shape.slice(2).reduce((p, q) => p * q, 1);
      const [mu, va, sc, bi] = [mean, vr, scale, bias].map((t) => t.data as Float32Array) as Float32Array[];
      const want = Float32Array.from(x.data as Float32Array, (v, i) => {
        const c = Math.floor(i / inner) % C;
        return ((v - mu![c]!) / Math.sqrt(va![c]! + epsilon)) * sc![c]! + bi![c]!;
      });
      expectClose(runOp('batch_norm', [x, scale, bias, mean, vr], { epsilon }), { shape, data: want }, 1e-6);
    },
  );

  it('hand-computed', () => {
    const x = tensor('f32', [1, 2, 2], [1, 3, 10, 20]);
    const y = runOp('batch_norm', [x, tensor('f32', [2], [2, 1]), tensor('f32', [2], [1, 0]), tensor('f32', [2], [2, 10]), tensor('f32', [2], [4, 100])], {
      epsilon: 0,
    });
    expect([...y.data]).toEqual([0, 2, 0, 1]);
  });
});

describe('global_avgpool', () => {
  test.prop([fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 5 }), fc.nat()])('averages every spatial plane', (shape, seed) => {
    const x = randTensor(shape, seed);
    const size = shape.slice(2).reduce((p, q) => p * q, 1), planes = shape[0]! * shape[1]!;
    const want = Float32Array.from({ length: planes }, (_, p) => {
      let s = 0;
      for (let i = 0; i < size; i++) s += x.data[p * size + i] as number;
      return s / size;
    });
    expectClose(runOp('global_avgpool', [x]), { shape: [shape[0]!, shape[1]!, ...shape.slice(2).map(() => 1)], data: want });
  });
});

// The blocked GEMM (WebAssembly SIMD micro-kernel) against the accumulation order it defines,
// written as plain loops: per output, float64 sums over each K block of 256 in k order from 0,
// the block sums added in order from 0. Bit for bit, on shapes that cross every tile, K-block and
// N-block edge, with strided (transposed) operands.
import { expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { gemm, view, type MatView } from '../../src/ir/compute/gemm.js';
import { prng } from './nn-ref.js';

const KC = 256;

function refGemm(M: number, N: number, K: number, A: MatView, B: MatView): Float64Array {
  const out = new Float64Array(M * N);
  const at = (v: MatView, r: number, c: number) => v.data[v.offset + r * v.rs + c * v.cs]!;
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k0 = 0; k0 < K; k0 += KC) {
        let s = 0;
        for (let k = k0; k < Math.min(K, k0 + KC); k++) s += at(A, m, k) * at(B, k, n);
        acc += s;
      }
      out[m * N + n] = acc;
    }
  return out;
}

/** A random [rows, cols] operand stored row-major or transposed, behind a small offset. */
function operand(rows: number, cols: number, transposed: boolean, offset: number, seed: number): MatView {
  const r = prng(seed);
  // Wide-range values so that rounding differences would show in the float64 sums.
  const data = Float32Array.from({ length: offset + rows * cols }, () => (r() * 2 - 1) * 2 ** Math.floor(r() * 20 - 10));
  return transposed ? view(data, offset, 1, rows) : view(data, offset, cols, 1);
}

const dims = fc.record({
  M: fc.integer({ min: 1, max: 11 }),
  N: fc.oneof(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 500, max: 530 })),
  K: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 250, max: 600 })),
  ta: fc.boolean(),
  tb: fc.boolean(),
  offset: fc.nat(3),
  seed: fc.nat(),
});

test.prop([dims], { numRuns: 40 })('gemm sums every output in the defined order, bit for bit', ({ M, N, K, ta, tb, offset, seed }) => {
  const A = operand(M, K, ta, offset, seed), B = operand(K, N, tb, offset, seed + 1);
  const got = new Float64Array(M * N);
  gemm(M, N, K, A, B, (acc, ld, n0, nc) => {
    for (let m = 0; m < M; m++) for (let j = 0; j < nc; j++) got[m * N + n0 + j] = acc[m * ld + j]!;
  });
  // Compared as bit patterns: -0 and 0 differ too.
  expect(new BigUint64Array(got.buffer)).toEqual(new BigUint64Array(refGemm(M, N, K, A, B).buffer));
});

// avx512-vnni kernels: built natively with the real flags (proves the intrinsics compile; this host has
// no AVX-512 to run them) and run through SIMDe on AVX2, bit for bit against the reference.
import { describe, expect, it } from 'vitest';
import { packGemmVnni } from '../../src/codegen/targets/pack/avx512-vnni.js';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { AVX512_VNNI_TARGET } from '../../src/codegen/targets/avx512-vnni.js';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { buildHarness, compileOnly, haveTool, runCases } from './support/kernel-build.js';
import { dw3x3FastSuite, gemmCase, rng, standardSuite } from './support/kernel-cases.js';

const T = AVX512_VNNI_TARGET;
const clang = haveTool('clang-19');

describe('avx512-vnni packing', () => {
  it('cuts panels of 64 columns, the last one a multiple of 16 wide', () => {
    const N = 64 + 17, K = 5, w = new Int8Array(N * K).map((_, i) => (i % 251) - 125);
    const blob = packGemmVnni(w, N, K);
    expect(blob.length).toBe(2 * (64 + 32) * 4); // ceil(5/4) = 2 groups x (64 + 32 columns) x 4 bytes
    const at = (n: number, k: number) => new Int8Array(blob.buffer)[n < 64 ? (k >> 2) * 256 + n * 4 + (k & 3) : 512 + (k >> 2) * 128 + (n - 64) * 4 + (k & 3)];
    for (const [n, k] of [[0, 0], [63, 4], [64, 1], [80, 4]] as const) expect(at(n, k)).toBe(w[n * K + k]);
    expect(at(81 - 64 + 64 + 1, 0)).toBe(0); // column 82 is padding
  });
});

describe.skipIf(!clang)('avx512-vnni kernels', () => {
  it('compile with -mavx512f -mavx512bw -mavx512vnni', () => {
    expect(() => compileOnly(T)).not.toThrow();
  });

  it.skipIf(!hostRuns(AVX2_TARGET))('match the reference bit for bit natively where the host runs them and through SIMDe (random shapes, all tails, depthwise)', () => {
    const b = buildHarness(T, { emulate: !hostRuns(T) });
    const r = rng(0x512);
    // the last two: weight panels cut into K chunks, rows in several blocks (partial sums on the stack)
    const extra = [gemmCase(r, 'gemm', 13, 200, 99, 'full', 'max'), gemmCase(r, 'gemm_i32', 6, 64, 513, 'sat', 'max'),
      gemmCase(r, 'gemm', 200, 70, 1100, 'full', 'rand'), gemmCase(r, 'gemm_i32', 101, 64, 700, 'full', 'extreme')];
    expect(runCases(b, [...standardSuite(0x512), ...extra], T)).toEqual([]);
    // on a host with AVX-512 VNNI the build above is native: run the SIMDe build as well
    if (hostRuns(T)) expect(runCases(buildHarness(T, { emulate: true }), [...standardSuite(0x513), ...extra], T, 'simde')).toEqual([]);
  });

  it.skipIf(!hostRuns(AVX2_TARGET))('depthwise 3x3 interior fast path: borders, strides 1/2, channel tails (native where it runs, and SIMDe)', () => {
    const cases = dw3x3FastSuite(0x3d3);
    expect(runCases(buildHarness(T, { emulate: !hostRuns(T) }), cases, T, 'dw3')).toEqual([]);
    if (hostRuns(T)) expect(runCases(buildHarness(T, { emulate: true }), cases, T, 'dw3s')).toEqual([]);
  });
});

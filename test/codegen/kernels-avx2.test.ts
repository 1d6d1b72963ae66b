// avx2 kernels vs the portable reference and the interpreter, bit for bit, natively on this host;
// the vpmaddubsw saturation trap and its compile-time proof; the same suite under ASan + UBSan.
import { describe, expect, it } from 'vitest';
import { avx2PanelKinds, packGemmAvx2, pairIsExact } from '../../src/codegen/targets/pack/avx2.js';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { hostRuns } from '../../src/codegen/targets/index.js';
import { buildHarness, haveTool, runCases, sanitizerCc, type Build } from './support/kernel-build.js';
import { dw3x3FastSuite, gemmCase, rng, standardSuite, type GemmCase } from './support/kernel-cases.js';

const T = AVX2_TARGET;
const canRun = haveTool('clang-19') && hostRuns(T);

/** Activations all 255 against weight pairs chosen per column (the worst case for vpmaddubsw). */
function pairCase(label: string, pairs: readonly (readonly [number, number])[], M: number, N: number, K: number, kind: GemmCase['kind'] = 'gemm_i32'): GemmCase {
  const c = gemmCase(rng(K * 131 + N), kind, M, N, K, 'zero', 'max', 'spread', (W) => {
    for (let n = 0; n < N; n++)
      for (let k = 0; k < K; k += 2) {
        const [w0, w1] = pairs[(n + k / 2) % pairs.length]!;
        W[n * K + k] = w0;
        if (k + 1 < K) W[n * K + k + 1] = w1;
      }
  });
  return { ...c, yZp: 128, qmin: 0, qmax: 255, label: `${label} ${c.label}` }; // full range: errors cannot hide in a clamp
}

const SATURATING = [[127, 127], [-128, -128], [-128, -1], [127, 2], [-100, -29]] as const; // |sum| > 32767 at a = 255
const BOUNDARY = [[127, 1], [64, 64], [-128, 0], [-64, -64], [127, -128], [0, 128 - 1]] as const; // |sum| ≤ 32640

describe('avx2 packing: saturation proof', () => {
  it('accepts a pair exactly when neither its positive nor its negative part exceeds 128', () => {
    // brute force over every pair and every activation pair at the extremes (the sum is linear in a0, a1)
    const wrong: string[] = [];
    for (let w0 = -128; w0 <= 127; w0++)
      for (let w1 = -128; w1 <= 127; w1++) {
        let fits = true;
        for (const a0 of [0, 255]) for (const a1 of [0, 255]) fits &&= Math.abs(a0 * w0 + a1 * w1 + 0.5) <= 32767.5;
        if (pairIsExact(w0, w1) !== fits) wrong.push(`${w0},${w1}`);
        if (!pairIsExact(w0, w1, 127)) wrong.push(`${w0},${w1} with 7-bit activations`);
      }
    expect(wrong).toEqual([]);
  });

  it('chooses per 16-column panel and only for pairs (k, k+1) with k even', () => {
    const K = 6, w = new Int8Array(48 * K).fill(1);
    w[20 * K + 4] = 127; // panel 1, pair (4, 5): 127 + 1 = 128, still exact
    w[20 * K + 5] = 1;
    w[40 * K + 1] = 127; // panel 2, pair (0, 1): 1 + 127 = 128, exact
    w[41 * K + 2] = 127; // panel 2, pair (2, 3): 127 + 1... with w[3] = 2 -> 129, not exact
    w[41 * K + 3] = 2;
    expect(avx2PanelKinds(w, 48, K)).toEqual(['maddubs', 'maddubs', 'exact']);
    const odd = new Int8Array(5).fill(-128); // K odd: the last weight pairs with the zero padding
    expect(avx2PanelKinds(odd, 1, 5)).toEqual(['exact']);
    expect(avx2PanelKinds(new Int8Array([-64, -64, -128]), 1, 3)).toEqual(['maddubs']);
  });

  it('lays out a table of panel kinds and 64-byte panels', () => {
    const w = new Int8Array(20 * 3).fill(1);
    w[17 * 3] = 127;
    w[17 * 3 + 1] = 127;
    const blob = packGemmAvx2(w, 20, 3);
    const dv = new DataView(blob.buffer);
    expect(dv.getUint32(0, true)).toBe((2 << 1) | 0); // panel 0 at 64 bytes (2 x 32), maddubs, 1 K group
    expect(dv.getUint32(4, true)).toBe((4 << 1) | 1); // panel 1 right after, exact
    expect(blob.length).toBe(64 + 64 + 2 * 32); // header, ceil(3/4) groups of 64, ceil(3/2) pairs of 32
    expect([dv.getInt8(128 + 1 * 2), dv.getInt8(128 + 1 * 2 + 1)]).toEqual([127, 127]); // pair 0 of column 17
    expect(dv.getInt8(128 + 32 + 1 * 2)).toBe(1); // pair 1 of column 17: k = 2 and the zero padding
  });
});

describe.skipIf(!canRun)('avx2 kernels (native)', () => {
  let b: Build;
  const build = () => (b ??= buildHarness(T));

  it('match the reference bit for bit over random shapes, every M/N/K tail, both GEMM paths, depthwise', () => {
    const cases = standardSuite(0xa2);
    const kinds = new Set(cases.flatMap((c) => (c.kind === 'gemm' || c.kind === 'gemm_i32' ? avx2PanelKinds(c.W, c.N, c.K) : [])));
    expect([...kinds].sort()).toEqual(['exact', 'maddubs']);
    expect(runCases(build(), cases, T)).toEqual([]);
  });

  it('depthwise 3x3 column fast path: borders, strides 1/2, channel tails', () => {
    expect(runCases(build(), dw3x3FastSuite(0x3d2), T, 'dw3')).toEqual([]);
  });

  it('stays exact on weights that saturate vpmaddubsw (activations 255, pairs of ±127/−128)', () => {
    const cases = [pairCase('saturating', SATURATING, 7, 37, 29), pairCase('saturating', SATURATING, 13, 16, 600)];
    cases.push(pairCase('saturating', SATURATING, 6, 40, 64, 'gemm'));
    for (const c of cases) expect(avx2PanelKinds(c.W, c.N, c.K).every((k) => k === 'exact')).toBe(true);
    expect(runCases(build(), cases, T, 'sat')).toEqual([]);
    // The trap is real: forcing the fast path on the same weights gives wrong sums, and the test sees it.
    const forced = runCases(build(), cases, { ...T, packGemm: (w, N, K) => packGemmAvx2(w, N, K, { force: 'maddubs' }) }, 'forced');
    expect(forced).toHaveLength(cases.length);
  });

  it('uses vpmaddubsw at the tight bound (pair parts summing to 128) and stays exact there', () => {
    const cases = [pairCase('boundary', BOUNDARY, 9, 33, 41), pairCase('boundary', BOUNDARY, 2, 16, 1030)];
    for (const c of cases) expect(avx2PanelKinds(c.W, c.N, c.K).every((k) => k === 'maddubs')).toBe(true);
    expect(runCases(build(), cases, T, 'bound')).toEqual([]);
  });

  it('proves every int8 pair safe for 7-bit activations and runs vpmaddubsw exactly on them', () => {
    const c = gemmCase(rng(0x7b), 'gemm_i32', 14, 37, 95, 'sat', 'rand', 'spread', (_, A) => A.forEach((v, i) => (A[i] = i % 5 ? v & 127 : 127)));
    expect(avx2PanelKinds(c.W, c.N, c.K)).toEqual(['exact', 'exact', 'exact']);
    expect(avx2PanelKinds(c.W, c.N, c.K, 127)).toEqual(['maddubs', 'maddubs', 'maddubs']);
    expect(avx2PanelKinds(c.W, c.N, c.K, 128)).toEqual(['maddubs', 'maddubs', 'maddubs']); // 128·(−256) = −32768 fits
    expect(avx2PanelKinds(c.W, c.N, c.K, 129)).toEqual(['exact', 'exact', 'exact']); // 129·(−128 − 128) does not
    expect(runCases(build(), [c], { ...T, packGemm: (w, N, K) => packGemmAvx2(w, N, K, { aMax: 127 }) }, 'a7')).toEqual([]);
  });

  it('mixes both panel kinds inside one GEMM', () => {
    const c = gemmCase(rng(7), 'gemm', 11, 45, 77, 'small', 'rand');
    for (let k = 0; k < 77; k++) c.W[20 * 77 + k] = k % 4 < 2 ? 127 : -128; // only panel 1 is unsafe
    expect(avx2PanelKinds(c.W, 45, 77)).toEqual(['maddubs', 'exact', 'maddubs']);
    expect(runCases(build(), [c], T, 'mixed')).toEqual([]);
  });
});

const san = canRun ? sanitizerCc() : undefined;

describe.skipIf(!san)(`avx2 kernels under AddressSanitizer + UndefinedBehaviorSanitizer (${san})`, () => {
  it('read and write only what the interface allows', () => {
    const b = buildHarness(T, { cc: san, extra: ['-O1', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'] });
    const cases = [...standardSuite(0x5a, 40, 30), pairCase('saturating', SATURATING, 7, 21, 29), ...dw3x3FastSuite(0x5b, 30)];
    expect(runCases(b, cases, T)).toEqual([]);
  });
});

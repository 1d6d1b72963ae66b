// neon (ARMv8-A, SMLAL) and neon-dot (ARMv8.2-A+dotprod, sdot) kernels, cross-built with clang-19 and
// run under qemu-aarch64, bit for bit against the reference (the same C reference, built for aarch64).
import { describe, expect, it } from 'vitest';
import { packGemmNeon } from '../../src/codegen/targets/pack/neon.js';
import { packGemmNeonDot } from '../../src/codegen/targets/pack/neon-dot.js';
import type { Target } from '../../src/codegen/targets/index.js';
import { NEON_DOT_TARGET } from '../../src/codegen/targets/neon-dot.js';
import { NEON_TARGET } from '../../src/codegen/targets/neon.js';
import { buildHarness, haveTool, runCases } from './support/kernel-build.js';
import { gemmCase, rng, standardSuite } from './support/kernel-cases.js';

const canRun = haveTool('clang-19') && haveTool('qemu-aarch64');

describe('neon-dot packing', () => {
  it('stores 128·Σw per column ahead of each panel (undoes the XOR 0x80 of the activations)', () => {
    const K = 3, N = 17, w = new Int8Array(N * K).map((_, i) => (i * 37) % 256 - 128);
    const blob = packGemmNeonDot(w, N, K), dv = new DataView(blob.buffer);
    const panel = 64 + 16 * 16; // K rounded up to 16
    expect(blob.length).toBe(2 * panel);
    for (const n of [0, 15, 16]) {
      const s = w[n * K]! + w[n * K + 1]! + w[n * K + 2]!;
      expect(dv.getInt32((n >> 4) * panel + 4 * (n & 15), true)).toBe(128 * s);
    }
    expect(dv.getInt32(panel + 4, true)).toBe(0); // column 17 is padding
  });
});

describe('neon packing', () => {
  it('cuts 4-column panels of K-contiguous 16-byte rows behind 128·Σw corrections', () => {
    const K = 20, N = 6, w = new Int8Array(N * K).map((_, i) => (i * 53) % 256 - 128);
    const blob = packGemmNeon(w, N, K), dv = new DataView(blob.buffer), i8 = new Int8Array(blob.buffer);
    const panel = 16 + 32 * 4; // K rounded up to 32 = 2 blocks of [4 cols][16 k]
    expect(blob.length).toBe(2 * panel);
    const sum = (n: number) => w.subarray(n * K, n * K + K).reduce((s, v) => s + v, 0);
    expect(dv.getInt32(4 * 3, true)).toBe(128 * sum(3));
    expect(dv.getInt32(panel + 4, true)).toBe(128 * sum(5));
    expect(i8[16 + 64 + 2 * 16 + 3]).toBe(w[2 * K + 19]); // column 2, k = 19: block 1, row 2, lane 3
    expect(i8[panel + 16 + 1 * 16 + 4]).toBe(w[5 * K + 4]);
    expect(dv.getInt32(panel + 8, true)).toBe(0); // columns 6, 7 are padding
  });
});

function suite(t: Target, seed: number) {
  describe.skipIf(!canRun)(`${t.name} kernels (qemu-aarch64)`, () => {
    it('match the reference bit for bit over random shapes, every M/N/K tail and depthwise', () => {
      const b = buildHarness(t);
      const r = rng(seed);
      const extra = [gemmCase(r, 'gemm', 9, 70, 300, 'sat', 'max'), gemmCase(r, 'gemm_i32', 5, 33, 47, 'full', 'extreme')];
      expect(runCases(b, [...standardSuite(seed), ...extra], t)).toEqual([]);
    });
  });
}

suite(NEON_TARGET, 0xa64);
suite(NEON_DOT_TARGET, 0xd07);

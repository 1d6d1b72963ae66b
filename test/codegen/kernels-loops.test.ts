// The kernels of qforge_kernels_loops.h (quantize, dequantize, requantize, qadd, qmul, maxpool, global
// average pool: portable loops every SIMD kernel file includes), bit for bit against qf_ref_* on every
// SIMD target: natively where the host runs it, through SIMDe for avx512-vnni, under qemu for neon.
// The cases (ties, NaN, clamps, per-channel, strides 0/1, tails) are generated in loops-harness.c.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AVX2_TARGET } from '../../src/codegen/targets/avx2.js';
import { AVX512_VNNI_TARGET } from '../../src/codegen/targets/avx512-vnni.js';
import { hostRuns, type Target } from '../../src/codegen/targets/index.js';
import { NEON_DOT_TARGET } from '../../src/codegen/targets/neon-dot.js';
import { NEON_TARGET } from '../../src/codegen/targets/neon.js';
import { buildHarness, haveTool } from './support/kernel-build.js';

const HARNESS = new URL('./support/loops-harness.c', import.meta.url).pathname;
const clang = haveTool('clang-19'), qemu = haveTool('qemu-aarch64');

function run(t: Target, emulate: boolean): string {
  const b = buildHarness(t, { emulate, harness: HARNESS });
  const [cmd, ...pre] = b.exec.length ? [...b.exec, b.bin] : [b.bin];
  return execFileSync(cmd!, pre, { encoding: 'utf8' });
}

const runnable = (t: Target): { emulate: boolean } | undefined =>
  t.toolchain.triple ? (qemu ? { emulate: false } : undefined) : hostRuns(t) ? { emulate: false } : t.toolchain.emulation && hostRuns(AVX2_TARGET) ? { emulate: true } : undefined;

describe.skipIf(!clang)('loop kernels (qforge_kernels_loops.h) against the reference', () => {
  for (const t of [AVX2_TARGET, AVX512_VNNI_TARGET, NEON_TARGET, NEON_DOT_TARGET]) {
    const how = runnable(t);
    it.skipIf(!how)(`${t.name}${how?.emulate ? ' (SIMDe)' : ''}: bit-exact on every case`, () => {
      // a mismatch makes the harness exit 1: execFileSync throws with its report
      expect(run(t, how!.emulate)).toMatch(/^cases \d{4}\n$/);
    });
  }
});

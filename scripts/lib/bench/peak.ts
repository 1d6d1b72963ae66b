// The host's int8 multiply-accumulate peak on one core, measured: a loop of independent dot-product
// instructions (12 accumulators, more than the latency x throughput product) with the target's
// flags, timed in C. vpdpbusd does 64 u8·s8 MACs per zmm; the AVX2 path (vpmaddubsw → vpmaddwd →
// vpaddd, as the GEMM runs it) does 32 per ymm triple. Other targets (NEON under qemu) have no
// meaningful host peak: null.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { getTarget } from '../../../src/codegen/index.js';
import { hostCpuFlags, hostRuns } from '../../../src/codegen/targets/index.js';
import { tempDir } from './ours.js';

const LOOP: Record<string, { macs: number; include: string; body: string }> = {
  'avx512-vnni': {
    macs: 64,
    include: '__m512i acc[12]; const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);',
    body: 'acc[j] = _mm512_dpbusd_epi32(acc[j], a, b);',
  },
  avx2: {
    macs: 32,
    include: '__m256i acc[12]; const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2), one = _mm256_set1_epi16(1);',
    body: 'acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), one));',
  },
};

function source(t: string): string {
  const l = LOOP[t]!, zero = t === 'avx2' ? '_mm256_setzero_si256()' : '_mm512_setzero_si512()';
  const sum = t === 'avx2' ? '_mm256_extract_epi32(acc[j], 0)' : '_mm_extract_epi32(_mm512_castsi512_si128(acc[j]), 0)';
  return `#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(void) {
  ${l.include}
  for (int j = 0; j < 12; j++) acc[j] = ${zero};
  const long iters = 20000000;
  double best = 1e30;
  for (int rep = 0; rep < 5; rep++) {
    const double t0 = now();
    for (long i = 0; i < iters; i++) {
      for (int j = 0; j < 12; j++) ${l.body}
      /* an empty asm that "changes" the operands: keeps them in registers and the work undeleted */
      __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]));
      __asm__ volatile("" : "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11]));
    }
    const double dt = now() - t0;
    if (dt < best) best = dt;
  }
  long s = 0;
  for (int j = 0; j < 12; j++) s += ${sum};
  printf("%.3f %ld\\n", (double)iters * 12 * ${l.macs} / best / 1e9, s);
  return 0;
}
`;
}

/** GMAC/s of one core for `target`'s int8 dot product, or null where it cannot be measured here. */
export function measurePeak(target: string): number | null {
  const t = getTarget(target);
  if (!LOOP[t.name] || !hostRuns(t, hostCpuFlags())) return null;
  const dir = tempDir('peak');
  const c = path.join(dir, 'peak.c'), exe = path.join(dir, 'peak');
  writeFileSync(c, source(t.name));
  execFileSync(process.env.QFORGE_CC ?? 'clang-19', ['-O2', ...t.toolchain.cflags, c, '-o', exe]);
  return Number(execFileSync(exe, { encoding: 'utf8' }).split(' ')[0]);
}

/* Timing driver for scripts/kernel-bench.ts: reads GEMM shapes with target-packed and plain weights,
 * times qf_qgemm (and qf_ref_qgemm when asked) on random data, prints one line per shape:
 *   <name> <M> <N> <K> <target GMAC/s> <reference GMAC/s or 0> <peak maddubs> <peak maddwd>
 * where the peaks are register-only loops timed in alternation with the kernel (x86 AVX2 only, else 0).
 * Single thread; best of several repetitions of at least `min_s` seconds each. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "qforge_kernels.h"

/* Thread CPU time, not wall time: the machine is shared, and time while descheduled must not count. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *buf(size_t n) {
  void *p = aligned_alloc(64, (n + QF_SLACK + 63) / 64 * 64);
  memset(p, 0, (n + QF_SLACK + 63) / 64 * 64);
  return p;
}

typedef void (*gemm_fn)(size_t, size_t, size_t, const uint8_t *, size_t, const void *, const qf_rq *, uint8_t *, size_t);

static double rate(gemm_fn f, size_t M, size_t N, size_t K, const uint8_t *A, const void *W, const qf_rq *rq, uint8_t *C, double min_s) {
  double best = 0;
  for (int rep = 0; rep < 2; rep++) {
    size_t iters = 0;
    const double t0 = now();
    double t;
    do {
      f(M, N, K, A, K, W, rq, C, N);
      iters++;
    } while ((t = now() - t0) < min_s);
    const double g = (double)M * N * K * iters / t * 1e-9;
    if (g > best) best = g;
  }
  return best;
}

static void ref_gemm(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq, uint8_t *C, size_t ldc) {
  qf_ref_qgemm(M, N, K, A, lda, W, rq, C, ldc);
}
static void tgt_gemm(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq, uint8_t *C, size_t ldc) {
  qf_qgemm(M, N, K, A, lda, W, rq, C, ldc);
}

#if defined(__x86_64__) && defined(__AVX2__)
/* Register-only peak of this core right now (clock boost varies): 8 vpmaddubsw+vpmaddwd+vpaddd chains
   (32 MAC each) and 8 exact vpmaddwd+vpaddd chains (16 MAC each) per iteration. */
static void peaks(double min_s, double *ub_out, double *wd_out) {
  double ub = 0, wd = 0;
  for (int rep = 0; rep < 1; rep++) {
    long n = 0;
    double t0 = now(), t;
    do {
      for (int i = 0; i < 100000; i++)
        __asm__ volatile(
#define UB(T, A) "vpmaddubsw %%ymm14,%%ymm15,%%ymm" T "\n vpmaddwd %%ymm13,%%ymm" T ",%%ymm" T "\n vpaddd %%ymm" T ",%%ymm" A ",%%ymm" A "\n"
            UB("8", "0") UB("9", "1") UB("10", "2") UB("11", "3") UB("12", "4") UB("8", "5") UB("9", "6") UB("10", "7")
            ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12");
      n += 100000;
    } while ((t = now() - t0) < min_s);
    if (n * 8 * 32.0 / t * 1e-9 > ub) ub = n * 8 * 32.0 / t * 1e-9;
    n = 0;
    t0 = now();
    do {
      for (int i = 0; i < 100000; i++)
        __asm__ volatile(
#define WD(T, A) "vpmaddwd %%ymm14,%%ymm15,%%ymm" T "\n vpaddd %%ymm" T ",%%ymm" A ",%%ymm" A "\n"
            WD("8", "0") WD("9", "1") WD("10", "2") WD("11", "3") WD("12", "4") WD("8", "5") WD("9", "6") WD("10", "7")
            ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12");
      n += 100000;
    } while ((t = now() - t0) < min_s);
    if (n * 8 * 16.0 / t * 1e-9 > wd) wd = n * 8 * 16.0 / t * 1e-9;
  }
  if (ub > *ub_out) *ub_out = ub;
  if (wd > *wd_out) *wd_out = wd;
}
#else
static void peaks(double min_s, double *ub, double *wd) { (void)min_s; (void)ub; (void)wd; }
#endif

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  FILE *in = fopen(argv[1], "rb");
  const double min_s = atof(argv[2]);
  if (!in) return 2;
  char name[32];
  uint32_t hdr[5];
  srand(1);
  while (fread(name, 1, 32, in) == 32 && fread(hdr, 4, 5, in) == 5) {
    const size_t M = hdr[0], N = hdr[1], K = hdr[2], plen = hdr[3], with_ref = hdr[4];
    int8_t *Wp = buf(N * K);
    uint8_t *Wt = buf(plen);
    if (fread(Wp, 1, N * K, in) != N * K || fread(Wt, 1, plen, in) != plen) return 3;
    uint8_t *A = buf(M * K), *C = buf(M * N);
    for (size_t i = 0; i < M * K; i++) A[i] = (uint8_t)rand();
    int32_t *bias = buf(N * 4);
    float *mult = buf(N * 4);
    for (size_t n = 0; n < N; n++) mult[n] = 1.0f / 65536;
    qf_rq rq = {bias, mult, 128, 0, 255};
    /* the machine is shared and its clock moves: alternate kernel and register-only peak runs, keep the best */
    double g = 0, ub = 0, wd = 0;
    for (int rep = 0; rep < 4; rep++) {
      const double x = rate(tgt_gemm, M, N, K, A, Wt, &rq, C, min_s);
      if (x > g) g = x;
      peaks(min_s / 2, &ub, &wd);
    }
    const double r = with_ref ? rate(ref_gemm, M, N, K, A, Wp, &rq, C, min_s / 4) : 0;
    printf("%s %zu %zu %zu %.2f %.2f %.2f %.2f\n", name, M, N, K, g, r, ub, wd);
    fflush(stdout);
    free(Wp); free(Wt); free(A); free(C); free(bias); free(mult);
  }
  return 0;
}

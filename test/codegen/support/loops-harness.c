/* Differential harness for the kernels of qforge_kernels_loops.h (quantize, dequantize, requantize, qadd,
 * qmul, maxpool, global average pool, qmatmul): runs seeded random and adversarial cases through qf_ref_* and the
 * target's qf_* and compares the full output buffers (a guard zone after each output, filled with a
 * sentinel, catches stray writes). Edge cases: ties at .5 (exact in float32: power-of-two scales), NaN,
 * infinities, -0, values beyond the clamp, zero points outside [qmin, qmax], per-channel parameters with
 * channels innermost or outermost, broadcast strides 0/1 and a general stride, float32 and non-float32
 * scales, lengths and channel counts that are not multiples of any vector width, windows in the padding.
 * Prints one line per mismatch and "cases N" at the end; exits 1 on any mismatch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qforge_kernels.h"

#define GUARD 64
#define MAXN 16384

static uint32_t seed = 0x5eed;
static uint32_t rnd(void) {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}
static int irange(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }

static int fails, cases;
static uint8_t r8[MAXN + GUARD], t8[MAXN + GUARD];
static float rf[MAXN + GUARD], tf[MAXN + GUARD];

static void reset(void) {
  memset(r8, 0x5A, sizeof r8);
  memset(t8, 0x5A, sizeof t8);
  memset(rf, 0x5A, sizeof rf);
  memset(tf, 0x5A, sizeof tf);
}

static void check(const char *what, size_t n, size_t esize) {
  cases++;
  const uint8_t *a = esize == 1 ? r8 : (const uint8_t *)rf, *b = esize == 1 ? t8 : (const uint8_t *)tf;
  for (size_t i = 0; i < (n + GUARD) * esize; i++)
    if (a[i] != b[i]) {
      printf("%s (case %d): byte %zu of %zu differs: ref %u, target %u\n", what, cases, i, n * esize, a[i], b[i]);
      fails++;
      return;
    }
}

/* float inputs: random values over a few quantization steps, exact ties, specials */
static void floats(float *x, size_t n, float step) {
  static const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, 1e30f, -1e30f, 1e-30f};
  for (size_t i = 0; i < n; i++) {
    const int k = irange(0, 9);
    if (k == 0) x[i] = special[rnd() % 7];
    else if (k == 1) x[i] = NAN;
    else if (k <= 4) x[i] = ((float)irange(-300, 300) + 0.5f) * step; /* a tie when step is the scale */
    else x[i] = ((float)(int32_t)(rnd() % 200001) / 100000.0f - 1.0f) * 200.0f * step;
  }
}

static void bytes(uint8_t *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = irange(0, 3) == 0 ? (uint8_t)(irange(0, 1) * 255) : (uint8_t)rnd();
}

static const size_t LENS[] = {1, 3, 15, 16, 17, 31, 33, 63, 64, 65, 100, 255, 1031};
#define NLENS (sizeof LENS / sizeof LENS[0])

/* (inner, C) splits of n: per tensor, channels innermost, channels outermost */
static void split(size_t n, int form, size_t *inner, size_t *C) {
  if (form == 0) *inner = n, *C = 1;
  else if (form == 1) *C = n % 5 == 0 ? 5 : n % 3 == 0 ? 3 : n, *inner = 1;
  else *C = n % 3 == 0 ? 3 : n, *inner = n / *C;
  if (form == 2 && n % 3 != 0) *inner = 1;
}

static void quantize_cases(void) {
  static float x[MAXN], f[MAXN], s[MAXN];
  static int32_t zp[MAXN];
  for (size_t li = 0; li < NLENS; li++)
    for (int form = 0; form < 3; form++)
      for (int rep = 0; rep < 3; rep++) {
        const size_t n = LENS[li];
        size_t inner, C;
        split(n, form, &inner, &C);
        const float step = rep == 0 ? 0.25f : rep == 1 ? 0.0078125f : 0.013f;
        floats(x, n, step);
        for (size_t c = 0; c < C; c++) {
          s[c] = step * (float)(1 << irange(0, 2));
          f[c] = 1.0f / s[c];
          zp[c] = rep == 2 ? irange(-20, 280) : irange(0, 255); /* outside [qmin, qmax] too */
        }
        const int32_t qmin = rep == 1 ? irange(0, 128) : 0, qmax = rep == 1 ? irange(128, 255) : 255;
        reset();
        qf_ref_quantize_u8(n, inner, C, x, f, zp, qmin, qmax, r8);
        qf_quantize_u8(n, inner, C, x, f, zp, qmin, qmax, t8);
        check("quantize_u8", n, 1);
        reset();
        qf_ref_quantize_div_u8(n, inner, C, x, s, zp, qmin, qmax, r8);
        qf_quantize_div_u8(n, inner, C, x, s, zp, qmin, qmax, t8);
        check("quantize_div_u8", n, 1);
      }
}

static void dequantize_cases(void) {
  static uint8_t x[MAXN];
  static double s[MAXN];
  static int32_t zp[MAXN];
  for (size_t li = 0; li < NLENS; li++)
    for (int form = 0; form < 3; form++)
      for (int exact = 0; exact < 2; exact++) {
        const size_t n = LENS[li];
        size_t inner, C;
        split(n, form, &inner, &C);
        bytes(x, n);
        for (size_t c = 0; c < C; c++) {
          s[c] = exact ? (double)(float)(0.01 + 0.001 * irange(0, 99)) : 0.1 + 1e-3 * irange(0, 99);
          zp[c] = irange(0, 255);
        }
        reset();
        qf_ref_dequantize_u8(n, inner, C, x, s, zp, rf);
        qf_dequantize_u8(n, inner, C, x, s, zp, tf);
        check("dequantize_u8", n, 4);
      }
}

static void requantize_cases(void) {
  static uint8_t x[MAXN];
  for (size_t li = 0; li < NLENS; li++)
    for (int rep = 0; rep < 4; rep++) {
      const size_t n = LENS[li];
      bytes(x, n);
      /* rep 0: ties (x_s = 2 y_s... halves), 1: non-float32 x_s, 2-3: random with clamps */
      const double x_s = rep == 1 ? 0.1 + 1e-3 * irange(0, 99) : rep == 0 ? 0.5 : (double)(float)(0.003 * irange(1, 100));
      const float y_s = rep == 0 ? 1.0f : (float)(0.002 * irange(1, 100)), inv = 1.0f / y_s;
      const int32_t x_zp = irange(0, 255), y_zp = irange(-10, 265);
      const int32_t qmin = rep == 3 ? irange(0, 128) : 0, qmax = rep == 3 ? irange(128, 255) : 255;
      reset();
      qf_ref_requantize_u8(n, x, x_s, x_zp, inv, y_zp, qmin, qmax, r8);
      qf_requantize_u8(n, x, x_s, x_zp, inv, y_zp, qmin, qmax, t8);
      check("requantize_u8", n, 1);
      reset();
      qf_ref_requantize_div_u8(n, x, x_s, x_zp, y_s, y_zp, qmin, qmax, r8);
      qf_requantize_div_u8(n, x, x_s, x_zp, y_s, y_zp, qmin, qmax, t8);
      check("requantize_div_u8", n, 1);
    }
}

static void qbin_cases(void) {
  static uint8_t a[2 * MAXN], b[2 * MAXN];
  static const size_t STRIDES[][2] = {{1, 1}, {1, 0}, {0, 1}, {0, 0}, {2, 1}};
  for (size_t li = 0; li < NLENS; li++)
    for (size_t si = 0; si < 5; si++)
      for (int rep = 0; rep < 4; rep++) {
        const size_t n = LENS[li], sa = STRIDES[si][0], sb = STRIDES[si][1];
        bytes(a, 2 * n);
        bytes(b, 2 * n);
        qf_qbin p;
        /* rep 0: power-of-two scales (exact ties), 1: a non-float32 scale (the double loop), 2-3: random */
        p.a_s = rep == 0 ? 0.25 : rep == 1 ? 0.1 : (double)(float)(0.002 * irange(1, 200));
        p.b_s = rep == 0 ? 0.5 : (double)(float)(0.002 * irange(1, 200));
        p.a_zp = irange(0, 255), p.b_zp = irange(0, 255), p.y_zp = irange(-10, 265);
        p.y_s = rep == 0 ? 0.5f : (float)(0.004 * irange(1, 200));
        p.inv_y = 1.0f / p.y_s;
        p.qmin = rep == 3 ? irange(0, 128) : 0, p.qmax = rep == 3 ? irange(128, 255) : 255;
        for (p.divide = 0; p.divide < 2; p.divide++) {
          reset();
          qf_ref_qadd(n, a, sa, b, sb, &p, r8);
          qf_qadd(n, a, sa, b, sb, &p, t8);
          check(p.divide ? "qadd (divide)" : "qadd", n, 1);
          reset();
          qf_ref_qmul(n, a, sa, b, sb, &p, r8);
          qf_qmul(n, a, sa, b, sb, &p, t8);
          check(p.divide ? "qmul (divide)" : "qmul", n, 1);
        }
      }
}

/* out = floor((in + pads - dil*(k-1) - 1) / s) + 1 (+1 for ceil mode windows that start in the input) */
static int32_t out_len(int32_t in, int32_t k, int32_t s, int32_t p0, int32_t p1, int32_t d) {
  return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static void pool_cases(void) {
  static uint8_t x[MAXN];
  static const int32_t CS[] = {1, 3, 15, 16, 17, 40, 64, 81, 130}; /* 64 and up: avx512's 64-channel steps, then 16, then a tail */
  /* KH KW SH SW PT PL PB PR DH DW */
  static const int32_t WIN[][10] = {
      {3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, {2, 2, 2, 2, 0, 0, 1, 1, 1, 1}, {3, 3, 1, 1, 0, 0, 0, 0, 2, 2},
      {3, 2, 2, 1, 2, 0, 0, 1, 1, 1}, {1, 1, 1, 1, 0, 0, 0, 0, 1, 1}, {2, 2, 1, 1, 3, 3, 3, 3, 1, 1}, /* windows inside the padding */
  };
  for (size_t ci = 0; ci < sizeof CS / sizeof CS[0]; ci++)
    for (size_t wi = 0; wi < sizeof WIN / sizeof WIN[0]; wi++) {
      /* smaller images for many channels: the output fits MAXN */
      const int32_t *w = WIN[wi], C = CS[ci], hi = C > 40 ? 6 : 9, H = irange(3, hi), Wd = irange(3, hi);
      qf_geom g = {H, Wd, C, 0, 0, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], 0};
      g.OH = out_len(H, g.KH, g.SH, g.PT, g.PB, g.DH);
      g.OW = out_len(Wd, g.KW, g.SW, g.PL, g.PR, g.DW);
      if (g.OH <= 0 || g.OW <= 0) continue; /* a dilated window wider than the image */
      bytes(x, (size_t)H * Wd * C);
      reset();
      qf_ref_maxpool_u8(&g, x, r8);
      qf_maxpool_u8(&g, x, t8);
      check("maxpool_u8", (size_t)g.OH * g.OW * C, 1);
    }
  static const size_t HWS[] = {1, 7, 49, 100};
  static const size_t GCS[] = {1, 15, 16, 17, 40};
  for (size_t hi = 0; hi < 4; hi++)
    for (size_t ci = 0; ci < 5; ci++) {
      const size_t HW = HWS[hi], C = GCS[ci];
      bytes(x, HW * C);
      const int32_t x_zp = irange(0, 255), y_zp = irange(0, 255);
      const float mult = (float)(irange(1, 400) * 0.01) / (float)HW;
      const int32_t qmin = irange(0, 1) ? 0 : y_zp, qmax = 255;
      reset();
      qf_ref_qgavgpool(HW, C, x_zp, mult, y_zp, qmin, qmax, x, r8);
      qf_qgavgpool(HW, C, x_zp, mult, y_zp, qmin, qmax, x, t8);
      check("qgavgpool", C, 1);
      /* channel ranges as threads split them (c0 a multiple of 16): the same bytes, nothing outside */
      memset(t8, 0x5A, sizeof t8);
      for (size_t c0 = 0; c0 < C; c0 += 16) qf_qgavgpool_ch(HW, C, c0, c0 + 16 < C ? c0 + 16 : C, x_zp, mult, y_zp, qmin, qmax, x, t8);
      check("qgavgpool_ch (16-channel ranges)", C, 1);
      memset(t8, 0x5A, sizeof t8);
      qf_qgavgpool_ch(HW, C, 16 < C ? 16 : 0, C, x_zp, mult, y_zp, qmin, qmax, x, t8);
      if (16 < C) qf_qgavgpool_ch(HW, C, 0, 16, x_zp, mult, y_zp, qmin, qmax, x, t8);
      check("qgavgpool_ch (two ranges, last first)", C, 1);
    }
}

static void qmatmul_cases(void) {
  static uint8_t A[MAXN], B[MAXN];
  static uint32_t scratch[MAXN];
  static const size_t DIMS[][3] = {{1, 1, 1}, {3, 64, 64}, {5, 65, 7}, {2, 130, 33}, {4, 17, 300}, {7, 200, 16}};
  for (size_t di = 0; di < sizeof DIMS / sizeof DIMS[0]; di++)
    for (int rep = 0; rep < 3; rep++) {
      const size_t M = DIMS[di][0], N = DIMS[di][1], K = DIMS[di][2];
      bytes(A, M * K);
      bytes(B, K * N);
      /* rep 0: zero points 0 (raw sums), 1: extreme zero points, 2: random with a clamp */
      const int32_t a_zp = rep == 0 ? 0 : rep == 1 ? 255 : irange(0, 255), b_zp = rep == 0 ? 0 : rep == 1 ? 0 : irange(0, 255);
      const float mult = rep == 0 ? 1.0f / (float)(K * 4096) : (float)(irange(1, 100) * 1e-5);
      const int32_t y_zp = irange(0, 255), qmin = rep == 2 ? y_zp : 0, qmax = 255;
      reset();
      qf_ref_qmatmul(M, N, K, A, a_zp, B, b_zp, mult, y_zp, qmin, qmax, r8, scratch);
      qf_qmatmul(M, N, K, A, a_zp, B, b_zp, mult, y_zp, qmin, qmax, t8, scratch);
      check("qmatmul", M * N, 1);
    }
}

int main(void) {
  quantize_cases();
  dequantize_cases();
  requantize_cases();
  qbin_cases();
  pool_cases();
  qmatmul_cases();
  printf("cases %d\n", cases);
  return fails ? 1 : 0;
}

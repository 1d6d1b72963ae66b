/* The ISA-independent parts of the SIMD kernel files (qforge_kernels_<isa>.c): the public entry points over a
 * file's drivers, channel-tail constants, the depthwise tap table and the 3x3 column path's border split,
 * window rows and column fetch. Included by those files after their intrinsics header; scalar C (or macros
 * over the including file's own functions), written once. */
#ifndef QFORGE_KERNELS_SIMD_H
#define QFORGE_KERNELS_SIMD_H
#include <string.h>
#include "qforge_kernels.h"

#define QF_DW_MAXT 64 /* larger depthwise windows use the reference */
#define QF_AI static inline __attribute__((always_inline))
#define QF_UNROLL _Pragma("GCC unroll 16") /* register tiles: every row/column loop fully unrolled */

/* qf_qgemm, qf_qgemm_cols and qf_qgemm_i32 over one driver
   DRIVER(M, N, K, A, lda, W, rq, bias32, C8, C32, ldc, c0, c1): requantised u8 output when rq is set, else
   int32 output plus bias32; columns [c0, c1) only. */
#define QF_GEMM_ENTRY_POINTS(DRIVER)                                                                          \
  void qf_qgemm(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq,    \
                uint8_t *C, size_t ldc) {                                                                      \
    DRIVER(M, N, K, A, lda, W, rq, NULL, C, NULL, ldc, 0, N);                                                  \
  }                                                                                                            \
  void qf_qgemm_cols(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq, \
                     uint8_t *C, size_t ldc, size_t n0, size_t n1) {                                           \
    DRIVER(M, N, K, A, lda, W, rq, NULL, C, NULL, ldc, n0, n1);                                                \
  }                                                                                                            \
  void qf_qgemm_i32(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,                 \
                    const int32_t *bias, int32_t *C, size_t ldc) {                                             \
    DRIVER(M, N, K, A, lda, W, NULL, bias, NULL, C, ldc, 0, N);                                                \
  }

/* qf_qdwconv(3x3) and their channel-range forms qf_qdwconv(3x3)_ch over one driver DRIVER(g, x, W, rq, y, c0, c1)
   (channels [c0, c1), see qforge_kernels.h); windows of more than QF_DW_MAXT taps run the reference
   (packDepthwise keeps the plain [taps][C] layout for them). */
#define QF_DWCONV_ENTRY_POINTS(DRIVER)                                                                        \
  void qf_qdwconv_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0, \
                     int32_t c1) {                                                                             \
    if (g->KH * g->KW > QF_DW_MAXT) {                                                                          \
      qf_ref_qdwconv_ch(g, x, W, rq, y, c0, c1);                                                               \
      return;                                                                                                  \
    }                                                                                                          \
    DRIVER(g, x, W, rq, y, c0, c1);                                                                            \
  }                                                                                                            \
  void qf_qdwconv3x3_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y,         \
                        int32_t c0, int32_t c1) {                                                              \
    DRIVER(g, x, W, rq, y, c0, c1);                                                                            \
  }                                                                                                            \
  void qf_qdwconv(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {            \
    qf_qdwconv_ch(g, x, W, rq, y, 0, g->C);                                                                    \
  }                                                                                                            \
  void qf_qdwconv3x3(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {         \
    DRIVER(g, x, W, rq, y, 0, g->C);                                                                           \
  }

/* Points *b / *m at 16 readable entries for channels n..n+nc-1 (copies them when nc < 16). */
__attribute__((unused)) static void qf_tail_consts(const int32_t *bias, const float *mult, size_t n, size_t nc,
                                                   int32_t *tb, float *tm, const int32_t **b, const float **m) {
  if (nc == 16) {
    *b = bias + n;
    *m = mult + n;
    return;
  }
  memset(tb, 0, 16 * sizeof *tb);
  memset(tm, 0, 16 * sizeof *tm);
  memcpy(tb, bias + n, nc * sizeof *tb);
  memcpy(tm, mult + n, nc * sizeof *tm);
  *b = tb;
  *m = tm;
}

/* The taps' input pixels for output pixel (oh, ow): pt[t] points at channel 0 of tap t's pixel with msk[t] = ~0
   (advance with the channel block), or at zb (a vector of x_zp) with msk[t] = 0 for a padding tap. */
QF_AI void qf_dw_taps(const qf_geom *g, const uint8_t *x, int32_t C, int32_t taps, const uint8_t *zb, int32_t oh,
                      int32_t ow, const uint8_t **pt, size_t *msk) {
  const int32_t h0 = oh * g->SH - g->PT, w0 = ow * g->SW - g->PL;
  for (int32_t t = 0; t < taps; t++) {
    const int32_t ih = h0 + (t / g->KW) * g->DH, iw = w0 + (t % g->KW) * g->DW;
    const int in = ih >= 0 && ih < g->H && iw >= 0 && iw < g->W;
    pt[t] = in ? x + ((size_t)ih * g->W + iw) * C : zb;
    msk[t] = in ? ~(size_t)0 : 0;
  }
}

/* 3x3 column path (dilation 1): declares owa, owb = the interior output columns [owa, owb), whose window lies
   inside the row (ow*SW - PL >= 0 and ow*SW - PL + 2 <= W - 1); the columns outside them are the borders.
   A macro: as a function it changed the register allocation of the kernels around it. */
#define QF_DW3_INTERIOR(g, owa, owb)                                                                          \
  int32_t owa = (g)->OW, owb = (g)->OW;                                                                        \
  if ((g)->W >= 3) {                                                                                           \
    owa = ((g)->PL + (g)->SW - 1) / (g)->SW;                                                                   \
    owb = ((g)->W - 3 + (g)->PL) / (g)->SW + 1;                                                                \
    if (owa > (g)->OW) owa = (g)->OW;                                                                          \
    if (owb > (g)->OW) owb = (g)->OW;                                                                          \
    if (owb < owa) owb = owa;                                                                                  \
  }

/* 3x3 column path, inside a file's qf_dw3_run: input column iw of the three window rows as the file's qf_dw3_col
   builds it from the rows' starts r0..r2 and steps s0..s2, or zcol (the x_zp column) where chk is set and iw lies
   outside the image. */
#define QF_DW3_COL(iw)                                                                                        \
  ((chk && ((iw) < 0 || (iw) >= g->W)) ? zcol                                                                 \
                                       : qf_dw3_col(r0 + (size_t)(iw) * s0, r1 + (size_t)(iw) * s1, r2 + (size_t)(iw) * s2))

/* 3x3 column path: the three window rows of output row starting at input row ih0, from channel c: row r reads
   rp[r] + iw * rst[r]; a row outside the image reads zc (x_zp) with step 0. rs = W * C. */
QF_AI void qf_dw3_rows(const qf_geom *g, const uint8_t *x, const uint8_t *zc, int32_t ih0, size_t c, size_t C,
                       size_t rs, const uint8_t **rp, size_t *rst) {
  for (int r = 0; r < 3; r++) {
    const int in = ih0 + r >= 0 && ih0 + r < g->H;
    rp[r] = in ? x + (size_t)(ih0 + r) * rs + c : zc;
    rst[r] = in ? C : 0;
  }
}

#endif

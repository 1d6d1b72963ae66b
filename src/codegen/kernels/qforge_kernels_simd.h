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

/* ---- GEMM row sources (every SIMD target's GEMM driver reads its rows of A through these) ----
   Where a tile's rows of A come from: rows of a matrix (g NULL: row m at A + m * lda), or an implicit
   convolution (g set, see qf_qconv_cols): row m is output pixel p0 + m, (oh, ow), of the padded image at A
   (wp pixels wide), its window starting at pixel (oh * SH, ow * SW). K is nseg segments of seg groups of 4
   bytes, segment i sstride bytes after the row's start (a matrix row: one segment, sstride = 4 seg). */
typedef struct {
  const uint8_t *A;
  size_t lda;
  const qf_geom *g;
  size_t wp, p0;
  size_t nseg, seg, sstride;
} qf_asrc;

/* A matrix's rows (K bytes each, stride lda). */
QF_AI qf_asrc qf_mat_src(const uint8_t *A, size_t lda, size_t K) {
  const qf_asrc s = {A, lda, NULL, 0, 0, 1, (K + 3) / 4, (K + 3) / 4 * 4};
  return s;
}

/* ---- implicit-GEMM convolution (one group, DW = 1): no im2col ----
 * Output pixel m's im2col row is, per kernel row i, the KW * C contiguous bytes of the padded image (qf_conv_pad)
 * from pixel (oh * SH + i * DH, ow * SW): the tile reads its rows of A there, each kernel row's run rounded up to
 * whole groups of gran bytes (the file's QF_CONV_GRAN: 4 on x86, 16 on NEON, codegen's Target.qconvGran). The
 * weights are zero-padded to match, so the up to gran - 1 bytes read past a run (the 3-channel stem: 21-byte runs)
 * count nothing. */
QF_AI qf_asrc qf_conv_src(const qf_geom *g, const uint8_t *xp, size_t p0, size_t gran) {
  const size_t wp = qf_pad_w(g), run = ((size_t)g->KW * (size_t)g->C + gran - 1) / gran * gran;
  const qf_asrc s = {xp, 0, g, wp, p0, (size_t)g->KH, run / 4, (size_t)g->DH * wp * (size_t)g->C};
  return s;
}

/* Rows [m0, m0 + mr) of A for a tile. */
QF_AI void qf_arows(const qf_asrc *s, size_t m0, int mr, const uint8_t **ap) {
  if (!s->g) {
    for (int r = 0; r < mr; r++) ap[r] = s->A + (m0 + (size_t)r) * s->lda;
    return;
  }
  const qf_geom *g = s->g; /* one division per tile, then step along the output row */
  size_t oh = (s->p0 + m0) / (size_t)g->OW, ow = (s->p0 + m0) % (size_t)g->OW;
  for (int r = 0; r < mr; r++) {
    ap[r] = s->A + (oh * (size_t)g->SH * s->wp + ow * (size_t)g->SW) * (size_t)g->C;
    if (++ow == (size_t)g->OW) ow = 0, oh++;
  }
}

/* K group k of a row: its byte offset from the row's start (*off) and the groups left in its segment (*left). */
QF_AI void qf_kpos(const qf_asrc *s, size_t k, size_t *off, size_t *left) {
  if (!s->seg) { /* K = 0 */
    *off = *left = 0;
    return;
  }
  *off = k / s->seg * s->sstride + k % s->seg * 4;
  *left = s->seg - k % s->seg;
}

/* Where a GEMM's sums go (the avx2 and NEON drivers): u8 through rq (rq set); int32 plus bias32 (C32 set); or u8
   through the residual-add epilogue (ra set: bias32, then qf_requant_add_i32 with the rows of R) on each tile while
   its sums are in registers or L1. */
typedef struct {
  size_t N, K; /* K: the packed K (a convolution's: nseg * seg * 4) */
  const qf_rq *rq;
  const int32_t *bias32;
  uint8_t *C8;
  int32_t *C32;
  size_t ldc;
  const qf_radd *ra;
  const uint8_t *R;
  size_t ldr;
} qf_gdst;

/* The residual-add epilogue of an mr x nc tile of sums t (int32, bias32 included, row stride ldt) for rows m0.. and
   columns n0..: the portable qf_requant_add_i32 (the same loop as the unfused form, so the same bits; it vectorises
   for the file's ISA) on the tile while it is in L1. */
QF_AI void qf_radd_tile(const qf_gdst *o, const int32_t *t, size_t ldt, int mr, size_t nc, size_t m0, size_t n0) {
  qf_radd p = *o->ra; /* its per-column scale and float bias from column n0 */
  p.scale += n0, p.bias += n0;
  qf_requant_add_i32((size_t)mr, nc, t, ldt, o->R + m0 * o->ldr + n0, o->ldr, &p, o->C8 + m0 * o->ldc + n0, o->ldc);
}

/* qf_qgemm, qf_qgemm_cols, qf_qgemm_i32, qf_qgemm_add, qf_qconv_cols and qf_qconv_add_cols over one driver
   RUN(M, const qf_asrc *, W, const qf_gdst *, c0, c1) (columns [c0, c1) only); GRAN: the file's run granule. */
#define QF_GDST_ENTRY_POINTS(RUN, GRAN)                                                                       \
  static void qf_gemm_mat(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,           \
                          const qf_rq *rq, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc,       \
                          size_t c0, size_t c1) {                                                              \
    const qf_asrc s = qf_mat_src(A, lda, K);                                                                   \
    const qf_gdst o = {N, K, rq, bias32, C8, C32, ldc, NULL, NULL, 0};                                            \
    RUN(M, &s, W, &o, c0, c1);                                                                                 \
  }                                                                                                            \
  QF_GEMM_ENTRY_POINTS(qf_gemm_mat)                                                                            \
  int qf_qgemm_add(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,                  \
                   const int32_t *bias32, const uint8_t *r, size_t ldr, const qf_radd *p, uint8_t *y, size_t ldy) { \
    const qf_asrc s = qf_mat_src(A, lda, K);                                                                   \
    const qf_gdst o = {N, K, NULL, bias32, y, NULL, ldy, p, r, ldr};                                           \
    RUN(M, &s, W, &o, 0, N);                                                                                   \
    return 1;                                                                                                  \
  }                                                                                                            \
  void qf_qconv_cols(const qf_geom *g, const uint8_t *xp, size_t p0, size_t rows, size_t N, const void *W,     \
                     const qf_rq *rq, uint8_t *y, size_t ldy, size_t n0, size_t n1) {                          \
    const qf_asrc s = qf_conv_src(g, xp, p0, GRAN);                                                            \
    const qf_gdst o = {N, s.nseg * s.seg * 4, rq, NULL, y, NULL, ldy, NULL, NULL, 0};                         \
    RUN(rows, &s, W, &o, n0, n1);                                                                              \
  }                                                                                                            \
  void qf_qconv_add_cols(const qf_geom *g, const uint8_t *xp, size_t p0, size_t rows, size_t N, const void *W, \
                         const int32_t *bias32, const uint8_t *r, size_t ldr, const qf_radd *p, uint8_t *y,    \
                         size_t ldy, size_t n0, size_t n1) {                                                   \
    const qf_asrc s = qf_conv_src(g, xp, p0, GRAN);                                                            \
    const qf_gdst o = {N, s.nseg * s.seg * 4, NULL, bias32, y, NULL, ldy, p, r, ldr};                         \
    RUN(rows, &s, W, &o, n0, n1);                                                                              \
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

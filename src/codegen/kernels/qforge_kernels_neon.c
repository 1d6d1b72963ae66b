/* AArch64 NEON kernels without the dot-product extension (target neon): qf_qgemm, qf_qgemm_i32,
 * qf_qdwconv, qf_qdwconv3x3.
 *
 * GEMM blob (packGemm in src/codegen/targets/pack/neon.ts): panels of 16 columns, each [K8][16] int8
 * (K8 = K rounded up to 8, zero-padded in K and N), no header. u8 x s8 has no NEON dot product before
 * ARMv8.6 (usdot), so both sides are widened to int16 (activations uxtl once per 8 K per row, weights
 * sxtl once per K per panel, shared by the rows) and multiplied into int32 with SMLAL/SMLAL2 by element:
 * every u8 x s8 product fits int16 operands and int32 accumulators, so the path is exact for all inputs.
 * Tile: 4 rows x 16 columns = 16 int32x4 accumulators, 8 K per step (one activation load per row).
 * Requantisation: scvtf, one fmul, fmax/fmin, fcvtns (nearest even), + zp, saturating narrows.
 *
 * Depthwise blob (packDepthwise): per 16 channels [taps][16] int16 (pre-widened at compile time), so each
 * tap costs one input load, two uxtl and four SMLAL/SMLAL2 for 16 channels.
 */
#include <arm_neon.h>
#include <string.h>
#include "qforge_kernels.h"

#define QF_MR 4
#define QF_DW_MAXT 64
#define QF_AI static inline __attribute__((always_inline))

typedef struct {
  float32x4_t lo, hi;
  int32x4_t zp;
} qf_rqv;

static qf_rqv qf_rqv_of(const qf_rq *rq) {
  qf_rqv r;
  r.lo = vdupq_n_f32((float)(rq->qmin - rq->y_zp));
  r.hi = vdupq_n_f32((float)(rq->qmax - rq->y_zp));
  r.zp = vdupq_n_s32(rq->y_zp);
  return r;
}

QF_AI int16x4_t qf_rq4(int32x4_t acc, const int32_t *bias, const float *mult, const qf_rqv *rv) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(vaddq_s32(acc, vld1q_s32(bias))), vld1q_f32(mult));
  v = vminq_f32(vmaxq_f32(v, rv->lo), rv->hi);
  return vqmovn_s32(vaddq_s32(vcvtnq_s32_f32(v), rv->zp));
}

/* Requantises 16 sums (bias/mult: 16 readable entries) into 16 u8 (already within [qmin, qmax]). */
QF_AI uint8x16_t qf_rq16(const int32x4_t *c, const int32_t *bias, const float *mult, const qf_rqv *rv) {
  const int16x8_t lo = vcombine_s16(qf_rq4(c[0], bias, mult, rv), qf_rq4(c[1], bias + 4, mult + 4, rv));
  const int16x8_t hi = vcombine_s16(qf_rq4(c[2], bias + 8, mult + 8, rv), qf_rq4(c[3], bias + 12, mult + 12, rv));
  return vcombine_u8(vqmovun_s16(lo), vqmovun_s16(hi));
}

QF_AI void qf_store_n(uint8_t *dst, uint8x16_t v, size_t n) {
  if (n == 16) {
    vst1q_u8(dst, v);
  } else {
    uint8_t t[16];
    vst1q_u8(t, v);
    memcpy(dst, t, n);
  }
}

/* Points *b / *m at 16 readable entries for channels n..n+nc-1 (copies them when nc < 16). */
static void qf_tail_consts(const int32_t *bias, const float *mult, size_t n, size_t nc, int32_t *tb, float *tm,
                           const int32_t **b, const float **m) {
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

/* One weight row (16 columns) times lane L of every row's activations. */
#define QF_STEP(L)                                                                                            \
  {                                                                                                           \
    const int8x16_t w8 = vld1q_s8(wb + (L) * 16);                                                             \
    const int16x8_t wl = vmovl_s8(vget_low_s8(w8)), wh = vmovl_high_s8(w8);                                   \
    for (int r = 0; r < mr; r++) {                                                                            \
      c[r][0] = vmlal_laneq_s16(c[r][0], vget_low_s16(wl), av[r], L);                                         \
      c[r][1] = vmlal_high_laneq_s16(c[r][1], wl, av[r], L);                                                  \
      c[r][2] = vmlal_laneq_s16(c[r][2], vget_low_s16(wh), av[r], L);                                         \
      c[r][3] = vmlal_high_laneq_s16(c[r][3], wh, av[r], L);                                                  \
    }                                                                                                         \
  }

/* mr rows x 16 columns over the whole K (kb blocks of 8), then the epilogue. */
QF_AI void qf_tile(const int mr, const uint8_t *a, size_t lda, const int8_t *w, size_t kb, size_t n0, size_t nc,
                   const qf_rq *rq, const qf_rqv *rv, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc) {
  int32x4_t c[QF_MR][4];
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < 4; j++) c[r][j] = vdupq_n_s32(0);
  for (size_t b = 0; b < kb; b++) {
    int16x8_t av[QF_MR];
    for (int r = 0; r < mr; r++) av[r] = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(a + r * lda + b * 8)));
    const int8_t *wb = w + b * 128;
    QF_STEP(0) QF_STEP(1) QF_STEP(2) QF_STEP(3) QF_STEP(4) QF_STEP(5) QF_STEP(6) QF_STEP(7)
  }
  if (!rq) {
    for (int r = 0; r < mr; r++) {
      int32_t t[16];
      for (int j = 0; j < 4; j++) vst1q_s32(t + 4 * j, c[r][j]);
      for (size_t j = 0; j < nc; j++) C32[r * ldc + n0 + j] = (int32_t)((uint32_t)t[j] + (uint32_t)bias32[n0 + j]);
    }
    return;
  }
  int32_t tb[16];
  float tm[16];
  const int32_t *bp;
  const float *mp;
  qf_tail_consts(rq->bias, rq->mult, n0, nc, tb, tm, &bp, &mp);
  for (int r = 0; r < mr; r++) qf_store_n(C8 + r * ldc + n0, qf_rq16(c[r], bp, mp, rv), nc);
}

static void qf_tile_any(int mr, const uint8_t *a, size_t lda, const int8_t *w, size_t kb, size_t n0, size_t nc,
                        const qf_rq *rq, const qf_rqv *rv, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc) {
  switch (mr) {
  case 4: qf_tile(4, a, lda, w, kb, n0, nc, rq, rv, bias32, C8, C32, ldc); break;
  case 3: qf_tile(3, a, lda, w, kb, n0, nc, rq, rv, bias32, C8, C32, ldc); break;
  case 2: qf_tile(2, a, lda, w, kb, n0, nc, rq, rv, bias32, C8, C32, ldc); break;
  default: qf_tile(1, a, lda, w, kb, n0, nc, rq, rv, bias32, C8, C32, ldc); break;
  }
}

/* Panel-outer loop: one 16-column weight panel stays in cache while all rows stream past it (rows are
   over-read by up to 7 bytes past K: the zero weights there cancel them, QF_SLACK covers the last row). */
static void qf_gemm_neon(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                         const qf_rq *rq, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc) {
  const size_t kb = (K + 7) / 8;
  qf_rqv rv;
  memset(&rv, 0, sizeof rv);
  if (rq) rv = qf_rqv_of(rq);
  for (size_t n0 = 0; n0 < N; n0 += 16) {
    const int8_t *w = (const int8_t *)W + (n0 / 16) * kb * 128;
    const size_t nc = N - n0 < 16 ? N - n0 : 16;
    for (size_t m0 = 0; m0 < M; m0 += QF_MR) {
      const int mr = M - m0 < QF_MR ? (int)(M - m0) : QF_MR;
      qf_tile_any(mr, A + m0 * lda, lda, w, kb, n0, nc, rq, &rv, bias32, C8 ? C8 + m0 * ldc : NULL,
                  C32 ? C32 + m0 * ldc : NULL, ldc);
    }
  }
}

void qf_qgemm(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq,
              uint8_t *C, size_t ldc) {
  qf_gemm_neon(M, N, K, A, lda, W, rq, NULL, C, NULL, ldc);
}

void qf_qgemm_i32(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const int32_t *bias,
                  int32_t *C, size_t ldc) {
  qf_gemm_neon(M, N, K, A, lda, W, NULL, bias, NULL, C, ldc);
}

/* ---- depthwise: 16 channels per step, SMLAL per tap ---- */

static void qf_dw_neon(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  const int32_t C = g->C, taps = g->KH * g->KW;
  const size_t blocks = ((size_t)C + 15) / 16;
  const int16_t *wall = (const int16_t *)W;
  const qf_rqv rv = qf_rqv_of(rq);
  uint8_t zb[16];
  memset(zb, (int)g->x_zp, sizeof zb); /* padding taps read x_zp from here */
  const uint8_t *pt[QF_DW_MAXT];
  size_t msk[QF_DW_MAXT]; /* ~0: advance with the channel block; 0: stay on zb */
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      const int32_t h0 = oh * g->SH - g->PT, w0 = ow * g->SW - g->PL;
      for (int32_t t = 0; t < taps; t++) {
        const int32_t ih = h0 + (t / g->KW) * g->DH, iw = w0 + (t % g->KW) * g->DW;
        const int in = ih >= 0 && ih < g->H && iw >= 0 && iw < g->W;
        pt[t] = in ? x + ((size_t)ih * g->W + iw) * C : zb;
        msk[t] = in ? ~(size_t)0 : 0;
      }
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (size_t b = 0; b < blocks; b++) {
        const size_t c = b * 16, nc = (size_t)C - c < 16 ? (size_t)C - c : 16;
        const int16_t *wb = wall + b * (size_t)taps * 16;
        int32x4_t acc[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
        for (int32_t t = 0; t < taps; t++) {
          const uint8x16_t xv = vld1q_u8(pt[t] + (c & msk[t]));
          const int16x8_t xl = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(xv)));
          const int16x8_t xh = vreinterpretq_s16_u16(vmovl_high_u8(xv));
          const int16x8_t wl = vld1q_s16(wb + t * 16), wh = vld1q_s16(wb + t * 16 + 8);
          acc[0] = vmlal_s16(acc[0], vget_low_s16(xl), vget_low_s16(wl));
          acc[1] = vmlal_high_s16(acc[1], xl, wl);
          acc[2] = vmlal_s16(acc[2], vget_low_s16(xh), vget_low_s16(wh));
          acc[3] = vmlal_high_s16(acc[3], xh, wh);
        }
        int32_t tb[16];
        float tm[16];
        const int32_t *bp;
        const float *mp;
        qf_tail_consts(rq->bias, rq->mult, c, nc, tb, tm, &bp, &mp);
        qf_store_n(out + c, qf_rq16(acc, bp, mp, &rv), nc);
      }
    }
}

void qf_qdwconv(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  if (g->KH * g->KW > QF_DW_MAXT) {
    qf_ref_qdwconv(g, x, W, rq, y); /* packDepthwise keeps the plain [taps][C] layout for such windows */
    return;
  }
  qf_dw_neon(g, x, W, rq, y);
}

void qf_qdwconv3x3(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  qf_dw_neon(g, x, W, rq, y);
}

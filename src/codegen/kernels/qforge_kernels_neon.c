/* Generated from templates/qforge_kernels_neon.c.in (DOT=false NR=4) by npm run gen:kernels: edit the template, not this file. */
/* AArch64 NEON kernels without the dot-product extension (target neon): qf_qgemm, qf_qgemm_i32,
 * qf_qdwconv, qf_qdwconv3x3.
 *
 * There is no u8 x s8 multiply before ARMv8.6 (usdot), so activations are XORed with 0x80 (a - 128, exact
 * in s8) and every sum starts from 128 * sum_k w, precomputed by the packer:
 *   sum_k a*w = sum_k (a - 128)*w + 128 * sum_k w.
 * SMULL/SMULL2 multiply 8 s8 pairs into int16 ((a - 128)*w lies in [-16256, 16384]: never saturates)
 * and SADALP / SADDW widen into int32: exact for all inputs, 8 MACs per multiply instruction (SMLAL by
 * element would give 4, and the multiply pipe is the bottleneck on Cortex-A7x / Neoverse N1).
 *
 * GEMM blob (packGemm in src/codegen/targets/pack/neon.ts): panels of 4 columns, each
 * [4 int32 corrections][K16/16][4 cols][16 k] int8 (K16 = K rounded up to 16, zero-padded), no header.
 * Tile: 4 rows x 4 columns = 16 int32x4 accumulators of partial sums (K split over the lanes), reduced
 * with ADDP at the end. Requantisation: scvtf, one fmul, fmax/fmin, fcvtns (nearest even), + zp,
 * saturating narrows.
 *
 * Depthwise blob (packDepthwise): per 16 channels [16 int32 corrections][taps][16] int8; each tap costs
 * one input load, one eor, SMULL + SMULL2 and four SADDW(2) for 16 channels.
 */
#include <arm_neon.h>
#include "qforge_kernels_simd.h"
#include "qforge_lut.h"

#define QF_MR 4
#define QF_NR 4 /* columns per GEMM panel */

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

/* acc already includes the bias: scvtf, one fmul, clamp, fcvtns (nearest even), + zp, narrow. */
QF_AI int16x4_t qf_rq4(int32x4_t acc, const float *mult, const qf_rqv *rv) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc), vld1q_f32(mult));
  v = vminq_f32(vmaxq_f32(v, rv->lo), rv->hi);
  return vqmovn_s32(vaddq_s32(vcvtnq_s32_f32(v), rv->zp));
}

/* Requantises 16 sums (bias/mult: 16 readable entries) into 16 u8 (already within [qmin, qmax]). */
QF_AI uint8x16_t qf_rq16(const int32x4_t *c, const int32_t *bias, const float *mult, const qf_rqv *rv) {
  int16x4_t q[4];
  QF_UNROLL for (int j = 0; j < 4; j++) q[j] = qf_rq4(vaddq_s32(c[j], vld1q_s32(bias + 4 * j)), mult + 4 * j, rv);
  const int16x8_t lo = vcombine_s16(q[0], q[1]), hi = vcombine_s16(q[2], q[3]);
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

/* mr rows x 4 columns over the whole K (kb blocks of 16), then the epilogue. Accumulator (r, j) holds four
   partial sums of output (r, j); SMULL/SMULL2 form 8 exact int16 products each ((a - 128)·w lies in
   [-16256, 16384]) and SADALP adds neighbouring products into the int32 lanes. */
QF_AI void qf_tile(const int mr, const uint8_t *a, size_t lda, const int8_t *panel, size_t kb, size_t n0, size_t nc,
                   const qf_rq *rq, const qf_rqv *rv, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc) {
  const int32x4_t corr = vld1q_s32((const int32_t *)panel);
  const int8_t *w = panel + 4 * QF_NR;
  const uint8x16_t flip = vdupq_n_u8(0x80);
  int32x4_t c[QF_MR][4];
  QF_UNROLL for (int r = 0; r < mr; r++)
    QF_UNROLL for (int j = 0; j < 4; j++) c[r][j] = vdupq_n_s32(0);
  for (size_t b = 0; b < kb; b++) {
    int8x16_t av[QF_MR];
    QF_UNROLL for (int r = 0; r < mr; r++) av[r] = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(a + r * lda + b * 16), flip));
    const int8x16_t w0 = vld1q_s8(w + b * 64), w1 = vld1q_s8(w + b * 64 + 16);
    const int8x16_t w2 = vld1q_s8(w + b * 64 + 32), w3 = vld1q_s8(w + b * 64 + 48);
    QF_UNROLL for (int r = 0; r < mr; r++) {
      c[r][0] = vpadalq_s16(vpadalq_s16(c[r][0], vmull_s8(vget_low_s8(av[r]), vget_low_s8(w0))), vmull_high_s8(av[r], w0));
      c[r][1] = vpadalq_s16(vpadalq_s16(c[r][1], vmull_s8(vget_low_s8(av[r]), vget_low_s8(w1))), vmull_high_s8(av[r], w1));
      c[r][2] = vpadalq_s16(vpadalq_s16(c[r][2], vmull_s8(vget_low_s8(av[r]), vget_low_s8(w2))), vmull_high_s8(av[r], w2));
      c[r][3] = vpadalq_s16(vpadalq_s16(c[r][3], vmull_s8(vget_low_s8(av[r]), vget_low_s8(w3))), vmull_high_s8(av[r], w3));
    }
  }
  int32_t tb[4] = {0, 0, 0, 0};
  float tm[4] = {0, 0, 0, 0};
  const int32_t *bsrc = rq ? rq->bias : bias32;
  memcpy(tb, bsrc + n0, nc * sizeof *tb); /* nc <= 4: never read past the arrays */
  if (rq) memcpy(tm, rq->mult + n0, nc * sizeof *tm);
  const int32x4_t bias = vaddq_s32(corr, vld1q_s32(tb));
  QF_UNROLL for (int r = 0; r < mr; r++) {
    const int32x4_t s = vaddq_s32(vpaddq_s32(vpaddq_s32(c[r][0], c[r][1]), vpaddq_s32(c[r][2], c[r][3])), bias);
    if (!rq) {
      int32_t t[4];
      vst1q_s32(t, s);
      memcpy(C32 + r * ldc + n0, t, nc * sizeof *t);
      continue;
    }
    const int16x4_t q = qf_rq4(s, tm, rv);
    const uint8x8_t u = vqmovun_s16(vcombine_s16(q, q));
    uint8_t t[8];
    vst1_u8(t, u);
    memcpy(C8 + r * ldc + n0, t, nc);
  }
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

/* Panel-outer loop: one weight panel (QF_NR columns: corrections, then kb blocks of 16 K) stays in L1 while all
   rows stream past it (rows are over-read by up to 15 bytes past K: the zero weights there cancel them, QF_SLACK
   covers the last row). */
static void qf_gemm_neon(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                         const qf_rq *rq, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc, size_t c0,
                         size_t c1) {
  const size_t kb = (K + 15) / 16;
  qf_rqv rv;
  memset(&rv, 0, sizeof rv);
  if (rq) rv = qf_rqv_of(rq);
  for (size_t n0 = c0; n0 < c1; n0 += QF_NR) { /* columns [c0, c1) only (multiples of QF_NR, or c1 = N) */
    const int8_t *panel = (const int8_t *)W + (n0 / QF_NR) * (4 * QF_NR + kb * (16 * QF_NR));
    const size_t nc = N - n0 < QF_NR ? N - n0 : QF_NR;
    for (size_t m0 = 0; m0 < M; m0 += QF_MR) {
      const int mr = M - m0 < QF_MR ? (int)(M - m0) : QF_MR;
      qf_tile_any(mr, A + m0 * lda, lda, panel, kb, n0, nc, rq, &rv, bias32, C8 ? C8 + m0 * ldc : NULL,
                  C32 ? C32 + m0 * ldc : NULL, ldc);
    }
  }
}

QF_GEMM_ENTRY_POINTS(qf_gemm_neon)

/* ---- depthwise: 16 channels per step, SMULL + SADDW per tap ---- */

static void qf_dw_neon(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  const int32_t C = g->C, taps = g->KH * g->KW;
  const size_t blocks = ((size_t)C + 15) / 16;
  const int8_t *wall = (const int8_t *)W;
  const qf_rqv rv = qf_rqv_of(rq);
  const uint8x16_t flip = vdupq_n_u8(0x80);
  uint8_t zb[16];
  memset(zb, (int)g->x_zp, sizeof zb); /* padding taps read x_zp from here */
  const uint8_t *pt[QF_DW_MAXT];
  size_t msk[QF_DW_MAXT]; /* ~0: advance with the channel block; 0: stay on zb */
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      qf_dw_taps(g, x, C, taps, zb, oh, ow, pt, msk);
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (size_t b = 0; b < blocks; b++) {
        const size_t c = b * 16, nc = (size_t)C - c < 16 ? (size_t)C - c : 16;
        const int8_t *wb = wall + b * (64 + (size_t)taps * 16);
        int32x4_t acc[4];
        QF_UNROLL for (int j = 0; j < 4; j++) acc[j] = vld1q_s32((const int32_t *)wb + 4 * j); /* 128·Σt w[t][c] */
        for (int32_t t = 0; t < taps; t++) {
          const int8x16_t xv = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(pt[t] + (c & msk[t])), flip));
          const int8x16_t wv = vld1q_s8(wb + 64 + t * 16);
          const int16x8_t pl = vmull_s8(vget_low_s8(xv), vget_low_s8(wv)), ph = vmull_high_s8(xv, wv);
          acc[0] = vaddw_s16(acc[0], vget_low_s16(pl));
          acc[1] = vaddw_high_s16(acc[1], pl);
          acc[2] = vaddw_s16(acc[2], vget_low_s16(ph));
          acc[3] = vaddw_high_s16(acc[3], ph);
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

QF_DWCONV_ENTRY_POINTS(qf_dw_neon)

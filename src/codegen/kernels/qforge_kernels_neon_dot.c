/* Generated from templates/qforge_kernels_neon.c.in (DOT=true NR=16) by npm run gen:kernels: edit the template, not this file. */
/* AArch64 NEON + dot-product kernels (target neon-dot, ARMv8.2-A+dotprod): qf_qgemm, qf_qgemm_i32,
 * qf_qdwconv, qf_qdwconv3x3.
 *
 * sdot multiplies s8 x s8, but activations are u8: the kernels XOR them with 0x80 (a - 128, exact in s8)
 * and start every accumulator from 128 * sum_k W[n][k], precomputed by the packer:
 *   sum_k a*w = sum_k (a - 128)*w + 128 * sum_k w.
 * Four s8 products per int32 lane: no intermediate narrowing, exact for all inputs.
 *
 * GEMM blob (packGemm in src/codegen/targets/pack/neon-dot.ts): panels of 16 columns, each
 * [16 int32 corrections][K16/4][16 cols][4 k] int8 (K16 = K rounded up to 16, zero-padded), no header.
 * Tile: 4 rows x 16 columns = 16 int32x4 accumulators; per 16 K one 16-byte load per row feeds 16
 * sdot-by-lane (vdotq_laneq_s32, lanes 0-3 = 4 K groups). Requantisation as in the neon target.
 *
 * Depthwise blob (packDepthwise): per 16 channels: [16 int32 corrections][ceil(taps/4)][16 ch][4 taps]
 * int8; inputs of 4 taps are interleaved with zip1/zip2 (bytes, then halfwords) so that one sdot per 4
 * channels adds 4 taps.
 */
#include <arm_neon.h>
#include "qforge_kernels_simd.h"
#include "qforge_lut.h"

#define QF_MR 4
#define QF_NR 16 /* columns per GEMM panel */

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
  const int16x8_t lo = vcombine_s16(qf_rq4(vaddq_s32(c[0], vld1q_s32(bias)), mult, rv),
                                    qf_rq4(vaddq_s32(c[1], vld1q_s32(bias + 4)), mult + 4, rv));
  const int16x8_t hi = vcombine_s16(qf_rq4(vaddq_s32(c[2], vld1q_s32(bias + 8)), mult + 8, rv),
                                    qf_rq4(vaddq_s32(c[3], vld1q_s32(bias + 12)), mult + 12, rv));
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

/* K group L (4 K values) of the 16-K block: 4 weight vectors x every row's lane L. */
#define QF_GROUP(L)                                                                                           \
  {                                                                                                           \
    const int8x16_t w0 = vld1q_s8(wb + (L) * 64), w1 = vld1q_s8(wb + (L) * 64 + 16);                          \
    const int8x16_t w2 = vld1q_s8(wb + (L) * 64 + 32), w3 = vld1q_s8(wb + (L) * 64 + 48);                     \
    QF_UNROLL for (int r = 0; r < mr; r++) {                                                                  \
      c[r][0] = vdotq_laneq_s32(c[r][0], w0, av[r], L);                                                       \
      c[r][1] = vdotq_laneq_s32(c[r][1], w1, av[r], L);                                                       \
      c[r][2] = vdotq_laneq_s32(c[r][2], w2, av[r], L);                                                       \
      c[r][3] = vdotq_laneq_s32(c[r][3], w3, av[r], L);                                                       \
    }                                                                                                         \
  }

/* mr rows x 16 columns over the whole K (kb blocks of 16), then the epilogue. Accumulator (r, j) holds the
   sums of outputs (r, 4j..4j+3), starting at the panel's corrections. */
QF_AI void qf_tile(const int mr, const uint8_t *a, size_t lda, const int8_t *panel, size_t kb, size_t n0, size_t nc,
                   const qf_rq *rq, const qf_rqv *rv, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc) {
  const int32_t *corr = (const int32_t *)panel;
  const int8_t *w = panel + 4 * QF_NR;
  const uint8x16_t flip = vdupq_n_u8(0x80);
  int32x4_t c[QF_MR][4];
  QF_UNROLL for (int r = 0; r < mr; r++)
    QF_UNROLL for (int j = 0; j < 4; j++) c[r][j] = vld1q_s32(corr + 4 * j);
  for (size_t b = 0; b < kb; b++) {
    int8x16_t av[QF_MR];
    QF_UNROLL for (int r = 0; r < mr; r++) av[r] = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(a + r * lda + b * 16), flip));
    const int8_t *wb = w + b * 256;
    QF_GROUP(0) QF_GROUP(1) QF_GROUP(2) QF_GROUP(3)
  }
  if (!rq) {
    QF_UNROLL for (int r = 0; r < mr; r++) {
      int32_t t[16];
      QF_UNROLL for (int j = 0; j < 4; j++) vst1q_s32(t + 4 * j, c[r][j]);
      for (size_t j = 0; j < nc; j++) C32[r * ldc + n0 + j] = (int32_t)((uint32_t)t[j] + (uint32_t)bias32[n0 + j]);
    }
    return;
  }
  int32_t tb[16];
  float tm[16];
  const int32_t *bp;
  const float *mp;
  qf_tail_consts(rq->bias, rq->mult, n0, nc, tb, tm, &bp, &mp);
  QF_UNROLL for (int r = 0; r < mr; r++) qf_store_n(C8 + r * ldc + n0, qf_rq16(c[r], bp, mp, rv), nc);
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

/* ---- depthwise: 16 channels per step, 4 taps per sdot ---- */

static void qf_dw_neon(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  const int32_t C = g->C, taps = g->KH * g->KW, tq = (taps + 3) / 4; /* groups of 4 taps, zero-padded */
  const size_t blocks = ((size_t)C + 15) / 16, bstride = 64 + (size_t)tq * 64;
  const int8_t *wall = (const int8_t *)W;
  const qf_rqv rv = qf_rqv_of(rq);
  const uint8x16_t flip = vdupq_n_u8(0x80);
  uint8_t zb[16];
  memset(zb, (int)g->x_zp, sizeof zb); /* padding taps read x_zp from here */
  const uint8_t *pt[QF_DW_MAXT + 3];
  size_t msk[QF_DW_MAXT + 3]; /* ~0: advance with the channel block; 0: stay on zb */
  for (int32_t t = taps; t < 4 * tq; t++) pt[t] = zb, msk[t] = 0; /* zero-weight fillers */
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      qf_dw_taps(g, x, C, taps, zb, oh, ow, pt, msk);
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (size_t b = 0; b < blocks; b++) {
        const size_t c = b * 16, nc = (size_t)C - c < 16 ? (size_t)C - c : 16;
        const int8_t *wb = wall + b * bstride;
        int32x4_t acc[4];
        QF_UNROLL for (int j = 0; j < 4; j++) acc[j] = vld1q_s32((const int32_t *)wb + 4 * j); /* 128·Σt w[t][c] */
        for (int32_t q = 0; q < tq; q++) {
          const int8_t *wq = wb + 64 + q * 64;
          const uint8x16_t x0 = veorq_u8(vld1q_u8(pt[4 * q] + (c & msk[4 * q])), flip);
          const uint8x16_t x1 = veorq_u8(vld1q_u8(pt[4 * q + 1] + (c & msk[4 * q + 1])), flip);
          const uint8x16_t x2 = veorq_u8(vld1q_u8(pt[4 * q + 2] + (c & msk[4 * q + 2])), flip);
          const uint8x16_t x3 = veorq_u8(vld1q_u8(pt[4 * q + 3] + (c & msk[4 * q + 3])), flip);
          const uint16x8_t l01 = vreinterpretq_u16_u8(vzip1q_u8(x0, x1)), h01 = vreinterpretq_u16_u8(vzip2q_u8(x0, x1));
          const uint16x8_t l23 = vreinterpretq_u16_u8(vzip1q_u8(x2, x3)), h23 = vreinterpretq_u16_u8(vzip2q_u8(x2, x3));
          /* 32-bit lane c = the 4 taps of channel c, channels in order */
          acc[0] = vdotq_s32(acc[0], vreinterpretq_s8_u16(vzip1q_u16(l01, l23)), vld1q_s8(wq));
          acc[1] = vdotq_s32(acc[1], vreinterpretq_s8_u16(vzip2q_u16(l01, l23)), vld1q_s8(wq + 16));
          acc[2] = vdotq_s32(acc[2], vreinterpretq_s8_u16(vzip1q_u16(h01, h23)), vld1q_s8(wq + 32));
          acc[3] = vdotq_s32(acc[3], vreinterpretq_s8_u16(vzip2q_u16(h01, h23)), vld1q_s8(wq + 48));
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

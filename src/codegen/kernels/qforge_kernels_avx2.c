/* Generated from templates/qforge_kernels_x86.c.in (AVX512=false SUFFIX=avx2 W=256 DW3_CH=16 DW3_WT=int16_t) by npm run gen:kernels: edit the template, not this file. */
/* AVX2 kernels (target avx2): qf_qgemm, qf_qgemm_i32, qf_qdwconv, qf_qdwconv3x3.
 *
 * GEMM blob (packGemm in src/codegen/targets/pack/avx2.ts): a table of one uint32 per 16-column panel,
 * (offset in 32-byte units << 1) | exact, padded to 64 bytes, then the panels:
 *   maddubs panel: [ceil(K/4)][16 cols][4 k] int8 (64-byte steps); used only when the packer proved that
 *                  for every adjacent weight pair the positive parts and the negative parts each sum to at
 *                  most 128 in magnitude, so the int16 pair sums of vpmaddubsw cannot saturate for any u8;
 *   exact panel:   [ceil(K/2)][16 cols][2 k] int8 (32-byte steps), sign-extended to int16 in the kernel
 *                  (vpmovsxbw: as fast as int16 storage here and half the bytes), then vpmaddwd on the
 *                  zero-extended activations: every product and pair sum fits, always exact.
 * Zero-padded in K and N. Activations are broadcast 4 bytes (maddubs) or one
 * int16 pair (exact, from a per-tile packed copy of A) at a time; a 6x16 int32 tile lives in registers
 * for one K chunk and in a stack buffer of partial sums between chunks (see qf_gemm_avx2 for blocking). Requantisation is the reference formula:
 * cvtdq2ps, one mulps, max/min against [qmin - zp, qmax - zp], cvtps2dq (default MXCSR: nearest even).
 *
 * Depthwise blob (packDepthwise): per 16 channels, per pair of taps (t, t+1): 16 int16 pairs
 * (w[t][c], w[t+1][c]), channels 0-7 then 8-15; the odd last tap is paired with a zero weight. Windows
 * of more than QF_DW_MAXT taps keep the plain [taps][C] blob and run the reference. A 3x3 window (dilation 1,
 * stride SW 1 or 2) runs the column path (qf_dw3_all) on fast weights appended to the blob.
 */
#include <immintrin.h>
#include "qforge_kernels_simd.h"
#include "qforge_lut.h"

#define QF_MR 6          /* rows per register tile */
#define QF_KC 256        /* K elements per chunk (multiple of 4) */
#define QF_KCP (QF_KC / 2)
#define QF_NB 16         /* panels (of 16 columns) per N block */
#define QF_MC 24         /* rows per block of partial sums (multiple of QF_MR): 24 KiB of stack */

/* Per-channel constants of a requantisation: the clamp bounds of v = acc * mult and the zero point. */
typedef struct {
  __m256 lo, hi;
  __m256i zp;
} qf_rqv;

static qf_rqv qf_rqv_of(const qf_rq *rq) {
  qf_rqv r;
  r.lo = _mm256_set1_ps((float)(rq->qmin - rq->y_zp));
  r.hi = _mm256_set1_ps((float)(rq->qmax - rq->y_zp));
  r.zp = _mm256_set1_epi32(rq->y_zp);
  return r;
}

/* Requantise 16 int32 sums for channels n..n+15 into 16 u8 (bias/mult hold 16 readable entries). */
QF_AI __m128i qf_rq16(__m256i a0, __m256i a1, const int32_t *bias, const float *mult, __m256 lo, __m256 hi,
                      __m256i zp) {
  a0 = _mm256_add_epi32(a0, _mm256_loadu_si256((const __m256i *)bias));
  a1 = _mm256_add_epi32(a1, _mm256_loadu_si256((const __m256i *)(bias + 8)));
  __m256 v0 = _mm256_mul_ps(_mm256_cvtepi32_ps(a0), _mm256_loadu_ps(mult));
  __m256 v1 = _mm256_mul_ps(_mm256_cvtepi32_ps(a1), _mm256_loadu_ps(mult + 8));
  v0 = _mm256_min_ps(_mm256_max_ps(v0, lo), hi);
  v1 = _mm256_min_ps(_mm256_max_ps(v1, lo), hi);
  const __m256i i0 = _mm256_add_epi32(_mm256_cvtps_epi32(v0), zp), i1 = _mm256_add_epi32(_mm256_cvtps_epi32(v1), zp);
  /* values are already in [qmin, qmax] within [0, 255]: the saturating packs only narrow; packs work per
     128-bit lane, so restore the column order with a 64-bit permute */
  const __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(i0, i1), 0xD8);
  return _mm_packus_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
}

QF_AI void qf_store_n(uint8_t *dst, __m128i v, size_t n) {
  if (n == 16) {
    _mm_storeu_si128((__m128i *)dst, v);
  } else {
    uint8_t t[16];
    _mm_storeu_si128((__m128i *)t, v);
    memcpy(dst, t, n);
  }
}

/* ---- GEMM micro-kernels: acc[r][0..15] (+)= sum over the chunk, for r < mr ---- */

/* vpmaddubsw path: a = mr rows of u8 (stride lda), w = ng groups of [16][4] int8. */
QF_AI void qf_k_ubs(const int mr, const uint8_t *a, size_t lda, const int8_t *w, size_t ng, int32_t *acc, int first) {
  __m256i c0[QF_MR], c1[QF_MR];
  const __m256i ones = _mm256_set1_epi16(1);
  QF_UNROLL for (int r = 0; r < mr; r++) {
    c0[r] = first ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(acc + r * 16));
    c1[r] = first ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(acc + r * 16 + 8));
  }
  for (size_t g = 0; g < ng; g++) {
    const __m256i w0 = _mm256_loadu_si256((const __m256i *)(w + g * 64));
    const __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + g * 64 + 32));
    QF_UNROLL for (int r = 0; r < mr; r++) {
      int32_t q;
      memcpy(&q, a + r * lda + g * 4, 4);
      const __m256i av = _mm256_set1_epi32(q);
      c0[r] = _mm256_add_epi32(c0[r], _mm256_madd_epi16(_mm256_maddubs_epi16(av, w0), ones));
      c1[r] = _mm256_add_epi32(c1[r], _mm256_madd_epi16(_mm256_maddubs_epi16(av, w1), ones));
    }
  }
  QF_UNROLL for (int r = 0; r < mr; r++) {
    _mm256_storeu_si256((__m256i *)(acc + r * 16), c0[r]);
    _mm256_storeu_si256((__m256i *)(acc + r * 16 + 8), c1[r]);
  }
}

/* Exact path: ap = mr rows of QF_KCP zero-extended int16 pairs, w = np pairs of [16][2] int8. */
QF_AI void qf_k_wd(const int mr, const uint32_t *ap, const int8_t *w, size_t np, int32_t *acc, int first) {
  __m256i c0[QF_MR], c1[QF_MR];
  QF_UNROLL for (int r = 0; r < mr; r++) {
    c0[r] = first ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(acc + r * 16));
    c1[r] = first ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(acc + r * 16 + 8));
  }
  for (size_t p = 0; p < np; p++) {
    const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + p * 32)));
    const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + p * 32 + 16)));
    QF_UNROLL for (int r = 0; r < mr; r++) {
      const __m256i av = _mm256_set1_epi32((int32_t)ap[r * QF_KCP + p]);
      c0[r] = _mm256_add_epi32(c0[r], _mm256_madd_epi16(av, w0));
      c1[r] = _mm256_add_epi32(c1[r], _mm256_madd_epi16(av, w1));
    }
  }
  QF_UNROLL for (int r = 0; r < mr; r++) {
    _mm256_storeu_si256((__m256i *)(acc + r * 16), c0[r]);
    _mm256_storeu_si256((__m256i *)(acc + r * 16 + 8), c1[r]);
  }
}

/* One specialised copy per row count (mr is a constant inside each case). */
static void qf_k_ubs_mr(int mr, const uint8_t *a, size_t lda, const int8_t *w, size_t ng, int32_t *acc, int first) {
  switch (mr) {
  case 6: qf_k_ubs(6, a, lda, w, ng, acc, first); break;
  case 5: qf_k_ubs(5, a, lda, w, ng, acc, first); break;
  case 4: qf_k_ubs(4, a, lda, w, ng, acc, first); break;
  case 3: qf_k_ubs(3, a, lda, w, ng, acc, first); break;
  case 2: qf_k_ubs(2, a, lda, w, ng, acc, first); break;
  default: qf_k_ubs(1, a, lda, w, ng, acc, first); break;
  }
}

static void qf_k_wd_mr(int mr, const uint32_t *ap, const int8_t *w, size_t np, int32_t *acc, int first) {
  switch (mr) {
  case 6: qf_k_wd(6, ap, w, np, acc, first); break;
  case 5: qf_k_wd(5, ap, w, np, acc, first); break;
  case 4: qf_k_wd(4, ap, w, np, acc, first); break;
  case 3: qf_k_wd(3, ap, w, np, acc, first); break;
  case 2: qf_k_wd(2, ap, w, np, acc, first); break;
  default: qf_k_wd(1, ap, w, np, acc, first); break;
  }
}

/* Zero-extends kc bytes of mr rows to int16 pairs, 16 bytes at a time (over-reads up to 15 bytes past the
   chunk: covered by the next row or QF_SLACK; the matching weights are zero). */
static void qf_pack_a(int mr, const uint8_t *a, size_t lda, size_t kc, uint32_t *ap) {
  const size_t np = (kc + 1) / 2;
  for (int r = 0; r < mr; r++)
    for (size_t p = 0; p < np; p += 8)
      _mm256_storeu_si256((__m256i *)(ap + r * QF_KCP + p),
                          _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + r * lda + 2 * p))));
}

/* Requantises (or biases, for int32 output) one mr x 16 tile of sums into C. */
static void qf_epilogue(int mr, const int32_t *t, size_t m0, size_t n0, size_t nc, const qf_rq *rq, const qf_rqv *rv,
                        const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc) {
  if (!rq) {
    for (int r = 0; r < mr; r++)
      for (size_t j = 0; j < nc; j++) C32[(m0 + r) * ldc + n0 + j] = (int32_t)((uint32_t)t[r * 16 + j] + (uint32_t)bias32[n0 + j]);
    return;
  }
  int32_t tb[16];
  float tm[16];
  const int32_t *b;
  const float *m;
  qf_tail_consts(rq->bias, rq->mult, n0, nc, tb, tm, &b, &m);
  for (int r = 0; r < mr; r++) {
    const __m128i v = qf_rq16(_mm256_loadu_si256((const __m256i *)(t + r * 16)),
                              _mm256_loadu_si256((const __m256i *)(t + r * 16 + 8)), b, m, rv->lo, rv->hi, rv->zp);
    qf_store_n(C8 + (m0 + r) * ldc + n0, v, nc);
  }
}

/* Shared driver: requantised u8 output (rq != NULL) or int32 output with bias32. Blocking: QF_NB panels
   (256 columns) x QF_MC rows of int32 partial sums live in a stack buffer, so a K chunk of the block's
   weights (QF_KC x 256 = 64 KiB) is fetched once from L3 and reused from L2 by all
   QF_MC / QF_MR row tiles; each row tile's packed activations stay in L1 across the 16 panels.
   Columns [c0, c1) only (c0 a multiple of 16; c1 one too, or N). */
static void qf_gemm_avx2(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                         const qf_rq *rq, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc, size_t c0,
                         size_t c1) {
  const uint32_t *tab = (const uint32_t *)W;
  const uint8_t *base = (const uint8_t *)W;
  const size_t npan = (c1 + 15) / 16;
  uint32_t ap[QF_MR * QF_KCP] __attribute__((aligned(32)));
  int32_t part[QF_MC / QF_MR][QF_NB][QF_MR * 16] __attribute__((aligned(32)));
  qf_rqv rv;
  memset(&rv, 0, sizeof rv);
  if (rq) rv = qf_rqv_of(rq);
  for (size_t p0 = c0 / 16; p0 < npan; p0 += QF_NB) {
    const size_t p1 = npan - p0 < QF_NB ? npan : p0 + QF_NB;
    int exact = 0;
    for (size_t p = p0; p < p1; p++) exact |= (int)(tab[p] & 1);
    for (size_t mc = 0; mc < M; mc += QF_MC) {
      const size_t mce = M - mc < QF_MC ? M : mc + QF_MC;
      for (size_t k0 = 0; k0 == 0 || k0 < K; k0 += QF_KC) {
        const size_t kc = K - k0 < QF_KC ? K - k0 : QF_KC;
        for (size_t m0 = mc; m0 < mce; m0 += QF_MR) {
          const int mr = (int)(mce - m0 < QF_MR ? mce - m0 : QF_MR);
          const uint8_t *am = A + m0 * lda + k0;
          if (exact) qf_pack_a(mr, am, lda, kc, ap);
          for (size_t p = p0; p < p1; p++) {
            const uint8_t *wp = base + (size_t)(tab[p] >> 1) * 32;
            int32_t *t = part[(m0 - mc) / QF_MR][p - p0];
            if (tab[p] & 1)
              qf_k_wd_mr(mr, ap, (const int8_t *)(wp + (k0 / 2) * 32), (kc + 1) / 2, t, k0 == 0);
            else
              qf_k_ubs_mr(mr, am, lda, (const int8_t *)(wp + (k0 / 4) * 64), (kc + 3) / 4, t, k0 == 0);
          }
        }
      }
      for (size_t m0 = mc; m0 < mce; m0 += QF_MR)
        for (size_t p = p0; p < p1; p++) {
          const size_t n0 = p * 16;
          qf_epilogue((int)(mce - m0 < QF_MR ? mce - m0 : QF_MR), part[(m0 - mc) / QF_MR][p - p0], m0, n0,
                      N - n0 < 16 ? N - n0 : 16, rq, &rv, bias32, C8, C32, ldc);
        }
    }
  }
}

QF_GEMM_ENTRY_POINTS(qf_gemm_avx2)

/* ---- depthwise: 16 channels per step, two taps per vpmaddwd ---- */

static void qf_dw_avx2_any(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  const int32_t C = g->C, taps = g->KH * g->KW, tp = (taps + 1) / 2;
  const size_t blocks = ((size_t)C + 15) / 16;
  const int16_t *wall = (const int16_t *)W;
  const qf_rqv rv = qf_rqv_of(rq);
  uint8_t zb[16];
  memset(zb, (int)g->x_zp, sizeof zb); /* padding taps read x_zp from here */
  const uint8_t *pt[QF_DW_MAXT + 1];
  size_t msk[QF_DW_MAXT + 1]; /* ~0: advance with the channel block; 0: stay on zb */
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      qf_dw_taps(g, x, C, taps, zb, oh, ow, pt, msk);
      pt[taps] = zb; /* partner of an odd last tap (its weight is zero) */
      msk[taps] = 0;
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (size_t b = 0; b < blocks; b++) {
        const size_t c = b * 16, nc = (size_t)C - c < 16 ? (size_t)C - c : 16;
        const int16_t *wb = wall + b * (size_t)tp * 32;
        __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
        for (int32_t q = 0; q < tp; q++) {
          const __m128i x0 = _mm_loadu_si128((const __m128i *)(pt[2 * q] + (c & msk[2 * q])));
          const __m128i x1 = _mm_loadu_si128((const __m128i *)(pt[2 * q + 1] + (c & msk[2 * q + 1])));
          const __m256i lo = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(x0, x1));
          const __m256i hi = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(x0, x1));
          a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(lo, _mm256_loadu_si256((const __m256i *)(wb + q * 32))));
          a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(hi, _mm256_loadu_si256((const __m256i *)(wb + q * 32 + 16))));
        }
        int32_t tb[16];
        float tm[16];
        const int32_t *bp;
        const float *mp;
        qf_tail_consts(rq->bias, rq->mult, c, nc, tb, tm, &bp, &mp);
        qf_store_n(out + c, qf_rq16(a0, a1, bp, mp, rv.lo, rv.hi, rv.zp), nc);
      }
    }
}

/* ---- depthwise 3x3, dilation 1, stride SW 1 or 2: column vectors, 16 channels per step ----
 *
 * Input column iw of the 3 window rows (16 channels) becomes 4 ymm: the int16 pairs (x[r0][iw][c], x[r1][iw][c])
 * for channels 0-7 and 8-15 (byte unpack, vpmovzxbw) and (x[r2][iw][c], 0) (vpmovzxbd). Each column serves
 * every output pixel whose window covers it (3 at stride 1), so a pixel costs 12 vpmaddwd per 16 channels and
 * no per-pixel division or pointer table. Fast weights, appended to the 9-tap blob: per 16 channels, per
 * kernel column j: int16 pairs (w[0][j][c], w[1][j][c]) for c 0-7, 8-15, then (w[2][j][c], 0) for c 0-7, 8-15.
 * Rows outside the image read a 16-byte x_zp vector with step 0; border columns use an x_zp column. */

typedef struct {
  __m256i v[4];
} qf_col4;

QF_AI qf_col4 qf_dw3_col(const uint8_t *p0, const uint8_t *p1, const uint8_t *p2) {
  const __m128i x0 = _mm_loadu_si128((const __m128i *)p0), x1 = _mm_loadu_si128((const __m128i *)p1);
  const __m128i x2 = _mm_loadu_si128((const __m128i *)p2);
  qf_col4 r;
  r.v[0] = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(x0, x1));
  r.v[1] = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(x0, x1));
  r.v[2] = _mm256_cvtepu8_epi32(x2);
  r.v[3] = _mm256_cvtepu8_epi32(_mm_unpackhi_epi64(x2, x2));
  return r;
}

/* Output pixels [ow0, ow1) of row oh, channels [c, c + nc), stride S; chk: columns may lie outside. */
QF_AI void qf_dw3_run(const int S, const int chk, const qf_geom *g, const uint8_t *const *rp, const size_t *rst,
                      const uint8_t *zc, const int16_t *wf, const int32_t *bp, const float *mp, const qf_rqv *rv,
                      int32_t oh, int32_t ow0, int32_t ow1, size_t c, size_t nc, uint8_t *y) {
  if (ow0 >= ow1) return;
  const size_t C = (size_t)g->C;
  const uint8_t *r0 = rp[0], *r1 = rp[1], *r2 = rp[2];
  const size_t s0 = rst[0], s1 = rst[1], s2 = rst[2];
  qf_col4 zcol;
  if (chk) zcol = qf_dw3_col(zc, zc, zc);
#define QF_W(j, k) _mm256_loadu_si256((const __m256i *)(wf + ((j) * 4 + (k)) * 16))
  int32_t iw = ow0 * S - g->PL;
  uint8_t *out = y + ((size_t)oh * g->OW + ow0) * C + c;
  qf_col4 ca = QF_DW3_COL(iw), cb;
  if (S == 1) cb = QF_DW3_COL(iw + 1);
  for (int32_t ow = ow0; ow < ow1; ow++, out += C) {
    if (S != 1) cb = QF_DW3_COL(iw + 1);
    const qf_col4 cc = QF_DW3_COL(iw + 2);
    __m256i a0 = _mm256_add_epi32(_mm256_madd_epi16(ca.v[0], QF_W(0, 0)), _mm256_madd_epi16(ca.v[2], QF_W(0, 2)));
    __m256i a1 = _mm256_add_epi32(_mm256_madd_epi16(ca.v[1], QF_W(0, 1)), _mm256_madd_epi16(ca.v[3], QF_W(0, 3)));
    a0 = _mm256_add_epi32(a0, _mm256_add_epi32(_mm256_madd_epi16(cb.v[0], QF_W(1, 0)), _mm256_madd_epi16(cb.v[2], QF_W(1, 2))));
    a1 = _mm256_add_epi32(a1, _mm256_add_epi32(_mm256_madd_epi16(cb.v[1], QF_W(1, 1)), _mm256_madd_epi16(cb.v[3], QF_W(1, 3))));
    a0 = _mm256_add_epi32(a0, _mm256_add_epi32(_mm256_madd_epi16(cc.v[0], QF_W(2, 0)), _mm256_madd_epi16(cc.v[2], QF_W(2, 2))));
    a1 = _mm256_add_epi32(a1, _mm256_add_epi32(_mm256_madd_epi16(cc.v[1], QF_W(2, 1)), _mm256_madd_epi16(cc.v[3], QF_W(2, 3))));
    qf_store_n(out, qf_rq16(a0, a1, bp, mp, rv->lo, rv->hi, rv->zp), nc);
    if (S == 1) ca = cb, cb = cc;
    else ca = cc;
    iw += S;
  }
#undef QF_W
}

static void qf_dw3_all(const qf_geom *g, const uint8_t *x, const int16_t *wf, const qf_rq *rq, const qf_rqv *rv,
                       uint8_t *y) {
  const int32_t C = g->C;
  uint8_t zc[16];
  memset(zc, (int)g->x_zp, sizeof zc);
  QF_DW3_INTERIOR(g, owa, owb)
  const size_t rs = (size_t)g->W * (size_t)C;
  for (int32_t oh = 0; oh < g->OH; oh++) {
    const int32_t ih0 = oh * g->SH - g->PT;
    for (size_t c = 0; c < (size_t)C; c += 16) {
      const uint8_t *rp[3];
      size_t rst[3];
      qf_dw3_rows(g, x, zc, ih0, c, (size_t)C, rs, rp, rst);
      const size_t nc = (size_t)C - c < 16 ? (size_t)C - c : 16;
      int32_t tb[16];
      float tm[16];
      const int32_t *bp;
      const float *mp;
      qf_tail_consts(rq->bias, rq->mult, c, nc, tb, tm, &bp, &mp);
      const int16_t *wb = wf + c / 16 * 12 * 16;
      if (g->SW == 1) {
        qf_dw3_run(1, 1, g, rp, rst, zc, wb, bp, mp, rv, oh, 0, owa, c, nc, y);
        qf_dw3_run(1, 0, g, rp, rst, zc, wb, bp, mp, rv, oh, owa, owb, c, nc, y);
        qf_dw3_run(1, 1, g, rp, rst, zc, wb, bp, mp, rv, oh, owb, g->OW, c, nc, y);
      } else {
        qf_dw3_run(2, 1, g, rp, rst, zc, wb, bp, mp, rv, oh, 0, owa, c, nc, y);
        qf_dw3_run(2, 0, g, rp, rst, zc, wb, bp, mp, rv, oh, owa, owb, c, nc, y);
        qf_dw3_run(2, 1, g, rp, rst, zc, wb, bp, mp, rv, oh, owb, g->OW, c, nc, y);
      }
    }
  }
}

static void qf_dw_avx2(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  if (g->KH == 3 && g->KW == 3 && g->DH == 1 && g->DW == 1 && (g->SW == 1 || g->SW == 2)) {
    const qf_rqv rv = qf_rqv_of(rq);
    /* fast weights follow the general blob (5 tap pairs x 64 bytes per 16 channels) */
    qf_dw3_all(g, x, (const int16_t *)W + ((size_t)g->C + 15) / 16 * 5 * 32, rq, &rv, y);
    return;
  }
  qf_dw_avx2_any(g, x, W, rq, y);
}

QF_DWCONV_ENTRY_POINTS(qf_dw_avx2)

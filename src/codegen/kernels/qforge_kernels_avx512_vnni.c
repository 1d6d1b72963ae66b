/* Generated from templates/qforge_kernels_x86.c.in (AVX512=true SUFFIX=vnni W=512 DW3_CH=64 DW3_WT=int8_t) by npm run gen:kernels: edit the template, not this file. */
/* AVX-512 VNNI kernels (target avx512-vnni): qf_qgemm, qf_qgemm_i32, qf_qdwconv, qf_qdwconv3x3.
 *
 * GEMM blob (packGemm in src/codegen/targets/pack/avx512-vnni.ts): panels of 64 columns (the last one
 * ceil(rest / 16) * 16 wide), each [ceil(K/4)][width][4 k] int8, zero-padded in K and N, no header.
 * vpdpbusd multiplies the u8 activations (first source, broadcast 4 bytes = one K group per row) by the
 * s8 weights and accumulates in int32 with wrap-around (never vpdpbusds): exact for every int8 weight.
 * Tile: 6 rows x 4 zmm = 24 accumulators; loop order panel -> rows, so one weight panel stays in L2
 * while every row block streams past it. Requantisation: cvtdq2ps, one mulps, max/min, cvtps2dq with
 * the rounding pinned to nearest-even, + zp, vpmovdb with a store mask for the N tail.
 *
 * Depthwise blob (packDepthwise): per 16 channels, per group of 4 taps: [16 ch][4 taps] int8 (zero taps
 * past the window), so one vpdpbusd adds 4 taps of 16 channels after a byte/word interleave of the
 * inputs. Windows of more than QF_DW_MAXT taps keep the plain [taps][C] blob and run the reference.
 * A 3x3 window (dilation 1, stride SW 1 or 2) runs the column path instead (qf_dw3_all, see there) on fast
 * weights appended to the blob.
 *
 * On hosts without AVX-512 the file builds with -DQF_SIMDE against SIMDe (AVX2 underneath); the few
 * intrinsics SIMDe 0.7 lacks (conversions, masked loads/stores) get equivalent qf_* helpers below.
 */
#ifdef QF_SIMDE
/* 512-bit SIMDe types passed between static functions on a host without AVX-512: harmless here */
#pragma clang diagnostic ignored "-Wpsabi"
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#else
#include <immintrin.h>
#endif
#include "qforge_kernels_simd.h"
#include "qforge_lut.h"

#define QF_MR 6          /* rows per register tile */
#define QF_NV 4 /* zmm columns per panel */

#ifdef QF_SIMDE
QF_AI __m512 qf_cvtf(__m512i v) {
  const __m256 lo = _mm256_cvtepi32_ps(_mm512_castsi512_si256(v)), hi = _mm256_cvtepi32_ps(_mm512_extracti64x4_epi64(v, 1));
  return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}
QF_AI __m512i qf_rne(__m512 v) { /* AVX2 cvtps2dq in the default MXCSR mode: nearest even */
  const __m256i lo = _mm256_cvtps_epi32(_mm512_castps512_ps256(v));
  const __m256i hi = _mm256_cvtps_epi32(_mm256_castsi256_ps(_mm512_extracti64x4_epi64(_mm512_castps_si512(v), 1)));
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}
QF_AI __m512i qf_load_i32n(const int32_t *p, int n) {
  int32_t t[16] = {0};
  memcpy(t, p, (size_t)n * 4);
  return _mm512_loadu_si512(t);
}
QF_AI __m512 qf_load_fn(const float *p, int n) {
  float t[16] = {0};
  memcpy(t, p, (size_t)n * 4);
  return _mm512_loadu_ps(t);
}
QF_AI void qf_store_u8n(uint8_t *p, __m512i v, int n) {
  int32_t t[16];
  _mm512_storeu_si512(t, v);
  for (int i = 0; i < n; i++) p[i] = (uint8_t)t[i];
}
QF_AI void qf_store_i32n(int32_t *p, __m512i v, int n) {
  int32_t t[16];
  _mm512_storeu_si512(t, v);
  memcpy(p, t, (size_t)n * 4);
}
#else
#define qf_cvtf _mm512_cvtepi32_ps
#define qf_rne(v) _mm512_cvt_roundps_epi32((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define qf_mask(n) ((__mmask16)((1u << (n)) - 1u))
#define qf_load_i32n(p, n) _mm512_maskz_loadu_epi32(qf_mask(n), (p))
#define qf_load_fn(p, n) _mm512_maskz_loadu_ps(qf_mask(n), (p))
#define qf_store_u8n(p, v, n) _mm512_mask_cvtepi32_storeu_epi8((p), qf_mask(n), (v))
#define qf_store_i32n(p, v, n) _mm512_mask_storeu_epi32((p), qf_mask(n), (v))
#endif

/* Per-channel constants of a requantisation: the clamp bounds of v = acc * mult and the zero point. */
typedef struct {
  __m512 lo, hi;
  __m512i zp;
  __m512i zp16, qmin8, qmax8; /* y_zp as int16, qmin and qmax as bytes (narrowing in qf_narrow4, qf_dw3_run) */
} qf_rqv;

static qf_rqv qf_rqv_of(const qf_rq *rq) {
  qf_rqv r;
  r.lo = _mm512_set1_ps((float)(rq->qmin - rq->y_zp));
  r.hi = _mm512_set1_ps((float)(rq->qmax - rq->y_zp));
  r.zp = _mm512_set1_epi32(rq->y_zp);
  r.zp16 = _mm512_set1_epi16((short)rq->y_zp);
  r.qmin8 = _mm512_set1_epi8((char)rq->qmin);
  r.qmax8 = _mm512_set1_epi8((char)rq->qmax);
  return r;
}

/* Requantises 16 sums for channels n..n+cnt-1 and stores cnt bytes. */
QF_AI void qf_rq_store(__m512i acc, const qf_rq *rq, const qf_rqv *rv, size_t n, int cnt, uint8_t *dst) {
  acc = _mm512_add_epi32(acc, qf_load_i32n(rq->bias + n, cnt));
  __m512 v = _mm512_mul_ps(qf_cvtf(acc), qf_load_fn(rq->mult + n, cnt));
  v = _mm512_min_ps(_mm512_max_ps(v, rv->lo), rv->hi);
  qf_store_u8n(dst, _mm512_add_epi32(qf_rne(v), rv->zp), cnt);
}

#ifdef QF_SIMDE
QF_AI void qf_store_u8x64n(uint8_t *p, __m512i v, int n) {
  uint8_t t[64];
  _mm512_storeu_si512(t, v);
  memcpy(p, t, (size_t)n);
}
#else
#define qf_store_u8x64n(p, v, n) _mm512_mask_storeu_epi8((p), (__mmask64)(~0ull >> (64 - (n))), (v))
#endif

/* Narrows 4 vectors of rounded values v - y_zp (16 int32 each, columns 16j + k in vector j) to 64 u8 in column
   order: packssdw, + y_zp with int16 saturation, packuswb (each in-lane), a dword permute back to column order,
   then [qmin, qmax] on bytes. Every saturation is monotone and 0 <= qmin <= qmax <= 255, so each byte is
   clamp(v + y_zp, qmin, qmax). */
QF_AI __m512i qf_narrow4(__m512i o0, __m512i o1, __m512i o2, __m512i o3, const qf_rqv *rv) {
  const __m512i p01 = _mm512_adds_epi16(_mm512_packs_epi32(o0, o1), rv->zp16);
  const __m512i p23 = _mm512_adds_epi16(_mm512_packs_epi32(o2, o3), rv->zp16);
  /* dword 4L + j of the packed bytes holds columns 16j + 4L..+3: out dword m = 4j + L takes dword 4L + j */
  const __m512i idx = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  const __m512i res = _mm512_permutexvar_epi32(idx, _mm512_packus_epi16(p01, p23));
  return _mm512_min_epu8(_mm512_max_epu8(res, rv->qmin8), rv->qmax8);
}

/* One mr x nv tile over the whole K, then its epilogue (u8 with rq, or int32 with bias32). */
QF_AI void qf_tile(const int mr, const int nv, const uint8_t *a, size_t lda, const int8_t *w, size_t kq, size_t n0,
                   size_t N, const qf_rq *rq, const qf_rqv *rv, const int32_t *bias32, uint8_t *C8, int32_t *C32,
                   size_t ldc) {
  __m512i c[QF_MR][QF_NV];
  const int32_t *bias = rq ? rq->bias : bias32;
  QF_UNROLL for (int j = 0; j < nv; j++) { /* the accumulators start at the bias */
    const size_t n = n0 + 16 * (size_t)j;
    const __m512i bj = qf_load_i32n(bias + n, N - n < 16 ? (int)(N - n) : 16);
    QF_UNROLL for (int r = 0; r < mr; r++) c[r][j] = bj;
  }
  for (size_t g = 0; g < kq; g++) {
    __m512i wv[QF_NV];
    QF_UNROLL for (int j = 0; j < nv; j++) wv[j] = _mm512_loadu_si512(w + (g * nv + j) * 64);
    QF_UNROLL for (int r = 0; r < mr; r++) {
      int32_t q;
      memcpy(&q, a + r * lda + g * 4, 4);
      const __m512i av = _mm512_set1_epi32(q);
      QF_UNROLL for (int j = 0; j < nv; j++) c[r][j] = _mm512_dpbusd_epi32(c[r][j], av, wv[j]);
    }
  }
  if (!rq) {
    QF_UNROLL for (int j = 0; j < nv; j++) {
      const size_t n = n0 + 16 * (size_t)j;
      const int cnt = N - n < 16 ? (int)(N - n) : 16;
      QF_UNROLL for (int r = 0; r < mr; r++) qf_store_i32n(C32 + r * ldc + n, c[r][j], cnt);
    }
    return;
  }
  /* requantise: v = min(hi, acc * mult) in float (only the upper clamp: cvtps2dq turns v >= 2^31 into INT_MIN;
     min(hi, v) keeps a NaN, which becomes INT_MIN and so qmin, as the max-then-min clamp does), round to
     nearest even, then qf_narrow4 per row of up to 64 columns */
  __m512 m[QF_NV];
  QF_UNROLL for (int j = 0; j < nv; j++) {
    const size_t n = n0 + 16 * (size_t)j;
    m[j] = qf_load_fn(rq->mult + n, N - n < 16 ? (int)(N - n) : 16);
  }
  const int width = N - n0 < 64 ? (int)(N - n0) : 64;
  QF_UNROLL for (int r = 0; r < mr; r++) {
    __m512i o[4];
    QF_UNROLL for (int j = 0; j < 4; j++)
      o[j] = j < nv ? qf_rne(_mm512_min_ps(rv->hi, _mm512_mul_ps(qf_cvtf(c[r][j]), m[j]))) : _mm512_setzero_si512();
    const __m512i res = qf_narrow4(o[0], o[1], o[2], o[3], rv);
    if (width == 64)
      _mm512_storeu_si512(C8 + r * ldc + n0, res);
    else
      qf_store_u8x64n(C8 + r * ldc + n0, res, width);
  }
}

#define QF_TILE_NV(MR)                                                                                        \
  switch (nv) {                                                                                               \
  case 4: qf_tile(MR, 4, a, lda, w, kq, n0, N, rq, rv, bias32, C8, C32, ldc); break;                          \
  case 3: qf_tile(MR, 3, a, lda, w, kq, n0, N, rq, rv, bias32, C8, C32, ldc); break;                          \
  case 2: qf_tile(MR, 2, a, lda, w, kq, n0, N, rq, rv, bias32, C8, C32, ldc); break;                          \
  default: qf_tile(MR, 1, a, lda, w, kq, n0, N, rq, rv, bias32, C8, C32, ldc); break;                         \
  }

/* One specialised copy per (rows, zmm columns). */
static void qf_tile_any(int mr, int nv, const uint8_t *a, size_t lda, const int8_t *w, size_t kq, size_t n0, size_t N,
                        const qf_rq *rq, const qf_rqv *rv, const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc) {
  switch (mr) {
  case 6: QF_TILE_NV(6) break;
  case 5: QF_TILE_NV(5) break;
  case 4: QF_TILE_NV(4) break;
  case 3: QF_TILE_NV(3) break;
  case 2: QF_TILE_NV(2) break;
  default: QF_TILE_NV(1) break;
  }
}

/* Columns [c0, c1) only (c0 a multiple of 64; c1 one too, or N): every 64-column chunk before c0 is full. */
static void qf_gemm_vnni(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq,
                         const int32_t *bias32, uint8_t *C8, int32_t *C32, size_t ldc, size_t c0, size_t c1) {
  const size_t kq = (K + 3) / 4;
  const int8_t *wp = (const int8_t *)W + (c0 / (16 * QF_NV)) * kq * QF_NV * 64;
  qf_rqv rv;
  memset(&rv, 0, sizeof rv);
  if (rq) rv = qf_rqv_of(rq);
  for (size_t n0 = c0; n0 < c1; n0 += 16 * QF_NV) {
    const size_t rest = (N - n0 + 15) / 16;
    const int nv = rest < QF_NV ? (int)rest : QF_NV;
    for (size_t m0 = 0; m0 < M; m0 += QF_MR) {
      const int mr = M - m0 < QF_MR ? (int)(M - m0) : QF_MR;
      qf_tile_any(mr, nv, A + m0 * lda, lda, wp, kq, n0, N, rq, &rv, bias32, C8 ? C8 + m0 * ldc : NULL,
                  C32 ? C32 + m0 * ldc : NULL, ldc);
    }
    wp += kq * (size_t)nv * 64;
  }
}

QF_GEMM_ENTRY_POINTS(qf_gemm_vnni)

/* ---- depthwise: 16 channels per step, 4 taps per vpdpbusd (general path: any window, borders) ---- */

/* One output pixel (all channels) of any window; padding taps read x_zp. */
static void qf_dw_pixel(const qf_geom *g, const uint8_t *x, const int8_t *wall, const qf_rq *rq, const qf_rqv *rv,
                        const uint8_t *zb, int32_t oh, int32_t ow, uint8_t *y) {
  const int32_t C = g->C, taps = g->KH * g->KW, tq = (taps + 3) / 4;
  const size_t blocks = ((size_t)C + 15) / 16;
  const uint8_t *pt[QF_DW_MAXT + 3];
  size_t msk[QF_DW_MAXT + 3]; /* ~0: advance with the channel block; 0: stay on zb */
  for (int32_t t = taps; t < 4 * tq; t++) pt[t] = zb, msk[t] = 0; /* zero-weight fillers */
  qf_dw_taps(g, x, C, taps, zb, oh, ow, pt, msk);
  uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
  for (size_t b = 0; b < blocks; b++) {
    const size_t c = b * 16;
    const int cnt = (size_t)C - c < 16 ? (int)((size_t)C - c) : 16;
    const int8_t *wb = wall + b * (size_t)tq * 64;
    __m512i acc = _mm512_setzero_si512();
    for (int32_t q = 0; q < tq; q++) {
      const __m128i x0 = _mm_loadu_si128((const __m128i *)(pt[4 * q] + (c & msk[4 * q])));
      const __m128i x1 = _mm_loadu_si128((const __m128i *)(pt[4 * q + 1] + (c & msk[4 * q + 1])));
      const __m128i x2 = _mm_loadu_si128((const __m128i *)(pt[4 * q + 2] + (c & msk[4 * q + 2])));
      const __m128i x3 = _mm_loadu_si128((const __m128i *)(pt[4 * q + 3] + (c & msk[4 * q + 3])));
      const __m128i l01 = _mm_unpacklo_epi8(x0, x1), h01 = _mm_unpackhi_epi8(x0, x1);
      const __m128i l23 = _mm_unpacklo_epi8(x2, x3), h23 = _mm_unpackhi_epi8(x2, x3);
      /* dword c = the 4 taps of channel c, channels in order */
      __m512i xi = _mm512_castsi128_si512(_mm_unpacklo_epi16(l01, l23));
      xi = _mm512_inserti32x4(xi, _mm_unpackhi_epi16(l01, l23), 1);
      xi = _mm512_inserti32x4(xi, _mm_unpacklo_epi16(h01, h23), 2);
      xi = _mm512_inserti32x4(xi, _mm_unpackhi_epi16(h01, h23), 3);
      acc = _mm512_dpbusd_epi32(acc, xi, _mm512_loadu_si512(wb + q * 64));
    }
    qf_rq_store(acc, rq, rv, c, cnt, out + c);
  }
}

/* ---- depthwise 3x3, dilation 1, interior: 64 channels per step, one vpdpbusd per kernel column ----
 *
 * An input column iw of the 3 window rows, 64 channels, becomes 4 zmm "column vectors" with two byte and two
 * word unpacks (in-lane): vector q, 128-bit lane L, dword i = (x[r0][iw][c], x[r1][iw][c], x[r2][iw][c], 0) of
 * channel c = 16L + 4q + i. Each column vector serves every output pixel whose window covers that column (3 at
 * stride 1, 1.5 at stride 2), so an output pixel costs 3 vpdpbusd per 16 channels and no per-pixel division,
 * mask or pointer table. The fast weights (appended to the blob for 9-tap windows) are in the same permuted
 * order, [C/64][3 kernel columns][4 q][16 L*4+i][4: rows 0..2, 0]; bias and multipliers are permuted once per
 * call. After the requantisation, packusdw (q0,q1), (q2,q3) then packuswb restore the natural channel order
 * within each lane (values are already in [0, 255], so the saturations never act). */

#define QF_DW3_MAXC 4096 /* larger C: general path only (permuted bias/mult live on the stack) */

typedef struct {
  __m512i v[4];
} qf_col4;

QF_AI qf_col4 qf_dw3_col(const uint8_t *p0, const uint8_t *p1, const uint8_t *p2) {
  const __m512i x0 = _mm512_loadu_si512(p0), x1 = _mm512_loadu_si512(p1), x2 = _mm512_loadu_si512(p2);
  const __m512i z = _mm512_setzero_si512();
  const __m512i l01 = _mm512_unpacklo_epi8(x0, x1), h01 = _mm512_unpackhi_epi8(x0, x1);
  const __m512i l2 = _mm512_unpacklo_epi8(x2, z), h2 = _mm512_unpackhi_epi8(x2, z);
  qf_col4 r;
  r.v[0] = _mm512_unpacklo_epi16(l01, l2);
  r.v[1] = _mm512_unpackhi_epi16(l01, l2);
  r.v[2] = _mm512_unpacklo_epi16(h01, h2);
  r.v[3] = _mm512_unpackhi_epi16(h01, h2);
  return r;
}


/* Output pixels [ow0, ow1) of row oh, channels [c, c + cnt), stride S. With P > 1 (stride 1, C = 64 / P,
   interior only, ow1 - ow0 a multiple of P) one 64-byte load covers P neighbouring pixels, so each vector
   holds P output pixels (the fast weights, bias and multipliers repeat every C channels). Window row r reads rp[r] + iw * rst[r]
   (rst 0 and rp = zc, 64 bytes of x_zp, for a row outside the image); with chk, columns outside the image
   read x_zp too (the borders), without it every column [ow0 * S - PL, (ow1 - 1) * S - PL + 2] is inside. */
QF_AI void qf_dw3_run(const int S, const int P, const int chk, const qf_geom *g, const uint8_t *const *rp, const size_t *rst,
                      const uint8_t *zc, const int8_t *wf, const int32_t *pb, const float *pm, const qf_rqv *rv,
                      int32_t oh, int32_t ow0, int32_t ow1, size_t c, int cnt, uint8_t *y) {
  if (ow0 >= ow1) return;
  const size_t C = (size_t)g->C;
  __m512i w[3][4], b[4];
  __m512 m[4];
  QF_UNROLL for (int j = 0; j < 3; j++)
    QF_UNROLL for (int q = 0; q < 4; q++) w[j][q] = _mm512_loadu_si512(wf + (j * 4 + q) * 64);
  QF_UNROLL for (int q = 0; q < 4; q++) b[q] = _mm512_loadu_si512(pb + c + 16 * q), m[q] = _mm512_loadu_ps(pm + c + 16 * q);
  const __m512i zp16 = rv->zp16, qmin8 = rv->qmin8, qmax8 = rv->qmax8;
  const uint8_t *r0 = rp[0], *r1 = rp[1], *r2 = rp[2];
  const size_t s0 = rst[0], s1 = rst[1], s2 = rst[2];
  qf_col4 zcol;
  if (chk) zcol = qf_dw3_col(zc, zc, zc);
  int32_t iw = ow0 * S - g->PL;
  uint8_t *out = y + ((size_t)oh * g->OW + ow0) * C + c;
  qf_col4 ca = QF_DW3_COL(iw), cb;
  if (S * P == 1) cb = QF_DW3_COL(iw + 1);
  const int D = S * P; /* input columns per step */
  for (int32_t ow = ow0; ow < ow1; ow += P, out += P * C) {
    if (D >= 3) ca = QF_DW3_COL(iw);
    if (D >= 2) cb = QF_DW3_COL(iw + 1);
    const qf_col4 cc = QF_DW3_COL(iw + 2);
    __m512i o[4];
    QF_UNROLL for (int q = 0; q < 4; q++) {
      __m512i acc = _mm512_dpbusd_epi32(b[q], ca.v[q], w[0][q]);
      acc = _mm512_dpbusd_epi32(acc, cb.v[q], w[1][q]);
      acc = _mm512_dpbusd_epi32(acc, cc.v[q], w[2][q]);
      /* only the upper clamp in float (cvtps2dq would turn v >= 2^31 into INT_MIN); min(hi, v) keeps a NaN,
         which becomes INT_MIN and so qmin, as the max-then-min clamp of qf_rq_store does */
      o[q] = qf_rne(_mm512_min_ps(rv->hi, _mm512_mul_ps(qf_cvtf(acc), m[q])));
    }
    /* packssdw, + y_zp with int16 saturation, packuswb, then [qmin, qmax] on bytes: every saturation is
       monotone and 0 <= qmin <= qmax <= 255, so this is clamp(rne(v) + y_zp, qmin, qmax) */
    const __m512i p01 = _mm512_adds_epi16(_mm512_packs_epi32(o[0], o[1]), zp16);
    const __m512i p23 = _mm512_adds_epi16(_mm512_packs_epi32(o[2], o[3]), zp16);
    const __m512i res = _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(p01, p23), qmin8), qmax8);
    if (P > 1 || cnt == 64)
      _mm512_storeu_si512(out, res);
    else
      qf_store_u8x64n(out, res, cnt);
    if (D == 1) ca = cb, cb = cc;
    else if (D == 2) ca = cc;
    iw += D;
  }
}

/* The whole 3x3 (dilation 1, stride SW 1 or 2) output through qf_dw3_run: per output row and 64 channels,
   the left border, the interior (no checks) and the right border; rows outside the image read x_zp. */
static void qf_dw3_all(const qf_geom *g, const uint8_t *x, const int8_t *wf, const qf_rq *rq, const qf_rqv *rv,
                       uint8_t *y) {
  const int32_t C = g->C;
  const size_t C64 = ((size_t)C + 63) / 64 * 64;
  const int rep = 64 % C == 0; /* C divides 64: the packer repeated the weights every C channels */
  int32_t pb[C64];
  float pm[C64];
  for (size_t k = 0; k < C64; k++) { /* k = c0 + 16q + 4L + i  <-  channel c0 + 16L + 4q + i */
    const size_t c0 = k & ~(size_t)63, q = (k >> 4) & 3, L = (k >> 2) & 3, i = k & 3, ch = c0 + 16 * L + 4 * q + i;
    const size_t cs = rep ? ch % (size_t)C : ch;
    pb[k] = cs < (size_t)C ? rq->bias[cs] : 0;
    pm[k] = cs < (size_t)C ? rq->mult[cs] : 0.0f;
  }
  /* stride 1 and C = 32 or 16: interior pixels in groups of P = 64 / C per vector */
  const int P = g->SW == 1 && (C == 32 || C == 16) ? 64 / C : 1;
  uint8_t zc[64];
  memset(zc, (int)g->x_zp, sizeof zc);
  QF_DW3_INTERIOR(g, owa, owb)
  const size_t rs = (size_t)g->W * (size_t)C;
  for (int32_t oh = 0; oh < g->OH; oh++) {
    const int32_t ih0 = oh * g->SH - g->PT;
    for (size_t c = 0; c < (size_t)C; c += 64) {
      const uint8_t *rp[3];
      size_t rst[3];
      qf_dw3_rows(g, x, zc, ih0, c, (size_t)C, rs, rp, rst);
      const int cnt = (size_t)C - c < 64 ? (int)((size_t)C - c) : 64;
      const int8_t *wb = wf + c / 64 * 12 * 64;
      if (g->SW == 1) {
        const int32_t owp = owa + (owb - owa) / P * P;
        qf_dw3_run(1, 1, 1, g, rp, rst, zc, wb, pb, pm, rv, oh, 0, owa, c, cnt, y);
        if (P == 2) qf_dw3_run(1, 2, 0, g, rp, rst, zc, wb, pb, pm, rv, oh, owa, owp, c, cnt, y);
        if (P == 4) qf_dw3_run(1, 4, 0, g, rp, rst, zc, wb, pb, pm, rv, oh, owa, owp, c, cnt, y);
        qf_dw3_run(1, 1, 0, g, rp, rst, zc, wb, pb, pm, rv, oh, P > 1 ? owp : owa, owb, c, cnt, y);
        qf_dw3_run(1, 1, 1, g, rp, rst, zc, wb, pb, pm, rv, oh, owb, g->OW, c, cnt, y);
      } else {
        qf_dw3_run(2, 1, 1, g, rp, rst, zc, wb, pb, pm, rv, oh, 0, owa, c, cnt, y);
        qf_dw3_run(2, 1, 0, g, rp, rst, zc, wb, pb, pm, rv, oh, owa, owb, c, cnt, y);
        qf_dw3_run(2, 1, 1, g, rp, rst, zc, wb, pb, pm, rv, oh, owb, g->OW, c, cnt, y);
      }
    }
  }
}

static void qf_dw_vnni(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  const int8_t *wall = (const int8_t *)W;
  const qf_rqv rv = qf_rqv_of(rq);
  if (g->KH == 3 && g->KW == 3 && g->DH == 1 && g->DW == 1 && (g->SW == 1 || g->SW == 2) && g->C <= QF_DW3_MAXC) {
    qf_dw3_all(g, x, wall + ((size_t)g->C + 15) / 16 * 3 * 64, rq, &rv, y); /* fast weights follow the general blob */
    return;
  }
  uint8_t zb[16];
  memset(zb, (int)g->x_zp, sizeof zb); /* padding taps read x_zp from here */
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) qf_dw_pixel(g, x, wall, rq, &rv, zb, oh, ow, y);
}

QF_DWCONV_ENTRY_POINTS(qf_dw_vnni)

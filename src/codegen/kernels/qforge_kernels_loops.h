/* The non-GEMM int8 kernels of the SIMD targets (quantize, dequantize, requantize, qadd, qmul, maxpool,
 * average and global average pool, qmatmul, qsoftmax), written once as portable C loops shaped for the vectoriser and included by every
 * SIMD kernel file (x86 and neon templates): unit strides, loop-invariant parameters, channel blocks of a
 * fixed 16 lanes, no per-element division or branch. The reference (qforge_kernels_ref.c) computes the
 * channel of every element with a division and quantizes NaN on a branch, which keeps clang from
 * vectorising it; these loops do the same float32 operations in the same order (the build has
 * -ffp-contract=off), so they are bit-identical to qf_ref_* (the contract in README.md):
 *   - NaN quantizes to clamp(zp): mapping NaN to 0 before the float clamp gives clamp(0, qmin - zp,
 *     qmax - zp) + zp, the same value, without a branch;
 *   - a dequantize (double)(q - zp) * s with s a float32 value is exact in double (9 x 24 bits), so the
 *     float32 product (one rounding) equals it; other scales keep the double product, vectorised too.
 * Checked in the asm: the runs compile to vector loops (vdivps/vmulps, vcvttps2dq, vpmovdb on avx512). */
#ifndef QFORGE_KERNELS_LOOPS_H
#define QFORGE_KERNELS_LOOPS_H
#include <math.h>
#include <string.h>
#include "qforge_kernels.h"
#ifdef QF_FNR /* a generated model's config: the float GEMM is there for qmatmul's float32-exact path */
#include "qforge_fgemm.h"
#endif

#define QF_LP static inline __attribute__((always_inline))
#define QF_LP_BLOCK 16 /* channel block: one vector of bytes on every target */

/* clamp(rint(v) + zp, qmin, qmax) with lo = qmin - zp, hi = qmax - zp: the reference's qf_round_store
   (clamp in float, round half to even by adding and removing 1.5 * 2^23). */
QF_LP uint8_t qf_lp_store(float v, float lo, float hi, int32_t zp) {
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (uint8_t)((int32_t)((v + 12582912.0f) - 12582912.0f) + zp);
}

QF_LP int qf_lp_is_f32(double s) { return (double)(float)s == s; }

/* ---- quantize (f32 -> u8), per tensor or per channel; div: x / s (ONNX) instead of x * (1/s) ---- */

QF_LP void qf_lp_quant_run(size_t n, const float *x, float f, int32_t zp, int32_t qmin, int32_t qmax, uint8_t *y,
                           int div) {
  const float lo = (float)(qmin - zp), hi = (float)(qmax - zp);
  for (size_t i = 0; i < n; i++) {
    float v = div ? x[i] / f : x[i] * f;
    v = v != v ? 0.0f : v;
    y[i] = qf_lp_store(v, lo, hi, zp);
  }
}

/* channels innermost (inner = 1): one parameter per lane */
QF_LP void qf_lp_quant_chan(size_t C, const float *x, const float *f, const int32_t *zp, int32_t qmin, int32_t qmax,
                            uint8_t *y, int div) {
  for (size_t c = 0; c < C; c++) {
    float v = div ? x[c] / f[c] : x[c] * f[c];
    v = v != v ? 0.0f : v;
    y[c] = qf_lp_store(v, (float)(qmin - zp[c]), (float)(qmax - zp[c]), zp[c]);
  }
}

QF_LP void qf_lp_quantize(size_t n, size_t inner, size_t C, const float *x, const float *f, const int32_t *zp,
                          int32_t qmin, int32_t qmax, uint8_t *y, int div) {
  if (C == 1) {
    qf_lp_quant_run(n, x, f[0], zp[0], qmin, qmax, y, div);
  } else if (inner == 1) {
    for (size_t o = 0; o < n; o += C) qf_lp_quant_chan(n - o < C ? n - o : C, x + o, f, zp, qmin, qmax, y + o, div);
  } else {
    for (size_t o = 0, c = 0; o < n; o += inner, c = c + 1 == C ? 0 : c + 1)
      qf_lp_quant_run(n - o < inner ? n - o : inner, x + o, f[c], zp[c], qmin, qmax, y + o, div);
  }
}

void qf_quantize_u8(size_t n, size_t inner, size_t C, const float *x, const float *inv, const int32_t *zp, int32_t qmin,
                    int32_t qmax, uint8_t *y) {
  qf_lp_quantize(n, inner, C, x, inv, zp, qmin, qmax, y, 0);
}

void qf_quantize_div_u8(size_t n, size_t inner, size_t C, const float *x, const float *s, const int32_t *zp,
                        int32_t qmin, int32_t qmax, uint8_t *y) {
  qf_lp_quantize(n, inner, C, x, s, zp, qmin, qmax, y, 1);
}

/* ---- dequantize (u8 -> f32): y = fround((q - zp) * s) ---- */

QF_LP void qf_lp_dequant_run(size_t n, const uint8_t *x, double s, int32_t zp, float *y) {
  if (qf_lp_is_f32(s)) {
    const float sf = (float)s;
    for (size_t i = 0; i < n; i++) y[i] = (float)((int32_t)x[i] - zp) * sf;
  } else {
    for (size_t i = 0; i < n; i++) y[i] = (float)((double)((int32_t)x[i] - zp) * s);
  }
}

void qf_dequantize_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const double *s, const int32_t *zp, float *y) {
  if (C == 1) {
    qf_lp_dequant_run(n, x, s[0], zp[0], y);
  } else if (inner == 1) {
    for (size_t o = 0; o < n; o += C) {
      const size_t m = n - o < C ? n - o : C;
      for (size_t c = 0; c < m; c++) y[o + c] = (float)((double)((int32_t)x[o + c] - zp[c]) * s[c]);
    }
  } else {
    for (size_t o = 0, c = 0; o < n; o += inner, c = c + 1 == C ? 0 : c + 1)
      qf_lp_dequant_run(n - o < inner ? n - o : inner, x + o, s[c], zp[c], y + o);
  }
}

/* ---- requantize (u8 -> u8 with other qparams) ---- */

QF_LP void qf_lp_requant(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float f, int32_t y_zp, int32_t qmin,
                         int32_t qmax, uint8_t *y, int div) {
  const float lo = (float)(qmin - y_zp), hi = (float)(qmax - y_zp);
  if (qf_lp_is_f32(x_s)) {
    const float xs = (float)x_s;
    for (size_t i = 0; i < n; i++) {
      const float d = (float)((int32_t)x[i] - x_zp) * xs;
      y[i] = qf_lp_store(div ? d / f : d * f, lo, hi, y_zp);
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const float d = (float)((double)((int32_t)x[i] - x_zp) * x_s);
      y[i] = qf_lp_store(div ? d / f : d * f, lo, hi, y_zp);
    }
  }
}

void qf_requantize_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float inv_y, int32_t y_zp, int32_t qmin,
                      int32_t qmax, uint8_t *y) {
  qf_lp_requant(n, x, x_s, x_zp, inv_y, y_zp, qmin, qmax, y, 0);
}

void qf_requantize_div_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float y_s, int32_t y_zp, int32_t qmin,
                          int32_t qmax, uint8_t *y) {
  qf_lp_requant(n, x, x_s, x_zp, y_s, y_zp, qmin, qmax, y, 1);
}

/* ---- qadd / qmul: quantize(dequantize(a) op dequantize(b)) ---- */

/* The reference's formula in float32, exact when both scales are float32 values (the double products of
   the dequantizes are then exact); constant strides, op and scaling after inlining, so each combination
   is its own vector loop. */
QF_LP void qf_lp_qbin(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y,
                      int mul, int div) {
  const float as = (float)p->a_s, bs = (float)p->b_s, az = (float)p->a_zp, bz = (float)p->b_zp;
  const float inv = p->inv_y, ys = p->y_s, lo = (float)(p->qmin - p->y_zp), hi = (float)(p->qmax - p->y_zp);
  for (size_t i = 0; i < n; i++) {
    const float da = ((float)a[i * sa] - az) * as, db = ((float)b[i * sb] - bz) * bs;
    const float v = mul ? da * db : da + db;
    y[i] = qf_lp_store(div ? v / ys : v * inv, lo, hi, p->y_zp);
  }
}

QF_LP void qf_lp_qbin_strides(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p,
                              uint8_t *y, int mul, int div) {
  if (sa == 1 && sb == 1) qf_lp_qbin(n, a, 1, b, 1, p, y, mul, div);
  else if (sa == 1 && sb == 0) qf_lp_qbin(n, a, 1, b, 0, p, y, mul, div);
  else if (sa == 0 && sb == 1) qf_lp_qbin(n, a, 0, b, 1, p, y, mul, div);
  else qf_lp_qbin(n, a, sa, b, sb, p, y, mul, div);
}

void qf_qadd(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y) {
  if (!qf_lp_is_f32(p->a_s) || !qf_lp_is_f32(p->b_s)) qf_ref_qadd(n, a, sa, b, sb, p, y); /* double dequantize */
  else if (p->divide) qf_lp_qbin_strides(n, a, sa, b, sb, p, y, 0, 1);
  else qf_lp_qbin_strides(n, a, sa, b, sb, p, y, 0, 0);
}

void qf_qmul(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y) {
  if (!qf_lp_is_f32(p->a_s) || !qf_lp_is_f32(p->b_s)) qf_ref_qmul(n, a, sa, b, sb, p, y);
  else if (p->divide) qf_lp_qbin_strides(n, a, sa, b, sb, p, y, 1, 1);
  else qf_lp_qbin_strides(n, a, sa, b, sb, p, y, 1, 0);
}

/* ---- pools on NHWC, channel blocks of QF_LP_BLOCK lanes (one vector), the tail one lane at a time ---- */

/* Channels per step of qf_maxpool_u8 where a file has wider byte vectors (avx512: 64, one zmm). */
#ifndef QF_LP_WIDE
#define QF_LP_WIDE QF_LP_BLOCK
#endif

/* max over the window of channels [c0, c0 + nc) of output pixel (oh, ow); an empty window gives 0.
   Called with nc = QF_LP_WIDE or QF_LP_BLOCK (a constant after inlining: m lives in one register) or the tail. */
QF_LP void qf_lp_maxpool_px(const qf_geom *g, const uint8_t *x, int32_t oh, int32_t ow, int32_t c0, int32_t nc,
                            uint8_t *out) {
  uint8_t m[QF_LP_WIDE] = {0};
  const int32_t h0 = oh * g->SH - g->PT, w0 = ow * g->SW - g->PL;
  for (int32_t i = 0; i < g->KH; i++) {
    const int32_t ih = h0 + i * g->DH;
    if (ih < 0 || ih >= g->H) continue;
    for (int32_t j = 0; j < g->KW; j++) {
      const int32_t iw = w0 + j * g->DW;
      if (iw < 0 || iw >= g->W) continue;
      const uint8_t *src = x + ((size_t)ih * g->W + iw) * g->C + c0;
      for (int32_t k = 0; k < nc; k++) m[k] = src[k] > m[k] ? src[k] : m[k];
    }
  }
  memcpy(out + c0, m, (size_t)nc);
}

void qf_maxpool_u8(const qf_geom *g, const uint8_t *x, uint8_t *y) {
  const int32_t C = g->C;
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      int32_t c0 = 0;
      for (; c0 + QF_LP_WIDE <= C; c0 += QF_LP_WIDE) qf_lp_maxpool_px(g, x, oh, ow, c0, QF_LP_WIDE, out);
      for (; c0 + QF_LP_BLOCK <= C; c0 += QF_LP_BLOCK) qf_lp_maxpool_px(g, x, oh, ow, c0, QF_LP_BLOCK, out);
      if (c0 < C && C >= QF_LP_BLOCK) qf_lp_maxpool_px(g, x, oh, ow, C - QF_LP_BLOCK, QF_LP_BLOCK, out); /* overlaps: same values */
      else if (c0 < C) qf_lp_maxpool_px(g, x, oh, ow, c0, C - c0, out);
    }
}

/* Σ (x - x_zp) over the HW pixels per channel of [c0, c1), as Σ x - HW·x_zp in wrapping uint32 (the
   true sum fits int32, so the wrapped difference equals it), then the reference's requantisation. */
void qf_qgavgpool_ch(size_t HW, size_t C, size_t c0, size_t c1, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin,
                     int32_t qmax, const uint8_t *x, uint8_t *y) {
  const float lo = (float)(qmin - y_zp), hi = (float)(qmax - y_zp);
  const uint32_t off = (uint32_t)HW * (uint32_t)x_zp;
  const size_t n = c1 - c0;
  for (size_t c = c0; c < c1;) {
    /* the last block of a range of >= 16 channels overlaps the one before inside the range (writes the
       same values again; never a channel of another thread's range) */
    const size_t b = c1 - c >= QF_LP_BLOCK ? c : n >= QF_LP_BLOCK ? c1 - QF_LP_BLOCK : c;
    uint32_t acc[QF_LP_BLOCK] = {0};
    const uint8_t *src = x + b;
    if (n >= QF_LP_BLOCK)
      for (size_t p = 0; p < HW; p++, src += C)
        for (size_t k = 0; k < QF_LP_BLOCK; k++) acc[k] += src[k];
    else
      for (size_t p = 0; p < HW; p++, src += C)
        for (size_t k = 0; k < n; k++) acc[k] += src[k];
    const size_t nc = n >= QF_LP_BLOCK ? QF_LP_BLOCK : n;
    for (size_t k = 0; k < nc; k++) y[b + k] = qf_lp_store((float)(int32_t)(acc[k] - off) * mult, lo, hi, y_zp);
    c = b + nc;
  }
}

void qf_qgavgpool(size_t HW, size_t C, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin, int32_t qmax,
                  const uint8_t *x, uint8_t *y) {
  qf_qgavgpool_ch(HW, C, 0, C, x_zp, mult, y_zp, qmin, qmax, x, y);
}

/* ---- qavgpool: average pool on NHWC bytes (qf_ref_qavgpool's window, count and requantize) ---- */

/* Per output pixel the window's in-image pixels are summed over blocks of 16 channels (unit stride,
   a vector of sums; the reference sums one channel at a time at stride C), the zero point once per
   in-image pixel taken off the sum, then the reference's multiplier mult / count. */
void qf_qavgpool(const qf_geom *g, int count_include_pad, float mult, int32_t y_zp, int32_t qmin, int32_t qmax,
                 const uint8_t *x, uint8_t *y) {
  const size_t C = (size_t)g->C;
  const float lo = (float)(qmin - y_zp), hi = (float)(qmax - y_zp);
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      const int32_t h0 = oh * g->SH - g->PT, w0 = ow * g->SW - g->PL, hhi0 = h0 + g->KH, whi0 = w0 + g->KW;
      const int32_t hlo = h0 > 0 ? h0 : 0, wlo = w0 > 0 ? w0 : 0, hhi = hhi0 < g->H ? hhi0 : g->H, whi = whi0 < g->W ? whi0 : g->W;
      int32_t count = (hhi - hlo) * (whi - wlo);
      if (count_include_pad) {
        const int32_t he = hhi0 < g->H + g->PB ? hhi0 : g->H + g->PB, we = whi0 < g->W + g->PR ? whi0 : g->W + g->PR;
        const int32_t hs = h0 > -g->PT ? h0 : -g->PT, ws = w0 > -g->PL ? w0 : -g->PL;
        count = (he - hs) * (we - ws);
      }
      const float m = mult / (float)count;
      const uint32_t off = (uint32_t)((hhi - hlo) * (whi - wlo)) * (uint32_t)g->x_zp;
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (size_t c0 = 0; c0 < C; c0 += QF_LP_BLOCK) {
        const size_t nc = C - c0 < QF_LP_BLOCK ? C - c0 : QF_LP_BLOCK;
        uint32_t acc[QF_LP_BLOCK] = {0};
        for (int32_t h = hlo; h < hhi; h++)
          for (int32_t w = wlo; w < whi; w++) {
            const uint8_t *src = x + ((size_t)h * g->W + w) * C + c0;
            if (nc == QF_LP_BLOCK)
              for (size_t k = 0; k < QF_LP_BLOCK; k++) acc[k] += src[k];
            else
              for (size_t k = 0; k < nc; k++) acc[k] += src[k];
          }
        for (size_t k = 0; k < nc; k++) out[c0 + k] = qf_lp_store((float)(int32_t)(acc[k] - off) * m, lo, hi, y_zp);
      }
    }
}

/* ---- qmatmul: u8 x u8 activation matmul ---- */

/* Σk a[k]·B[k][n] for the nb columns of one block, vectorised over n (B rows are contiguous in n, so
   nothing is transposed): a u8·u8 product fits uint16 (255·255 < 2^16), the sums wrap in uint32 like the
   reference's (the true value fits int32, see qf_ref_qmatmul). */
QF_LP void qf_lp_qmm_block(size_t K, size_t N, const uint8_t *a, const uint8_t *B, size_t nb, uint32_t *acc) {
  for (size_t j = 0; j < nb; j++) acc[j] = 0;
  for (size_t k = 0; k < K; k++) {
    const uint16_t av = a[k];
    const uint8_t *bk = B + k * N;
    for (size_t j = 0; j < nb; j++) acc[j] += (uint16_t)(av * bk[j]);
  }
}

#define QF_LP_QMM_COLS 64 /* columns per block: the int32 sums of one output row stay in registers */

/* The float32 form of the same sums: with |a - a_zp| <= am, |b - b_zp| <= bm and K * am * bm < 2^24,
   every product and every partial sum is an integer below 2^24 in magnitude, so float32 holds each one
   exactly, in any order, fused or not: the float GEMM (qforge_fgemm.c, packed micro-kernel) returns
   the int32 accumulator itself. Attention's act x act products (K = head size or tokens) fit easily. */
#ifdef QF_FNR
QF_LP int qf_lp_qmm_f32_exact(size_t K, int32_t a_zp, int32_t b_zp) {
  const uint64_t am = (uint64_t)(a_zp > 255 - a_zp ? a_zp : 255 - a_zp), bm = (uint64_t)(b_zp > 255 - b_zp ? b_zp : 255 - b_zp);
  return (uint64_t)K * am * bm < ((uint64_t)1 << 24);
}

/* B - b_zp as float column panels (qforge_fgemm.h: ceil(N / QF_FNR) panels of [K][QF_FNR], zero past N),
   then blocks of QF_QMATMUL_F_ROWS rows of A - a_zp through qf_fgemm_packed, each result requantised as
   the reference does. Scratch: QF_QMATMUL_F_SCRATCH(K, N) bytes. */
static void qf_lp_qmatmul_f32(size_t M, size_t N, size_t K, const uint8_t *A, int32_t a_zp, const uint8_t *B,
                              int32_t b_zp, float mult, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *C,
                              void *scratch) {
  const size_t panels = (N + QF_FNR - 1) / QF_FNR;
  float *bp = (float *)scratch, *af = bp + panels * QF_FNR * K, *yf = af + QF_QMATMUL_F_ROWS * K;
  const float az = (float)a_zp, bz = (float)b_zp, lo = (float)(qmin - y_zp), hi = (float)(qmax - y_zp);
  for (size_t q = 0; q < panels; q++) {
    const size_t n0 = q * QF_FNR, nc = N - n0 < QF_FNR ? N - n0 : QF_FNR;
    float *d = bp + q * QF_FNR * K;
    for (size_t k = 0; k < K; k++, d += QF_FNR) {
      const uint8_t *src = B + k * N + n0;
      for (size_t j = 0; j < QF_FNR; j++) {
        const float v = (float)src[j < nc ? j : 0] - bz; /* an unconditional load: vectorisable */
        d[j] = j < nc ? v : 0.0f;
      }
    }
  }
  for (size_t m0 = 0; m0 < M; m0 += QF_QMATMUL_F_ROWS) {
    const size_t rows = M - m0 < QF_QMATMUL_F_ROWS ? M - m0 : QF_QMATMUL_F_ROWS;
    for (size_t i = 0; i < rows * K; i++) af[i] = (float)A[m0 * K + i] - az;
    qf_fgemm_packed(rows, N, K, af, K, bp, NULL, -INFINITY, INFINITY, yf, N, 0, panels);
    for (size_t i = 0; i < rows * N; i++) C[m0 * N + i] = qf_lp_store(yf[i] * mult, lo, hi, y_zp);
  }
}

#endif

void qf_qmatmul(size_t M, size_t N, size_t K, const uint8_t *A, int32_t a_zp, const uint8_t *B, int32_t b_zp, float mult,
                int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *C, void *scratch) {
#ifdef QF_FNR
  if (qf_lp_qmm_f32_exact(K, a_zp, b_zp)) {
    qf_lp_qmatmul_f32(M, N, K, A, a_zp, B, b_zp, mult, y_zp, qmin, qmax, C, scratch);
    return;
  }
#endif
  /* the zero-point terms of qf_ref_qmatmul; the column sums go where the reference keeps them */
  uint32_t *colsum = (uint32_t *)(void *)((uint8_t *)scratch + QF_QMATMUL_BT_BYTES(K, N));
  for (size_t n = 0; n < N; n++) colsum[n] = 0;
  for (size_t k = 0; k < K; k++)
    for (size_t n = 0; n < N; n++) colsum[n] += B[k * N + n];
  const uint32_t azu = (uint32_t)a_zp, bzu = (uint32_t)b_zp, kzz = (uint32_t)K * azu * bzu;
  const float lo = (float)(qmin - y_zp), hi = (float)(qmax - y_zp);
  for (size_t m = 0; m < M; m++) {
    const uint8_t *a = A + m * K;
    uint32_t rowsum = 0;
    for (size_t k = 0; k < K; k++) rowsum += a[k];
    const uint32_t row_term = kzz - bzu * rowsum;
    for (size_t n0 = 0; n0 < N; n0 += QF_LP_QMM_COLS) {
      uint32_t acc[QF_LP_QMM_COLS];
      const size_t nb = N - n0 < QF_LP_QMM_COLS ? N - n0 : QF_LP_QMM_COLS;
      if (nb == QF_LP_QMM_COLS) qf_lp_qmm_block(K, N, a, B + n0, QF_LP_QMM_COLS, acc);
      else qf_lp_qmm_block(K, N, a, B + n0, nb, acc);
      for (size_t j = 0; j < nb; j++)
        C[m * N + n0 + j] = qf_lp_store((float)(int32_t)(acc[j] + row_term - azu * colsum[n0 + j]) * mult, lo, hi, y_zp);
    }
  }
}

/* ---- qsoftmax: softmax over rows of stored bytes (qf_ref_qsoftmax) ---- */

/* The reference's steps with the max and the requantize as unit-stride vector loops; the table
   loads stay scalar (one per element) and the exact integer sum is order-free. */
void qf_qsoftmax(size_t rows, size_t n, const uint8_t *x, const uint32_t *table, double y_scale, int32_t y_zp,
                 int32_t qmin, int32_t qmax, uint8_t *y, uint32_t *e) {
  const float lo = (float)(qmin - y_zp), hi = (float)(qmax - y_zp);
  for (size_t r = 0; r < rows; r++, x += n, y += n) {
    uint8_t m = 0;
    for (size_t k = 0; k < n; k++) m = x[k] > m ? x[k] : m;
    const uint32_t *t = table + (255 - m);
    uint64_t s = 0;
    for (size_t k = 0; k < n; k++) {
      e[k] = t[x[k]];
      s += e[k];
    }
    const float f = (float)(1.0 / ((double)s * y_scale));
    for (size_t k = 0; k < n; k++) y[k] = qf_lp_store((float)(int32_t)e[k] * f, lo, hi, y_zp);
  }
}

#endif /* QFORGE_KERNELS_LOOPS_H */

/* Portable reference implementations of the qforge int8 kernels (qforge_kernels.h). Plain C99,
   exact integer arithmetic and the float32 requantisation of the interpreter; SIMD targets replace
   these one by one and must stay bit-identical. The `c` target packs weights as plain int8 [N][K]
   (GEMM) and [KH*KW][C] (depthwise). */
#include <string.h>
#include "qforge_kernels.h"

/* rint for |v| < 2^22 in the default rounding mode (ties to even), without libm: adding 1.5 * 2^23
   pushes the fraction bits out of the float32 mantissa. */
static int32_t qf_rint_small(float v) {
  const float magic = 12582912.0f;
  return (int32_t)((v + magic) - magic);
}

/* clamp(rint(v) + zp, qmin, qmax), clamping in float first so huge or infinite v stay defined. */
static uint8_t qf_round_store(float v, int32_t zp, int32_t qmin, int32_t qmax) {
  const float lo = (float)(qmin - zp), hi = (float)(qmax - zp);
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (uint8_t)(qf_rint_small(v) + zp);
}

static uint8_t qf_rq1(int32_t acc, float mult, int32_t zp, int32_t qmin, int32_t qmax) {
  return qf_round_store((float)acc * mult, zp, qmin, qmax);
}

void qf_ref_qgemm(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq,
                  uint8_t *C, size_t ldc) {
  qf_ref_qgemm_cols(M, N, K, A, lda, W, rq, C, ldc, 0, N);
}

void qf_ref_qgemm_cols(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq,
                       uint8_t *C, size_t ldc, size_t n0, size_t n1) {
  const int8_t *w = (const int8_t *)W;
  (void)N;
  for (size_t m = 0; m < M; m++) {
    const uint8_t *a = A + m * lda;
    for (size_t n = n0; n < n1; n++) {
      const int8_t *wn = w + n * K;
      int32_t acc = rq->bias[n];
      for (size_t k = 0; k < K; k++) acc += (int32_t)a[k] * (int32_t)wn[k];
      C[m * ldc + n] = qf_rq1(acc, rq->mult[n], rq->y_zp, rq->qmin, rq->qmax);
    }
  }
}

void qf_ref_qgemm_i32(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                      const int32_t *bias, int32_t *C, size_t ldc) {
  const int8_t *w = (const int8_t *)W;
  for (size_t m = 0; m < M; m++) {
    const uint8_t *a = A + m * lda;
    for (size_t n = 0; n < N; n++) {
      const int8_t *wn = w + n * K;
      int32_t acc = bias[n];
      for (size_t k = 0; k < K; k++) acc += (int32_t)a[k] * (int32_t)wn[k];
      C[m * ldc + n] = acc;
    }
  }
}

/* First and one-past-last kernel tap t with 0 <= start + t*d < n (taps in [0, k)). */
static void qf_taps(int32_t start, int32_t k, int32_t d, int32_t n, int32_t *t0, int32_t *t1) {
  int32_t lo = start >= 0 ? 0 : (-start + d - 1) / d;
  int32_t hi = start + (k - 1) * d < n ? k : (n - 1 - start) / d + 1;
  if (start > n - 1) hi = 0;
  *t0 = lo;
  *t1 = hi > lo ? hi : lo;
}

void qf_ref_qdwconv(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  qf_ref_qdwconv_ch(g, x, W, rq, y, 0, g->C);
}

void qf_ref_qdwconv_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0,
                       int32_t c1) {
  const int8_t *w = (const int8_t *)W;
  const int32_t C = g->C, taps = g->KH * g->KW;
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      const int32_t h0 = oh * g->SH - g->PT, w0 = ow * g->SW - g->PL;
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (int32_t c = c0; c < c1; c++) {
        /* padding taps contribute x_zp * w: the folded bias subtracts x_zp * sum(w) for every tap */
        int32_t acc = rq->bias[c];
        for (int32_t t = 0; t < taps; t++) {
          const int32_t ih = h0 + (t / g->KW) * g->DH, iw = w0 + (t % g->KW) * g->DW;
          const int32_t v = (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) ? x[((size_t)ih * g->W + iw) * C + c] : g->x_zp;
          acc += v * (int32_t)w[(size_t)t * C + c];
        }
        out[c] = qf_rq1(acc, rq->mult[c], rq->y_zp, rq->qmin, rq->qmax);
      }
    }
}

void qf_ref_qdwconv3x3(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  qf_ref_qdwconv3x3_ch(g, x, W, rq, y, 0, g->C);
}

void qf_ref_qdwconv3x3_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0,
                          int32_t c1) {
  const int8_t *w = (const int8_t *)W;
  const int32_t C = g->C;
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      const int32_t h0 = oh * g->SH - g->PT, w0 = ow * g->SW - g->PL;
      const uint8_t *rows[9];
      int inside[9];
      for (int t = 0; t < 9; t++) {
        const int32_t ih = h0 + t / 3, iw = w0 + t % 3;
        inside[t] = ih >= 0 && ih < g->H && iw >= 0 && iw < g->W;
        rows[t] = inside[t] ? x + ((size_t)ih * g->W + iw) * C : x;
      }
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (int32_t c = c0; c < c1; c++) {
        int32_t acc = rq->bias[c];
        for (int t = 0; t < 9; t++) acc += (inside[t] ? (int32_t)rows[t][c] : g->x_zp) * (int32_t)w[t * C + c];
        out[c] = qf_rq1(acc, rq->mult[c], rq->y_zp, rq->qmin, rq->qmax);
      }
    }
}

void qf_ref_im2col(const qf_geom *g, const uint8_t *x, int32_t c0, int32_t Cg, size_t m0, size_t rows,
                   uint8_t *out, size_t ld) {
  /* with every channel (group 1) and unit dilation, a kernel row inside the image is one run of KW*C bytes */
  const int whole = Cg == g->C && g->DW == 1;
  const size_t run = (size_t)g->KW * (size_t)Cg;
  for (size_t r = 0; r < rows; r++) {
    const int32_t m = (int32_t)(m0 + r), oh = m / g->OW, ow = m % g->OW;
    uint8_t *dst = out + r * ld;
    for (int32_t i = 0; i < g->KH; i++) {
      const int32_t ih = oh * g->SH - g->PT + i * g->DH, iw0 = ow * g->SW - g->PL;
      if (whole && ih >= 0 && ih < g->H && iw0 >= 0 && iw0 + g->KW <= g->W) {
        memcpy(dst, x + ((size_t)ih * g->W + iw0) * g->C, run);
        dst += run;
        continue;
      }
      for (int32_t j = 0; j < g->KW; j++, dst += Cg) {
        const int32_t iw = iw0 + j * g->DW;
        if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) {
          for (int32_t c = 0; c < Cg; c++) dst[c] = (uint8_t)g->x_zp;
        } else {
          const uint8_t *src = x + ((size_t)ih * g->W + iw) * g->C + c0;
          for (int32_t c = 0; c < Cg; c++) dst[c] = src[c];
        }
      }
    }
  }
}

void qf_ref_col2im_i32(const qf_geom *g, int32_t Mg, int32_t m0, int32_t M, const int32_t *cols, size_t ld,
                       int32_t *acc) {
  for (int32_t ih = 0; ih < g->H; ih++)
    for (int32_t iw = 0; iw < g->W; iw++) {
      const int32_t *src = cols + ((size_t)ih * g->W + iw) * ld;
      for (int32_t i = 0; i < g->KH; i++) {
        const int32_t oh = ih * g->SH + i * g->DH - g->PT;
        if (oh < 0 || oh >= g->OH) continue;
        for (int32_t j = 0; j < g->KW; j++) {
          const int32_t ow = iw * g->SW + j * g->DW - g->PL;
          if (ow < 0 || ow >= g->OW) continue;
          const int32_t *s = src + (size_t)(i * g->KW + j) * Mg;
          int32_t *d = acc + ((size_t)oh * g->OW + ow) * M + m0;
          for (int32_t m = 0; m < Mg; m++) d[m] += s[m];
        }
      }
    }
}

void qf_ref_requant_i32(size_t P, size_t N, const int32_t *acc, const qf_rq *rq, uint8_t *y) {
  for (size_t p = 0; p < P; p++)
    for (size_t n = 0; n < N; n++)
      y[p * N + n] = qf_rq1(rq->bias[n] + acc[p * N + n], rq->mult[n], rq->y_zp, rq->qmin, rq->qmax);
}

void qf_ref_maxpool_u8(const qf_geom *g, const uint8_t *x, uint8_t *y) {
  const int32_t C = g->C;
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      int32_t i0, i1, j0, j1;
      qf_taps(oh * g->SH - g->PT, g->KH, g->DH, g->H, &i0, &i1);
      qf_taps(ow * g->SW - g->PL, g->KW, g->DW, g->W, &j0, &j1);
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (int32_t c = 0; c < C; c++) out[c] = 0;
      for (int32_t i = i0; i < i1; i++)
        for (int32_t j = j0; j < j1; j++) {
          const int32_t ih = oh * g->SH - g->PT + i * g->DH, iw = ow * g->SW - g->PL + j * g->DW;
          const uint8_t *src = x + ((size_t)ih * g->W + iw) * C;
          for (int32_t c = 0; c < C; c++) out[c] = src[c] > out[c] ? src[c] : out[c];
        }
    }
}

void qf_ref_lut_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y) {
  if (inner == 1 && C > 1) { /* channels innermost (NHWC): one lookup per channel, no loop of one */
    for (size_t o = 0; o < n; o += C)
      for (size_t c = 0; c < C; c++) y[o + c] = table[c * 256 + x[o + c]];
    return;
  }
  for (size_t o = 0; o < n; o += inner * C)
    for (size_t c = 0; c < C; c++) {
      const uint8_t *t = table + c * 256, *xc = x + o + c * inner;
      uint8_t *yc = y + o + c * inner;
      for (size_t j = 0; j < inner; j++) yc[j] = t[xc[j]];
    }
}

void qf_ref_qavgpool(const qf_geom *g, int count_include_pad, float mult, int32_t y_zp, int32_t qmin,
                     int32_t qmax, const uint8_t *x, uint8_t *y) {
  const int32_t C = g->C;
  for (int32_t oh = 0; oh < g->OH; oh++)
    for (int32_t ow = 0; ow < g->OW; ow++) {
      const int32_t h0 = oh * g->SH - g->PT, w0 = ow * g->SW - g->PL;
      const int32_t hlo = h0 > 0 ? h0 : 0, whi0 = w0 + g->KW, hhi0 = h0 + g->KH;
      const int32_t hhi = hhi0 < g->H ? hhi0 : g->H, wlo = w0 > 0 ? w0 : 0, whi = whi0 < g->W ? whi0 : g->W;
      int32_t count;
      if (count_include_pad) {
        const int32_t he = hhi0 < g->H + g->PB ? hhi0 : g->H + g->PB, we = whi0 < g->W + g->PR ? whi0 : g->W + g->PR;
        const int32_t hs = h0 > -g->PT ? h0 : -g->PT, ws = w0 > -g->PL ? w0 : -g->PL;
        count = (he - hs) * (we - ws);
      } else {
        count = (hhi - hlo) * (whi - wlo);
      }
      const float m = mult / (float)count;
      uint8_t *out = y + ((size_t)oh * g->OW + ow) * C;
      for (int32_t c = 0; c < C; c++) {
        int32_t acc = 0;
        for (int32_t h = hlo; h < hhi; h++)
          for (int32_t w = wlo; w < whi; w++) acc += (int32_t)x[((size_t)h * g->W + w) * C + c] - g->x_zp;
        out[c] = qf_rq1(acc, m, y_zp, qmin, qmax);
      }
    }
}

void qf_ref_qgavgpool(size_t HW, size_t C, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin, int32_t qmax,
                      const uint8_t *x, uint8_t *y) {
  qf_ref_qgavgpool_ch(HW, C, 0, C, x_zp, mult, y_zp, qmin, qmax, x, y);
}

void qf_ref_qgavgpool_ch(size_t HW, size_t C, size_t c0, size_t c1, int32_t x_zp, float mult, int32_t y_zp,
                         int32_t qmin, int32_t qmax, const uint8_t *x, uint8_t *y) {
  for (size_t c = c0; c < c1; c++) {
    int32_t acc = 0;
    for (size_t p = 0; p < HW; p++) acc += (int32_t)x[p * C + c] - x_zp;
    y[c] = qf_rq1(acc, mult, y_zp, qmin, qmax);
  }
}

/* qadd / qmul: quantize(dequantize(a) op dequantize(b)), a dequantize being (float)((double)(q - zp) * s).
   (With s a float32 value that double product is exact, so float32 arithmetic gives the same bits: the
   SIMD targets' loop kernels, qforge_kernels_loops.h, vectorise that form.) */
static inline __attribute__((always_inline)) void qf_qbin_run(size_t n, const uint8_t *a, size_t sa, const uint8_t *b,
                                                              size_t sb, const qf_qbin *p, uint8_t *y, int mul) {
  const int32_t zp = p->y_zp, qmin = p->qmin, qmax = p->qmax;
  const float inv = p->inv_y, ys = p->y_s;
  const int divide = p->divide;
  for (size_t i = 0; i < n; i++) {
    const float da = (float)((double)((int32_t)a[i * sa] - p->a_zp) * p->a_s);
    const float db = (float)((double)((int32_t)b[i * sb] - p->b_zp) * p->b_s);
    const float v = mul ? da * db : da + db;
    y[i] = qf_round_store(divide ? v / ys : v * inv, zp, qmin, qmax);
  }
}

void qf_ref_qadd(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y) {
  qf_qbin_run(n, a, sa, b, sb, p, y, 0);
}

void qf_ref_qmul(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y) {
  qf_qbin_run(n, a, sa, b, sb, p, y, 1);
}

/* qf_requant_add_i32, one row. With r_s a float32 value the dequantize's double product is exact, so
   float32 does it: the fexact copy is all float32 and vectorises; other scales take the double product. */
static inline __attribute__((always_inline)) void qf_radd_row(size_t N, const int32_t *acc, const uint8_t *r,
                                                              const qf_radd *p, uint8_t *y, int fexact) {
  const float *sc = p->scale, *b = p->bias;
  const float inv = p->inv_y, ys = p->y_s, rs = (float)p->r_s, rz = (float)p->r_zp;
  const int divide = p->divide;
  const int32_t zp = p->y_zp, qmin = p->qmin, qmax = p->qmax, zc = zp < qmin ? qmin : zp > qmax ? qmax : zp;
  for (size_t n = 0; n < N; n++) {
    const float v = (float)acc[n] * sc[n] + b[n];
    const float d = fexact ? ((float)r[n] - rz) * rs : (float)((double)((int32_t)r[n] - p->r_zp) * p->r_s);
    const float s = v + d, q = divide ? s / ys : s * inv;
    y[n] = q != q ? (uint8_t)zc : qf_round_store(q, zp, qmin, qmax);
  }
}

void qf_ref_requant_add_i32(size_t P, size_t N, const int32_t *acc, size_t lda, const uint8_t *r, size_t ldr,
                            const qf_radd *p, uint8_t *y, size_t ldy) {
  const int fexact = (double)(float)p->r_s == p->r_s;
  for (size_t i = 0; i < P; i++) {
    if (fexact)
      qf_radd_row(N, acc + i * lda, r + i * ldr, p, y + i * ldy, 1);
    else
      qf_radd_row(N, acc + i * lda, r + i * ldr, p, y + i * ldy, 0);
  }
}

void qf_conv_pad(const qf_geom *g, const uint8_t *x, uint8_t *xp, size_t r0, size_t r1) {
  const size_t C = (size_t)g->C, wp = qf_pad_w(g), pl = (size_t)g->PL;
  const size_t hi = pl + (size_t)g->W < wp ? pl + (size_t)g->W : wp, lo = pl < hi ? pl : hi; /* columns from x: [lo, hi) */
  for (size_t pr = r0; pr < r1; pr++) {
    uint8_t *d = xp + pr * wp * C;
    const int64_t ih = (int64_t)pr - g->PT;
    if (ih < 0 || ih >= g->H) {
      memset(d, (int)g->x_zp, wp * C);
      continue;
    }
    memset(d, (int)g->x_zp, lo * C);
    memcpy(d + lo * C, x + ((size_t)ih * (size_t)g->W + lo - pl) * C, (hi - lo) * C);
    memset(d + hi * C, (int)g->x_zp, (wp - hi) * C);
  }
}

int qf_ref_qgemm_add(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const int32_t *bias,
                     const uint8_t *r, size_t ldr, const qf_radd *p, uint8_t *y, size_t ldy) {
  (void)M, (void)N, (void)K, (void)A, (void)lda, (void)W, (void)bias, (void)r, (void)ldr, (void)p, (void)y, (void)ldy;
  return 0;
}

void qf_ref_requantize_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float inv_y, int32_t y_zp,
                          int32_t qmin, int32_t qmax, uint8_t *y) {
  for (size_t i = 0; i < n; i++) {
    const float d = (float)((double)((int32_t)x[i] - x_zp) * x_s);
    y[i] = qf_round_store(d * inv_y, y_zp, qmin, qmax);
  }
}

void qf_ref_requantize_div_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float y_s, int32_t y_zp,
                              int32_t qmin, int32_t qmax, uint8_t *y) {
  for (size_t i = 0; i < n; i++) {
    const float d = (float)((double)((int32_t)x[i] - x_zp) * x_s);
    y[i] = qf_round_store(d / y_s, y_zp, qmin, qmax);
  }
}

void qf_ref_clamp_u8(size_t n, const uint8_t *x, uint8_t lo, uint8_t hi, uint8_t *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

void qf_ref_quantize_u8(size_t n, size_t inner, size_t C, const float *x, const float *inv, const int32_t *zp,
                        int32_t qmin, int32_t qmax, uint8_t *y) {
  for (size_t i = 0; i < n; i++) {
    const size_t c = C == 1 ? 0 : (i / inner) % C; /* per tensor: no divisions per element */
    const float v = x[i] * inv[c];
    if (v != v) {
      const int32_t z = zp[c] < qmin ? qmin : zp[c] > qmax ? qmax : zp[c];
      y[i] = (uint8_t)z;
    } else {
      y[i] = qf_round_store(v, zp[c], qmin, qmax);
    }
  }
}

void qf_ref_quantize_div_u8(size_t n, size_t inner, size_t C, const float *x, const float *s, const int32_t *zp,
                            int32_t qmin, int32_t qmax, uint8_t *y) {
  for (size_t i = 0; i < n; i++) {
    const size_t c = C == 1 ? 0 : (i / inner) % C;
    const float v = x[i] / s[c]; /* float32 division, never a multiplication by a reciprocal (no -ffast-math) */
    if (v != v) {
      const int32_t z = zp[c] < qmin ? qmin : zp[c] > qmax ? qmax : zp[c];
      y[i] = (uint8_t)z;
    } else {
      y[i] = qf_round_store(v, zp[c], qmin, qmax);
    }
  }
}

void qf_ref_dequantize_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const double *s, const int32_t *zp,
                          float *y) {
  for (size_t i = 0; i < n; i++) {
    const size_t c = (i / inner) % C;
    y[i] = (float)((double)((int32_t)x[i] - zp[c]) * s[c]);
  }
}

void qf_ref_qsoftmax(size_t rows, size_t n, const uint8_t *x, const uint32_t *table, double y_scale, int32_t y_zp,
                     int32_t qmin, int32_t qmax, uint8_t *y, uint32_t *e) {
  for (size_t r = 0; r < rows; r++, x += n, y += n) {
    uint8_t m = 0;
    for (size_t k = 0; k < n; k++) if (x[k] > m) m = x[k];
    uint64_t s = 0;
    for (size_t k = 0; k < n; k++) {
      e[k] = table[x[k] - m + 255];
      s += e[k];
    }
    const float f = (float)(1.0 / ((double)s * y_scale));
    for (size_t k = 0; k < n; k++) y[k] = qf_rq1((int32_t)e[k], f, y_zp, qmin, qmax);
  }
}

void qf_ref_qmatmul(size_t M, size_t N, size_t K, const uint8_t *A, int32_t a_zp, const uint8_t *B, int32_t b_zp,
                    float mult, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *C, void *scratch) {
  /* sum_k (a - a_zp)(b - b_zp) = sum_k a*b - b_zp*rowsum(a) - a_zp*colsum(b) + K*a_zp*b_zp. With B
     transposed into scratch every dot product runs over contiguous bytes, which the compiler
     vectorises (pmaddwd / sdot-style). Unsigned arithmetic wraps instead of overflowing; the true
     accumulator fits int32, so the wrapped sum equals it exactly. */
  uint8_t *Bt = (uint8_t *)scratch;
  uint32_t *colsum = (uint32_t *)(void *)(Bt + QF_QMATMUL_BT_BYTES(K, N));
  for (size_t k = 0; k < K; k++)
    for (size_t n = 0; n < N; n++) Bt[n * K + k] = B[k * N + n];
  for (size_t n = 0; n < N; n++) {
    uint32_t s = 0;
    for (size_t k = 0; k < K; k++) s += Bt[n * K + k];
    colsum[n] = s;
  }
  const uint32_t azu = (uint32_t)a_zp, bzu = (uint32_t)b_zp, kzz = (uint32_t)K * azu * bzu;
  for (size_t m = 0; m < M; m++) {
    const uint8_t *a = A + m * K;
    uint32_t rowsum = 0;
    for (size_t k = 0; k < K; k++) rowsum += a[k];
    const uint32_t row_term = kzz - bzu * rowsum;
    size_t n = 0;
    for (; n + 4 <= N; n += 4) { /* four columns share each load of a */
      const uint8_t *b0 = Bt + n * K, *b1 = b0 + K, *b2 = b1 + K, *b3 = b2 + K;
      uint32_t d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      for (size_t k = 0; k < K; k++) {
        const uint32_t av = a[k];
        d0 += av * b0[k];
        d1 += av * b1[k];
        d2 += av * b2[k];
        d3 += av * b3[k];
      }
      const uint32_t d[4] = {d0, d1, d2, d3};
      for (size_t j = 0; j < 4; j++)
        C[m * N + n + j] = qf_rq1((int32_t)(d[j] + row_term - azu * colsum[n + j]), mult, y_zp, qmin, qmax);
    }
    for (; n < N; n++) {
      const uint8_t *b = Bt + n * K;
      uint32_t dot = 0;
      for (size_t k = 0; k < K; k++) dot += (uint32_t)a[k] * b[k];
      C[m * N + n] = qf_rq1((int32_t)(dot + row_term - azu * colsum[n]), mult, y_zp, qmin, qmax);
    }
  }
}

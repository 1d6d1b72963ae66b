/* qforge weight-only linear: see qforge_weight_only.h. */
#include "qforge_weight_only.h"

/* q − zp of one k of a panel (int4: rows j < 8 in the low nibbles of the 8 bytes, rows 8 + j in the high ones). */
static void panel_ints(const qf_wo_linear *p, size_t panel, size_t kk, const int32_t *zv, int32_t *d) {
  if (p->bits == 8) {
    const int8_t *q = (const int8_t *)p->w + (panel * (size_t)p->K + kk) * QF_WO_NR;
    for (int j = 0; j < QF_WO_NR; j++) d[j] = q[j] - zv[j];
  } else {
    const uint8_t *q = (const uint8_t *)p->w + (panel * (size_t)p->K + kk) * (QF_WO_NR / 2);
    for (int j = 0; j < QF_WO_NR / 2; j++) d[j] = (((int32_t)q[j] & 15) ^ 8) - 8 - zv[j];
    for (int j = 0; j < QF_WO_NR / 2; j++) d[QF_WO_NR / 2 + j] = (((int32_t)q[j] >> 4) ^ 8) - 8 - zv[QF_WO_NR / 2 + j];
  }
}

/* Rows k0..k0+kc of panel `panel`, dequantized into wf[kc][QF_WO_NR]: fround((q − zp)·scale), the
   interpreter's product in double. For a float32 scale that product is exact (|q − zp| < 2^9), so
   a float32 multiply rounds it the same way; other scales multiply in double. */
static void dequantize_panel(const qf_wo_linear *p, size_t panel, size_t k0, size_t kc, float *wf) {
  const size_t G = (size_t)p->G, groups = (size_t)p->K / G;
  float sf[QF_WO_NR] = {0};
  double sd[QF_WO_NR] = {0};
  int32_t zv[QF_WO_NR] = {0}, d[QF_WO_NR];
  size_t g = (size_t)-1;
  for (size_t k = 0; k < kc; k++) {
    const size_t kk = k0 + k;
    if (kk / G != g) {
      g = kk / G;
      const size_t at = (panel * groups + g) * QF_WO_NR;
      for (int j = 0; j < QF_WO_NR; j++) {
        if (p->scale) sf[j] = p->scale[at + (size_t)j];
        else sd[j] = p->scale64[at + (size_t)j];
        if (p->zp) zv[j] = p->zp[at + (size_t)j];
      }
    }
    panel_ints(p, panel, kk, zv, d);
    float *o = wf + k * QF_WO_NR;
    if (p->scale)
      for (int j = 0; j < QF_WO_NR; j++) o[j] = (float)d[j] * sf[j];
    else
      for (int j = 0; j < QF_WO_NR; j++) o[j] = (float)((double)d[j] * sd[j]);
  }
}

/* acc[j] += Σk x[k]·wf[k][j], each sum in k order as the interpreter's micro-kernel keeps it; the
   16 partial sums stay in registers (4 ymm, 2 zmm, 8 q). */
static void sum_row(size_t kc, const float *x, const float *wf, double *acc) {
  double s[QF_WO_NR] = {0};
  for (size_t k = 0; k < kc; k++) {
    const double v = x[k];
    for (int j = 0; j < QF_WO_NR; j++) s[j] += v * (double)wf[k * QF_WO_NR + j];
  }
  for (int j = 0; j < QF_WO_NR; j++) acc[j] += s[j];
}

/* The same for two rows at once: each weight load serves two rows (8 ymm, 4 zmm, 16 q accumulators). */
static void sum_rows2(size_t kc, const float *x0, const float *x1, const float *wf, double *acc0, double *acc1) {
  double s0[QF_WO_NR] = {0}, s1[QF_WO_NR] = {0};
  for (size_t k = 0; k < kc; k++) {
    const double v0 = x0[k], v1 = x1[k];
    for (int j = 0; j < QF_WO_NR; j++) {
      const double w = wf[k * QF_WO_NR + j];
      s0[j] += v0 * w;
      s1[j] += v1 * w;
    }
  }
  for (int j = 0; j < QF_WO_NR; j++) {
    acc0[j] += s0[j];
    acc1[j] += s1[j];
  }
}

void qf_wo_linear_run(const qf_wo_linear *p, size_t R, const float *x, float *y, void *scratch) {
  qf_wo_linear_panels(p, R, x, y, scratch, 0, ((size_t)p->N + QF_WO_NR - 1) / QF_WO_NR);
}

void qf_wo_linear_panels(const qf_wo_linear *p, size_t R, const float *x, float *y, void *scratch, size_t p0, size_t p1) {
  const size_t N = (size_t)p->N, K = (size_t)p->K;
  float *wf = (float *)scratch;
  double *acc = (double *)(wf + (K < QF_WO_KC ? K : QF_WO_KC) * QF_WO_NR);
  for (size_t panel = p0; panel < p1; panel++) {
    const size_t n0 = panel * QF_WO_NR, nr = N - n0 < QF_WO_NR ? N - n0 : QF_WO_NR;
    for (size_t i = 0; i < R * QF_WO_NR; i++) acc[i] = 0;
    for (size_t k0 = 0; k0 < K; k0 += QF_WO_KC) {
      const size_t kc = K - k0 < QF_WO_KC ? K - k0 : QF_WO_KC;
      dequantize_panel(p, panel, k0, kc, wf);
      size_t r = 0;
      for (; r + 2 <= R; r += 2) sum_rows2(kc, x + r * K + k0, x + (r + 1) * K + k0, wf, acc + r * QF_WO_NR, acc + (r + 1) * QF_WO_NR);
      if (r < R) sum_row(kc, x + r * K + k0, wf, acc + r * QF_WO_NR);
    }
    /* The interpreter's store: fround(alpha·acc + 0 + beta·b[n]), then the clamp. */
    for (size_t r = 0; r < R; r++)
      for (size_t j = 0; j < nr; j++) {
        double v = p->alpha * acc[r * QF_WO_NR + j] + 0.0;
        if (p->b) v = v + p->beta * (double)p->b[n0 + j];
        double f = (double)(float)v;
        f = f < p->lo ? p->lo : f > p->hi ? p->hi : f;
        y[r * N + n0 + j] = (float)f;
      }
  }
}

/* qforge weight-only linear: see qforge_weight_only.h. */
#include "qforge_weight_only.h"

/* The scales of one panel's group as doubles (the interpreter's fround((q - zp)·scale) multiplies
   in double; for float32 scales that product is exact, so it equals a float32 multiply). */
static void group_scales(const qf_wo_linear *p, size_t at, double *sv) {
  for (int j = 0; j < QF_WO_NR; j++) sv[j] = p->scale ? (double)p->scale[at + (size_t)j] : p->scale64[at + (size_t)j];
}

/* Rows k0..k0+kc of panel `panel`, dequantized into wf[kc][QF_WO_NR]. */
static void dequantize_panel(const qf_wo_linear *p, size_t panel, size_t k0, size_t kc, float *wf) {
  const size_t K = (size_t)p->K, G = (size_t)p->G, groups = K / G;
  double sv[QF_WO_NR];
  int32_t zv[QF_WO_NR] = {0};
  size_t g = (size_t)-1;
  for (size_t k = 0; k < kc; k++) {
    const size_t kk = k0 + k;
    if (kk / G != g) {
      g = kk / G;
      const size_t at = (panel * groups + g) * QF_WO_NR;
      group_scales(p, at, sv);
      if (p->zp)
        for (int j = 0; j < QF_WO_NR; j++) zv[j] = p->zp[at + (size_t)j];
    }
    float *o = wf + k * QF_WO_NR;
    if (p->bits == 8) {
      const int8_t *q = (const int8_t *)p->w + (panel * K + kk) * QF_WO_NR;
      for (int j = 0; j < QF_WO_NR; j++) o[j] = (float)((double)(q[j] - zv[j]) * sv[j]);
    } else {
      const uint8_t *q = (const uint8_t *)p->w + (panel * K + kk) * (QF_WO_NR / 2);
      for (int j = 0; j < QF_WO_NR / 2; j++) {
        const int32_t lo = (int32_t)((q[j] & 15) ^ 8) - 8, hi = (int32_t)((q[j] >> 4) ^ 8) - 8;
        o[2 * j] = (float)((double)(lo - zv[2 * j]) * sv[2 * j]);
        o[2 * j + 1] = (float)((double)(hi - zv[2 * j + 1]) * sv[2 * j + 1]);
      }
    }
  }
}

void qf_wo_linear_run(const qf_wo_linear *p, size_t R, const float *x, float *y, void *scratch) {
  const size_t N = (size_t)p->N, K = (size_t)p->K;
  float *wf = (float *)scratch;
  double *acc = (double *)(wf + (K < QF_WO_KC ? K : QF_WO_KC) * QF_WO_NR);
  for (size_t n0 = 0; n0 < N; n0 += QF_WO_NR) {
    const size_t panel = n0 / QF_WO_NR, nr = N - n0 < QF_WO_NR ? N - n0 : QF_WO_NR;
    for (size_t i = 0; i < R * QF_WO_NR; i++) acc[i] = 0;
    for (size_t k0 = 0; k0 < K; k0 += QF_WO_KC) {
      const size_t kc = K - k0 < QF_WO_KC ? K - k0 : QF_WO_KC;
      dequantize_panel(p, panel, k0, kc, wf);
      for (size_t r = 0; r < R; r++) {
        /* One partial sum per row n of the block, in k order (the interpreter's micro-kernel). */
        double s[QF_WO_NR] = {0};
        const float *xr = x + r * K + k0;
        for (size_t k = 0; k < kc; k++) {
          const double xv = xr[k];
          const float *wk = wf + k * QF_WO_NR;
          for (int j = 0; j < QF_WO_NR; j++) s[j] += xv * (double)wk[j];
        }
        double *a = acc + r * QF_WO_NR;
        for (int j = 0; j < QF_WO_NR; j++) a[j] += s[j];
      }
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

/* qforge float fallback ops (see qforge_runtime.h): NCHW, float32 storage; sums in float32 for
   the generic GEMM qf_f_gemm (convolutions and linear layers are qforge_fgemm.c's), in float64 elsewhere,
   as the interpreter does. */
#include <math.h>
#include <string.h>
#include "qforge_runtime.h"
#include "qforge_fmath.h"

static float qf_fmin(float a, float b) { return a != a || b != b ? NAN : a < b ? a : b; }
static float qf_fmax(float a, float b) { return a != a || b != b ? NAN : a > b ? a : b; }
/* One loop per op and stride case (both contiguous, one operand broadcast, general): the contiguous
   and broadcast loops vectorise. C's pow already gives 1^y = 1 and (-1)^(+-inf) = 1, as the interpreter does. */
#define QF_BIN(expr)                                                                                      \
  do {                                                                                                    \
    if (sa == 1 && sb == 1) for (size_t i = 0; i < n; i++) { const float u = x[i], v = z[i]; o[i] = (expr); } \
    else if (sa == 1 && sb == 0) { const float v = z[0]; for (size_t i = 0; i < n; i++) { const float u = x[i]; o[i] = (expr); } } \
    else if (sa == 0 && sb == 1) { const float u = x[0]; for (size_t i = 0; i < n; i++) { const float v = z[i]; o[i] = (expr); } } \
    else for (size_t i = 0; i < n; i++) { const float u = x[i * sa], v = z[i * sb]; o[i] = (expr); }      \
  } while (0)
void qf_f_binary_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y) {
  const float *x = (const float *)a, *z = (const float *)b;
  float *o = (float *)y;
  switch (*(const int *)p) {
  case QF_ADD: QF_BIN(u + v); break;
  case QF_SUB: QF_BIN(u - v); break;
  case QF_MUL: QF_BIN(u * v); break;
  case QF_DIV: QF_BIN(u / v); break;
  case QF_POW: QF_BIN((float)pow((double)u, (double)v)); break;
  case QF_MIN: QF_BIN(qf_fmin(u, v)); break;
  case QF_MAX: QF_BIN(qf_fmax(u, v)); break;
  default: QF_BIN(u < 0 ? v * u : u); break;
  }
}
#undef QF_BIN
static double qf_unary1(int op, double x, double p0, double p1) {
  switch (op) {
  case QF_RELU: return x < 0 ? 0 : x;
  case QF_SIGMOID: return 1 / (1 + exp(-x));
  case QF_TANH: return tanh(x);
  case QF_ERF: return erf(x);
  case QF_SQRT: return sqrt(x);
  case QF_EXP: return exp(x);
  case QF_LOG: return log(x);
  case QF_RECIPROCAL: return 1 / x;
  case QF_FLOOR: return floor(x);
  case QF_CEIL: return ceil(x);
  case QF_HARDSWISH: { const double r = x + 3 < 0 ? 0 : x + 3 > 6 ? 6 : x + 3; return x != x ? x : x * r / 6; }
  case QF_NEG: return -x;
  case QF_ABS: return fabs(x);
  case QF_LEAKY_RELU: return x < 0 ? p0 * x : x;
  case QF_ELU: return x < 0 ? p0 * expm1(x) : x;
  case QF_CLIP: { const double v = x < p0 ? p0 : x; return v > p1 ? p1 : v; }
  case QF_HARDSIGMOID: { const double v = p0 * x + p1; return v != v ? v : v < 0 ? 0 : v > 1 ? 1 : v; }
  case QF_GELU: return 0.5 * x * (1 + erf(x * 0.70710678118654752440));
  case QF_SIN: return sin(x);
  case QF_COS: return cos(x);
  case QF_TAN: return tan(x);
  case QF_ASIN: return asin(x);
  case QF_ACOS: return acos(x);
  case QF_ATAN: return atan(x);
  case QF_SINH: return sinh(x);
  case QF_COSH: return cosh(x);
  case QF_ASINH: return asinh(x);
  case QF_ACOSH: return acosh(x);
  case QF_ATANH: return atanh(x);
  case QF_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;
  case QF_ROUND: return rint(x);
  case QF_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
  case QF_CELU: { const double e = p0 * expm1(x / p0); return (x > 0 ? x : 0) + (e < 0 ? e : 0); }
  case QF_THRESHOLDED_RELU: return x > p0 ? x : 0;
  case QF_SHRINK: return x < -p0 ? x + p1 : x > p0 ? x - p1 : 0;
  default: return 0.5 * x * (1 + tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
  }
}
/* The hot activations run as one tight float32 loop each (vectorised by the compiler); the rest
   take the float64 libm path, one switch per element. */
/* NaN passes through (both comparisons are false). */
static inline float qf_clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }
#define QF_MAP(expr) for (size_t i = 0; i < n; i++) { const float v = x[i]; y[i] = (expr); } return
void qf_f_unary(int op, size_t n, const float *x, float p0, float p1, float *y) {
  switch (op) {
  case QF_RELU: QF_MAP(v < 0 ? 0.0f : v);
  case QF_SIGMOID: QF_MAP(qf_sigmoidf(v));
  case QF_SILU: QF_MAP(v * qf_sigmoidf(v)); /* the float32 sigmoid, then the float32 product: as the two ops */
  case QF_HARDSIGMOID: QF_MAP(qf_clampf(p0 * v + p1, 0.0f, 1.0f));
  case QF_HARDSWISH: QF_MAP(v * qf_clampf(v + 3.0f, 0.0f, 6.0f) / 6.0f);
  case QF_TANH: QF_MAP(qf_tanhf(v));
  case QF_ERF: QF_MAP(qf_erff(v));
  case QF_EXP: QF_MAP(qf_expf(v));
  case QF_GELU: QF_MAP(qf_geluf(v));
  case QF_GELU_TANH: QF_MAP(qf_gelu_tanhf(v));
  case QF_NEG: QF_MAP(-v);
  case QF_ABS: QF_MAP(v < 0 ? -v : v);
  case QF_CLIP: QF_MAP(v != v ? v : v < p0 ? p0 : v > p1 ? p1 : v);
  case QF_LEAKY_RELU: QF_MAP(v < 0 ? p0 * v : v);
  default: for (size_t i = 0; i < n; i++) y[i] = (float)qf_unary1(op, x[i], p0, p1);
  }
}
#undef QF_MAP

static void qf_f_softmax_ref(size_t outer, size_t n, size_t inner, int log_, const float *x, float *y);

/* Softmax over a contiguous last axis: float32 exponentials (qf_expf, vectorised), their sum in
   float64 as the interpreter's, one float32 scale. */
static void qf_softmax_rows(size_t rows, size_t n, const float *x, float *y) {
  for (size_t r = 0; r < rows; r++) {
    const float *v = x + r * n;
    float *o = y + r * n;
    float m = -INFINITY;
    int nan = 0;
    for (size_t k = 0; k < n; k++) {
      nan |= v[k] != v[k];
      m = v[k] > m ? v[k] : m;
    }
    if (nan || m == INFINITY || m == -INFINITY) { /* rare: the float64 path spells out NaN and inf */
      qf_f_softmax_ref(1, n, 1, 0, v, o);
      continue;
    }
    for (size_t k = 0; k < n; k++) o[k] = qf_expf(v[k] - m);
    double sum = 0;
    for (size_t k = 0; k < n; k++) sum += o[k];
    const float inv = (float)(1 / sum);
    for (size_t k = 0; k < n; k++) o[k] *= inv;
  }
}

void qf_f_softmax(size_t outer, size_t n, size_t inner, int log_, const float *x, float *y) {
  if (inner == 1 && !log_) {
    qf_softmax_rows(outer, n, x, y);
    return;
  }
  qf_f_softmax_ref(outer, n, inner, log_, x, y);
}

/* The float64 softmax, the interpreter's formula: any axis, log-softmax, NaN and infinities. */
static void qf_f_softmax_ref(size_t outer, size_t n, size_t inner, int log_, const float *x, float *y) {
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      const size_t base = o * n * inner + i;
      double m = -INFINITY, sum = 0;
      for (size_t k = 0; k < n; k++) {
        const double v = x[base + k * inner];
        m = v != v || m != m ? NAN : v > m ? v : m;
      }
      for (size_t k = 0; k < n; k++) sum += exp(x[base + k * inner] - m);
      const double lse = log(sum);
      for (size_t k = 0; k < n; k++) {
        const double v = x[base + k * inner] - m;
        y[base + k * inner] = (float)(log_ ? v - lse : exp(v) / sum);
      }
    }
}

/* Sums in float64 over eight interleaved partial sums (a fixed order, so results do not depend on
   the target), which the compiler vectorises; the normalisation itself in float32. */
static double qf_sum8(size_t n, const float *v) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; j++) acc[j] += v[k + j];
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; k < n; k++) s += v[k];
  return s;
}

static double qf_sqdev8(size_t n, const float *v, double mean) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; j++) {
      const double d = (double)v[k + j] - mean;
      acc[j] += d * d;
    }
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; k < n; k++) s += ((double)v[k] - mean) * ((double)v[k] - mean);
  return s;
}

void qf_f_layernorm(size_t rows, size_t n, const float *x, const float *g, const float *b, float eps, float *y) {
  for (size_t r = 0; r < rows; r++) {
    const float *v = x + r * n;
    float *o = y + r * n;
    const double mean = qf_sum8(n, v) / (double)n;
    const double inv = 1 / sqrt(qf_sqdev8(n, v, mean) / (double)n + eps);
    /* x - mean in float64: in float32 it would lose the deviation's digits when |mean| >> std. */
    if (b) for (size_t k = 0; k < n; k++) o[k] = (float)(((double)v[k] - mean) * inv) * g[k] + b[k];
    else for (size_t k = 0; k < n; k++) o[k] = (float)(((double)v[k] - mean) * inv) * g[k];
  }
}

void qf_f_batchnorm(size_t N, size_t C, size_t inner, const float *x, const float *scale, const float *bias,
                    const float *mean, const float *var, float eps, float *y) {
  for (size_t c = 0; c < C; c++) {
    const double a = scale[c] / sqrt((double)var[c] + eps), m = mean[c], b = bias[c];
    for (size_t n = 0; n < N; n++) {
      const size_t base = (n * C + c) * inner;
      for (size_t i = base; i < base + inner; i++) y[i] = (float)((x[i] - m) * a + b);
    }
  }
}

void qf_f_reduce(int op, int rank, const int32_t *shape, const int32_t *ostride, size_t count, const float *x,
                 size_t nout, double *acc, float *y) {
  size_t n = 1;
  for (int d = 0; d < rank; d++) n *= (size_t)shape[d];
  for (size_t o = 0; o < nout; o++) acc[o] = op == QF_RMAX ? -INFINITY : op == QF_RMIN ? INFINITY : op == QF_RPROD ? 1 : 0;
  int32_t idx[16] = {0};
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    const double v = x[i], a = acc[o];
    switch (op) {
    case QF_RMAX: acc[o] = a != a || v != v ? NAN : v > a ? v : a; break;
    case QF_RMIN: acc[o] = a != a || v != v ? NAN : v < a ? v : a; break;
    case QF_RPROD: acc[o] = a * v; break;
    default: acc[o] = a + v; break;
    }
    for (int d = rank - 1; d >= 0; d--) {
      o += (size_t)ostride[d];
      if (++idx[d] < shape[d]) break;
      o -= (size_t)ostride[d] * (size_t)shape[d];
      idx[d] = 0;
    }
  }
  for (size_t k = 0; k < nout; k++) y[k] = (float)(op == QF_RMEAN ? acc[k] / (double)count : acc[k]);
}

static void qf_gemm_ld(size_t M, size_t N, size_t K, const float *A, size_t ars, size_t acs, const float *B, size_t brs,
                       size_t bcs, float *Y, size_t ldy) {
  for (size_t m = 0; m < M; m++) {
    float *y = Y + m * ldy;
    for (size_t n = 0; n < N; n++) y[n] = 0;
    for (size_t k = 0; k < K; k++) {
      const float a = A[m * ars + k * acs];
      const float *b = B + k * brs;
      if (bcs == 1) for (size_t n = 0; n < N; n++) y[n] += a * b[n];
      else for (size_t n = 0; n < N; n++) y[n] += a * b[n * bcs];
    }
  }
}

void qf_f_gemm(size_t M, size_t N, size_t K, const float *A, size_t ars, size_t acs, const float *B, size_t brs,
               size_t bcs, const float *C, size_t crs, size_t ccs, float alpha, float beta, float lo, float hi,
               float *Y) {
  qf_f_gemm_ldy(M, N, K, A, ars, acs, B, brs, bcs, C, crs, ccs, alpha, beta, lo, hi, Y, N);
}

void qf_f_gemm_ldy(size_t M, size_t N, size_t K, const float *A, size_t ars, size_t acs, const float *B, size_t brs,
                   size_t bcs, const float *C, size_t crs, size_t ccs, float alpha, float beta, float lo, float hi,
                   float *Y, size_t ldy) {
  qf_gemm_ld(M, N, K, A, ars, acs, B, brs, bcs, Y, ldy);
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < N; n++) {
      float v = alpha * Y[m * ldy + n];
      if (C) v += beta * C[m * crs + n * ccs];
      v = v < lo ? lo : v;
      Y[m * ldy + n] = v > hi ? hi : v;
    }
}

void qf_cols_inside(int32_t n, int32_t s, int32_t off, int32_t lim, int32_t *lo, int32_t *hi) {
  *lo = off >= 0 ? 0 : (-off + s - 1) / s;
  *hi = lim - 1 - off < 0 ? 0 : (lim - 1 - off) / s + 1;
  if (*hi > n) *hi = n;
  if (*lo > *hi) *lo = *hi;
}

void qf_f_phase_row(const float *src, int32_t W, int32_t PL, int32_t S, float *d, size_t Wq) {
  if (S == 1) memcpy(d + PL, src, (size_t)W * sizeof(float));
  else if (S == 2) { /* both phases in one pass: an interleaved pair load (a gather otherwise) */
    /* image column 2k is padded column 2k + PL: phase PL % 2, position k + PL / 2; column 2k + 1 the other */
    float *d0 = d + (size_t)(PL & 1) * Wq + PL / 2, *d1 = d + (size_t)(~PL & 1) * Wq + (PL + 1) / 2;
    const int32_t pairs = W / 2;
    for (int32_t k = 0; k < pairs; k++) {
      d0[k] = src[2 * k];
      d1[k] = src[2 * k + 1];
    }
    if (W & 1) d0[pairs] = src[W - 1];
  } else
    for (int32_t c = 0; c < W; c++) d[(size_t)((c + PL) % S) * Wq + (size_t)((c + PL) / S)] = src[c];
}

size_t qf_f_maxpool_wq(const qf_fconv *p) {
  const int32_t last = (p->OW - 1) * p->SW + (p->KW - 1) * p->DW + 1, Wp = p->W + p->PL + p->PR;
  return (size_t)(((last > Wp ? last : Wp) + p->SW - 1) / p->SW);
}

#define QF_MAX_INTO(m, v) ((v) > (m) || (v) != (v) ? (v) : (m)) /* NaN wins, as in the interpreter */
/* Max pool by output rows: the window's rows reduced into one row (contiguous), that row split by
   stride phase into -inf-padded scratch (qf_f_phase_row), then one contiguous pass per tap: every
   loop vectorises, ceil-mode windows past the edge read the padding. */
void qf_f_maxpool(const qf_fconv *p, const float *x, float *y, float *scratch) {
  /* geometry in locals: with -fno-strict-aliasing a store through row could change *p, which would stop vectorising */
  const size_t planes = (size_t)p->N * p->C, Wq = qf_f_maxpool_wq(p), OW = (size_t)p->OW, W = (size_t)p->W;
  const int32_t H = p->H, OH = p->OH, KH = p->KH, KW = p->KW, SH = p->SH, SW = p->SW, DH = p->DH, DW = p->DW, PT = p->PT, PL = p->PL;
  float *row = scratch, *ph = scratch + W;
  for (size_t i = 0; i < (size_t)SW * Wq; i++) ph[i] = -INFINITY; /* image positions are rewritten, pads stay */
  for (size_t pl = 0; pl < planes; pl++)
    for (int32_t oh = 0; oh < OH; oh++) {
      float *yr = y + (pl * (size_t)OH + (size_t)oh) * OW;
      int rows = 0;
      for (int32_t i = 0; i < KH; i++) {
        const int32_t ih = oh * SH - PT + i * DH;
        if (ih < 0 || ih >= H) continue;
        const float *xr = x + (pl * (size_t)H + (size_t)ih) * W;
        if (rows++ == 0) memcpy(row, xr, W * sizeof(float));
        else for (size_t c = 0; c < W; c++) row[c] = QF_MAX_INTO(row[c], xr[c]);
      }
      for (size_t ow = 0; ow < OW; ow++) yr[ow] = -INFINITY;
      if (!rows) continue; /* a window wholly in the padding */
      qf_f_phase_row(row, (int32_t)W, PL, SW, ph, Wq);
      for (int32_t j = 0; j < KW; j++) {
        const float *src = ph + (size_t)((j * DW) % SW) * Wq + (size_t)((j * DW) / SW);
        for (size_t ow = 0; ow < OW; ow++) yr[ow] = QF_MAX_INTO(yr[ow], src[ow]);
      }
    }
}
#undef QF_MAX_INTO

void qf_f_avgpool(const qf_fconv *p, int count_include_pad, const float *x, float *y) {
  const size_t planes = (size_t)p->N * p->C;
  for (size_t pl = 0; pl < planes; pl++)
    for (int32_t oh = 0; oh < p->OH; oh++)
      for (int32_t ow = 0; ow < p->OW; ow++) {
        const int32_t h0 = oh * p->SH - p->PT, w0 = ow * p->SW - p->PL;
        const int32_t hlo = h0 > 0 ? h0 : 0, hhi = h0 + p->KH < p->H ? h0 + p->KH : p->H;
        const int32_t wlo = w0 > 0 ? w0 : 0, whi = w0 + p->KW < p->W ? w0 + p->KW : p->W;
        double s = 0;
        for (int32_t h = hlo; h < hhi; h++)
          for (int32_t w = wlo; w < whi; w++) s += x[(pl * p->H + h) * p->W + w];
        const int32_t hp = (h0 + p->KH < p->H + p->PB ? h0 + p->KH : p->H + p->PB) - h0;
        const int32_t wp = (w0 + p->KW < p->W + p->PR ? w0 + p->KW : p->W + p->PR) - w0;
        const double count = count_include_pad ? (double)hp * wp : (double)(hhi - hlo) * (whi - wlo);
        y[(pl * p->OH + oh) * p->OW + ow] = (float)(s / count);
      }
}

/* Per plane a float64 sum (eight interleaved partial sums, vectorised), one rounding of the mean. */
void qf_f_gavgpool(size_t planes, size_t size, const float *x, float *y) {
  for (size_t pl = 0; pl < planes; pl++) y[pl] = (float)(qf_sum8(size, x + pl * size) / (double)size);
}

void qf_resize_pass(size_t outer, size_t n, size_t inner, size_t m, size_t K, const int32_t *taps, const int32_t *idx,
                    const double *w, const double *in, double *out) {
  for (size_t o = 0; o < outer; o++)
    for (size_t j = 0; j < m; j++) {
      double *dst = out + (o * m + j) * inner;
      for (size_t i = 0; i < inner; i++) dst[i] = 0;
      for (int32_t k = 0; k < taps[j]; k++) {
        const double c = w[j * K + (size_t)k];
        const double *src = in + (o * n + (size_t)idx[j * K + (size_t)k]) * inner;
        for (size_t i = 0; i < inner; i++) dst[i] += c * src[i];
      }
    }
}

/* qforge runtime: data movement, casts, broadcasting, comparisons, integer edges and dynamic
   quantisation (see qforge_runtime.h); the float NN ops are in qforge_float.c. */
#include <math.h>
#include <string.h>
#include "qforge_runtime.h"

/* Rows of qf_remap for elements of N bytes: `rows` consecutive rows along the second-to-last axis
   (row k reads base + m2[k] + last[j]); a whole run per call keeps the per-row cost to the inner loop
   (the NCHW->NHWC input edge has rows of 3 channels). */
#define QF_REMAP_RUN(N)                                                                                     \
  static void qf_remap_run##N(uint8_t *dst, const uint8_t *src, int64_t base, int inside, const int32_t *m2, \
                              size_t rows, const int32_t *last, int32_t inner, int dense, const uint8_t *fill) { \
    if (inside && dense && inner <= 4) { /* short rows: one source plane after the other */             \
      for (int32_t j = 0; j < inner; j++) {                                                                 \
        const uint8_t *s = src + (base + last[j]) * N;                                                      \
        for (size_t k = 0; k < rows; k++)                                                                   \
          memcpy(dst + (k * (size_t)inner + (size_t)j) * N, m2[k] >= 0 ? s + (int64_t)m2[k] * N : fill, N); \
      }                                                                                                     \
      return;                                                                                               \
    }                                                                                                       \
    for (size_t k = 0; k < rows; k++, dst += (size_t)inner * N) {                                           \
      const int in = inside && m2[k] >= 0;                                                                  \
      const uint8_t *s = src + (base + m2[k]) * N;                                                          \
      if (in && dense) {                                                                                    \
        for (int32_t j = 0; j < inner; j++) memcpy(dst + (size_t)j * N, s + (int64_t)last[j] * N, N);       \
        continue;                                                                                           \
      }                                                                                                     \
      for (int32_t j = 0; j < inner; j++) {                                                                 \
        if (in && last[j] >= 0) memcpy(dst + (size_t)j * N, s + (int64_t)last[j] * N, N);                  \
        else memcpy(dst + (size_t)j * N, fill, N);                                                          \
      }                                                                                                     \
    }                                                                                                       \
  }
QF_REMAP_RUN(1)
QF_REMAP_RUN(2)
QF_REMAP_RUN(4)
QF_REMAP_RUN(8)

void qf_remap(size_t esize, int rank, const int32_t *shape, const int32_t *const *maps, const void *x, void *y,
              const void *fill) {
  if (rank == 0) {
    memcpy(y, x, esize);
    return;
  }
  size_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= (size_t)shape[d];
  qf_remap_rows(esize, rank, shape, maps, x, y, fill, 0, rows);
}

void qf_remap_rows(size_t esize, int rank, const int32_t *shape, const int32_t *const *maps, const void *x, void *y,
                   const void *fill, size_t r0, size_t r1) {
  const uint8_t *src = (const uint8_t *)x;
  static const uint8_t zero[16] = {0};
  static const int32_t origin[1] = {0};
  const uint8_t *f = fill ? (const uint8_t *)fill : zero;
  const int32_t inner = shape[rank - 1], *last = maps[rank - 1];
  const int ro = rank - 2; /* the axis the runs follow; rank 1: a single row */
  int dense = 1; /* no fill along the last axis */
  for (int32_t j = 0; j < inner; j++) dense &= last[j] >= 0;
  uint8_t *dst = (uint8_t *)y + r0 * (size_t)inner * esize;
  int32_t idx[16] = {0};
  for (size_t d = (size_t)rank - 1, q = r0; d-- > 0; q /= (size_t)shape[d]) idx[d] = (int32_t)(q % (size_t)shape[d]);
  for (size_t r = r0; r < r1;) {
    int64_t base = 0;
    int inside = 1;
    for (int d = 0; d < ro; d++) {
      const int32_t m = maps[d][idx[d]];
      if (m < 0) inside = 0;
      base += m;
    }
    const int32_t *m2 = ro >= 0 ? maps[ro] + idx[ro] : origin;
    const size_t left = ro >= 0 ? (size_t)(shape[ro] - idx[ro]) : 1, rows = left < r1 - r ? left : r1 - r;
    /* Constant-size copies per element width: the compiler turns them into plain loads and
       stores (a variable-size memcpy per element cost ~4 ns, e.g. the NCHW->NHWC input edge). */
    switch (esize) {
    case 1: qf_remap_run1(dst, src, base, inside, m2, rows, last, inner, dense, f); break;
    case 2: qf_remap_run2(dst, src, base, inside, m2, rows, last, inner, dense, f); break;
    case 4: qf_remap_run4(dst, src, base, inside, m2, rows, last, inner, dense, f); break;
    case 8: qf_remap_run8(dst, src, base, inside, m2, rows, last, inner, dense, f); break;
    default:
      for (size_t k = 0; k < rows; k++)
        for (int32_t j = 0; j < inner; j++) {
          uint8_t *o = dst + (k * (size_t)inner + (size_t)j) * esize;
          if (inside && m2[k] >= 0 && last[j] >= 0) memcpy(o, src + (size_t)(base + m2[k] + last[j]) * esize, esize);
          else memcpy(o, f, esize);
        }
    }
    dst += rows * (size_t)inner * esize;
    r += rows;
    if (ro < 0) break;
    idx[ro] += (int32_t)rows;
    for (int d = ro; d > 0 && idx[d] >= shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
}

void qf_copy_blocks(size_t outer, size_t chunk, const void *src, size_t src_stride, void *dst, size_t dst_stride) {
  for (size_t i = 0; i < outer; i++)
    memcpy((uint8_t *)dst + i * dst_stride, (const uint8_t *)src + i * src_stride, chunk);
}

void qf_xor80(size_t n, const uint8_t *x, uint8_t *y) {
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)(x[i] ^ 0x80u);
}

int qf_gather(size_t esize, size_t outer, size_t axis_n, size_t inner, const void *x, size_t nidx, const void *idx,
              int idx_is_64, void *y) {
  const uint8_t *src = (const uint8_t *)x;
  uint8_t *dst = (uint8_t *)y;
  const size_t block = inner * esize;
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < nidx; i++) {
      int64_t k = idx_is_64 ? ((const int64_t *)idx)[i] : ((const int32_t *)idx)[i];
      if (k < 0) k += (int64_t)axis_n;
      if (k < 0 || k >= (int64_t)axis_n) return 1;
      memcpy(dst, src + (o * axis_n + (size_t)k) * block, block);
      dst += block;
    }
  return 0;
}

/* ---- cast: through double (floats) or uint64 (integers, wrapping like fixed-width C types) ---- */
static int qf_is_float(int t) { return t == QF_F32 || t == QF_F64; }
static double qf_load_d(int t, const void *x, size_t i) {
  switch (t) {
  case QF_F32: return ((const float *)x)[i];
  case QF_F64: return ((const double *)x)[i];
  case QF_I4: case QF_I8: return ((const int8_t *)x)[i];
  case QF_U4: case QF_U8: case QF_BOOL: return ((const uint8_t *)x)[i];
  case QF_I16: return ((const int16_t *)x)[i];
  case QF_U16: return ((const uint16_t *)x)[i];
  case QF_I32: return ((const int32_t *)x)[i];
  default: return (double)((const int64_t *)x)[i];
  }
}
static uint64_t qf_load_u(int t, const void *x, size_t i) {
  if (t == QF_I64) return (uint64_t)((const int64_t *)x)[i];
  if (qf_is_float(t)) {
    double v = trunc(qf_load_d(t, x, i));
    if (!(v == v) || isinf(v)) return 0;
    v = fmod(v, 18446744073709551616.0);
    return v < 0 ? (uint64_t)0 - (uint64_t)(-v) : (uint64_t)v;
  }
  return (uint64_t)(int64_t)qf_load_d(t, x, i);
}
void qf_cast(int from, int to, size_t n, const void *x, void *y) {
  for (size_t i = 0; i < n; i++) {
    if (to == QF_F32) ((float *)y)[i] = from == QF_I64 ? (float)(double)((const int64_t *)x)[i] : (float)qf_load_d(from, x, i);
    else if (to == QF_F64) ((double *)y)[i] = qf_load_d(from, x, i);
    else if (to == QF_BOOL) ((uint8_t *)y)[i] = qf_is_float(from) ? qf_load_d(from, x, i) != 0 : qf_load_u(from, x, i) != 0;
    else {
      const uint64_t u = qf_load_u(from, x, i);
      switch (to) {
      case QF_I4: ((int8_t *)y)[i] = (int8_t)((u & 8u) ? (int)(u & 15u) - 16 : (int)(u & 15u)); break;
      case QF_U4: ((uint8_t *)y)[i] = (uint8_t)(u & 15u); break;
      case QF_I8: ((int8_t *)y)[i] = (int8_t)(uint8_t)u; break;
      case QF_U8: ((uint8_t *)y)[i] = (uint8_t)u; break;
      case QF_I16: ((int16_t *)y)[i] = (int16_t)(uint16_t)u; break;
      case QF_U16: ((uint16_t *)y)[i] = (uint16_t)u; break;
      case QF_I32: ((int32_t *)y)[i] = (int32_t)(uint32_t)u; break;
      default: ((int64_t *)y)[i] = (int64_t)u; break;
      }
    }
  }
}

void qf_broadcast2(int rank, const int32_t *shape, const int32_t *sa, const int32_t *sb, size_t ea, size_t eb,
                   size_t ey, const void *a, const void *b, void *y, qf_row2 row, const void *p) {
  if (rank == 0) {
    row(1, a, 0, b, 0, p, y);
    return;
  }
  qf_broadcast2_rows(rank, shape, sa, sb, ea, eb, ey, a, b, y, row, p, 0, qf_broadcast2_count(rank, shape));
}

size_t qf_broadcast2_count(int rank, const int32_t *shape) {
  size_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= (size_t)shape[d];
  return rows;
}

void qf_broadcast2_rows(int rank, const int32_t *shape, const int32_t *sa, const int32_t *sb, size_t ea, size_t eb,
                        size_t ey, const void *a, const void *b, void *y, qf_row2 row, const void *p, size_t r0,
                        size_t r1) {
  const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
  uint8_t *py = (uint8_t *)y;
  const size_t inner = (size_t)shape[rank - 1];
  int32_t idx[16] = {0};
  int64_t oa = 0, ob = 0;
  size_t q = r0; /* the index and operand offsets of row r0 */
  for (int d = rank - 2; d >= 0; d--) {
    idx[d] = (int32_t)(q % (size_t)shape[d]);
    q /= (size_t)shape[d];
    oa += (int64_t)idx[d] * sa[d];
    ob += (int64_t)idx[d] * sb[d];
  }
  for (size_t r = r0; r < r1; r++) {
    row(inner, pa + oa * (int64_t)ea, (size_t)sa[rank - 1], pb + ob * (int64_t)eb, (size_t)sb[rank - 1], p, py + r * inner * ey);
    for (int d = rank - 2; d >= 0; d--) {
      oa += sa[d];
      ob += sb[d];
      if (++idx[d] < shape[d]) break;
      oa -= (int64_t)sa[d] * shape[d];
      ob -= (int64_t)sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

void qf_qadd_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y) {
  qf_qadd(n, (const uint8_t *)a, sa, (const uint8_t *)b, sb, (const qf_qbin *)p, (uint8_t *)y);
}
void qf_qmul_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y) {
  qf_qmul(n, (const uint8_t *)a, sa, (const uint8_t *)b, sb, (const qf_qbin *)p, (uint8_t *)y);
}

void qf_fake_quantize(size_t n, size_t inner, size_t C, const float *x, const double *s, const float *inv, int divide,
                      const int32_t *zp, int32_t qmin, int32_t qmax, float *y) {
  for (size_t i = 0; i < n; i++) {
    const size_t c = (i / inner) % C;
    const float v = divide ? x[i] / (float)s[c] : x[i] * inv[c];
    double q = v != v ? zp[c] : rint(v) + zp[c];
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    y[i] = (float)((q - zp[c]) * s[c]);
  }
}

static double qf_quantize1(float v, int32_t zp, int32_t qmin, int32_t qmax) {
  double q = v != v ? zp : rint(v) + zp;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

void qf_quantize_any(int t, size_t n, size_t inner, size_t C, const float *x, const float *f, int divide,
                     const int32_t *zp, int32_t qmin, int32_t qmax, void *y) {
  for (size_t i = 0; i < n; i++) {
    const size_t c = (i / inner) % C;
    const double q = qf_quantize1(divide ? x[i] / f[c] : x[i] * f[c], zp[c], qmin, qmax);
    switch (t) {
    case QF_I4: case QF_I8: ((int8_t *)y)[i] = (int8_t)q; break;
    case QF_U4: case QF_U8: ((uint8_t *)y)[i] = (uint8_t)q; break;
    case QF_I16: ((int16_t *)y)[i] = (int16_t)q; break;
    default: ((int32_t *)y)[i] = (int32_t)q; break;
    }
  }
}

void qf_dequantize_any(int t, size_t n, size_t inner, size_t C, const void *x, const double *s, const int32_t *zp,
                       float *y) {
  for (size_t i = 0; i < n; i++) {
    const size_t c = (i / inner) % C;
    y[i] = (float)((qf_load_d(t, x, i) - zp[c]) * s[c]);
  }
}

void qf_requantize_any(int t, size_t n, const void *x, double x_s, int32_t x_zp, float f_y, int divide, int32_t y_zp,
                       int32_t qmin, int32_t qmax, uint8_t *y) {
  for (size_t i = 0; i < n; i++) {
    const float d = (float)((qf_load_d(t, x, i) - x_zp) * x_s);
    y[i] = (uint8_t)qf_quantize1(divide ? d / f_y : d * f_y, y_zp, qmin, qmax);
  }
}

void qf_dynamic_qparams(size_t n, const float *x, int32_t qmin, int32_t qmax, float eps, float *scale, int32_t *zp) {
  if (n == 0) {
    *scale = 1.0f;
    *zp = 0;
    return;
  }
  float mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (x[i] < mn) mn = x[i];
    if (x[i] > mx) mx = x[i];
  }
  const float lo = mn < 0 ? mn : 0.0f, hi = mx > 0 ? mx : 0.0f;
  float s = (hi - lo) / (float)(qmax - qmin);
  s = s > eps ? s : eps;
  const double z = qmin - rint(lo / s);
  *scale = s;
  *zp = (int32_t)(z < qmin ? qmin : z > qmax ? qmax : z);
}

void qf_dynamic_bias(size_t N, int32_t zp, const int32_t *colsum, int32_t *bias) {
  for (size_t n = 0; n < N; n++) bias[n] = -zp * colsum[n];
}

void qf_dynamic_output(size_t R, size_t N, const int32_t *acc, float x_s, const float *w_s, const float *b, float lo,
                       float hi, float *y) {
  for (size_t r = 0; r < R; r++)
    for (size_t n = 0; n < N; n++) {
      float v = (float)acc[r * N + n] * (x_s * w_s[n]);
      if (b) v += b[n];
      v = v > lo ? v : lo;
      y[r * N + n] = v < hi ? v : hi;
    }
}

typedef struct { int op, type; } qf_cmp_params;
static int qf_cmp1(int op, double a, double b) {
  switch (op) {
  case QF_EQ: return a == b;
  case QF_LT: return a < b;
  case QF_LE: return a <= b;
  case QF_GT: return a > b;
  case QF_GE: return a >= b;
  case QF_AND: return a != 0 && b != 0;
  case QF_OR: return a != 0 || b != 0;
  default: return (a != 0) != (b != 0);
  }
}
void qf_cmp_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y) {
  const qf_cmp_params *c = (const qf_cmp_params *)p;
  uint8_t *o = (uint8_t *)y;
  for (size_t i = 0; i < n; i++) {
    if (c->type == QF_I64) {
      const int64_t u = ((const int64_t *)a)[i * sa], v = ((const int64_t *)b)[i * sb];
      o[i] = (uint8_t)(c->op == QF_EQ ? u == v : c->op == QF_LT ? u < v : c->op == QF_LE ? u <= v : c->op == QF_GT ? u > v : u >= v);
    } else {
      o[i] = (uint8_t)qf_cmp1(c->op, qf_load_d(c->type, a, i * sa), qf_load_d(c->type, b, i * sb));
    }
  }
}

void qf_not(size_t n, const uint8_t *x, uint8_t *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] ? 0 : 1;
}

void qf_f_test(int isinf_, int pos, int neg, size_t n, const float *x, uint8_t *y) {
  for (size_t i = 0; i < n; i++)
    y[i] = (uint8_t)(isinf_ ? (pos && x[i] == INFINITY) || (neg && x[i] == -INFINITY) : x[i] != x[i]);
}

void qf_where(size_t esize, int rank, const int32_t *shape, const int32_t *sc, const int32_t *sa, const int32_t *sb,
              const uint8_t *cond, const void *a, const void *b, void *y) {
  size_t total = 1;
  for (int d = 0; d < rank; d++) total *= (size_t)shape[d];
  int32_t idx[16] = {0};
  int64_t oc = 0, oa = 0, ob = 0;
  for (size_t i = 0; i < total; i++) {
    memcpy((uint8_t *)y + i * esize, cond[oc] ? (const uint8_t *)a + oa * (int64_t)esize : (const uint8_t *)b + ob * (int64_t)esize, esize);
    for (int d = rank - 1; d >= 0; d--) {
      oc += sc[d], oa += sa[d], ob += sb[d];
      if (++idx[d] < shape[d]) break;
      oc -= (int64_t)sc[d] * shape[d], oa -= (int64_t)sa[d] * shape[d], ob -= (int64_t)sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

static int qf_above(double a, double b, int max) {
  if (a != a) return b == b;
  if (b != b) return 0;
  return max ? a > b : a < b;
}
void qf_argreduce(int t, int max, int select_last, size_t outer, size_t n, size_t inner, const void *x, int64_t *y) {
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      const size_t base = o * n * inner + i;
      size_t best = 0;
      for (size_t k = 1; k < n; k++) {
        const double v = qf_load_d(t, x, base + k * inner), b = qf_load_d(t, x, base + best * inner);
        if (qf_above(v, b, max) || (select_last && (v == b || (v != v && b != b)))) best = k;
      }
      y[o * inner + i] = (int64_t)best;
    }
}

/* qforge runtime: data movement for every element type and the float fallback ops that a quantized
   graph may keep (and that --float models consist of). Float ops follow the interpreter's formulas in
   float32 storage with double accumulation where it sums; results agree with the interpreter to a
   few ulp, not bit for bit (int8 paths, in qforge_kernels.h, are bit-exact). NCHW, single-threaded,
   no allocation. */
#ifndef QFORGE_RUNTIME_H
#define QFORGE_RUNTIME_H
#include <stddef.h>
#include <stdint.h>
#include "qforge_kernels.h"

/* ---- data movement (esize = bytes per element) ---- */
/* y[idx] = x[sum_d maps[d][idx_d]] over the output shape; a map entry < 0 selects *fill (or zero).
   Transpose, slice, pad, constant-index gather and NCHW <-> NHWC are all this with compile-time maps. */
void qf_remap(size_t esize, int rank, const int32_t *shape, const int32_t *const *maps, const void *x, void *y,
              const void *fill);
/* Output rows [r0, r1) of qf_remap (a row: the innermost axis; rank >= 1). */
void qf_remap_rows(size_t esize, int rank, const int32_t *shape, const int32_t *const *maps, const void *x, void *y,
                   const void *fill, size_t r0, size_t r1);
/* outer blocks of `chunk` bytes: dst[i*dst_stride] <- src[i*src_stride] (concat, split). */
void qf_copy_blocks(size_t outer, size_t chunk, const void *src, size_t src_stride, void *dst, size_t dst_stride);
/* int8 <-> stored uint8 (x + 128) */
void qf_xor80(size_t n, const uint8_t *x, uint8_t *y);
/* Run-time gather along an axis: y[o][i][r] = x[o][idx[i]][r]; returns nonzero on an index out of range. */
int qf_gather(size_t esize, size_t outer, size_t axis_n, size_t inner, const void *x, size_t nidx, const void *idx,
              int idx_is_64, void *y);
/* Element type codes for qf_cast (same order as qforge's dtypes). */
enum { QF_F32, QF_F64, QF_I4, QF_U4, QF_I8, QF_U8, QF_I16, QF_U16, QF_I32, QF_I64, QF_BOOL };
void qf_cast(int from, int to, size_t n, const void *x, void *y);

/* ---- broadcasting binary driver: rows of the innermost dim with element strides 0 or 1 ---- */
typedef void (*qf_row2)(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y);
void qf_broadcast2(int rank, const int32_t *shape, const int32_t *sa, const int32_t *sb, size_t ea, size_t eb,
                   size_t ey, const void *a, const void *b, void *y, qf_row2 row, const void *p);
/* Its rows (of the innermost dim; rank >= 1): how many, and rows [r0, r1) only (to split it over threads). */
size_t qf_broadcast2_count(int rank, const int32_t *shape);
void qf_broadcast2_rows(int rank, const int32_t *shape, const int32_t *sa, const int32_t *sb, size_t ea, size_t eb,
                        size_t ey, const void *a, const void *b, void *y, qf_row2 row, const void *p, size_t r0,
                        size_t r1);
enum { QF_ADD, QF_SUB, QF_MUL, QF_DIV, QF_POW, QF_MIN, QF_MAX, QF_PRELU };
/* p points at an int holding one of the enum values above. */
void qf_f_binary_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y);
void qf_qadd_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y);
void qf_qmul_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y);

/* ---- float ops ---- */
enum {
  QF_RELU, QF_SIGMOID, QF_TANH, QF_ERF, QF_SQRT, QF_EXP, QF_LOG, QF_RECIPROCAL, QF_FLOOR, QF_CEIL, QF_HARDSWISH,
  QF_NEG, QF_ABS, QF_LEAKY_RELU, QF_ELU, QF_CLIP, QF_HARDSIGMOID, QF_GELU, QF_GELU_TANH, QF_SIN, QF_COS, QF_TAN,
  QF_ASIN, QF_ACOS, QF_ATAN, QF_SINH, QF_COSH, QF_ASINH, QF_ACOSH, QF_ATANH, QF_SIGN, QF_ROUND, QF_SOFTPLUS, QF_CELU,
  QF_THRESHOLDED_RELU, QF_SHRINK, QF_SILU /* x·sigmoid(x): mul(x, sigmoid(x)) fused by the code generator */
};
void qf_f_unary(int op, size_t n, const float *x, float p0, float p1, float *y);
/* Comparisons and logic with a bool (uint8) result: p points at {op, element type code}. */
enum { QF_EQ, QF_LT, QF_LE, QF_GT, QF_GE, QF_AND, QF_OR, QF_XOR };
void qf_cmp_row(size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y);
void qf_not(size_t n, const uint8_t *x, uint8_t *y);
/* is_nan (pos = neg = 0) / is_inf (pos, neg select the signs). */
void qf_f_test(int isinf_, int pos, int neg, size_t n, const float *x, uint8_t *y);
/* y = cond ? a : b with three-way broadcasting (strides in elements, 0 where broadcast). */
void qf_where(size_t esize, int rank, const int32_t *shape, const int32_t *sc, const int32_t *sa, const int32_t *sb,
              const uint8_t *cond, const void *a, const void *b, void *y);
/* argmax / argmin along the middle axis of (outer, n, inner); NaN ranks above every number; ties take the
   first index, or the last with select_last. */
void qf_argreduce(int t, int max, int select_last, size_t outer, size_t n, size_t inner, const void *x, int64_t *y);
/* One separable resize pass in float64: out[o][j][i] = sum_k w[j*K + k] * in[o][idx[j*K + k]][i] (k < taps[j]). */
void qf_resize_pass(size_t outer, size_t n, size_t inner, size_t m, size_t K, const int32_t *taps, const int32_t *idx,
                    const double *w, const double *in, double *out);
void qf_f_softmax(size_t outer, size_t n, size_t inner, int log, const float *x, float *y);
void qf_f_layernorm(size_t rows, size_t n, const float *x, const float *g, const float *b, float eps, float *y);
void qf_f_batchnorm(size_t N, size_t C, size_t inner, const float *x, const float *scale, const float *bias,
                    const float *mean, const float *var, float eps, float *y);
enum { QF_RSUM, QF_RMEAN, QF_RMAX, QF_RMIN, QF_RPROD };
/* ostride[d] = output stride of input axis d (0 for reduced axes); count = reduced elements per output;
   acc = nout doubles of scratch (sums in float64, rounded once, as the interpreter does). */
void qf_f_reduce(int op, int rank, const int32_t *shape, const int32_t *ostride, size_t count, const float *x,
                 size_t nout, double *acc, float *y);
/* Y[m][n] = clamp(alpha * sum_k A(m,k) B(k,n) + beta * C(m,n), lo, hi); X(r,c) = X[r*rs + c*cs]; C may be NULL. */
void qf_f_gemm(size_t M, size_t N, size_t K, const float *A, size_t ars, size_t acs, const float *B, size_t brs,
               size_t bcs, const float *C, size_t crs, size_t ccs, float alpha, float beta, float lo, float hi,
               float *Y);
/* The same with the row stride of Y given (ldy >= N): a block of columns of a wider product. */
void qf_f_gemm_ldy(size_t M, size_t N, size_t K, const float *A, size_t ars, size_t acs, const float *B, size_t brs,
                   size_t bcs, const float *C, size_t crs, size_t ccs, float alpha, float beta, float lo, float hi,
                   float *Y, size_t ldy);
/* res (conv2d only, qforge_fgemm.c): NULL, or a residual of the output's shape added to each output
   after its clamp [lo, hi], the sum then clamped to [rlo, rhi] (a fused add and relu/clip: the same
   float32 operations as the separate ops). */
typedef struct qf_fconv {
  int32_t N, C, H, W, M, OH, OW, KH, KW, SH, SW, PT, PL, PB, PR, DH, DW, G;
  float lo, hi;
  const float *res;
  float rlo, rhi;
} qf_fconv;
/* Float convolutions (conv2d, depthwise, conv_transpose2d) are qforge_fgemm.h's. */
/* Positions o in [0, n) whose window position o·s + off lies in [0, lim): [*lo, *hi) (empty: lo = hi). */
void qf_cols_inside(int32_t n, int32_t s, int32_t off, int32_t lim, int32_t *lo, int32_t *hi);
/* Pools on NCHW planes (p->N * p->C planes; M unused). */
/* One image row (W floats) into its S stride phases: padded column c + PL goes to phase (c + PL) % S,
   position (c + PL) / S, phase rows Wq floats apart; other positions are left as they are. */
void qf_f_phase_row(const float *src, int32_t W, int32_t PL, int32_t S, float *d, size_t Wq);
/* Max pool scratch: W + SW * qf_f_maxpool_wq(p) floats (phase rows long enough for ceil-mode windows). */
size_t qf_f_maxpool_wq(const qf_fconv *p);
void qf_f_maxpool(const qf_fconv *p, const float *x, float *y, float *scratch);
void qf_f_avgpool(const qf_fconv *p, int count_include_pad, const float *x, float *y);
void qf_f_gavgpool(size_t planes, size_t size, const float *x, float *y);
/* Edges in integer types other than the stored uint8 (i16, i32, i4/u4 ...; `t` is a QF_* code), with
   the interpreter's formulas in double: q = clamp(rint(fround(x * f[c])) + zp) with f = fround(1 / scale), or
   with divide set (scaling 'divide') q = clamp(rint(fround(x / f[c])) + zp) with f = fround(scale);
   x = fround((q - zp) * s). */
void qf_quantize_any(int t, size_t n, size_t inner, size_t C, const float *x, const float *f, int divide,
                     const int32_t *zp, int32_t qmin, int32_t qmax, void *y);
void qf_dequantize_any(int t, size_t n, size_t inner, size_t C, const void *x, const double *s, const int32_t *zp,
                       float *y);
/* requantize from any integer type `t` into the stored uint8 domain: multiplied by f_y = fround(1 / y_scale),
   or divided by f_y = fround(y_scale) with divide set. */
void qf_requantize_any(int t, size_t n, const void *x, double x_s, int32_t x_zp, float f_y, int divide, int32_t y_zp,
                       int32_t qmin, int32_t qmax, uint8_t *y);
/* Dynamic quantisation (qlinear_dynamic): the run-time qparams of x (PyTorch's choose_qparams, float32
   steps as in the interpreter), the zero-point bias -zp * colsum[n], and the float epilogue
   y = clamp(fround(fround(acc) * fround(x_s * w_s[n])) + b[n], lo, hi). */
void qf_dynamic_qparams(size_t n, const float *x, int32_t qmin, int32_t qmax, float eps, float *scale, int32_t *zp);
void qf_dynamic_bias(size_t N, int32_t zp, const int32_t *colsum, int32_t *bias);
void qf_dynamic_output(size_t R, size_t N, const int32_t *acc, float x_s, const float *w_s, const float *b, float lo,
                       float hi, float *y);
/* Fake quantisation (double-exact formulas): x * inv[c], or with divide set x / (float)s[c]. */
void qf_fake_quantize(size_t n, size_t inner, size_t C, const float *x, const double *s, const float *inv, int divide,
                      const int32_t *zp, int32_t qmin, int32_t qmax, float *y);
#endif /* QFORGE_RUNTIME_H */

/* qforge int8 kernel interface (see src/codegen/kernels/README.md).
 *
 * Every target provides every function below. A target's SIMD source defines QF_HAVE_<NAME>
 * (through the generated qforge_config.h) for the kernels it implements; the rest fall back to the
 * portable reference implementations qf_ref_* in qforge_kernels_ref.c, which SIMD code may also call
 * for tails. All activations are uint8 ("stored" domain: an int8 tensor is held as x + 128 with zero
 * point + 128), 4-D activations are NHWC, weights are int8 packed at compile time by the target's
 * packGemm / packDepthwise (TypeScript). Results must be bit-identical to the reference on every target.
 */
#ifndef QFORGE_KERNELS_H
#define QFORGE_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#include "qforge_config.h"

/* Readable (never written) bytes the caller guarantees after the end of every activation buffer and
   im2col row block, so vector loads may run past the last element of A. */
#define QF_SLACK 64

/* Requantisation of an int32 accumulator for output channel n (the generated C and the interpreter
   compute exactly this; rint = round half to even, every float op in float32, no FMA contraction):
     y = clamp(rint(fround((float)(bias[n] + acc) * mult[n])) + y_zp, qmin, qmax)
   computed as: v = (float)(bias[n] + acc) * mult[n]; v = min(max(v, qmin - y_zp), qmax - y_zp);
   y = (int32_t)rint(v) + y_zp  (clamping before rounding is equal because the bounds are integers). */
typedef struct qf_rq {
  const int32_t *bias; /* [N] folded: q_bias[n] - x_zp * colsum(W[n]) (+ K * x_zp * w_zp[n]) */
  const float *mult;   /* [N] float32 multipliers x_s * w_s[n] / y_s (bit patterns from the graph) */
  int32_t y_zp;        /* result zero point, stored domain */
  int32_t qmin, qmax;  /* fused clamp, stored domain */
} qf_rq;

/* Window geometry of one NHWC image: input H x W x C, output OH x OW (x C for depthwise/pools). */
typedef struct qf_geom {
  int32_t H, W, C, OH, OW;
  int32_t KH, KW, SH, SW;
  int32_t PT, PL, PB, PR; /* pads: top, left, bottom, right */
  int32_t DH, DW;         /* dilations */
  int32_t x_zp;           /* value that stands for padding (stored domain) */
} qf_geom;

/* C[m*ldc + n] = rq(bias[n] + sum_k A[m*lda + k] * W[n][k]) for m < M, n < N.
   A: uint8 rows (may be over-read up to QF_SLACK bytes past the last row); W: target-packed int8 [N][K]. */
void qf_ref_qgemm(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq,
                  uint8_t *C, size_t ldc);
void qf_ref_qgemm_cols(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq,
                       uint8_t *C, size_t ldc, size_t n0, size_t n1);
/* C[m*ldc + n] = bias[n] + sum_k A[m*lda + k] * W[n][k] (int32, no requantisation; conv_transpose). */
void qf_ref_qgemm_i32(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                      const int32_t *bias, int32_t *C, size_t ldc);
/* Depthwise conv, multiplier 1: y[oh][ow][c] = rq(bias[c] + sum_{i,j} x[ih][iw][c] * w[i*KW + j][c]),
   x = x_zp outside the image. W packed by packDepthwise from int8 [KH*KW][C]. */
void qf_ref_qdwconv(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y);
/* The same, for KH = KW = 3 and DH = DW = 1 (any stride and padding). */
void qf_ref_qdwconv3x3(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y);
/* Channel blocks (threads): the same outputs for channels [c0, c1) only, C staying the pixel stride of x, y
   and the packed weights. c0 is a multiple of QF_DW_CBLK; c1 is C or a multiple of QF_DW_CBLK. */
#define QF_DW_CBLK 64
void qf_ref_qdwconv_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0,
                       int32_t c1);
void qf_ref_qdwconv3x3_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0,
                          int32_t c1);
/* Rows [m0, m0 + rows) of one image's im2col matrix for channels [c0, c0 + Cg): row m is output pixel
   (m / OW, m % OW), column (i*KW + j)*Cg + c holds x[ih][iw][c0 + c] or x_zp in padding. out: rows x ld. */
void qf_ref_im2col(const qf_geom *g, const uint8_t *x, int32_t c0, int32_t Cg, size_t m0, size_t rows,
                   uint8_t *out, size_t ld);
/* The image padded for an implicit-GEMM convolution (qf_qconv_cols): qf_pad_h(g) rows of qf_pad_w(g) pixels of C
   bytes, pixel (ih + PT, iw + PL) = x[ih][iw], x_zp elsewhere: every window of the output lies inside it. */
#define qf_pad_w(g) ((size_t)((g)->OW - 1) * (size_t)(g)->SW + (size_t)((g)->KW - 1) * (size_t)(g)->DW + 1)
#define qf_pad_h(g) ((size_t)((g)->OH - 1) * (size_t)(g)->SH + (size_t)((g)->KH - 1) * (size_t)(g)->DH + 1)
void qf_conv_pad(const qf_geom *g, const uint8_t *x, uint8_t *xp, size_t r0, size_t r1); /* padded rows [r0, r1) */
/* conv_transpose scatter: cols[(ih*W + iw)*ld + (i*KW + j)*Mg + m] is added to
   acc[(oh*OW + ow)*M + m0 + m] for oh = ih*SH + i*DH - PT (and ow likewise) inside the output. */
void qf_ref_col2im_i32(const qf_geom *g, int32_t Mg, int32_t m0, int32_t M, const int32_t *cols, size_t ld,
                       int32_t *acc);
/* y[p*N + n] = rq(bias[n] + acc[p*N + n]) for p < P. */
void qf_ref_requant_i32(size_t P, size_t N, const int32_t *acc, const qf_rq *rq, uint8_t *y);
/* Residual-add epilogue (qconv2d_add, qlinear_add) of an int32 block, every step in float32 (never an FMA):
     v = (float)acc[p*lda + n] * scale[n] + bias[n];  s = v + (float)((double)(r[p*ldr + n] - r_zp) * r_s);
     y[p*ldy + n] = clamp(rint(s * inv_y) + y_zp, qmin, qmax)   (s / y_s with divide; NaN -> clamp(y_zp))
   for p < P, n < N. bias is never NULL: an op without one gets zeros (v + 0 differs from v only in the
   sign of a zero, which quantizes the same). */
typedef struct qf_radd {
  const float *scale; /* [N] fround(x_s * w_s[n]) */
  const float *bias;  /* [N] float32 bias */
  double r_s;         /* the residual's dequantize scale (as in the graph) */
  int32_t r_zp;       /* stored domain */
  float inv_y, y_s;   /* fround(1 / y_scale), fround(y_scale) */
  int32_t divide;     /* 0: multiply by inv_y; 1: divide by y_s */
  int32_t y_zp, qmin, qmax;
} qf_radd;
void qf_ref_requant_add_i32(size_t P, size_t N, const int32_t *acc, size_t lda, const uint8_t *r, size_t ldr,
                            const qf_radd *p, uint8_t *y, size_t ldy);
/* qf_qgemm_i32 (with bias) then qf_requant_add_i32 of its rows, fused: y = the residual-add epilogue of the
   GEMM's sums, computed while each tile is in registers. Returns 1 when done, 0 when the target has no fused form
   for p (the reference never has one): the caller then runs the two steps. */
int qf_ref_qgemm_add(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const int32_t *bias,
                     const uint8_t *r, size_t ldr, const qf_radd *p, uint8_t *y, size_t ldy);
/* Max pool on NHWC uint8 (padding never wins; a window of padding only gives 0, the stored dtype minimum). */
void qf_ref_maxpool_u8(const qf_geom *g, const uint8_t *x, uint8_t *y);
/* y[i] = table[c][x[i]] for i < n, c = (i / inner) % C: a 256-entry lookup per channel on stored bytes
   (qlut; tables indexed and valued in the stored domain, [C][256]; one table: C = 1, inner = n). */
void qf_ref_lut_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y);
/* Average pool: acc = sum (x - x_zp) over the window inside the image; count = that many elements, or
   with count_include_pad the window clipped to the padded extent; y = rq1(acc, mult / (float)count). */
void qf_ref_qavgpool(const qf_geom *g, int count_include_pad, float mult, int32_t y_zp, int32_t qmin,
                     int32_t qmax, const uint8_t *x, uint8_t *y);
/* Global average pool of HW x C: acc = sum (x - x_zp); y = rq1(acc, mult) (mult already divided by HW). */
void qf_ref_qgavgpool(size_t HW, size_t C, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin, int32_t qmax,
                      const uint8_t *x, uint8_t *y);
/* Channels [c0, c1) of the same (C stays the pixel stride; threads split by channel blocks). */
void qf_ref_qgavgpool_ch(size_t HW, size_t C, size_t c0, size_t c1, int32_t x_zp, float mult, int32_t y_zp,
                         int32_t qmin, int32_t qmax, const uint8_t *x, uint8_t *y);

/* Dequantisation scales are doubles, as in the graph: da = (float)((double)(a - a_zp) * a_s). When
   (double)(float)a_s == a_s (the usual case) that equals the float32 product (float)(a - a_zp) * (float)a_s
   exactly, so SIMD kernels may use float32 after checking that. */
/* Elementwise quantized add/mul (dequantize, float op, quantize; PyTorch's formulas):
   y = clamp(rint(fround(fround(da OP db) * inv_y)) + y_zp, qmin, qmax), or with divide set (the
   op's scaling 'divide', ONNX QuantizeLinear): y = clamp(rint(fround(fround(da OP db) / y_s)) + y_zp, ...). */
typedef struct qf_qbin {
  double a_s, b_s;
  float inv_y; /* fround(1 / y_scale) */
  int32_t a_zp, b_zp, y_zp, qmin, qmax;
  int32_t divide; /* 0: multiply by inv_y; 1: divide by y_s */
  float y_s;      /* fround(y_scale) */
} qf_qbin;
/* n elements; sa, sb are element strides (1, or 0 for a broadcast scalar). */
void qf_ref_qadd(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y);
void qf_ref_qmul(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y);
/* y = clamp(rint(fround(fround((x - x_zp) * x_s) * inv_y)) + y_zp, qmin, qmax). */
void qf_ref_requantize_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float inv_y, int32_t y_zp,
                          int32_t qmin, int32_t qmax, uint8_t *y);
/* The same with a float32 division (scaling 'divide'): y = clamp(rint(fround(fround((x - x_zp) * x_s) / y_s)) + y_zp, ...). */
void qf_ref_requantize_div_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float y_s, int32_t y_zp,
                              int32_t qmin, int32_t qmax, uint8_t *y);
/* y = min(max(x, lo), hi) (relu / clip on integers, bounds in the stored domain). */
void qf_ref_clamp_u8(size_t n, const uint8_t *x, uint8_t lo, uint8_t hi, uint8_t *y);
/* Edges: channel c = (i / inner) % C (C = 1: per tensor). quantize: q = clamp(rint(fround(x * inv[c])) +
   zp[c], qmin, qmax), NaN -> zp; dequantize: y = fround((q - zp[c]) * s[c]). */
void qf_ref_quantize_u8(size_t n, size_t inner, size_t C, const float *x, const float *inv, const int32_t *zp,
                        int32_t qmin, int32_t qmax, uint8_t *y);
/* quantize with a float32 division (scaling 'divide', ONNX QuantizeLinear): q = clamp(rint(fround(x / s[c])) +
   zp[c], qmin, qmax), NaN -> zp; s[c] = fround(scale[c]). */
void qf_ref_quantize_div_u8(size_t n, size_t inner, size_t C, const float *x, const float *s, const int32_t *zp,
                            int32_t qmin, int32_t qmax, uint8_t *y);
void qf_ref_dequantize_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const double *s, const int32_t *zp,
                          float *y);
/* Batched u8 x u8 matmul of two activations: C[m][n] = rq1(sum_k (A[m][k] - a_zp) * (B[k][n] - b_zp), mult).
   scratch: QF_QMATMUL_SCRATCH(K, N) bytes, 4-byte aligned (B transposed, then its column sums). */
#define QF_QMATMUL_BT_BYTES(K, N) ((((size_t)(K) * (size_t)(N)) + 3) & ~(size_t)3)
#define QF_QMATMUL_SCRATCH(K, N) (QF_QMATMUL_BT_BYTES(K, N) + 4 * (size_t)(N))
/* The SIMD targets' float32-exact path (qforge_kernels_loops.h): B as float column panels, then
   QF_QMATMUL_F_ROWS rows of A and of results as floats at a time (src/codegen/ops/matmul.ts sizes
   the scratch to the larger of the two). */
#define QF_QMATMUL_F_ROWS 64
#define QF_QMATMUL_F_SCRATCH(K, N) \
  (4 * (((size_t)(N) + QF_FNR - 1) / QF_FNR * QF_FNR * (size_t)(K) + QF_QMATMUL_F_ROWS * ((size_t)(K) + (size_t)(N))))
/* Softmax over rows of n stored bytes (qsoftmax, src/ir/ops/quantized-softmax.ts): per row, e[k] =
   table[x[k] - max + 255] (the 256-entry exp table, 2^20 at the max), s = the exact sum of e,
   f = (float)(1 / ((double)s * y_scale)), y[k] = qf_rq1(e[k], f). e: n uint32 of scratch. */
void qf_ref_qsoftmax(size_t rows, size_t n, const uint8_t *x, const uint32_t *table, double y_scale, int32_t y_zp,
                     int32_t qmin, int32_t qmax, uint8_t *y, uint32_t *e);
/* LayerNorm over rows of n stored bytes (qlayernorm, src/ir/ops/quantized-norm.ts): exact integer sums of
   d = x - x_zp and d², mean and 1/sqrt(var·x_s² + eps) in float64, then per element in float32
   v = ((d - fround(mean))·fround(x_s·r))·gamma + beta and the quantize y = clamp(rint(v·inv_y) + y_zp). */
void qf_ref_qlayernorm(size_t rows, size_t n, const uint8_t *x, double x_s, int32_t x_zp, double eps, const float *gamma,
                       const float *beta, float inv_y, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y);
void qf_ref_qmatmul(size_t M, size_t N, size_t K, const uint8_t *A, int32_t a_zp, const uint8_t *B, int32_t b_zp,
                    float mult, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *C, void *scratch);

/* Public names: a target's implementation when it has one, else the reference. */
#ifdef QF_HAVE_QGEMM
void qf_qgemm(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq, uint8_t *C, size_t ldc);
#else
#define qf_qgemm qf_ref_qgemm
#endif
/* Columns [n0, n1) of qf_qgemm's result only, each computed as qf_qgemm computes it (to split a GEMM
   between threads); n0 and n1 are multiples of QF_QGEMM_COLS, or n1 = N. Comes with QF_HAVE_QGEMM. */
#define QF_QGEMM_COLS 64
#ifdef QF_HAVE_QGEMM
void qf_qgemm_cols(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const qf_rq *rq, uint8_t *C, size_t ldc, size_t n0, size_t n1);
#else
#define qf_qgemm_cols qf_ref_qgemm_cols
#endif
#ifdef QF_HAVE_QGEMM_I32
void qf_qgemm_i32(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const int32_t *bias, int32_t *C, size_t ldc);
#else
#define qf_qgemm_i32 qf_ref_qgemm_i32
#endif
#ifdef QF_HAVE_QDWCONV
void qf_qdwconv(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y);
void qf_qdwconv_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0, int32_t c1);
#else
#define qf_qdwconv qf_ref_qdwconv
#define qf_qdwconv_ch qf_ref_qdwconv_ch
#endif
#ifdef QF_HAVE_QDWCONV3X3
void qf_qdwconv3x3(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y);
void qf_qdwconv3x3_ch(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0,
                      int32_t c1);
#else
#define qf_qdwconv3x3 qf_ref_qdwconv3x3
#define qf_qdwconv3x3_ch qf_ref_qdwconv3x3_ch
#endif
#ifdef QF_HAVE_IM2COL
void qf_im2col(const qf_geom *g, const uint8_t *x, int32_t c0, int32_t Cg, size_t m0, size_t rows, uint8_t *out, size_t ld);
#else
#define qf_im2col qf_ref_im2col
#endif
#ifdef QF_HAVE_COL2IM_I32
void qf_col2im_i32(const qf_geom *g, int32_t Mg, int32_t m0, int32_t M, const int32_t *cols, size_t ld, int32_t *acc);
#else
#define qf_col2im_i32 qf_ref_col2im_i32
#endif
#ifdef QF_HAVE_REQUANT_I32
void qf_requant_i32(size_t P, size_t N, const int32_t *acc, const qf_rq *rq, uint8_t *y);
#else
#define qf_requant_i32 qf_ref_requant_i32
#endif
#ifdef QF_HAVE_QGEMM_ADD
int qf_qgemm_add(size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W, const int32_t *bias, const uint8_t *r, size_t ldr, const qf_radd *p, uint8_t *y, size_t ldy);
#else
#define qf_qgemm_add qf_ref_qgemm_add
#endif
/* Only where the target provides it (codegen asks the target; no reference form): the convolution of one group
   with DW = 1 as a GEMM that reads its rows of A from the padded image xp (qf_conv_pad) instead of im2col rows:
   output pixels [p0, p0 + rows) into y (row p0's start), columns [n0, n1) as in qf_qgemm_cols. W: packGemm of
   [N][KH][ceil(KW * C / 4) * 4], each kernel row's KW * C weights zero-padded to whole 4-byte groups. */
#ifdef QF_HAVE_QCONV
void qf_qconv_cols(const qf_geom *g, const uint8_t *xp, size_t p0, size_t rows, size_t N, const void *W, const qf_rq *rq, uint8_t *y, size_t ldy, size_t n0, size_t n1);
/* The same with qf_qgemm_add's residual-add epilogue (bias32, then p with the rows of r from row p0's); p->r_s must
   be a float32 value (codegen checks). */
void qf_qconv_add_cols(const qf_geom *g, const uint8_t *xp, size_t p0, size_t rows, size_t N, const void *W, const int32_t *bias32, const uint8_t *r, size_t ldr, const qf_radd *p, uint8_t *y, size_t ldy, size_t n0, size_t n1);
#endif
#ifdef QF_HAVE_REQUANT_ADD_I32
void qf_requant_add_i32(size_t P, size_t N, const int32_t *acc, size_t lda, const uint8_t *r, size_t ldr, const qf_radd *p, uint8_t *y, size_t ldy);
#else
#define qf_requant_add_i32 qf_ref_requant_add_i32
#endif
#ifdef QF_HAVE_MAXPOOL_U8
void qf_maxpool_u8(const qf_geom *g, const uint8_t *x, uint8_t *y);
#else
#define qf_maxpool_u8 qf_ref_maxpool_u8
#endif
#ifdef QF_HAVE_LUT_U8
void qf_lut_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y);
#else
#define qf_lut_u8 qf_ref_lut_u8
#endif
#ifdef QF_HAVE_QAVGPOOL
void qf_qavgpool(const qf_geom *g, int count_include_pad, float mult, int32_t y_zp, int32_t qmin, int32_t qmax, const uint8_t *x, uint8_t *y);
#else
#define qf_qavgpool qf_ref_qavgpool
#endif
#ifdef QF_HAVE_QGAVGPOOL
void qf_qgavgpool(size_t HW, size_t C, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin, int32_t qmax, const uint8_t *x, uint8_t *y);
void qf_qgavgpool_ch(size_t HW, size_t C, size_t c0, size_t c1, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin,
                     int32_t qmax, const uint8_t *x, uint8_t *y);
#else
#define qf_qgavgpool qf_ref_qgavgpool
#define qf_qgavgpool_ch qf_ref_qgavgpool_ch
#endif
#ifdef QF_HAVE_QADD
void qf_qadd(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y);
#else
#define qf_qadd qf_ref_qadd
#endif
#ifdef QF_HAVE_QMUL
void qf_qmul(size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p, uint8_t *y);
#else
#define qf_qmul qf_ref_qmul
#endif
#ifdef QF_HAVE_REQUANTIZE_U8
void qf_requantize_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float inv_y, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y);
#else
#define qf_requantize_u8 qf_ref_requantize_u8
#endif
#ifdef QF_HAVE_REQUANTIZE_DIV_U8
void qf_requantize_div_u8(size_t n, const uint8_t *x, double x_s, int32_t x_zp, float y_s, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y);
#else
#define qf_requantize_div_u8 qf_ref_requantize_div_u8
#endif
#ifdef QF_HAVE_CLAMP_U8
void qf_clamp_u8(size_t n, const uint8_t *x, uint8_t lo, uint8_t hi, uint8_t *y);
#else
#define qf_clamp_u8 qf_ref_clamp_u8
#endif
#ifdef QF_HAVE_QUANTIZE_U8
void qf_quantize_u8(size_t n, size_t inner, size_t C, const float *x, const float *inv, const int32_t *zp, int32_t qmin, int32_t qmax, uint8_t *y);
#else
#define qf_quantize_u8 qf_ref_quantize_u8
#endif
#ifdef QF_HAVE_QUANTIZE_DIV_U8
void qf_quantize_div_u8(size_t n, size_t inner, size_t C, const float *x, const float *s, const int32_t *zp, int32_t qmin, int32_t qmax, uint8_t *y);
#else
#define qf_quantize_div_u8 qf_ref_quantize_div_u8
#endif
#ifdef QF_HAVE_DEQUANTIZE_U8
void qf_dequantize_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const double *s, const int32_t *zp, float *y);
#else
#define qf_dequantize_u8 qf_ref_dequantize_u8
#endif
#ifdef QF_HAVE_QMATMUL
void qf_qmatmul(size_t M, size_t N, size_t K, const uint8_t *A, int32_t a_zp, const uint8_t *B, int32_t b_zp, float mult, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *C, void *scratch);
#else
#define qf_qmatmul qf_ref_qmatmul
#endif
#ifdef QF_HAVE_QLAYERNORM
void qf_qlayernorm(size_t rows, size_t n, const uint8_t *x, double x_s, int32_t x_zp, double eps, const float *gamma, const float *beta, float inv_y, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y);
#else
#define qf_qlayernorm qf_ref_qlayernorm
#endif
#ifdef QF_HAVE_QSOFTMAX
void qf_qsoftmax(size_t rows, size_t n, const uint8_t *x, const uint32_t *table, double y_scale, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y, uint32_t *e);
#else
#define qf_qsoftmax qf_ref_qsoftmax
#endif

#endif /* QFORGE_KERNELS_H */

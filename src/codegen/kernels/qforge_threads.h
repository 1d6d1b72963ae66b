/* qforge threads: a small worker pool (pthreads) and the parallel forms of the kernels the generated
   model calls through a qf_ctx (see docs/threads.md).
 *
 * The pool is made once (<name>_ctx_new): its threads start there and park between calls (a short
 * spin, then a condition variable); a model run allocates nothing and starts no thread. Work is split
 * statically: qf_parallel cuts [0, n) into at most `threads` contiguous ranges whose bounds depend
 * only on n and the thread count, never on timing; the caller and the workers then claim ranges first
 * come, first served. Every split is over outputs (GEMM rows, depthwise/pool output rows, output
 * channels of a float convolution, elementwise chunks): each output is computed whole, by the
 * single-threaded code, and no float reduction is ever divided, so the bytes are the same for every
 * thread count and every schedule. (col2im adds into int32 accumulators from blocks of two waves:
 * exact in any order.) Work below QF_PAR_MIN_OPS per range stays on the calling thread.
 * A NULL ctx runs everything on the calling thread. Build with -DQF_NO_THREADS where there are no
 * pthreads: every ctx then has one thread. */
#ifndef QFORGE_THREADS_H
#define QFORGE_THREADS_H
#include <stddef.h>
#include <stdint.h>
#include "qforge_kernels.h"
#include "qforge_runtime.h"
#include "qforge_fgemm.h"

/* Smallest amount of work (multiply-adds or elements) worth a range of its own: below it, waking a
   worker costs more than it saves. Tests lower it (-DQF_PAR_MIN_OPS=1) to split even tiny models. */
#ifndef QF_PAR_MIN_OPS
#define QF_PAR_MIN_OPS 32768
#endif

#ifndef QF_CTX_TYPEDEF
#define QF_CTX_TYPEDEF
typedef struct qf_ctx qf_ctx;
#endif

/* threads < 1: one per online CPU. scratch: bytes of private scratch each extra thread needs (the
   calling thread uses the arena's). NULL when out of memory or a thread cannot start. */
qf_ctx *qf_ctx_new(int threads, size_t scratch);
void qf_ctx_free(qf_ctx *ctx);
int qf_ctx_threads(const qf_ctx *ctx);

/* fn(args, lo, hi, scratch) for k consecutive ranges covering [0, n), k = min(threads, n / grain) (at
   least 1); range t is [n*t/k, n*(t+1)/k). scratch: the running thread's (the caller's is scratch0). */
typedef void (*qf_task)(const void *args, size_t lo, size_t hi, uint8_t *scratch);
void qf_parallel(qf_ctx *ctx, size_t n, size_t grain, qf_task fn, const void *args, uint8_t *scratch0);

/* ---- parallel kernels: the kernel's arguments after the ctx ---- */
void qf_par_qgemm(qf_ctx *ctx, size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                  const qf_rq *rq, uint8_t *C, size_t ldc);
/* Convolution by im2col: output pixels [0, P) of one group in blocks of at most R rows, each block
   im2col'ed (K = KH*KW*Cg bytes a row) into the thread's R*K bytes of scratch and multiplied by W
   (Mg columns) into y (row stride ldy). */
void qf_par_conv_im2col(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, int32_t c0, int32_t Cg, size_t P, size_t R,
                        size_t K, size_t Mg, const void *W, const qf_rq *rq, uint8_t *y, size_t ldy, uint8_t *cols);
#ifdef QF_HAVE_QCONV
/* Convolution by implicit GEMM (one group, DW = 1; targets with qf_qconv_cols): x padded once into xp
   (qf_pad_h(g) * qf_pad_w(g) * C bytes, then QF_SLACK readable ones), then the GEMM grid over output pixels [0, P) reads its rows from xp. */
void qf_par_conv_implicit(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, size_t P, size_t K, size_t Mg, const void *W,
                          const qf_rq *rq, uint8_t *y, size_t ldy, uint8_t *xp);
/* qconv2d_add the same way (qf_qconv_add_cols: the residual-add epilogue on the tiles, r_s a float32 value). */
void qf_par_conv_add_implicit(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, size_t P, size_t K, size_t Mg,
                              const void *W, const int32_t *bias32, const uint8_t *r, size_t ldr, const qf_radd *p,
                              uint8_t *y, size_t ldy, uint8_t *xp);
#endif
/* qconv2d_add / qlinear_add: rows [0, M) in blocks of at most R, each (im2col'ed from x when g is set, else
   rows of x, K bytes apart) multiplied into int32 by qf_qgemm_i32 (N columns, bias32) and finished by
   qf_requant_add_i32 with its rows of r into y. scratch: R*N*4 bytes (64-aligned up) + R*K with g. */
void qf_par_gemm_add(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, int32_t c0, int32_t Cg, size_t M, size_t N,
                     size_t K, size_t R, const void *W, const int32_t *bias32, const uint8_t *r, size_t ldr,
                     const qf_radd *p, uint8_t *y, size_t ldy, uint8_t *scratch);
void qf_par_qdwconv(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y);
void qf_par_qdwconv3x3(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y);
void qf_par_maxpool_u8(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, uint8_t *y);
void qf_par_qavgpool(qf_ctx *ctx, const qf_geom *g, int count_include_pad, float mult, int32_t y_zp, int32_t qmin,
                     int32_t qmax, const uint8_t *x, uint8_t *y);
/* Global average pool of HW x C over blocks of 16 channels. */
void qf_par_qgavgpool(qf_ctx *ctx, size_t HW, size_t C, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin,
                      int32_t qmax, const uint8_t *x, uint8_t *y);
/* Transposed convolution: the int32 GEMM over rows of input pixels, col2im over blocks of input rows
   (in two waves, so that no two blocks of a wave add to the same output row) and the requantisation
   over output pixels. */
void qf_par_qgemm_i32(qf_ctx *ctx, size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                      const int32_t *bias, int32_t *C, size_t ldc);
void qf_par_col2im_i32(qf_ctx *ctx, const qf_geom *g, int32_t Mg, int32_t m0, int32_t M, const int32_t *cols, size_t ld,
                       int32_t *acc);
void qf_par_requant_i32(qf_ctx *ctx, size_t P, size_t N, const int32_t *acc, const qf_rq *rq, uint8_t *y);
/* Batched qf_qmatmul: `batches` products of MxK by KxN (offsets[b] = {A, B} element offsets of batch b;
   NULL: one batch), C batch b at b*M*N; split over (batch, row) pairs, each range transposing its
   batches' B into the running thread's scratch (QF_QMATMUL_SCRATCH bytes). */
void qf_par_qmatmul(qf_ctx *ctx, size_t batches, const uint32_t (*offsets)[2], size_t M, size_t N, size_t K,
                    const uint8_t *A, int32_t a_zp, const uint8_t *B, int32_t b_zp, float mult, int32_t y_zp,
                    int32_t qmin, int32_t qmax, uint8_t *C, uint8_t *scratch);
void qf_par_qadd(qf_ctx *ctx, size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p,
                 uint8_t *y);
void qf_par_qmul(qf_ctx *ctx, size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p,
                 uint8_t *y);
void qf_par_requantize_u8(qf_ctx *ctx, size_t n, const uint8_t *x, double x_s, int32_t x_zp, float inv_y, int32_t y_zp,
                          int32_t qmin, int32_t qmax, uint8_t *y);
void qf_par_requantize_div_u8(qf_ctx *ctx, size_t n, const uint8_t *x, double x_s, int32_t x_zp, float y_s,
                              int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y);
void qf_par_lut_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y);
/* qf_broadcast2 over rows of its innermost dimension. */
void qf_par_broadcast2(qf_ctx *ctx, int rank, const int32_t *shape, const int32_t *sa, const int32_t *sb, size_t ea,
                       size_t eb, size_t ey, const void *a, const void *b, void *y, qf_row2 row, const void *p);
void qf_par_clamp_u8(qf_ctx *ctx, size_t n, const uint8_t *x, uint8_t lo, uint8_t hi, uint8_t *y);
void qf_par_quantize_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const float *x, const float *inv,
                        const int32_t *zp, int32_t qmin, int32_t qmax, uint8_t *y);
void qf_par_quantize_div_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const float *x, const float *s,
                            const int32_t *zp, int32_t qmin, int32_t qmax, uint8_t *y);
void qf_par_dequantize_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const uint8_t *x, const double *s,
                          const int32_t *zp, float *y);
/* Float fallbacks: the flat (unbroadcast) binary row. */
void qf_par_f_binary(qf_ctx *ctx, size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y);
/* Float GEMM over blocks of output columns (every output keeps its sum over k in order). */
void qf_par_f_gemm(qf_ctx *ctx, size_t M, size_t N, size_t K, const float *A, size_t ars, size_t acs, const float *B,
                   size_t brs, size_t bcs, const float *C, size_t crs, size_t ccs, float alpha, float beta, float lo,
                   float hi, float *Y);
/* Data movement over output rows / chunks. */
void qf_par_remap(qf_ctx *ctx, size_t esize, int rank, const int32_t *shape, const int32_t *const *maps, const void *x,
                  void *y, const void *fill);
void qf_par_xor80(qf_ctx *ctx, size_t n, const uint8_t *x, uint8_t *y);
/* ---- float GEMM family (qforge_fgemm.h; the floatk section): the same arguments after the ctx;
   scratch: the caller's block (qf_fconv_run / qf_fdeconv_run), each extra thread gets its own ---- */
void qf_par_fconv(qf_ctx *ctx, const qf_fconv *p, size_t pb, const float *x, const float *W, const float *b, float *y,
                  float *scratch);
void qf_par_fconvt(qf_ctx *ctx, const qf_fconv *p, const float *x, const float *Wt, const float *b, float *y,
                   float *scratch);
void qf_par_fdwconv(qf_ctx *ctx, const qf_fconv *p, const float *x, const float *w, const float *b, float *y,
                    float *scratch);
void qf_par_fdeconv(qf_ctx *ctx, const qf_fconv *p, size_t pb, const float *x, const float *W, const float *b, float *y,
                    float *scratch);
void qf_par_fgemm_packed(qf_ctx *ctx, size_t M, size_t N, size_t K, const float *A, size_t lda, const float *Bp,
                         const float *bias, float lo, float hi, float *Y, size_t ldy);
#endif /* QFORGE_THREADS_H */

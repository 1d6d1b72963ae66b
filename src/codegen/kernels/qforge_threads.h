/* qforge threads: a small worker pool (pthreads) and the parallel forms of the kernels the generated
   model calls through a qf_ctx (see docs/threads.md).
 *
 * The pool is made once (<name>_ctx_new): its threads start there and park between calls (a short
 * spin, then a condition variable); a model run allocates nothing and starts no thread. Work is split
 * statically: qf_parallel cuts [0, n) into at most `threads` contiguous ranges whose bounds depend
 * only on n and the thread count, never on timing; thread t (the caller is 0) runs range t, then
 * claims the ranges left, first come, first served. Every split is over outputs (GEMM rows, depthwise/pool output rows, output
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
#include "qforge_weight_only.h"

/* Smallest amount of work (elements; a multiply-add counts 1/32) worth a range of its own: below it,
   handing a range to a worker costs more than it saves. Tests lower it (-DQF_PAR_MIN_OPS=1) to split
   even tiny models. */
#ifndef QF_PAR_MIN_OPS
#define QF_PAR_MIN_OPS 8192
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

/* ---- parallel kernels ----
   qf_par_<name>(ctx, <arguments>) runs kernel <name> split over the ctx's threads. Each is declared by one
   argument list, QF_ARGS_<name>(X) with X(type, name) for every argument after the ctx: the prototype here,
   and the argument struct and wrapper in qforge_threads.c (QF_PAR_RANGES / QF_PAR), all come from it. */
#define QF_PAR_PARAM(type, name) , type name
#define QF_PAR_PROTO(name) void qf_par_##name(qf_ctx *ctx QF_ARGS_##name(QF_PAR_PARAM))
typedef uint32_t qf_pair32[2];

#define QF_ARGS_qgemm(X) X(size_t, M) X(size_t, N) X(size_t, K) X(const uint8_t *, A) X(size_t, lda) X(const void *, W) \
  X(const qf_rq *, rq) X(uint8_t *, C) X(size_t, ldc)
QF_PAR_PROTO(qgemm);
/* Convolution by im2col: output pixels [0, P) of one group in blocks of at most R rows, each block
   im2col'ed (K = KH*KW*Cg bytes a row) into the thread's R*K bytes of scratch and multiplied by W
   (Mg columns) into y (row stride ldy). */
#define QF_ARGS_conv_im2col(X) X(const qf_geom *, g) X(const uint8_t *, x) X(int32_t, c0) X(int32_t, Cg) X(size_t, P) \
  X(size_t, R) X(size_t, K) X(size_t, Mg) X(const void *, W) X(const qf_rq *, rq) X(uint8_t *, y) X(size_t, ldy) X(uint8_t *, cols)
QF_PAR_PROTO(conv_im2col);
#ifdef QF_HAVE_QCONV
/* Convolution by implicit GEMM (one group, DW = 1; targets with qf_qconv_cols): the GEMM grid over output pixels
   [0, P), each cell padding the image rows it reads into its thread's scratch (xp on the calling thread: at most
   qf_pad_h(g) * qf_pad_w(g) * C bytes, then QF_SLACK readable ones) and reading its rows of A from there.
   p NULL: qconv2d, the requantising epilogue (rq). p set: qconv2d_add, qf_qconv_add_cols' residual-add epilogue on
   the tiles (bias32, r, ldr, p; r_s a float32 value). */
#define QF_ARGS_conv_implicit(X) X(const qf_geom *, g) X(const uint8_t *, x) X(size_t, P) X(size_t, K) X(size_t, Mg) \
  X(const void *, W) X(const qf_rq *, rq) X(const int32_t *, bias32) X(const uint8_t *, r) X(size_t, ldr)          \
  X(const qf_radd *, p) X(uint8_t *, y) X(size_t, ldy) X(uint8_t *, xp)
QF_PAR_PROTO(conv_implicit);
#endif
/* qconv2d_add / qlinear_add: rows [0, M) in blocks of at most R, each (im2col'ed from x when g is set, else
   rows of x, K bytes apart) multiplied into int32 by qf_qgemm_i32 (N columns, bias32) and finished by
   qf_requant_add_i32 with its rows of r into y. scratch: R*N*4 bytes (64-aligned up) + R*K with g. */
#define QF_ARGS_gemm_add(X) X(const qf_geom *, g) X(const uint8_t *, x) X(int32_t, c0) X(int32_t, Cg) X(size_t, M) \
  X(size_t, N) X(size_t, K) X(size_t, R) X(const void *, W) X(const int32_t *, bias32) X(const uint8_t *, r) X(size_t, ldr) \
  X(const qf_radd *, p) X(uint8_t *, y) X(size_t, ldy) X(uint8_t *, scratch)
QF_PAR_PROTO(gemm_add);
#define QF_ARGS_qdwconv(X) X(const qf_geom *, g) X(const uint8_t *, x) X(const void *, W) X(const qf_rq *, rq) X(uint8_t *, y)
#define QF_ARGS_qdwconv3x3 QF_ARGS_qdwconv
QF_PAR_PROTO(qdwconv);
QF_PAR_PROTO(qdwconv3x3);
/* A depthwise convolution (3x3 path when k3) into t, then the pointwise GEMM (N columns) that reads t into y, as
   one job over output rows: a range runs its rows of the depthwise, then the GEMM of those pixels, so no thread
   waits for the other between the two (each GEMM row reads only what its own thread just wrote; row: the thread's
   C + QF_SLACK bytes of scratch, for the last pixel of a range). */
#define QF_ARGS_dw_pw(X) X(int, k3) X(const qf_geom *, g) X(const uint8_t *, x) X(const void *, Wd) X(const qf_rq *, rqd) \
  X(uint8_t *, t) X(size_t, N) X(const void *, Wp) X(const qf_rq *, rqp) X(uint8_t *, y) X(uint8_t *, row)
QF_PAR_PROTO(dw_pw);
#define QF_ARGS_maxpool_u8(X) X(const qf_geom *, g) X(const uint8_t *, x) X(uint8_t *, y)
QF_PAR_PROTO(maxpool_u8);
#define QF_ARGS_qavgpool(X) X(const qf_geom *, g) X(int, count_include_pad) X(float, mult) X(int32_t, y_zp) X(int32_t, qmin) \
  X(int32_t, qmax) X(const uint8_t *, x) X(uint8_t *, y)
QF_PAR_PROTO(qavgpool);
/* Global average pool of HW x C over blocks of 64 channels. */
#define QF_ARGS_qgavgpool(X) X(size_t, HW) X(size_t, C) X(int32_t, x_zp) X(float, mult) X(int32_t, y_zp) X(int32_t, qmin) \
  X(int32_t, qmax) X(const uint8_t *, x) X(uint8_t *, y)
QF_PAR_PROTO(qgavgpool);
/* Transposed convolution: the int32 GEMM over rows of input pixels, col2im over blocks of input rows
   (in two waves, so that no two blocks of a wave add to the same output row) and the requantisation
   over output pixels. */
#define QF_ARGS_qgemm_i32(X) X(size_t, M) X(size_t, N) X(size_t, K) X(const uint8_t *, A) X(size_t, lda) X(const void *, W) \
  X(const int32_t *, bias) X(int32_t *, C) X(size_t, ldc)
QF_PAR_PROTO(qgemm_i32);
#define QF_ARGS_col2im_i32(X) X(const qf_geom *, g) X(int32_t, Mg) X(int32_t, m0) X(int32_t, M) X(const int32_t *, cols) \
  X(size_t, ld) X(int32_t *, acc)
QF_PAR_PROTO(col2im_i32);
#define QF_ARGS_requant_i32(X) X(size_t, P) X(size_t, N) X(const int32_t *, acc) X(const qf_rq *, rq) X(uint8_t *, y)
QF_PAR_PROTO(requant_i32);
/* Batched qf_qmatmul: `batches` products of MxK by KxN (offsets[b] = {A, B} element offsets of batch b;
   NULL: one batch), C batch b at b*M*N; split over (batch, row) pairs, each range transposing its
   batches' B into the running thread's scratch (QF_QMATMUL_SCRATCH bytes). */
#define QF_ARGS_qmatmul(X) X(size_t, batches) X(const qf_pair32 *, offsets) X(size_t, M) X(size_t, N) X(size_t, K) \
  X(const uint8_t *, A) X(int32_t, a_zp) X(const uint8_t *, B) X(int32_t, b_zp) X(float, mult) X(int32_t, y_zp) \
  X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, C) X(uint8_t *, scratch)
QF_PAR_PROTO(qmatmul);
/* qlinear_f32 / qlinear_dynamic: rows [0, M) of x (K bytes apart) in units of 4 rows, each range in blocks of at
   most R rows: qf_qgemm_i32 (N columns, bias32) into the thread's int32 scratch (R*N*4 bytes), then
   qf_dynamic_output (x_s, w_s, b, clamp) into y. Integer sums and a per-element epilogue: any split, same bytes. */
#define QF_ARGS_qlinear_f32(X) X(size_t, M) X(size_t, N) X(size_t, K) X(const uint8_t *, x) X(const void *, W) \
  X(const int32_t *, bias32) X(size_t, R) X(float, x_s) X(const float *, w_s) X(const float *, b) X(float, lo) X(float, hi) \
  X(float *, y) X(uint8_t *, scratch)
QF_PAR_PROTO(qlinear_f32);
/* Float batched matmul (B not constant): like qmatmul, (batch, row) pairs; a range packs each of its batches' B
   (qf_fpack_cols) into the thread's scratch, then qf_fgemm_packed on its rows of that batch. */
#define QF_ARGS_fmatmul(X) X(size_t, batches) X(const qf_pair32 *, offsets) X(size_t, M) X(size_t, N) X(size_t, K) \
  X(const float *, A) X(const float *, B) X(float *, Y) X(uint8_t *, scratch)
QF_PAR_PROTO(fmatmul);
/* Row-wise ops over their rows: qsoftmax (e: the thread's n uint32 of scratch), qlayernorm, float softmax (over
   `outer`, each a row of n x inner), layer_norm, and unary functions over elements. */
#define QF_ARGS_qsoftmax(X) X(size_t, rows) X(size_t, n) X(const uint8_t *, x) X(const uint32_t *, table) X(double, y_scale) \
  X(int32_t, y_zp) X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, y) X(uint8_t *, e)
QF_PAR_PROTO(qsoftmax);
#define QF_ARGS_qlayernorm(X) X(size_t, rows) X(size_t, n) X(const uint8_t *, x) X(double, x_s) X(int32_t, x_zp) X(double, eps) \
  X(const float *, gamma) X(const float *, beta) X(float, inv_y) X(int32_t, y_zp) X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, y)
QF_PAR_PROTO(qlayernorm);
#define QF_ARGS_f_softmax(X) X(size_t, outer) X(size_t, n) X(size_t, inner) X(int, log) X(const float *, x) X(float *, y)
QF_PAR_PROTO(f_softmax);
#define QF_ARGS_f_layernorm(X) X(size_t, rows) X(size_t, n) X(const float *, x) X(const float *, g) X(const float *, b) \
  X(float, eps) X(float *, y)
QF_PAR_PROTO(f_layernorm);
#define QF_ARGS_f_unary(X) X(int, op) X(size_t, n) X(const float *, x) X(float, p0) X(float, p1) X(float *, y)
QF_PAR_PROTO(f_unary);
/* Elementwise kernels over chunks of their n elements (per-channel ones: whole periods of inner*C). */
#define QF_ARGS_qadd(X) X(size_t, n) X(const uint8_t *, a) X(size_t, sa) X(const uint8_t *, b) X(size_t, sb) \
  X(const qf_qbin *, p) X(uint8_t *, y)
#define QF_ARGS_qmul QF_ARGS_qadd
QF_PAR_PROTO(qadd);
QF_PAR_PROTO(qmul);
#define QF_ARGS_requantize_u8(X) X(size_t, n) X(const uint8_t *, x) X(double, x_s) X(int32_t, x_zp) X(float, inv_y) \
  X(int32_t, y_zp) X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, y)
QF_PAR_PROTO(requantize_u8);
#define QF_ARGS_requantize_div_u8(X) X(size_t, n) X(const uint8_t *, x) X(double, x_s) X(int32_t, x_zp) X(float, y_s) \
  X(int32_t, y_zp) X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, y)
QF_PAR_PROTO(requantize_div_u8);
#define QF_ARGS_lut_u8(X) X(size_t, n) X(size_t, inner) X(size_t, C) X(const uint8_t *, x) X(const uint8_t *, table) \
  X(uint8_t *, y)
QF_PAR_PROTO(lut_u8);
/* qf_broadcast2 over rows of its innermost dimension. */
#define QF_ARGS_broadcast2(X) X(int, rank) X(const int32_t *, shape) X(const int32_t *, sa) X(const int32_t *, sb) \
  X(size_t, ea) X(size_t, eb) X(size_t, ey) X(const void *, a) X(const void *, b) X(void *, y) X(qf_row2, row) X(const void *, p)
QF_PAR_PROTO(broadcast2);
#define QF_ARGS_clamp_u8(X) X(size_t, n) X(const uint8_t *, x) X(uint8_t, lo) X(uint8_t, hi) X(uint8_t *, y)
QF_PAR_PROTO(clamp_u8);
#define QF_ARGS_quantize_u8(X) X(size_t, n) X(size_t, inner) X(size_t, C) X(const float *, x) X(const float *, inv) \
  X(const int32_t *, zp) X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, y)
QF_PAR_PROTO(quantize_u8);
#define QF_ARGS_quantize_div_u8(X) X(size_t, n) X(size_t, inner) X(size_t, C) X(const float *, x) X(const float *, s) \
  X(const int32_t *, zp) X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, y)
QF_PAR_PROTO(quantize_div_u8);
/* Per-tensor quantize (f = fround(1/scale), or fround(scale) when div) of N images of C planes of hw floats, split
   over (image, pixel) units: a range quantizes its pixels in every plane (qf_par_quantize_planes_u8). */
#define QF_ARGS_quantize_planes_u8(X) X(size_t, N) X(size_t, C) X(size_t, hw) X(const float *, x) X(int, div) \
  X(const float *, f) X(const int32_t *, zp) X(int32_t, qmin) X(int32_t, qmax) X(uint8_t *, y)
QF_PAR_PROTO(quantize_planes_u8);
#define QF_ARGS_dequantize_u8(X) X(size_t, n) X(size_t, inner) X(size_t, C) X(const uint8_t *, x) X(const double *, s) \
  X(const int32_t *, zp) X(float *, y)
QF_PAR_PROTO(dequantize_u8);
/* Float fallbacks: the flat (unbroadcast) binary row. */
#define QF_ARGS_f_binary(X) X(size_t, n) X(const void *, a) X(size_t, sa) X(const void *, b) X(size_t, sb) X(const void *, p) \
  X(void *, y)
QF_PAR_PROTO(f_binary);
/* Float GEMM over blocks of output columns (every output keeps its sum over k in order). */
#define QF_ARGS_f_gemm(X) X(size_t, M) X(size_t, N) X(size_t, K) X(const float *, A) X(size_t, ars) X(size_t, acs) \
  X(const float *, B) X(size_t, brs) X(size_t, bcs) X(const float *, C) X(size_t, crs) X(size_t, ccs) X(float, alpha) \
  X(float, beta) X(float, lo) X(float, hi) X(float *, Y)
QF_PAR_PROTO(f_gemm);
/* Data movement over output rows / chunks. */
#define QF_ARGS_remap(X) X(size_t, esize) X(int, rank) X(const int32_t *, shape) X(const int32_t *const *, maps) \
  X(const void *, x) X(void *, y) X(const void *, fill)
QF_PAR_PROTO(remap);
/* concat / split: outer blocks of chunk bytes (qf_copy_blocks) over blocks. */
#define QF_ARGS_copy_blocks(X) X(size_t, outer) X(size_t, chunk) X(const void *, src) X(size_t, src_stride) X(void *, dst) \
  X(size_t, dst_stride)
QF_PAR_PROTO(copy_blocks);
#define QF_ARGS_xor80(X) X(size_t, n) X(const uint8_t *, x) X(uint8_t *, y)
QF_PAR_PROTO(xor80);
/* Weight-only linear (qforge_weight_only.h) over panels of QF_WO_NR output columns; scratch: the
   caller's block, each extra thread gets its own. */
#define QF_ARGS_wo_linear(X) X(const qf_wo_linear *, p) X(size_t, R) X(const float *, x) X(float *, y) X(void *, scratch)
QF_PAR_PROTO(wo_linear);
/* ---- float GEMM family (qforge_fgemm.h; the floatk section): the same arguments after the ctx;
   scratch: the caller's block (qf_fconv_run / qf_fdeconv_run), each extra thread gets its own ---- */
#define QF_ARGS_fconv(X) X(const qf_fconv *, p) X(size_t, pb) X(const float *, x) X(const float *, W) X(const float *, b) \
  X(float *, y) X(float *, scratch)
QF_PAR_PROTO(fconv);
#define QF_ARGS_fconvt(X) X(const qf_fconv *, p) X(const float *, x) X(const float *, Wt) X(const float *, b) X(float *, y) \
  X(float *, scratch)
QF_PAR_PROTO(fconvt);
#define QF_ARGS_fdwconv(X) X(const qf_fconv *, p) X(const float *, x) X(const float *, w) X(const float *, b) X(float *, y) \
  X(float *, scratch)
QF_PAR_PROTO(fdwconv);
#define QF_ARGS_fdeconv QF_ARGS_fconv
QF_PAR_PROTO(fdeconv);
#define QF_ARGS_fgemm_packed(X) X(size_t, M) X(size_t, N) X(size_t, K) X(const float *, A) X(size_t, lda) X(const float *, Bp) \
  X(const float *, bias) X(float, lo) X(float, hi) X(float *, Y) X(size_t, ldy)
QF_PAR_PROTO(fgemm_packed);
#endif /* QFORGE_THREADS_H */

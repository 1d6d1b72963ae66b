/* qforge threads: the worker pool, the static parallel-for and the parallel kernels (qforge_threads.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "qforge_threads.h"
#ifndef QF_NO_THREADS
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#endif

/* Microseconds a worker waiting for the next job (and the caller waiting for the last range) spins
   before it sleeps. Kernels of one model follow each other within microseconds, and a sleeping worker
   wakes tens of microseconds late, so that the caller has often done every range by then. The spin
   counts pause instructions, calibrated to this time when the ctx is made (a pause takes from ~10 to
   ~140 cycles depending on the CPU). */
#ifndef QF_SPIN_US
#define QF_SPIN_US 200
#endif
#define QF_MAX_THREADS 512

/* The ranges of a job are fixed by (n, ranges). Thread t (the caller is 0) first runs range t, then
   claims the ranges left, first come, first served: a worker that the OS has not scheduled yet delays
   nothing, and when every thread is there each runs the same range of every job, so that a step whose
   split matches the step before (rows of an image, say) finds its input in its own core's cache.
   Threads beyond the job's ranges sit it out. The output does not depend on any of this: a range
   computes the same bytes on any thread. */
struct qf_ctx {
  int threads;
  size_t scratch_bytes; /* per extra thread, QF_SLACK included, a multiple of 64 */
  uint8_t *scratch;
#ifndef QF_NO_THREADS
  pthread_t *tid;
  struct qf_worker {
    struct qf_ctx *ctx;
    int index;
  } *workers;
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  /* (atomic) job generation << 32 | ranges */
  uint64_t state;
  /* (atomic) claim[t * QF_CLAIM_STRIDE]: the generation of the last job whose range t was claimed. A thread
     claims range t of job gen by a compare-and-swap from an older value to gen; a job ends only after
     each of its ranges is claimed, so a late worker never claims one of a finished job. Nothing resets
     them: the thread that runs range t in every job finds its word in its own cache. */
  uint32_t *claim;
  size_t finished; /* (atomic) ranges of the current job done */
  int stop;        /* (atomic) */
  /* (atomic) workers asleep on `wake`, and 1 while the caller sleeps on `done`: a job and its end take
     the mutex and signal only when someone sleeps (a spinning thread sees the atomics by itself). Each
     side stores its own word and then loads the other's, all seq_cst, so either the signaller sees the
     sleeper or the sleeper sees the new state before it waits. */
  int sleepers, waiting;
  long spin; /* pauses in QF_SPIN_US */
  /* the current job: written before its state is published, read only by the claimer of a range */
  qf_task fn;
  const void *args;
  size_t n;
#endif
};

int qf_ctx_threads(const qf_ctx *ctx) { return ctx ? ctx->threads : 1; }

#ifdef QF_NO_THREADS
qf_ctx *qf_ctx_new(int threads, size_t scratch) {
  (void)threads;
  (void)scratch;
  qf_ctx *c = (qf_ctx *)calloc(1, sizeof *c);
  if (c) c->threads = 1;
  return c;
}
void qf_ctx_free(qf_ctx *ctx) { free(ctx); }
void qf_parallel(qf_ctx *ctx, size_t n, size_t grain, qf_task fn, const void *args, uint8_t *scratch0) {
  (void)ctx;
  (void)grain;
  if (n) fn(args, 0, n, scratch0);
}
#else

#define QF_GEN(st) ((uint32_t)((st) >> 32))
#define QF_RANGES(st) ((size_t)(uint32_t)(st))
#define QF_CLAIM_STRIDE 16 /* one claim word per 64-byte line */

static inline void qf_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Thread `self` runs the ranges of job `st` (its state word) that it can claim: its own range first,
   then the ones after it. A thread without a range of its own takes none (it would race the owners;
   the owners take over a range whose thread is late). */
static void qf_work(qf_ctx *c, uint64_t st, size_t self, uint8_t *scratch) {
  const uint32_t gen = QF_GEN(st);
  const size_t k = QF_RANGES(st);
  for (size_t i = 0; i < k && self < k; i++) {
    const size_t t = (self + i) % k;
    uint32_t *w = c->claim + t * QF_CLAIM_STRIDE, v = __atomic_load_n(w, __ATOMIC_RELAXED);
    if ((int32_t)(gen - v) <= 0 || !__atomic_compare_exchange_n(w, &v, gen, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) continue;
    c->fn(c->args, c->n * t / k, c->n * (t + 1) / k, scratch);
    if (__atomic_add_fetch(&c->finished, 1, __ATOMIC_SEQ_CST) == k && __atomic_load_n(&c->waiting, __ATOMIC_SEQ_CST)) {
      pthread_mutex_lock(&c->mu);
      pthread_cond_signal(&c->done);
      pthread_mutex_unlock(&c->mu);
    }
  }
}

static void *qf_worker_main(void *p) {
  const struct qf_worker *w = (const struct qf_worker *)p;
  qf_ctx *c = w->ctx;
  uint8_t *scratch = c->scratch ? c->scratch + (size_t)(w->index - 1) * c->scratch_bytes : NULL;
  uint32_t seen = 0;
  for (;;) {
    uint64_t st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
    for (long s = 0; QF_GEN(st) == seen && s < c->spin; s++) {
      qf_pause();
      st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
    }
    if (QF_GEN(st) == seen) {
      pthread_mutex_lock(&c->mu);
      __atomic_add_fetch(&c->sleepers, 1, __ATOMIC_SEQ_CST);
      while (QF_GEN(st = __atomic_load_n(&c->state, __ATOMIC_SEQ_CST)) == seen) pthread_cond_wait(&c->wake, &c->mu);
      __atomic_sub_fetch(&c->sleepers, 1, __ATOMIC_RELAXED);
      pthread_mutex_unlock(&c->mu);
    }
    seen = QF_GEN(st);
    if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) return NULL;
    qf_work(c, st, (size_t)w->index, scratch);
  }
}

/* Publishes a job of `ranges` ranges (0: stop), wakes the workers that sleep, returns its state word. */
static uint64_t qf_publish(qf_ctx *c, size_t ranges) {
  const uint32_t gen = QF_GEN(__atomic_load_n(&c->state, __ATOMIC_RELAXED)) + 1;
  const uint64_t st = (uint64_t)gen << 32 | ranges;
  __atomic_store_n(&c->finished, 0, __ATOMIC_RELAXED);
  /* An exchange, not a store: see qf_parallel's `waiting`. */
  (void)__atomic_exchange_n(&c->state, st, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&c->sleepers, __ATOMIC_SEQ_CST)) {
    pthread_mutex_lock(&c->mu);
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->mu);
  }
  return st;
}

void qf_parallel(qf_ctx *ctx, size_t n, size_t grain, qf_task fn, const void *args, uint8_t *scratch0) {
  size_t k = (size_t)qf_ctx_threads(ctx);
  if (grain < 1) grain = 1;
  if (n / grain < k) k = n / grain;
  if (k <= 1) {
    if (n) fn(args, 0, n, scratch0);
    return;
  }
  ctx->fn = fn;
  ctx->args = args;
  ctx->n = n;
  qf_work(ctx, qf_publish(ctx, k), 0, scratch0);
  for (long s = 0; s < ctx->spin; s++) {
    if (__atomic_load_n(&ctx->finished, __ATOMIC_ACQUIRE) == k) return;
    qf_pause();
  }
  pthread_mutex_lock(&ctx->mu);
  /* Store-then-load of two flags (here waiting, then finished; in qf_publish state, then sleepers) needs the store
     ordered before the load. A seq_cst store gives that on real hardware, but qemu-aarch64 on an x86 host runs
     AArch64's store-release + load-acquire as plain x86 moves, which may reorder: the last worker then missed
     `waiting` and the caller slept forever (1 run in ~30 of the neon threads test). An atomic exchange is a full
     barrier on every host. */
  (void)__atomic_exchange_n(&ctx->waiting, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&ctx->finished, __ATOMIC_SEQ_CST) != k) pthread_cond_wait(&ctx->done, &ctx->mu);
  __atomic_store_n(&ctx->waiting, 0, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&ctx->mu);
}

/* Pauses in QF_SPIN_US microseconds: the fastest of a few timings (a preempted one only runs slower). */
static long qf_spin_count(void) {
  double best = 1e30;
  for (int r = 0; r < 4; r++) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 256; i++) qf_pause();
    clock_gettime(CLOCK_MONOTONIC, &b);
    const double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    if (ns < best) best = ns;
  }
  const double n = QF_SPIN_US * 1e3 * 256 / (best > 1 ? best : 1);
  return n < 1 ? 1 : n > 1e8 ? 100000000L : (long)n;
}

static void qf_stop(qf_ctx *c, int started) {
  __atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
  qf_publish(c, 0);
  for (int i = 0; i < started; i++) pthread_join(c->tid[i], NULL);
}

qf_ctx *qf_ctx_new(int threads, size_t scratch) {
  if (threads < 1) {
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    threads = online > 0 ? (int)(online < QF_MAX_THREADS ? online : QF_MAX_THREADS) : 1;
  }
  if (threads > QF_MAX_THREADS) threads = QF_MAX_THREADS;
  qf_ctx *c = (qf_ctx *)calloc(1, sizeof *c);
  if (!c) return NULL;
  c->threads = threads;
  c->spin = threads > 1 ? qf_spin_count() : 0;
  c->scratch_bytes = scratch ? (scratch + QF_SLACK + 63) / 64 * 64 : 0;
  void *mem = NULL;
  const int no_scratch = threads > 1 && c->scratch_bytes && posix_memalign(&mem, 64, c->scratch_bytes * (size_t)(threads - 1));
  c->scratch = no_scratch ? NULL : (uint8_t *)mem;
  c->tid = (pthread_t *)calloc((size_t)threads, sizeof *c->tid);
  c->workers = (struct qf_worker *)calloc((size_t)threads, sizeof *c->workers);
  c->claim = (uint32_t *)calloc((size_t)threads * QF_CLAIM_STRIDE, sizeof *c->claim);
  if (no_scratch || !c->tid || !c->workers || !c->claim) {
    free(c->scratch), free(c->tid), free(c->workers), free(c->claim), free(c);
    return NULL;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->wake, NULL);
  pthread_cond_init(&c->done, NULL);
  for (int i = 1; i < threads; i++) {
    c->workers[i - 1].ctx = c;
    c->workers[i - 1].index = i;
    if (pthread_create(&c->tid[i - 1], NULL, qf_worker_main, &c->workers[i - 1])) {
      qf_stop(c, i - 1);
      c->threads = 1;
      qf_ctx_free(c);
      return NULL;
    }
  }
  return c;
}

void qf_ctx_free(qf_ctx *ctx) {
  if (!ctx) return;
  if (ctx->threads > 1) qf_stop(ctx, ctx->threads - 1);
  pthread_mutex_destroy(&ctx->mu);
  pthread_cond_destroy(&ctx->wake);
  pthread_cond_destroy(&ctx->done);
  free(ctx->scratch);
  free(ctx->tid);
  free(ctx->workers);
  free(ctx->claim);
  free(ctx);
}
#endif /* QF_NO_THREADS */

/* ---- parallel kernels ----
   QF_PAR_RANGES(name, count, grain, scratch0) { body } defines qf_par_<name> from its argument list
   (QF_ARGS_<name>, qforge_threads.h): the wrapper packs its arguments into a struct, `a`, and
   qf_parallel runs the body on ranges [lo, hi) of [0, count), at least `grain` items each, with the
   running thread's `scratch` (the caller's: scratch0). count, grain and scratch0 are expressions of `a`
   and `ctx`. QF_PAR(name) { body } is the wrapper alone (`ctx` and `a` in scope), for the kernels that
   split in their own way (= QF_PAR_STRUCT(name); QF_PAR_WRAPPER(name), for a range function that needs the
   struct first). A new parallel kernel is its argument list and one of these. */
#define QF_PAR_FIELD(type, name) type name;
#define QF_PAR_NAME(type, name) name,
#define QF_PAR_STRUCT(name) typedef struct { QF_ARGS_##name(QF_PAR_FIELD) } qf_##name##_args
#define QF_PAR_WRAPPER(name)                                                                                       \
  static void qf_##name##_par(qf_ctx *ctx, const qf_##name##_args *a);                                             \
  QF_PAR_PROTO(name) {                                                                                             \
    const qf_##name##_args args = {QF_ARGS_##name(QF_PAR_NAME)};                                                   \
    qf_##name##_par(ctx, &args);                                                                                   \
  }                                                                                                                \
  static void qf_##name##_par(qf_ctx *ctx, const qf_##name##_args *a)
#define QF_PAR(name)                                                                                               \
  QF_PAR_STRUCT(name);                                                                                             \
  QF_PAR_WRAPPER(name)
#define QF_PAR_RANGES(name, count, grain, scratch0)                                                                \
  QF_PAR_STRUCT(name);                                                                                             \
  static void qf_##name##_range(const qf_##name##_args *a, size_t lo, size_t hi, QF_UNUSED uint8_t *scratch);      \
  static void qf_##name##_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {                            \
    qf_##name##_range((const qf_##name##_args *)p, lo, hi, scratch);                                               \
  }                                                                                                                \
  QF_PAR_WRAPPER(name) { qf_parallel(ctx, (count), (grain), qf_##name##_task, a, (scratch0)); }                   \
  static void qf_##name##_range(const qf_##name##_args *a, size_t lo, size_t hi, QF_UNUSED uint8_t *scratch)
#define QF_UNUSED __attribute__((unused))

/* A multiply-add of a GEMM or convolution counts 1/32 of QF_PAR_MIN_OPS's unit (an element of
   elementwise work): at ~250 GMAC/s against ~0.15 ns an element, a minimal range is ~1 us of either. */
#define QF_PAR_MIN_MACS (32 * (size_t)QF_PAR_MIN_OPS)

/* Items per range so that one range holds at least `min` units of work. */
static size_t qf_grain(size_t work_per_item, size_t min) {
  if (!work_per_item) return 1;
  return min / work_per_item + (min % work_per_item != 0);
}

/* GEMMs split into a grid of cells: row bands (in units of QF_PAR_ROWS rows) x column blocks (in
   units of QF_QGEMM_COLS), at most one cell per thread, the grid chosen to make the largest cell
   smallest: 49-row layers with 512 columns split by columns, big images by rows. A cell of an im2col
   convolution also im2col's its rows, whatever its columns: QF_IM2COL_COST twentieths of a column
   block per row unit (measured on ResNet-18's layers, K = 576 to 4608: 0.12 to 0.16), so that a
   column split, which repeats the im2col in every column block, must win by more than that. */
#define QF_PAR_ROWS 4
#define QF_IM2COL_COST 3
/* A column split also costs locality: each thread reads every row of A, which both threads wrote in the
   step before, and writes part of every output row, which both read in the step after, where a row
   split stays on its own rows of the image (and the pool runs range t on thread t). It pays when the
   weights are big enough that streaming half of them per thread matters (ResNet-18's 7x7 layers, 2.4 MB),
   and otherwise must make the largest cell smaller by more than 1/8 (MobileNetV2's 14x14 and 7x7 layers:
   rows of 49 or 13 units split 25 + 24 and 7 + 6, close enough). */
#define QF_PAR_STREAM ((size_t)1 << 20)

typedef struct {
  size_t M, N, K, lda, ldc;
  const uint8_t *A;
  const void *W;
  const qf_rq *rq;
  uint8_t *C;
  size_t bands, blocks; /* the grid: cell i is band i / blocks, column block i % blocks */
  /* im2col: */
  const qf_geom *g;
  const uint8_t *x;
  int32_t c0, Cg;
  size_t R; /* 0: a plain GEMM (no im2col) */
  /* implicit qconv2d_add: */
  const int32_t *bias32;
  const uint8_t *r;
  size_t ldr;
  const qf_radd *p;
} qf_gemm_args;

static void qf_gemm_grid(qf_ctx *ctx, qf_gemm_args *a, qf_task fn, uint8_t *scratch0) {
  const size_t units = (a->M + QF_PAR_ROWS - 1) / QF_PAR_ROWS, cols = (a->N + QF_QGEMM_COLS - 1) / QF_QGEMM_COLS;
  size_t k = (size_t)qf_ctx_threads(ctx), best = (size_t)-1;
  const size_t cells = units * cols / qf_grain(QF_PAR_ROWS * QF_QGEMM_COLS * a->K, QF_PAR_MIN_MACS);
  if (cells < k) k = cells ? cells : 1;
  a->bands = 1, a->blocks = 1;
  for (size_t c = 1; c <= cols && c <= k; c++) {
    const size_t r = k / c < units ? k / c : units;
    size_t cost = (units + r - 1) / r * (20 * ((cols + c - 1) / c) + (a->R ? QF_IM2COL_COST : 0));
    if (c > 1 && a->N * a->K < QF_PAR_STREAM) cost += cost / 8;
    if (cost < best) best = cost, a->bands = r, a->blocks = c;
  }
  qf_parallel(ctx, a->bands * a->blocks, 1, fn, a, scratch0);
}

/* Rows [*m0, *m1) and columns [*n0, *n1) of grid cell i. */
static void qf_cell(const qf_gemm_args *a, size_t i, size_t *m0, size_t *m1, size_t *n0, size_t *n1) {
  const size_t units = (a->M + QF_PAR_ROWS - 1) / QF_PAR_ROWS, cols = (a->N + QF_QGEMM_COLS - 1) / QF_QGEMM_COLS;
  const size_t b = i / a->blocks, c = i % a->blocks;
  *m0 = units * b / a->bands * QF_PAR_ROWS;
  *m1 = units * (b + 1) / a->bands * QF_PAR_ROWS;
  *n0 = cols * c / a->blocks * QF_QGEMM_COLS;
  *n1 = cols * (c + 1) / a->blocks * QF_QGEMM_COLS;
  if (*m1 > a->M) *m1 = a->M;
  if (*n1 > a->N) *n1 = a->N;
}

static void qf_gemm_cells(const void *p, size_t lo, size_t hi, QF_UNUSED uint8_t *scratch) {
  const qf_gemm_args *a = (const qf_gemm_args *)p;
  for (size_t i = lo; i < hi; i++) {
    size_t m0, m1, n0, n1;
    qf_cell(a, i, &m0, &m1, &n0, &n1);
    qf_qgemm_cols(m1 - m0, a->N, a->K, a->A + m0 * a->lda, a->lda, a->W, a->rq, a->C + m0 * a->ldc, a->ldc, n0, n1);
  }
}

QF_PAR(qgemm) {
  qf_gemm_args g;
  memset(&g, 0, sizeof g);
  g.M = a->M, g.N = a->N, g.K = a->K, g.lda = a->lda, g.ldc = a->ldc, g.A = a->A, g.W = a->W, g.rq = a->rq, g.C = a->C;
  qf_gemm_grid(ctx, &g, qf_gemm_cells, NULL);
}

/* Each cell im2col's its own rows into its thread's scratch, in blocks of at most R rows (a column
   block repeats the im2col of its rows: cheap next to the GEMM when rows are few). */
static void qf_im2col_cells(const void *p, size_t lo, size_t hi, uint8_t *cols) {
  const qf_gemm_args *a = (const qf_gemm_args *)p;
  for (size_t i = lo; i < hi; i++) {
    size_t r0, r1, n0, n1;
    qf_cell(a, i, &r0, &r1, &n0, &n1);
    for (size_t m0 = r0; m0 < r1; m0 += a->R) {
      const size_t rows = r1 - m0 < a->R ? r1 - m0 : a->R;
      qf_im2col(a->g, a->x, a->c0, a->Cg, m0, rows, cols, a->K);
      qf_qgemm_cols(rows, a->N, a->K, cols, a->K, a->W, a->rq, a->C + m0 * a->ldc, a->ldc, n0, n1);
    }
  }
}

QF_PAR(conv_im2col) {
  qf_gemm_args g;
  memset(&g, 0, sizeof g);
  g.M = a->P, g.N = a->Mg, g.K = a->K, g.lda = a->K, g.ldc = a->ldy, g.W = a->W, g.rq = a->rq, g.C = a->y;
  g.g = a->g, g.x = a->x, g.c0 = a->c0, g.Cg = a->Cg, g.R = a->R;
  qf_gemm_grid(ctx, &g, qf_im2col_cells, a->cols);
}

/* Window ops (depthwise, pools, implicit-GEMM convolutions) over output rows: rows [lo, hi) are the same op on a geometry with
   OH = hi - lo whose top padding is moved up by lo strides (kernels only use PT as oh * SH - PT). */
static qf_geom qf_rows_geom(const qf_geom *g, size_t lo, size_t hi) {
  qf_geom r = *g;
  r.OH = (int32_t)(hi - lo);
  r.PT -= (int32_t)lo * g->SH;
  return r;
}

#ifdef QF_HAVE_QCONV
/* Each cell pads the image rows its output rows read (output rows [oh0, oh1): qf_rows_geom) into its thread's own
   scratch, then runs its GEMM on them: no job of its own for the pad, no barrier, and each thread reads only the
   rows of its band (as one padding step split over padded rows, MobileNetV2's stem took 10 us to pad on 1 thread
   and on 2 threads alike; a column block pads its rows again, a small copy next to its GEMM). */
static void qf_conv_cells(const void *p, size_t lo, size_t hi, uint8_t *xp) {
  const qf_gemm_args *a = (const qf_gemm_args *)p;
  const size_t OW = (size_t)a->g->OW;
  for (size_t i = lo; i < hi; i++) {
    size_t m0, m1, n0, n1;
    qf_cell(a, i, &m0, &m1, &n0, &n1);
    const size_t oh0 = m0 / OW, p0 = m0 - oh0 * OW;
    const qf_geom g = qf_rows_geom(a->g, oh0, (m1 - 1) / OW + 1);
    qf_conv_pad(&g, a->x, xp, 0, qf_pad_h(&g));
    if (a->p)
      qf_qconv_add_cols(&g, xp, p0, m1 - m0, a->N, a->W, a->bias32, a->r + m0 * a->ldr, a->ldr, a->p, a->C + m0 * a->ldc, a->ldc, n0, n1);
    else
      qf_qconv_cols(&g, xp, p0, m1 - m0, a->N, a->W, a->rq, a->C + m0 * a->ldc, a->ldc, n0, n1);
  }
}

QF_PAR(conv_implicit) {
  qf_gemm_args g;
  memset(&g, 0, sizeof g);
  g.M = a->P, g.N = a->Mg, g.K = a->K, g.ldc = a->ldy, g.W = a->W, g.rq = a->rq, g.C = a->y, g.g = a->g, g.x = a->x;
  g.bias32 = a->bias32, g.r = a->r, g.ldr = a->ldr, g.p = a->p;
  qf_gemm_grid(ctx, &g, qf_conv_cells, a->xp);
}
#endif

/* Residual GEMMs split over whole row blocks only (qf_qgemm_i32 has no column range): a block is computed
   the same way whichever thread runs it. */
QF_PAR_RANGES(gemm_add, (a->M + a->R - 1) / a->R, qf_grain(a->R * a->N * a->K, QF_PAR_MIN_MACS), a->scratch) {
  int32_t *acc = (int32_t *)(void *)scratch;
  uint8_t *cols = scratch + ((a->R * a->N * 4 + 63) & ~(size_t)63);
  for (size_t b = lo; b < hi; b++) {
    const size_t m0 = b * a->R, rows = a->M - m0 < a->R ? a->M - m0 : a->R;
    const uint8_t *A = a->x + m0 * a->K;
    if (a->g) qf_im2col(a->g, a->x, a->c0, a->Cg, m0, rows, cols, a->K), A = cols;
    const uint8_t *r = a->r + m0 * a->ldr;
    uint8_t *y = a->y + m0 * a->ldy;
    if (qf_qgemm_add(rows, a->N, a->K, A, a->K, a->W, a->bias32, r, a->ldr, a->p, y, a->ldy)) continue;
    qf_qgemm_i32(rows, a->N, a->K, A, a->K, a->W, a->bias32, acc, a->N);
    qf_requant_add_i32(rows, a->N, acc, a->N, r, a->ldr, a->p, y, a->ldy);
  }
}

/* Output row r of a window op, and the work of one row (its outputs times the window). */
#define QF_ROW(g, y, r) ((y) + (r) * (size_t)(g)->OW * (size_t)(g)->C)
#define QF_ROW_WORK(g) ((size_t)(g)->OW * (size_t)(g)->C * (size_t)(g)->KH * (size_t)(g)->KW)

QF_PAR_RANGES(maxpool_u8, (size_t)a->g->OH, qf_grain(QF_ROW_WORK(a->g), QF_PAR_MIN_OPS), NULL) {
  const qf_geom g = qf_rows_geom(a->g, lo, hi);
  qf_maxpool_u8(&g, a->x, QF_ROW(a->g, a->y, lo));
}

/* The top-padding shift leaves qavgpool's counts alone: a window never starts above row -PT, so the
   clip at -PT never binds. */
QF_PAR_RANGES(qavgpool, (size_t)a->g->OH, qf_grain(QF_ROW_WORK(a->g), QF_PAR_MIN_OPS), NULL) {
  const qf_geom g = qf_rows_geom(a->g, lo, hi);
  qf_qavgpool(&g, a->count_include_pad, a->mult, a->y_zp, a->qmin, a->qmax, a->x, QF_ROW(a->g, a->y, lo));
}

/* Depthwise over (output row, block of QF_DW_CBLK channels) units in row-major order: a range is at most the last
   blocks of one row, whole rows, then the first blocks of another row, each one call of the channel-range kernel
   (rows as in qf_rows_geom). Late layers have few rows and many channels: 7 rows of 960 channels are 105
   units, 53 + 52 on 2 threads, where rows alone split 4 + 3. */
typedef void (*qf_dw_fn)(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0,
                         int32_t c1);
#define QF_DW_BLOCKS(g) (((size_t)(g)->C + QF_DW_CBLK - 1) / QF_DW_CBLK)
#define QF_DW_UNIT(g) ((size_t)(g)->OW * (size_t)((g)->C < QF_DW_CBLK ? (g)->C : QF_DW_CBLK) * (size_t)(g)->KH * (size_t)(g)->KW)

/* Rows [r0, r1) x channel blocks [b0, b1). */
static void qf_dw_part(qf_dw_fn fn, const qf_geom *g0, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y,
                       size_t r0, size_t r1, size_t b0, size_t b1) {
  if (r0 >= r1 || b0 >= b1) return;
  const qf_geom g = qf_rows_geom(g0, r0, r1);
  const size_t c1 = b1 * QF_DW_CBLK < (size_t)g.C ? b1 * QF_DW_CBLK : (size_t)g.C;
  fn(&g, x, W, rq, QF_ROW(g0, y, r0), (int32_t)(b0 * QF_DW_CBLK), (int32_t)c1);
}

static void qf_dw_units(qf_dw_fn fn, const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y,
                        size_t lo, size_t hi) {
  const size_t B = QF_DW_BLOCKS(g), re = hi / B, be = hi % B;
  size_t r = lo / B;
  if (r == re) {
    qf_dw_part(fn, g, x, W, rq, y, r, r + 1, lo % B, be);
    return;
  }
  if (lo % B) qf_dw_part(fn, g, x, W, rq, y, r, r + 1, lo % B, B), r++;
  qf_dw_part(fn, g, x, W, rq, y, r, re, 0, B);
  qf_dw_part(fn, g, x, W, rq, y, re, re + 1, 0, be);
}

QF_PAR_RANGES(qdwconv, (size_t)a->g->OH * QF_DW_BLOCKS(a->g), qf_grain(QF_DW_UNIT(a->g), QF_PAR_MIN_OPS), NULL) {
  qf_dw_units(qf_qdwconv_ch, a->g, a->x, a->W, a->rq, a->y, lo, hi);
}
QF_PAR_RANGES(qdwconv3x3, (size_t)a->g->OH * QF_DW_BLOCKS(a->g), qf_grain(QF_DW_UNIT(a->g), QF_PAR_MIN_OPS), NULL) {
  qf_dw_units(qf_qdwconv3x3_ch, a->g, a->x, a->W, a->rq, a->y, lo, hi);
}

/* Whole rows (the GEMM needs every channel of a pixel): a row is its depthwise work plus 1/32 of its GEMM MACs.
   The GEMM's loads of a row of A may run past it (into QF_SLACK; the weights there are zero), into the next pixel:
   a range before the last reads its last pixel from a copy in its scratch, not from the row that the next range's
   thread writes (a race ThreadSanitizer reports, harmless to the bytes but undefined). */
QF_PAR_RANGES(dw_pw, (size_t)a->g->OH,
              qf_grain(QF_ROW_WORK(a->g) + (size_t)a->g->OW * (size_t)a->g->C * a->N / 32, QF_PAR_MIN_OPS), a->row) {
  const size_t C = (size_t)a->g->C, p0 = lo * (size_t)a->g->OW, p1 = hi * (size_t)a->g->OW;
  const size_t own = p1 - p0 - (hi < (size_t)a->g->OH); /* pixels read in place */
  qf_dw_part(a->k3 ? qf_qdwconv3x3_ch : qf_qdwconv_ch, a->g, a->x, a->Wd, a->rqd, a->t, lo, hi, 0, QF_DW_BLOCKS(a->g));
  if (own) qf_qgemm_cols(own, a->N, C, a->t + p0 * C, C, a->Wp, a->rqp, a->y + p0 * a->N, a->N, 0, a->N);
  if (p0 + own < p1) {
    memcpy(scratch, a->t + (p1 - 1) * C, C);
    qf_qgemm_cols(1, a->N, C, scratch, C, a->Wp, a->rqp, a->y + (p1 - 1) * a->N, a->N, 0, a->N);
  }
}

/* Global average pool over blocks of 64 channels (a cache line of each pixel, so that two threads
   never read the same lines: with 16-channel blocks se_net's 64-channel pools took 5.6 us on one
   thread and 9.8 on two): the channel-range kernel, C staying the pixel stride. */
#define QF_GAVG_BLOCK 64
QF_PAR_RANGES(qgavgpool, (a->C + QF_GAVG_BLOCK - 1) / QF_GAVG_BLOCK, qf_grain(QF_GAVG_BLOCK * a->HW, QF_PAR_MIN_OPS), NULL) {
  const size_t c1 = hi * QF_GAVG_BLOCK < a->C ? hi * QF_GAVG_BLOCK : a->C;
  qf_qgavgpool_ch(a->HW, a->C, lo * QF_GAVG_BLOCK, c1, a->x_zp, a->mult, a->y_zp, a->qmin, a->qmax, a->x, a->y);
}

/* ---- transposed convolution ---- */

QF_PAR_RANGES(qgemm_i32, a->M, qf_grain(a->N * a->K, QF_PAR_MIN_MACS), NULL) {
  qf_qgemm_i32(hi - lo, a->N, a->K, a->A + lo * a->lda, a->lda, a->W, a->bias, a->C + lo * a->ldc, a->ldc);
}

/* col2im adds each input pixel's taps into output rows ih*SH - PT + [0, (KH-1)*DH]. Blocks of B input
   rows with B*SH >= (KH-1)*DH reach disjoint output rows when they are two blocks apart, so the even
   blocks run in parallel, then the odd ones. The sums are integers: the same in any order. A block is
   the same kernel on its rows, with the top padding moved up by its first row (as qf_rows_geom does). */
QF_PAR_STRUCT(col2im_i32);
typedef struct {
  const qf_col2im_i32_args *a;
  size_t B, wave;
} qf_col2im_wave;

static void qf_col2im_blocks(const void *p, size_t lo, size_t hi, QF_UNUSED uint8_t *scratch) {
  const qf_col2im_wave *w = (const qf_col2im_wave *)p;
  const qf_col2im_i32_args *a = w->a;
  for (size_t i = lo; i < hi; i++) {
    const size_t r0 = (2 * i + w->wave) * w->B, r1 = r0 + w->B < (size_t)a->g->H ? r0 + w->B : (size_t)a->g->H;
    qf_geom g = *a->g;
    g.H = (int32_t)(r1 - r0);
    g.PT -= (int32_t)r0 * g.SH;
    qf_col2im_i32(&g, a->Mg, a->m0, a->M, a->cols + r0 * (size_t)a->g->W * a->ld, a->ld, a->acc);
  }
}

QF_PAR_WRAPPER(col2im_i32) {
  const qf_geom *g = a->g;
  const size_t H = (size_t)g->H, reach = (size_t)((g->KH - 1) * g->DH), k = (size_t)qf_ctx_threads(ctx);
  const size_t row = (size_t)g->W * (size_t)g->KH * (size_t)g->KW * (size_t)a->Mg; /* adds per input row */
  size_t B = (reach + (size_t)g->SH - 1) / (size_t)g->SH, want = (H + 2 * k - 1) / (2 * k), min = qf_grain(row, QF_PAR_MIN_OPS);
  if (B < want) B = want; /* two blocks per thread: one per wave */
  if (B < min) B = min;
  if (B < 1) B = 1;
  const size_t blocks = (H + B - 1) / B;
  qf_col2im_wave w = {a, B, 0};
  if (k <= 1 || blocks < 2) {
    qf_col2im_i32(g, a->Mg, a->m0, a->M, a->cols, a->ld, a->acc);
    return;
  }
  qf_parallel(ctx, (blocks + 1) / 2, 1, qf_col2im_blocks, &w, NULL);
  w.wave = 1;
  qf_parallel(ctx, blocks / 2, 1, qf_col2im_blocks, &w, NULL);
}

QF_PAR_RANGES(requant_i32, a->P, qf_grain(a->N, QF_PAR_MIN_OPS), NULL) {
  qf_requant_i32(hi - lo, a->N, a->acc + lo * a->N, a->rq, a->y + lo * a->N);
}

/* ---- batched qmatmul over (batch, row) pairs ---- */

/* Batched matmuls of attention are small (swin's 49x24 by 24x49: ~20-30 GMAC/s, B prepared per batch, short rows),
   an eighth of the GEMMs' speed: a multiply-add counts 8/32 of a unit, or swin's last stage (8 batches, 16 us)
   would stay on the calling thread. */
#define QF_PAR_MIN_BMM_MACS (QF_PAR_MIN_MACS / 8)
QF_PAR_RANGES(qmatmul, a->batches * a->M, qf_grain(a->N * a->K, QF_PAR_MIN_BMM_MACS), a->scratch) {
  while (lo < hi) {
    const size_t b = lo / a->M, m0 = lo % a->M, m1 = hi - b * a->M < a->M ? hi - b * a->M : a->M;
    const size_t ao = a->offsets ? a->offsets[b][0] : 0, bo = a->offsets ? a->offsets[b][1] : 0;
    qf_qmatmul(m1 - m0, a->N, a->K, a->A + ao + m0 * a->K, a->a_zp, a->B + bo, a->b_zp, a->mult, a->y_zp, a->qmin, a->qmax,
               a->C + (b * a->M + m0) * a->N, scratch);
    lo = b * a->M + m1;
  }
}

/* ---- GEMMs with a float epilogue, float batched matmul, row-wise ops ---- */

/* Rows in units of QF_PAR_ROWS (the GEMM's row tiles stay whole); each range in blocks of at most R rows, so that the
   int32 block stays in cache between the GEMM and its epilogue. */
QF_PAR_RANGES(qlinear_f32, (a->M + QF_PAR_ROWS - 1) / QF_PAR_ROWS, qf_grain(QF_PAR_ROWS * a->N * a->K, QF_PAR_MIN_MACS),
              a->scratch) {
  int32_t *acc = (int32_t *)(void *)scratch;
  const size_t m1 = hi * QF_PAR_ROWS < a->M ? hi * QF_PAR_ROWS : a->M;
  for (size_t m = lo * QF_PAR_ROWS; m < m1; m += a->R) {
    const size_t rows = m1 - m < a->R ? m1 - m : a->R;
    qf_qgemm_i32(rows, a->N, a->K, a->x + m * a->K, a->K, a->W, a->bias32, acc, a->N);
    qf_dynamic_output(rows, a->N, acc, a->x_s, a->w_s, a->b, a->lo, a->hi, a->y + m * a->N);
  }
}

QF_PAR_RANGES(fmatmul, a->batches * a->M, qf_grain(a->N * a->K, QF_PAR_MIN_BMM_MACS), a->scratch) {
  const size_t panels = (a->N + QF_FNR - 1) / QF_FNR;
  float *bp = (float *)(void *)scratch;
  while (lo < hi) {
    const size_t b = lo / a->M, m0 = lo % a->M, m1 = hi - b * a->M < a->M ? hi - b * a->M : a->M;
    const size_t ao = a->offsets ? a->offsets[b][0] : 0, bo = a->offsets ? a->offsets[b][1] : 0;
    qf_fpack_cols(1, a->N, a->K, a->B + bo, 0, a->N, 1, bp);
    qf_fgemm_packed(m1 - m0, a->N, a->K, a->A + ao + m0 * a->K, a->K, bp, NULL, -INFINITY, INFINITY,
                    a->Y + (b * a->M + m0) * a->N, a->N, 0, panels);
    lo = b * a->M + m1;
  }
}

/* Work units of an element (QF_PAR_MIN_OPS counts ~0.15 ns ones): measured on the transformer encoder's
   16384-element steps, qsoftmax and qlayernorm ~0.25 ns an element, float layer_norm ~0.9, float softmax ~1.6,
   gelu ~2. */
#define QF_W_ROWQ 2
#define QF_W_LAYERNORM 6
#define QF_W_SOFTMAX 10
#define QF_W_TRANSCENDENTAL 10
QF_PAR_RANGES(qsoftmax, a->rows, qf_grain(QF_W_ROWQ * a->n, QF_PAR_MIN_OPS), a->e) {
  qf_qsoftmax(hi - lo, a->n, a->x + lo * a->n, a->table, a->y_scale, a->y_zp, a->qmin, a->qmax, a->y + lo * a->n,
              (uint32_t *)(void *)scratch);
}
QF_PAR_RANGES(qlayernorm, a->rows, qf_grain(QF_W_ROWQ * a->n, QF_PAR_MIN_OPS), NULL) {
  qf_qlayernorm(hi - lo, a->n, a->x + lo * a->n, a->x_s, a->x_zp, a->eps, a->gamma, a->beta, a->inv_y, a->y_zp, a->qmin,
                a->qmax, a->y + lo * a->n);
}
QF_PAR_RANGES(f_softmax, a->outer, qf_grain(QF_W_SOFTMAX * a->n * a->inner, QF_PAR_MIN_OPS), NULL) {
  qf_f_softmax(hi - lo, a->n, a->inner, a->log, a->x + lo * a->n * a->inner, a->y + lo * a->n * a->inner);
}
QF_PAR_RANGES(f_layernorm, a->rows, qf_grain(QF_W_LAYERNORM * a->n, QF_PAR_MIN_OPS), NULL) {
  qf_f_layernorm(hi - lo, a->n, a->x + lo * a->n, a->g, a->b, a->eps, a->y + lo * a->n);
}
/* The cheap unary functions (compare, select, negate) cost an element's unit; the others call a math function. */
static size_t qf_unary_work(int op) {
  switch (op) {
  case QF_RELU: case QF_NEG: case QF_ABS: case QF_CLIP: case QF_LEAKY_RELU: case QF_HARDSIGMOID: case QF_HARDSWISH:
  case QF_FLOOR: case QF_CEIL: return 1;
  default: return QF_W_TRANSCENDENTAL;
  }
}
QF_PAR_RANGES(f_unary, a->n, qf_grain(qf_unary_work(a->op), QF_PAR_MIN_OPS), NULL) {
  qf_f_unary(a->op, hi - lo, a->x + lo, a->p0, a->p1, a->y + lo);
}

/* ---- elementwise kernels over chunks of elements ----
   Per-channel kernels (inner, C: channel c at (i / inner) % C) split into chunks of whole channel periods
   (inner*C elements), so that every chunk starts at channel 0; with one channel, into elements. */
#define QF_PERIOD(a) ((a)->C == 1 ? 1 : (a)->inner * (a)->C)
#define QF_CHUNKS(n, period) (((n) + (period)-1) / (period))
/* Elements [*i, *i + return) of chunks [lo, hi). */
static size_t qf_chunk(size_t lo, size_t hi, size_t period, size_t n, size_t *i) {
  *i = lo * period;
  return (hi * period < n ? hi * period : n) - *i;
}
#define QF_PAR_CHUNKS(name, min) QF_PAR_RANGES(name, QF_CHUNKS(a->n, QF_PERIOD(a)), qf_grain(QF_PERIOD(a), min), NULL)
/* Memory-bound steps (elementwise, edges, remaps, copies) split from a quarter of QF_PAR_MIN_OPS: each reads what the
   steps before it wrote, split the same way (rows or elements in memory order), so in halves each thread finds its
   half in its own cache, where on the caller alone it fetches the worker's half, which on the build machine costs
   more than the step (~60 ns a cache line, from the swin steps below). MobileNetV2's 14x14x64 and 7x7x160
   residual adds: 2.6 and 1.7 us on 1 thread, 3.2-3.9 and 2.4-2.5 us on 2 unsplit, 2.1-2.7 and 1.9 split; swin's
   7x7x384 dequantize and qlut steps (~1 us on one thread) took ~9 us on two unsplit. */
#define QF_PAR_MIN_LOCAL ((size_t)QF_PAR_MIN_OPS / 4)
#define QF_PAR_MIN_EDGE QF_PAR_MIN_LOCAL

QF_PAR_RANGES(qadd, a->n, QF_PAR_MIN_LOCAL, NULL) {
  qf_qadd(hi - lo, a->a + lo * a->sa, a->sa, a->b + lo * a->sb, a->sb, a->p, a->y + lo);
}
QF_PAR_RANGES(qmul, a->n, QF_PAR_MIN_LOCAL, NULL) {
  qf_qmul(hi - lo, a->a + lo * a->sa, a->sa, a->b + lo * a->sb, a->sb, a->p, a->y + lo);
}
QF_PAR_RANGES(requantize_u8, a->n, QF_PAR_MIN_LOCAL, NULL) {
  qf_requantize_u8(hi - lo, a->x + lo, a->x_s, a->x_zp, a->inv_y, a->y_zp, a->qmin, a->qmax, a->y + lo);
}
QF_PAR_RANGES(requantize_div_u8, a->n, QF_PAR_MIN_LOCAL, NULL) {
  qf_requantize_div_u8(hi - lo, a->x + lo, a->x_s, a->x_zp, a->y_s, a->y_zp, a->qmin, a->qmax, a->y + lo);
}
QF_PAR_RANGES(clamp_u8, a->n, QF_PAR_MIN_LOCAL, NULL) { qf_clamp_u8(hi - lo, a->x + lo, a->lo, a->hi, a->y + lo); }
QF_PAR_RANGES(xor80, a->n, QF_PAR_MIN_LOCAL, NULL) { qf_xor80(hi - lo, a->x + lo, a->y + lo); }
QF_PAR_RANGES(copy_blocks, a->outer, qf_grain(a->chunk, QF_PAR_MIN_LOCAL), NULL) {
  qf_copy_blocks(hi - lo, a->chunk, (const uint8_t *)a->src + lo * a->src_stride, a->src_stride,
                 (uint8_t *)a->dst + lo * a->dst_stride, a->dst_stride);
}
QF_PAR_RANGES(f_binary, a->n, QF_PAR_MIN_LOCAL, NULL) {
  qf_f_binary_row(hi - lo, (const float *)a->a + lo * a->sa, a->sa, (const float *)a->b + lo * a->sb, a->sb, a->p,
                  (float *)a->y + lo);
}

/* One table (C == 1): the whole chunk is its own inner run. */
QF_PAR_CHUNKS(lut_u8, QF_PAR_MIN_LOCAL) {
  size_t i, n = qf_chunk(lo, hi, QF_PERIOD(a), a->n, &i);
  qf_lut_u8(n, a->C == 1 ? n : a->inner, a->C, a->x + i, a->table, a->y + i);
}
QF_PAR_CHUNKS(quantize_u8, QF_PAR_MIN_EDGE) {
  size_t i, n = qf_chunk(lo, hi, QF_PERIOD(a), a->n, &i);
  qf_quantize_u8(n, a->inner, a->C, a->x + i, a->inv, a->zp, a->qmin, a->qmax, a->y + i);
}
QF_PAR_CHUNKS(quantize_div_u8, QF_PAR_MIN_EDGE) {
  size_t i, n = qf_chunk(lo, hi, QF_PERIOD(a), a->n, &i);
  qf_quantize_div_u8(n, a->inner, a->C, a->x + i, a->s, a->zp, a->qmin, a->qmax, a->y + i);
}
/* A graph's NCHW image: each range quantizes its pixels of every plane, the ones that the NHWC conversion after it
   (qf_par_remap: rows of C bytes, the same count and grain) reads in its range of the same job split, so each
   thread converts what it quantized itself (split by elements, a thread quantized a third of each of the other
   thread's rows: MobileNetV2's input, ~6 us of its 2-thread run). */
QF_PAR_RANGES(quantize_planes_u8, a->N * a->hw, qf_grain(a->C, QF_PAR_MIN_OPS), NULL) {
  for (size_t u = lo; u < hi;) {
    const size_t b = u / a->hw, p = u % a->hw, n = (hi - u < a->hw - p ? hi - u : a->hw - p);
    for (size_t c = 0; c < a->C; c++) {
      const size_t i = (b * a->C + c) * a->hw + p;
      if (a->div) qf_quantize_div_u8(n, 1, 1, a->x + i, a->f, a->zp, a->qmin, a->qmax, a->y + i);
      else qf_quantize_u8(n, 1, 1, a->x + i, a->f, a->zp, a->qmin, a->qmax, a->y + i);
    }
    u += n;
  }
}
QF_PAR_CHUNKS(dequantize_u8, QF_PAR_MIN_EDGE) {
  size_t i, n = qf_chunk(lo, hi, QF_PERIOD(a), a->n, &i);
  qf_dequantize_u8(n, a->inner, a->C, a->x + i, a->s, a->zp, a->y + i);
}

/* Rows of the innermost dimension (rank 0: one row of one element). */
QF_PAR_RANGES(broadcast2, qf_broadcast2_count(a->rank, a->shape),
              a->rank ? qf_grain((size_t)a->shape[a->rank - 1], QF_PAR_MIN_LOCAL) : 1, NULL) {
  if (!a->rank) qf_broadcast2(0, a->shape, a->sa, a->sb, a->ea, a->eb, a->ey, a->a, a->b, a->y, a->row, a->p);
  else qf_broadcast2_rows(a->rank, a->shape, a->sa, a->sb, a->ea, a->eb, a->ey, a->a, a->b, a->y, a->row, a->p, lo, hi);
}

/* Output rows (qf_broadcast2_count: the product of all dimensions but the last); rank 0: one element. */
QF_PAR_RANGES(remap, qf_broadcast2_count(a->rank, a->shape), a->rank ? qf_grain((size_t)a->shape[a->rank - 1], QF_PAR_MIN_LOCAL) : 1, NULL) {
  if (!a->rank) qf_remap(a->esize, 0, a->shape, a->maps, a->x, a->y, a->fill);
  else qf_remap_rows(a->esize, a->rank, a->shape, a->maps, a->x, a->y, a->fill, lo, hi);
}

/* ---- float fallbacks ---- */

/* Columns of a float GEMM in blocks of 16. */
#define QF_PAR_COLS 16
QF_PAR_RANGES(f_gemm, (a->N + QF_PAR_COLS - 1) / QF_PAR_COLS, qf_grain(QF_PAR_COLS * a->M * a->K, QF_PAR_MIN_MACS), NULL) {
  const size_t n0 = lo * QF_PAR_COLS, n1 = hi * QF_PAR_COLS < a->N ? hi * QF_PAR_COLS : a->N;
  qf_f_gemm_ldy(a->M, n1 - n0, a->K, a->A, a->ars, a->acs, a->B + n0 * a->bcs, a->brs, a->bcs, a->C ? a->C + n0 * a->ccs : NULL,
                a->crs, a->ccs, a->alpha, a->beta, a->lo, a->hi, a->Y + n0, a->N);
}

/* ---- weight-only linear over panels of QF_WO_NR output columns ----
   A panel is computed whole by one thread, each of its sums in the single-threaded order. Work of a
   panel: the dequantized block (K x NR) and R x K x NR multiply-adds in double. */
QF_PAR_RANGES(wo_linear, ((size_t)a->p->N + QF_WO_NR - 1) / QF_WO_NR,
              qf_grain(QF_WO_NR * (size_t)a->p->K * (a->R + 1), QF_PAR_MIN_OPS), (uint8_t *)a->scratch) {
  qf_wo_linear_panels(a->p, a->R, a->x, a->y, scratch, lo, hi);
}

/* ==== float GEMM family (qforge_fgemm.c; the floatk section) ====
   Cells of a float convolution are (image, group, pixel block, output-channel chunk); channels are
   chunked only when there are fewer pixel blocks than threads (late, small layers). Any split gives
   the same bytes: every output is one fixed chain of multiply-adds (qforge_fgemm.h). */

/* Chunks of `units` (channels or panels) so that `blocks` x chunks covers the threads. */
static size_t qf_fchunks(qf_ctx *ctx, size_t blocks, size_t units) {
  const size_t t = (size_t)qf_ctx_threads(ctx), want = blocks >= t ? 1 : (t + blocks - 1) / blocks;
  return want < units ? want : units ? units : 1;
}

/* A float convolution's packed arguments (`a`, its qf_<kernel>_args) and its channel chunks (which
   depend on the thread count). */
typedef struct {
  const void *a;
  size_t chunks;
} qf_fcells;

QF_PAR_STRUCT(fconv);
static void qf_fconv_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_fcells *c = (const qf_fcells *)p;
  const qf_fconv_args *a = (const qf_fconv_args *)c->a;
  qf_fconv_run(a->p, a->pb, c->chunks, lo, hi, a->x, a->W, a->b, a->y, (float *)(void *)scratch);
}

QF_PAR_WRAPPER(fconv) {
  const qf_fconv *p = a->p;
  const size_t P = (size_t)p->OH * p->OW, Mg = (size_t)(p->M / p->G), K = (size_t)(p->C / p->G) * p->KH * p->KW;
  const size_t blocks = qf_fconv_cells(p, a->pb, 1), chunks = qf_fchunks(ctx, blocks, (Mg + QF_FMR - 1) / QF_FMR);
  const qf_fcells c = {a, chunks};
  const size_t per = (P < a->pb ? P : a->pb) * K * Mg / chunks;
  qf_parallel(ctx, blocks * chunks, qf_grain(per, QF_PAR_MIN_MACS), qf_fconv_task, &c, (uint8_t *)(void *)a->scratch);
}

QF_PAR_STRUCT(fdeconv);
static void qf_fdeconv_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_fcells *c = (const qf_fcells *)p;
  const qf_fdeconv_args *a = (const qf_fdeconv_args *)c->a;
  qf_fdeconv_run(a->p, a->pb, c->chunks, lo, hi, a->x, a->W, a->b, a->y, (float *)(void *)scratch);
}

QF_PAR_WRAPPER(fdeconv) {
  const qf_fconv *p = a->p;
  const size_t blocks = (size_t)p->N * p->G, chunks = qf_fchunks(ctx, blocks, (size_t)(p->M / p->G));
  const qf_fcells c = {a, chunks};
  const size_t per = (size_t)p->H * p->W * (size_t)(p->C / p->G) * (size_t)p->M / (size_t)p->G * p->KH * p->KW / chunks;
  qf_parallel(ctx, blocks * chunks, qf_grain(per, QF_PAR_MIN_MACS), qf_fdeconv_task, &c, (uint8_t *)(void *)a->scratch);
}

QF_PAR_STRUCT(fconvt);
static void qf_fconvt_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_fcells *c = (const qf_fcells *)p;
  const qf_fconvt_args *a = (const qf_fconvt_args *)c->a;
  qf_fconvt_run(a->p, c->chunks, lo, hi, a->x, a->Wt, a->b, a->y, (float *)(void *)scratch);
}

QF_PAR_WRAPPER(fconvt) {
  const qf_fconv *p = a->p;
  const size_t Mg = (size_t)(p->M / p->G), K = (size_t)(p->C / p->G) * p->KH * p->KW, P = (size_t)p->OH * p->OW;
  const size_t blocks = qf_fconvt_cells(p, 1), chunks = qf_fchunks(ctx, blocks, (Mg + QF_FNR - 1) / QF_FNR);
  const qf_fcells c = {a, chunks};
  qf_parallel(ctx, blocks * chunks, qf_grain(P * K * Mg / chunks, QF_PAR_MIN_MACS), qf_fconvt_task, &c, (uint8_t *)(void *)a->scratch);
}

QF_PAR_RANGES(fdwconv, (size_t)a->p->N * a->p->C, qf_grain((size_t)a->p->OH * a->p->OW * a->p->KH * a->p->KW, QF_PAR_MIN_OPS),
              (uint8_t *)(void *)a->scratch) {
  qf_fdwconv(a->p, lo, hi, a->x, a->w, a->b, a->y, (float *)(void *)scratch);
}

QF_PAR_RANGES(fgemm_packed, (a->N + QF_FNR - 1) / QF_FNR, qf_grain(QF_FNR * a->M * a->K, QF_PAR_MIN_MACS), NULL) {
  qf_fgemm_packed(a->M, a->N, a->K, a->A, a->lda, a->Bp, a->bias, a->lo, a->hi, a->Y, a->ldy, lo, hi);
}
/* ==== end of the float GEMM family section ==== */

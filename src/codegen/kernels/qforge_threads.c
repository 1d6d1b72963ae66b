/* qforge threads: the worker pool, the static parallel-for and the parallel kernels (qforge_threads.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
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

/* The ranges of a job are fixed by (n, ranges); which thread runs which range is first come, first
   served (the caller takes ranges too), so a worker that the OS has not scheduled yet delays nothing.
   The output does not depend on it: a range computes the same bytes on any thread. */
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
  /* (atomic) job generation << 32 | next unclaimed range << 16 | ranges: a range is claimed by a
     compare-and-swap on the whole word, so a late worker never claims one of a finished job */
  uint64_t state;
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
#define QF_NEXT(st) ((size_t)((st) >> 16) & 0xFFFF)
#define QF_RANGES(st) ((size_t)(st) & 0xFFFF)

static inline void qf_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Claims and runs ranges of job `gen` until none is left. */
static void qf_work(qf_ctx *c, uint32_t gen, uint8_t *scratch) {
  uint64_t st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
  while (QF_GEN(st) == gen && QF_NEXT(st) < QF_RANGES(st)) {
    if (!__atomic_compare_exchange_n(&c->state, &st, st + ((uint64_t)1 << 16), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    const size_t t = QF_NEXT(st), k = QF_RANGES(st);
    c->fn(c->args, c->n * t / k, c->n * (t + 1) / k, scratch);
    if (__atomic_add_fetch(&c->finished, 1, __ATOMIC_SEQ_CST) == k && __atomic_load_n(&c->waiting, __ATOMIC_SEQ_CST)) {
      pthread_mutex_lock(&c->mu);
      pthread_cond_signal(&c->done);
      pthread_mutex_unlock(&c->mu);
    }
    st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
  }
}

static void *qf_worker_main(void *p) {
  const struct qf_worker *w = (const struct qf_worker *)p;
  qf_ctx *c = w->ctx;
  uint8_t *scratch = c->scratch ? c->scratch + (size_t)(w->index - 1) * c->scratch_bytes : NULL;
  uint32_t seen = 0;
  for (;;) {
    uint32_t g = QF_GEN(__atomic_load_n(&c->state, __ATOMIC_ACQUIRE));
    for (long s = 0; g == seen && s < c->spin; s++) {
      qf_pause();
      g = QF_GEN(__atomic_load_n(&c->state, __ATOMIC_ACQUIRE));
    }
    if (g == seen) {
      pthread_mutex_lock(&c->mu);
      __atomic_add_fetch(&c->sleepers, 1, __ATOMIC_SEQ_CST);
      while ((g = QF_GEN(__atomic_load_n(&c->state, __ATOMIC_SEQ_CST))) == seen) pthread_cond_wait(&c->wake, &c->mu);
      __atomic_sub_fetch(&c->sleepers, 1, __ATOMIC_RELAXED);
      pthread_mutex_unlock(&c->mu);
    }
    seen = g;
    if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) return NULL;
    qf_work(c, g, scratch);
  }
}

/* Publishes a job of `ranges` ranges (0: stop) and wakes the workers that sleep. */
static uint32_t qf_publish(qf_ctx *c, size_t ranges) {
  const uint32_t gen = QF_GEN(__atomic_load_n(&c->state, __ATOMIC_RELAXED)) + 1;
  __atomic_store_n(&c->finished, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&c->state, (uint64_t)gen << 32 | ranges, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&c->sleepers, __ATOMIC_SEQ_CST)) {
    pthread_mutex_lock(&c->mu);
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->mu);
  }
  return gen;
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
  qf_work(ctx, qf_publish(ctx, k), scratch0);
  for (long s = 0; s < ctx->spin; s++) {
    if (__atomic_load_n(&ctx->finished, __ATOMIC_ACQUIRE) == k) return;
    qf_pause();
  }
  pthread_mutex_lock(&ctx->mu);
  __atomic_store_n(&ctx->waiting, 1, __ATOMIC_SEQ_CST);
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
  if (no_scratch || !c->tid || !c->workers) {
    free(c->scratch), free(c->tid), free(c->workers), free(c);
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
  free(ctx);
}
#endif /* QF_NO_THREADS */

/* ---- parallel kernels ---- */

/* GEMMs split into a grid of cells: row bands (in units of QF_PAR_ROWS rows) x column blocks (in
   units of QF_QGEMM_COLS), at most one cell per thread, the grid chosen to make the largest cell
   smallest: 49-row layers with 512 columns split by columns, big images by rows. A cell of an im2col
   convolution also im2col's its rows, whatever its columns: QF_IM2COL_COST twentieths of a column
   block per row unit (measured on ResNet-18's layers, K = 576 to 4608: 0.12 to 0.16), so that a
   column split, which repeats the im2col in every column block, must win by more than that. */
#define QF_PAR_ROWS 4
#define QF_IM2COL_COST 3

/* Items per range so that one range holds at least `min` units of work. */
static size_t qf_grain(size_t work_per_item, size_t min) {
  if (!work_per_item) return 1;
  return min / work_per_item + (min % work_per_item != 0);
}

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
  const size_t cells = units * cols / qf_grain(QF_PAR_ROWS * QF_QGEMM_COLS * a->K, 8 * (size_t)QF_PAR_MIN_OPS);
  if (cells < k) k = cells ? cells : 1;
  a->bands = 1, a->blocks = 1;
  for (size_t c = 1; c <= cols && c <= k; c++) {
    const size_t r = k / c < units ? k / c : units;
    const size_t cost = (units + r - 1) / r * (20 * ((cols + c - 1) / c) + (a->R ? QF_IM2COL_COST : 0));
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

static void qf_gemm_cells(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_gemm_args *a = (const qf_gemm_args *)p;
  (void)scratch;
  for (size_t i = lo; i < hi; i++) {
    size_t m0, m1, n0, n1;
    qf_cell(a, i, &m0, &m1, &n0, &n1);
    qf_qgemm_cols(m1 - m0, a->N, a->K, a->A + m0 * a->lda, a->lda, a->W, a->rq, a->C + m0 * a->ldc, a->ldc, n0, n1);
  }
}

void qf_par_qgemm(qf_ctx *ctx, size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                  const qf_rq *rq, uint8_t *C, size_t ldc) {
  qf_gemm_args a;
  memset(&a, 0, sizeof a);
  a.M = M, a.N = N, a.K = K, a.lda = lda, a.ldc = ldc, a.A = A, a.W = W, a.rq = rq, a.C = C;
  qf_gemm_grid(ctx, &a, qf_gemm_cells, NULL);
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

void qf_par_conv_im2col(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, int32_t c0, int32_t Cg, size_t P, size_t R,
                        size_t K, size_t Mg, const void *W, const qf_rq *rq, uint8_t *y, size_t ldy, uint8_t *cols) {
  qf_gemm_args a;
  memset(&a, 0, sizeof a);
  a.M = P, a.N = Mg, a.K = K, a.lda = K, a.ldc = ldy, a.W = W, a.rq = rq, a.C = y, a.g = g, a.x = x, a.c0 = c0, a.Cg = Cg, a.R = R;
  qf_gemm_grid(ctx, &a, qf_im2col_cells, cols);
}

#ifdef QF_HAVE_QCONV
static void qf_conv_cells(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_gemm_args *a = (const qf_gemm_args *)p;
  (void)scratch;
  for (size_t i = lo; i < hi; i++) {
    size_t m0, m1, n0, n1;
    qf_cell(a, i, &m0, &m1, &n0, &n1);
    if (a->p)
      qf_qconv_add_cols(a->g, a->x, m0, m1 - m0, a->N, a->W, a->bias32, a->r + m0 * a->ldr, a->ldr, a->p, a->C + m0 * a->ldc, a->ldc, n0, n1);
    else
      qf_qconv_cols(a->g, a->x, m0, m1 - m0, a->N, a->W, a->rq, a->C + m0 * a->ldc, a->ldc, n0, n1);
  }
}

void qf_par_conv_implicit(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, size_t P, size_t K, size_t Mg, const void *W,
                          const qf_rq *rq, uint8_t *y, size_t ldy, uint8_t *xp) {
  qf_gemm_args a;
  qf_conv_pad(g, x, xp); /* one pass over the image, on the calling thread */
  memset(&a, 0, sizeof a);
  a.M = P, a.N = Mg, a.K = K, a.ldc = ldy, a.W = W, a.rq = rq, a.C = y, a.g = g, a.x = xp;
  qf_gemm_grid(ctx, &a, qf_conv_cells, NULL);
}

void qf_par_conv_add_implicit(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, size_t P, size_t K, size_t Mg,
                              const void *W, const int32_t *bias32, const uint8_t *r, size_t ldr, const qf_radd *p,
                              uint8_t *y, size_t ldy, uint8_t *xp) {
  qf_gemm_args a;
  qf_conv_pad(g, x, xp);
  memset(&a, 0, sizeof a);
  a.M = P, a.N = Mg, a.K = K, a.ldc = ldy, a.W = W, a.C = y, a.g = g, a.x = xp, a.bias32 = bias32, a.r = r, a.ldr = ldr, a.p = p;
  qf_gemm_grid(ctx, &a, qf_conv_cells, NULL);
}
#endif

/* Residual GEMMs split over whole row blocks only (qf_qgemm_i32 has no column range): a block is computed
   the same way whichever thread runs it. */
typedef struct {
  const qf_geom *g;
  const uint8_t *x, *r;
  int32_t c0, Cg;
  size_t M, N, K, R, ldr, ldy;
  const void *W;
  const int32_t *bias32;
  const qf_radd *p;
  uint8_t *y;
} qf_add_args;

static void qf_add_blocks(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_add_args *a = (const qf_add_args *)p;
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

void qf_par_gemm_add(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, int32_t c0, int32_t Cg, size_t M, size_t N,
                     size_t K, size_t R, const void *W, const int32_t *bias32, const uint8_t *r, size_t ldr,
                     const qf_radd *p, uint8_t *y, size_t ldy, uint8_t *scratch) {
  const qf_add_args a = {g, x, r, c0, Cg, M, N, K, R, ldr, ldy, W, bias32, p, y};
  qf_parallel(ctx, (M + R - 1) / R, qf_grain(R * N * K, 8 * (size_t)QF_PAR_MIN_OPS), qf_add_blocks, &a, scratch);
}

/* Window ops (depthwise, pools) over output rows: rows [lo, hi) are the same op on a geometry with
   OH = hi - lo whose top padding is moved up by lo strides (kernels only use PT as oh * SH - PT). */
typedef void (*qf_window_fn)(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y);
typedef struct {
  qf_window_fn fn;
  const qf_geom *g;
  const uint8_t *x;
  const void *W;
  const qf_rq *rq;
  uint8_t *y;
} qf_window_args;

static void qf_window_rows(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_window_args *a = (const qf_window_args *)p;
  qf_geom g = *a->g;
  (void)scratch;
  g.OH = (int32_t)(hi - lo);
  g.PT -= (int32_t)lo * g.SH;
  a->fn(&g, a->x, a->W, a->rq, a->y + lo * (size_t)g.OW * (size_t)g.C);
}

static void qf_window(qf_ctx *ctx, qf_window_fn fn, const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq,
                      uint8_t *y) {
  const qf_window_args a = {fn, g, x, W, rq, y};
  const size_t row = (size_t)g->OW * (size_t)g->C * (size_t)g->KH * (size_t)g->KW;
  qf_parallel(ctx, (size_t)g->OH, qf_grain(row, QF_PAR_MIN_OPS), qf_window_rows, &a, NULL);
}

static void qf_maxpool(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  (void)W;
  (void)rq;
  qf_maxpool_u8(g, x, y);
}

/* qavgpool's own parameters travel in the window's W (the top-padding shift leaves its counts alone:
   a window never starts above row -PT, so the clip at -PT never binds). */
typedef struct {
  int count_include_pad;
  float mult;
  int32_t y_zp, qmin, qmax;
} qf_avg_args;
static void qf_avgpool(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  const qf_avg_args *a = (const qf_avg_args *)W;
  (void)rq;
  qf_qavgpool(g, a->count_include_pad, a->mult, a->y_zp, a->qmin, a->qmax, x, y);
}

/* Depthwise over (output row, block of QF_DW_CBLK channels) units in row-major order: a range is at most the last
   blocks of one row, whole rows, then the first blocks of another row, each one call of the channel-range kernel
   (rows as in qf_window_rows). Late layers have few rows and many channels: 7 rows of 960 channels are 105
   units, 53 + 52 on 2 threads, where rows alone split 4 + 3. */
typedef void (*qf_dw_fn)(const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y, int32_t c0,
                         int32_t c1);
typedef struct {
  qf_dw_fn fn;
  const qf_geom *g;
  const uint8_t *x;
  const void *W;
  const qf_rq *rq;
  uint8_t *y;
  size_t blocks; /* channel blocks per row */
} qf_dw_args;

/* Rows [r0, r1) x channel blocks [b0, b1). */
static void qf_dw_part(const qf_dw_args *a, size_t r0, size_t r1, size_t b0, size_t b1) {
  if (r0 >= r1 || b0 >= b1) return;
  qf_geom g = *a->g;
  const size_t c1 = b1 * QF_DW_CBLK < (size_t)g.C ? b1 * QF_DW_CBLK : (size_t)g.C;
  g.OH = (int32_t)(r1 - r0);
  g.PT -= (int32_t)r0 * g.SH;
  a->fn(&g, a->x, a->W, a->rq, a->y + r0 * (size_t)g.OW * (size_t)g.C, (int32_t)(b0 * QF_DW_CBLK), (int32_t)c1);
}

static void qf_dw_units(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_dw_args *a = (const qf_dw_args *)p;
  const size_t B = a->blocks, re = hi / B, be = hi % B;
  size_t r = lo / B;
  (void)scratch;
  if (r == re) {
    qf_dw_part(a, r, r + 1, lo % B, be);
    return;
  }
  if (lo % B) qf_dw_part(a, r, r + 1, lo % B, B), r++;
  qf_dw_part(a, r, re, 0, B);
  qf_dw_part(a, re, re + 1, 0, be);
}

static void qf_dw(qf_ctx *ctx, qf_dw_fn fn, const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq,
                  uint8_t *y) {
  const size_t blocks = ((size_t)g->C + QF_DW_CBLK - 1) / QF_DW_CBLK;
  const qf_dw_args a = {fn, g, x, W, rq, y, blocks};
  const size_t unit = (size_t)g->OW * (size_t)(g->C < QF_DW_CBLK ? g->C : QF_DW_CBLK) * (size_t)g->KH * (size_t)g->KW;
  qf_parallel(ctx, (size_t)g->OH * blocks, qf_grain(unit, QF_PAR_MIN_OPS), qf_dw_units, &a, NULL);
}

void qf_par_qdwconv(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  qf_dw(ctx, qf_qdwconv_ch, g, x, W, rq, y);
}
void qf_par_qdwconv3x3(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, const void *W, const qf_rq *rq, uint8_t *y) {
  qf_dw(ctx, qf_qdwconv3x3_ch, g, x, W, rq, y);
}
void qf_par_maxpool_u8(qf_ctx *ctx, const qf_geom *g, const uint8_t *x, uint8_t *y) {
  qf_window(ctx, qf_maxpool, g, x, NULL, NULL, y);
}
void qf_par_qavgpool(qf_ctx *ctx, const qf_geom *g, int count_include_pad, float mult, int32_t y_zp, int32_t qmin,
                     int32_t qmax, const uint8_t *x, uint8_t *y) {
  const qf_avg_args a = {count_include_pad, mult, y_zp, qmin, qmax};
  qf_window(ctx, qf_avgpool, g, x, &a, NULL, y);
}

/* Global average pool over blocks of 16 channels: the channel-range kernel, C staying the pixel stride. */
typedef struct {
  size_t HW, C;
  int32_t x_zp;
  float mult;
  int32_t y_zp, qmin, qmax;
  const uint8_t *x;
  uint8_t *y;
} qf_gavg_args;

static void qf_gavg_blocks(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_gavg_args *a = (const qf_gavg_args *)p;
  (void)scratch;
  qf_qgavgpool_ch(a->HW, a->C, lo * 16, hi * 16 < a->C ? hi * 16 : a->C, a->x_zp, a->mult, a->y_zp, a->qmin, a->qmax,
                  a->x, a->y);
}

void qf_par_qgavgpool(qf_ctx *ctx, size_t HW, size_t C, int32_t x_zp, float mult, int32_t y_zp, int32_t qmin,
                      int32_t qmax, const uint8_t *x, uint8_t *y) {
  const qf_gavg_args a = {HW, C, x_zp, mult, y_zp, qmin, qmax, x, y};
  qf_parallel(ctx, (C + 15) / 16, qf_grain(16 * HW, QF_PAR_MIN_OPS), qf_gavg_blocks, &a, NULL);
}

/* ---- transposed convolution ---- */

typedef struct {
  size_t N, K, lda, ldc;
  const uint8_t *A;
  const void *W;
  const int32_t *bias;
  int32_t *C;
} qf_gemm_i32_args;

static void qf_gemm_i32_rows(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_gemm_i32_args *a = (const qf_gemm_i32_args *)p;
  (void)scratch;
  qf_qgemm_i32(hi - lo, a->N, a->K, a->A + lo * a->lda, a->lda, a->W, a->bias, a->C + lo * a->ldc, a->ldc);
}

void qf_par_qgemm_i32(qf_ctx *ctx, size_t M, size_t N, size_t K, const uint8_t *A, size_t lda, const void *W,
                      const int32_t *bias, int32_t *C, size_t ldc) {
  const qf_gemm_i32_args a = {N, K, lda, ldc, A, W, bias, C};
  qf_parallel(ctx, M, qf_grain(N * K, 8 * (size_t)QF_PAR_MIN_OPS), qf_gemm_i32_rows, &a, NULL);
}

/* col2im adds each input pixel's taps into output rows ih*SH - PT + [0, (KH-1)*DH]. Blocks of B input
   rows with B*SH >= (KH-1)*DH reach disjoint output rows when they are two blocks apart, so the even
   blocks run in parallel, then the odd ones. The sums are integers: the same in any order. A block is
   the same kernel on its rows, with the top padding moved up by its first row (as qf_window does). */
typedef struct {
  const qf_geom *g;
  int32_t Mg, m0, M;
  const int32_t *cols;
  size_t ld, B, wave;
  int32_t *acc;
} qf_col2im_args;

static void qf_col2im_blocks(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_col2im_args *a = (const qf_col2im_args *)p;
  (void)scratch;
  for (size_t i = lo; i < hi; i++) {
    const size_t r0 = (2 * i + a->wave) * a->B, r1 = r0 + a->B < (size_t)a->g->H ? r0 + a->B : (size_t)a->g->H;
    qf_geom g = *a->g;
    g.H = (int32_t)(r1 - r0);
    g.PT -= (int32_t)r0 * g.SH;
    qf_col2im_i32(&g, a->Mg, a->m0, a->M, a->cols + r0 * (size_t)a->g->W * a->ld, a->ld, a->acc);
  }
}

void qf_par_col2im_i32(qf_ctx *ctx, const qf_geom *g, int32_t Mg, int32_t m0, int32_t M, const int32_t *cols, size_t ld,
                       int32_t *acc) {
  const size_t H = (size_t)g->H, reach = (size_t)((g->KH - 1) * g->DH), k = (size_t)qf_ctx_threads(ctx);
  const size_t row = (size_t)g->W * (size_t)g->KH * (size_t)g->KW * (size_t)Mg; /* adds per input row */
  size_t B = (reach + (size_t)g->SH - 1) / (size_t)g->SH, want = (H + 2 * k - 1) / (2 * k), min = qf_grain(row, QF_PAR_MIN_OPS);
  if (B < want) B = want; /* two blocks per thread: one per wave */
  if (B < min) B = min;
  if (B < 1) B = 1;
  const size_t blocks = (H + B - 1) / B;
  qf_col2im_args a = {g, Mg, m0, M, cols, ld, B, 0, acc};
  if (k <= 1 || blocks < 2) {
    qf_col2im_i32(g, Mg, m0, M, cols, ld, acc);
    return;
  }
  qf_parallel(ctx, (blocks + 1) / 2, 1, qf_col2im_blocks, &a, NULL);
  a.wave = 1;
  qf_parallel(ctx, blocks / 2, 1, qf_col2im_blocks, &a, NULL);
}

typedef struct {
  size_t N;
  const int32_t *acc;
  const qf_rq *rq;
  uint8_t *y;
} qf_requant_i32_args;

static void qf_requant_i32_rows(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_requant_i32_args *a = (const qf_requant_i32_args *)p;
  (void)scratch;
  qf_requant_i32(hi - lo, a->N, a->acc + lo * a->N, a->rq, a->y + lo * a->N);
}

void qf_par_requant_i32(qf_ctx *ctx, size_t P, size_t N, const int32_t *acc, const qf_rq *rq, uint8_t *y) {
  const qf_requant_i32_args a = {N, acc, rq, y};
  qf_parallel(ctx, P, qf_grain(N, QF_PAR_MIN_OPS), qf_requant_i32_rows, &a, NULL);
}

/* ---- batched qmatmul over (batch, row) pairs ---- */

typedef struct {
  size_t M, N, K;
  const uint32_t (*offsets)[2];
  const uint8_t *A, *B;
  int32_t a_zp, b_zp, y_zp, qmin, qmax;
  float mult;
  uint8_t *C;
} qf_qmatmul_args;

static void qf_qmatmul_rows(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_qmatmul_args *a = (const qf_qmatmul_args *)p;
  while (lo < hi) {
    const size_t b = lo / a->M, m0 = lo % a->M, m1 = hi - b * a->M < a->M ? hi - b * a->M : a->M;
    const size_t ao = a->offsets ? a->offsets[b][0] : 0, bo = a->offsets ? a->offsets[b][1] : 0;
    qf_qmatmul(m1 - m0, a->N, a->K, a->A + ao + m0 * a->K, a->a_zp, a->B + bo, a->b_zp, a->mult, a->y_zp, a->qmin, a->qmax,
               a->C + (b * a->M + m0) * a->N, scratch);
    lo = b * a->M + m1;
  }
}

void qf_par_qmatmul(qf_ctx *ctx, size_t batches, const uint32_t (*offsets)[2], size_t M, size_t N, size_t K,
                    const uint8_t *A, int32_t a_zp, const uint8_t *B, int32_t b_zp, float mult, int32_t y_zp,
                    int32_t qmin, int32_t qmax, uint8_t *C, uint8_t *scratch) {
  const qf_qmatmul_args a = {M, N, K, offsets, A, B, a_zp, b_zp, y_zp, qmin, qmax, mult, C};
  if (!M) return;
  qf_parallel(ctx, batches * M, qf_grain(N * K, 8 * (size_t)QF_PAR_MIN_OPS), qf_qmatmul_rows, &a, scratch);
}

/* Elementwise kernels over chunks of `period` elements (1, or one period of the channel index for
   the per-channel edges, so that every chunk starts at channel 0). */
enum { QF_EW_QADD, QF_EW_QMUL, QF_EW_REQ, QF_EW_REQ_DIV, QF_EW_CLAMP, QF_EW_Q, QF_EW_Q_DIV, QF_EW_DQ, QF_EW_XOR80, QF_EW_LUT };
typedef struct {
  int op;
  size_t n, period, inner, C, sa, sb;
  const uint8_t *a, *b;
  const float *xf, *fs;
  const double *ds;
  const int32_t *zp;
  const qf_qbin *p;
  double x_s;
  float f;
  int32_t x_zp, y_zp, qmin, qmax;
  uint8_t lo, hi;
  uint8_t *y;
  float *yf;
} qf_ew_args;

static void qf_ew_range(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_ew_args *e = (const qf_ew_args *)p;
  const size_t i = lo * e->period, n = (hi * e->period < e->n ? hi * e->period : e->n) - i;
  (void)scratch;
  switch (e->op) {
  case QF_EW_QADD: qf_qadd(n, e->a + i * e->sa, e->sa, e->b + i * e->sb, e->sb, e->p, e->y + i); break;
  case QF_EW_QMUL: qf_qmul(n, e->a + i * e->sa, e->sa, e->b + i * e->sb, e->sb, e->p, e->y + i); break;
  case QF_EW_REQ: qf_requantize_u8(n, e->a + i, e->x_s, e->x_zp, e->f, e->y_zp, e->qmin, e->qmax, e->y + i); break;
  case QF_EW_REQ_DIV: qf_requantize_div_u8(n, e->a + i, e->x_s, e->x_zp, e->f, e->y_zp, e->qmin, e->qmax, e->y + i); break;
  case QF_EW_CLAMP: qf_clamp_u8(n, e->a + i, e->lo, e->hi, e->y + i); break;
  case QF_EW_Q: qf_quantize_u8(n, e->inner, e->C, e->xf + i, e->fs, e->zp, e->qmin, e->qmax, e->y + i); break;
  case QF_EW_Q_DIV: qf_quantize_div_u8(n, e->inner, e->C, e->xf + i, e->fs, e->zp, e->qmin, e->qmax, e->y + i); break;
  case QF_EW_XOR80: qf_xor80(n, e->a + i, e->y + i); break;
  case QF_EW_LUT: qf_lut_u8(n, e->C == 1 ? n : e->inner, e->C, e->a + i, e->b, e->y + i); break; /* one table: inner = n */
  default: qf_dequantize_u8(n, e->inner, e->C, e->a + i, e->ds, e->zp, e->yf + i); break;
  }
}

static void qf_ew(qf_ctx *ctx, qf_ew_args *e) {
  if (!e->period) e->period = 1;
  qf_parallel(ctx, (e->n + e->period - 1) / e->period, qf_grain(e->period, QF_PAR_MIN_OPS), qf_ew_range, e, NULL);
}

static qf_ew_args qf_ew_of(int op, size_t n) {
  qf_ew_args e;
  memset(&e, 0, sizeof e);
  e.op = op;
  e.n = n;
  e.period = 1;
  return e;
}

static void qf_par_binary(qf_ctx *ctx, int op, size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb,
                          const qf_qbin *p, uint8_t *y) {
  qf_ew_args e = qf_ew_of(op, n);
  e.a = a, e.sa = sa, e.b = b, e.sb = sb, e.p = p, e.y = y;
  qf_ew(ctx, &e);
}
void qf_par_qadd(qf_ctx *ctx, size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p,
                 uint8_t *y) {
  qf_par_binary(ctx, QF_EW_QADD, n, a, sa, b, sb, p, y);
}
void qf_par_qmul(qf_ctx *ctx, size_t n, const uint8_t *a, size_t sa, const uint8_t *b, size_t sb, const qf_qbin *p,
                 uint8_t *y) {
  qf_par_binary(ctx, QF_EW_QMUL, n, a, sa, b, sb, p, y);
}

static void qf_par_req(qf_ctx *ctx, int op, size_t n, const uint8_t *x, double x_s, int32_t x_zp, float f, int32_t y_zp,
                       int32_t qmin, int32_t qmax, uint8_t *y) {
  qf_ew_args e = qf_ew_of(op, n);
  e.a = x, e.x_s = x_s, e.x_zp = x_zp, e.f = f, e.y_zp = y_zp, e.qmin = qmin, e.qmax = qmax, e.y = y;
  qf_ew(ctx, &e);
}
void qf_par_requantize_u8(qf_ctx *ctx, size_t n, const uint8_t *x, double x_s, int32_t x_zp, float inv_y, int32_t y_zp,
                          int32_t qmin, int32_t qmax, uint8_t *y) {
  qf_par_req(ctx, QF_EW_REQ, n, x, x_s, x_zp, inv_y, y_zp, qmin, qmax, y);
}
void qf_par_requantize_div_u8(qf_ctx *ctx, size_t n, const uint8_t *x, double x_s, int32_t x_zp, float y_s,
                              int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y) {
  qf_par_req(ctx, QF_EW_REQ_DIV, n, x, x_s, x_zp, y_s, y_zp, qmin, qmax, y);
}

void qf_par_xor80(qf_ctx *ctx, size_t n, const uint8_t *x, uint8_t *y) {
  qf_ew_args e = qf_ew_of(QF_EW_XOR80, n);
  e.a = x, e.y = y;
  qf_ew(ctx, &e);
}

void qf_par_lut_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y) {
  qf_ew_args e = qf_ew_of(QF_EW_LUT, n);
  e.period = C == 1 ? 1 : inner * C, e.inner = inner, e.C = C, e.a = x, e.b = table, e.y = y;
  qf_ew(ctx, &e);
}

typedef struct {
  int rank;
  const int32_t *shape, *sa, *sb;
  size_t ea, eb, ey;
  const void *a, *b, *p;
  void *y;
  qf_row2 row;
} qf_bcast_args;

static void qf_bcast_rows(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_bcast_args *e = (const qf_bcast_args *)p;
  (void)scratch;
  qf_broadcast2_rows(e->rank, e->shape, e->sa, e->sb, e->ea, e->eb, e->ey, e->a, e->b, e->y, e->row, e->p, lo, hi);
}

void qf_par_broadcast2(qf_ctx *ctx, int rank, const int32_t *shape, const int32_t *sa, const int32_t *sb, size_t ea,
                       size_t eb, size_t ey, const void *a, const void *b, void *y, qf_row2 row, const void *p) {
  if (rank == 0) {
    qf_broadcast2(rank, shape, sa, sb, ea, eb, ey, a, b, y, row, p);
    return;
  }
  const qf_bcast_args e = {rank, shape, sa, sb, ea, eb, ey, a, b, p, y, row};
  qf_parallel(ctx, qf_broadcast2_count(rank, shape), qf_grain((size_t)shape[rank - 1], QF_PAR_MIN_OPS), qf_bcast_rows, &e, NULL);
}

void qf_par_clamp_u8(qf_ctx *ctx, size_t n, const uint8_t *x, uint8_t lo, uint8_t hi, uint8_t *y) {
  qf_ew_args e = qf_ew_of(QF_EW_CLAMP, n);
  e.a = x, e.lo = lo, e.hi = hi, e.y = y;
  qf_ew(ctx, &e);
}

static void qf_par_q(qf_ctx *ctx, int op, size_t n, size_t inner, size_t C, const float *x, const float *f,
                     const int32_t *zp, int32_t qmin, int32_t qmax, uint8_t *y) {
  qf_ew_args e = qf_ew_of(op, n);
  e.period = C == 1 ? 1 : inner * C, e.inner = inner, e.C = C, e.xf = x, e.fs = f, e.zp = zp, e.qmin = qmin, e.qmax = qmax, e.y = y;
  qf_ew(ctx, &e);
}
void qf_par_quantize_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const float *x, const float *inv,
                        const int32_t *zp, int32_t qmin, int32_t qmax, uint8_t *y) {
  qf_par_q(ctx, QF_EW_Q, n, inner, C, x, inv, zp, qmin, qmax, y);
}
void qf_par_quantize_div_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const float *x, const float *s,
                            const int32_t *zp, int32_t qmin, int32_t qmax, uint8_t *y) {
  qf_par_q(ctx, QF_EW_Q_DIV, n, inner, C, x, s, zp, qmin, qmax, y);
}

void qf_par_dequantize_u8(qf_ctx *ctx, size_t n, size_t inner, size_t C, const uint8_t *x, const double *s,
                          const int32_t *zp, float *y) {
  qf_ew_args e = qf_ew_of(QF_EW_DQ, n);
  e.period = C == 1 ? 1 : inner * C, e.inner = inner, e.C = C, e.a = x, e.ds = s, e.zp = zp, e.yf = y;
  qf_ew(ctx, &e);
}

/* ---- float fallbacks ---- */

typedef struct {
  size_t sa, sb;
  const float *a, *b;
  const void *p;
  float *y;
} qf_fbin_args;

static void qf_fbin_range(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_fbin_args *e = (const qf_fbin_args *)p;
  (void)scratch;
  qf_f_binary_row(hi - lo, e->a + lo * e->sa, e->sa, e->b + lo * e->sb, e->sb, e->p, e->y + lo);
}

void qf_par_f_binary(qf_ctx *ctx, size_t n, const void *a, size_t sa, const void *b, size_t sb, const void *p, void *y) {
  const qf_fbin_args e = {sa, sb, (const float *)a, (const float *)b, p, (float *)y};
  qf_parallel(ctx, n, QF_PAR_MIN_OPS, qf_fbin_range, &e, NULL);
}

/* Columns of a float GEMM in blocks of 16. */
#define QF_PAR_COLS 16
typedef struct {
  size_t M, N, K, ars, acs, brs, bcs, crs, ccs;
  const float *A, *B, *C;
  float alpha, beta, lo, hi;
  float *Y;
} qf_fgemm_args;

static void qf_fgemm_cols(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_fgemm_args *a = (const qf_fgemm_args *)p;
  const size_t n0 = lo * QF_PAR_COLS, n1 = hi * QF_PAR_COLS < a->N ? hi * QF_PAR_COLS : a->N;
  (void)scratch;
  qf_f_gemm_ldy(a->M, n1 - n0, a->K, a->A, a->ars, a->acs, a->B + n0 * a->bcs, a->brs, a->bcs, a->C ? a->C + n0 * a->ccs : NULL,
                a->crs, a->ccs, a->alpha, a->beta, a->lo, a->hi, a->Y + n0, a->N);
}

void qf_par_f_gemm(qf_ctx *ctx, size_t M, size_t N, size_t K, const float *A, size_t ars, size_t acs, const float *B,
                   size_t brs, size_t bcs, const float *C, size_t crs, size_t ccs, float alpha, float beta, float lo,
                   float hi, float *Y) {
  const qf_fgemm_args a = {M, N, K, ars, acs, brs, bcs, crs, ccs, A, B, C, alpha, beta, lo, hi, Y};
  qf_parallel(ctx, (N + QF_PAR_COLS - 1) / QF_PAR_COLS, qf_grain(QF_PAR_COLS * M * K, 8 * (size_t)QF_PAR_MIN_OPS), qf_fgemm_cols, &a, NULL);
}

typedef struct {
  size_t esize;
  int rank;
  const int32_t *shape;
  const int32_t *const *maps;
  const void *x, *fill;
  void *y;
} qf_remap_args;

static void qf_remap_range(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_remap_args *a = (const qf_remap_args *)p;
  (void)scratch;
  qf_remap_rows(a->esize, a->rank, a->shape, a->maps, a->x, a->y, a->fill, lo, hi);
}

void qf_par_remap(qf_ctx *ctx, size_t esize, int rank, const int32_t *shape, const int32_t *const *maps, const void *x,
                  void *y, const void *fill) {
  if (rank == 0) {
    qf_remap(esize, rank, shape, maps, x, y, fill);
    return;
  }
  size_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= (size_t)shape[d];
  const qf_remap_args a = {esize, rank, shape, maps, x, fill, y};
  qf_parallel(ctx, rows, qf_grain((size_t)shape[rank - 1], QF_PAR_MIN_OPS), qf_remap_range, &a, NULL);
}

/* ==== float GEMM family (qforge_fgemm.c; the floatk section) ====
   Cells of a float convolution are (image, group, pixel block, output-channel chunk); channels are
   chunked only when there are fewer pixel blocks than threads (late, small layers). Any split gives
   the same bytes: every output is one fixed chain of multiply-adds (qforge_fgemm.h). */

typedef struct {
  const qf_fconv *p;
  size_t pb, chunks, M, N, K, lda, ldy;
  const float *x, *w, *b;
  float lo, hi;
  float *y;
} qf_ffam_args;

/* Chunks of `units` (channels or panels) so that `blocks` x chunks covers the threads. */
static size_t qf_fchunks(qf_ctx *ctx, size_t blocks, size_t units) {
  const size_t t = (size_t)qf_ctx_threads(ctx), want = blocks >= t ? 1 : (t + blocks - 1) / blocks;
  return want < units ? want : units ? units : 1;
}

static void qf_fconv_cells_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_ffam_args *a = (const qf_ffam_args *)p;
  qf_fconv_run(a->p, a->pb, a->chunks, lo, hi, a->x, a->w, a->b, a->y, (float *)(void *)scratch);
}

void qf_par_fconv(qf_ctx *ctx, const qf_fconv *p, size_t pb, const float *x, const float *W, const float *b, float *y,
                  float *scratch) {
  const size_t P = (size_t)p->OH * p->OW, Mg = (size_t)(p->M / p->G), K = (size_t)(p->C / p->G) * p->KH * p->KW;
  const size_t blocks = qf_fconv_cells(p, pb, 1), chunks = qf_fchunks(ctx, blocks, (Mg + QF_FMR - 1) / QF_FMR);
  const qf_ffam_args a = {p, pb, chunks, 0, 0, 0, 0, 0, x, W, b, 0, 0, y};
  const size_t per = (P < pb ? P : pb) * K * Mg / chunks;
  qf_parallel(ctx, blocks * chunks, qf_grain(per, 8 * (size_t)QF_PAR_MIN_OPS), qf_fconv_cells_task, &a, (uint8_t *)(void *)scratch);
}

static void qf_fconvt_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_ffam_args *a = (const qf_ffam_args *)p;
  qf_fconvt_run(a->p, a->chunks, lo, hi, a->x, a->w, a->b, a->y, (float *)(void *)scratch);
}

void qf_par_fconvt(qf_ctx *ctx, const qf_fconv *p, const float *x, const float *Wt, const float *b, float *y,
                   float *scratch) {
  const size_t Mg = (size_t)(p->M / p->G), K = (size_t)(p->C / p->G) * p->KH * p->KW, P = (size_t)p->OH * p->OW;
  const size_t blocks = qf_fconvt_cells(p, 1), chunks = qf_fchunks(ctx, blocks, (Mg + QF_FNR - 1) / QF_FNR);
  const qf_ffam_args a = {p, 0, chunks, 0, 0, 0, 0, 0, x, Wt, b, 0, 0, y};
  qf_parallel(ctx, blocks * chunks, qf_grain(P * K * Mg / chunks, 8 * (size_t)QF_PAR_MIN_OPS), qf_fconvt_task, &a, (uint8_t *)(void *)scratch);
}

static void qf_fdw_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_ffam_args *a = (const qf_ffam_args *)p;
  qf_fdwconv(a->p, lo, hi, a->x, a->w, a->b, a->y, (float *)(void *)scratch);
}

void qf_par_fdwconv(qf_ctx *ctx, const qf_fconv *p, const float *x, const float *w, const float *b, float *y,
                    float *scratch) {
  const qf_ffam_args a = {p, 0, 0, 0, 0, 0, 0, 0, x, w, b, 0, 0, y};
  const size_t per = (size_t)p->OH * p->OW * p->KH * p->KW;
  qf_parallel(ctx, (size_t)p->N * p->C, qf_grain(per, QF_PAR_MIN_OPS), qf_fdw_task, &a, (uint8_t *)(void *)scratch);
}

static void qf_fdeconv_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_ffam_args *a = (const qf_ffam_args *)p;
  qf_fdeconv_run(a->p, a->pb, a->chunks, lo, hi, a->x, a->w, a->b, a->y, (float *)(void *)scratch);
}

void qf_par_fdeconv(qf_ctx *ctx, const qf_fconv *p, size_t pb, const float *x, const float *W, const float *b, float *y,
                    float *scratch) {
  const size_t blocks = (size_t)p->N * p->G, chunks = qf_fchunks(ctx, blocks, (size_t)(p->M / p->G));
  const qf_ffam_args a = {p, pb, chunks, 0, 0, 0, 0, 0, x, W, b, 0, 0, y};
  const size_t per = (size_t)p->H * p->W * (size_t)(p->C / p->G) * (size_t)p->M / (size_t)p->G * p->KH * p->KW / chunks;
  qf_parallel(ctx, blocks * chunks, qf_grain(per, 8 * (size_t)QF_PAR_MIN_OPS), qf_fdeconv_task, &a, (uint8_t *)(void *)scratch);
}

static void qf_fgemm_panels_task(const void *p, size_t lo, size_t hi, uint8_t *scratch) {
  const qf_ffam_args *a = (const qf_ffam_args *)p;
  (void)scratch;
  qf_fgemm_packed(a->M, a->N, a->K, a->x, a->lda, a->w, a->b, a->lo, a->hi, a->y, a->ldy, lo, hi);
}

void qf_par_fgemm_packed(qf_ctx *ctx, size_t M, size_t N, size_t K, const float *A, size_t lda, const float *Bp,
                         const float *bias, float lo, float hi, float *Y, size_t ldy) {
  const qf_ffam_args a = {NULL, 0, 0, M, N, K, lda, ldy, A, Bp, bias, lo, hi, Y};
  qf_parallel(ctx, (N + QF_FNR - 1) / QF_FNR, qf_grain(QF_FNR * M * K, 8 * (size_t)QF_PAR_MIN_OPS), qf_fgemm_panels_task, &a, NULL);
}
/* ==== end of the float GEMM family section ==== */

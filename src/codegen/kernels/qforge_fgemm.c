/* qforge float GEMM family (see qforge_fgemm.h): one micro-kernel (qf_ftile) over the target's vector
 * type (qforge_fvec.h) and the drivers that feed it: convolution as an implicit GEMM, transposed convolution
 * (GEMM then col2im), linear layers (depthwise convolution is qforge_fdwconv.c's). */
#include <math.h>
#include <limits.h>
#include <string.h>
#include "qforge_fgemm.h"
#include "qforge_fvec.h"

/* k blocks of QF_FKC (qforge_config.h): a QF_FKC x QF_FNR slice of the right operand (8-16 KiB) stays
   in L1 while every row panel streams past it; partial sums go through the output (float32 stored and
   reloaded: exact). */
#define QF_AI static inline __attribute__((always_inline))

/* The k block of a K-deep GEMM: K itself up to 1.25 blocks (no short last block, whose partial sums
   would go through memory once more for a few k: ResNet's stem, K = 147), else QF_FKC (floatKBlock in
   src/codegen/ops/fpack.ts packs by the same). */
static size_t qf_fkb(size_t K) { return K <= QF_FKC + QF_FKC / 4 ? K : QF_FKC; }
#define QF_UNROLL _Pragma("GCC unroll 16") /* register tile: every row/column loop fully unrolled */

typedef struct {
  const float *row_bias, *col_bias;
  float lo, hi;
} qf_fepi;

/* The right operand of a tile: row k's QF_FNR columns at p + off[k] (the taps of an implicit GEMM over a
   padded input) or, with off NULL, at p + k·rs (packed panels: rs = QF_FNR; input planes read in place:
   rs = H·W). `off` is a compile-time NULL or not at every call, so the tile loop has no branch. */
typedef struct {
  const float *p;
  size_t rs;
  const int32_t *off;
} qf_fb;
QF_AI const float *qf_fb_row(qf_fb b, size_t k) { return b.off ? b.p + b.off[k] : b.p + k * b.rs; }
QF_AI qf_fb qf_fb_at(qf_fb b, size_t col, size_t k0) { /* column col, rows from k0 on */
  return (qf_fb){b.p + col + (b.off ? 0 : k0 * b.rs), b.rs, b.off ? b.off + k0 : NULL};
}

/* The micro-kernel: C[i][j] for i < mr, j < nr (at most rows x nv·QF_FVL; rows = QF_FMR, or 1 for the rows
 * of a short tail, and nv <= QF_FNV vectors, constants at every call) += Σk<kc a[i·rs + k·cs]·(row k of b)[j], starting from 0
 * when `first`; `e` (the last k block) adds the biases and clamps. Rows at or past `arows` of a are
 * never read (row arows-1 is read again instead, its results dropped); every row of b has nv·QF_FVL
 * columns readable (zero-padded panels, or slack past the columns in use). With pf, step k also
 * prefetches pf + k·pfs: the weights the next tiles stream from memory (each panel is its own 4 KiB page
 * or more, where the hardware prefetcher stops), so that their loads overlap this tile's arithmetic.
 * With apos and aoff (an implicit GEMM in the pixels x channels orientation) a's element (i, k) is
 * a[apos[i] + aoff[k]] instead (rows = output pixels at their phase-grid positions, k = taps). */
QF_AI void qf_ftile_v(const int rows, const int nv, size_t kc, const float *a, size_t rs, size_t cs, size_t arows, const qf_fb b, float *c,
                    size_t ldc, size_t mr, size_t nr, int first, const qf_fepi *e, const float *pf, size_t pfs, const int32_t *apos,
                    const int32_t *aoff) {
  const float *ar[QF_FMR];
  qf_fv acc[QF_FMR][QF_FNV];
  float tmp[QF_FNR];
  QF_UNROLL for (int i = 0; i < rows; i++) ar[i] = apos ? a + apos[i] : a + (size_t)(i < (int)arows ? i : (int)arows - 1) * rs;
  QF_UNROLL for (int i = 0; i < rows; i++) QF_UNROLL for (int j = 0; j < nv; j++) acc[i][j] = qf_fv_zero();
  if (!first) {
    memset(tmp, 0, sizeof tmp);
    QF_UNROLL for (int i = 0; i < rows; i++) {
      if ((size_t)i >= mr) break;
      const float *src = c + (size_t)i * ldc;
      if (nr < (size_t)nv * QF_FVL) src = (const float *)memcpy(tmp, src, nr * sizeof(float));
      QF_UNROLL for (int j = 0; j < nv; j++) acc[i][j] = qf_fv_load(src + j * QF_FVL);
    }
  }
  for (size_t k = 0; k < kc; k++) {
    qf_fv bv[QF_FNV];
    const float *bk = qf_fb_row(b, k);
    if (pf) __builtin_prefetch(pf + k * pfs);
    QF_UNROLL for (int j = 0; j < nv; j++) bv[j] = qf_fv_load(bk + j * QF_FVL);
    QF_UNROLL for (int i = 0; i < rows; i++) {
      const qf_fv av = qf_fv_set1(aoff ? ar[i][aoff[k]] : ar[i][k * cs]);
      QF_UNROLL for (int j = 0; j < nv; j++) acc[i][j] = qf_fv_fma(acc[i][j], av, bv[j]);
    }
  }
  /* the clamp bounds are read through volatile, here: hoisted out of every loop they held two of AVX2's
     16 registers, and an accumulator went to the stack */
  const float lo = e ? *(const volatile float *)&e->lo : 0.0f, hi = e ? *(const volatile float *)&e->hi : 0.0f;
  QF_UNROLL for (int i = 0; i < rows; i++) {
    if ((size_t)i >= mr) break;
    float *dst = nr < (size_t)nv * QF_FVL ? tmp : c + (size_t)i * ldc;
    QF_UNROLL for (int j = 0; j < nv; j++) {
      qf_fv v = acc[i][j];
      if (e) {
        if (e->row_bias) v = qf_fv_add(v, qf_fv_set1(e->row_bias[i]));
        if (e->col_bias) v = qf_fv_add(v, qf_fv_load(e->col_bias + j * QF_FVL));
        v = qf_fv_min(qf_fv_set1(hi), qf_fv_max(qf_fv_set1(lo), v));
      }
      qf_fv_store(dst + j * QF_FVL, v);
    }
    if (nr < (size_t)nv * QF_FVL) memcpy(c + (size_t)i * ldc, tmp, nr * sizeof(float));
  }
}

/* The tile with as few vectors as cover its nr columns: a tail panel's zero columns cost nothing (on
   targets of up to 4 vectors a row; the scalar fallback's 8 would be 8 copies of the tile). */
QF_AI void qf_ftile(const int rows, size_t kc, const float *a, size_t rs, size_t cs, size_t arows, const qf_fb b, float *c,
                    size_t ldc, size_t mr, size_t nr, int first, const qf_fepi *e, const float *pf, size_t pfs, const int32_t *apos,
                    const int32_t *aoff) {
  const size_t nv = (nr + QF_FVL - 1) / QF_FVL;
  if (QF_FNV > 1 && QF_FNV <= 4 && nv == 1) qf_ftile_v(rows, 1, kc, a, rs, cs, arows, b, c, ldc, mr, nr, first, e, pf, pfs, apos, aoff);
  else if (QF_FNV > 2 && QF_FNV <= 4 && nv == 2) qf_ftile_v(rows, 2, kc, a, rs, cs, arows, b, c, ldc, mr, nr, first, e, pf, pfs, apos, aoff);
  else qf_ftile_v(rows, QF_FNV, kc, a, rs, cs, arows, b, c, ldc, mr, nr, first, e, pf, pfs, apos, aoff);
}

/* Row panels [pan0, pan1) of Ap (R rows in all, K deep) times the np columns of B, whose column panel q
   is B shifted by q·qs (qf_fb_at); panel pan0's first row lands in row 0 of C. Inlined at each call, so
   that B's kind (packed, in place, offsets) is a constant there. */
QF_AI void qf_fgemm_rows(size_t K, const float *Ap, size_t pan0, size_t pan1, size_t R, qf_fb B, size_t qs, size_t np,
                         float *C, size_t ldc, const float *row_bias, float lo, float hi) {
  const size_t nq = (np + QF_FNR - 1) / QF_FNR, npan = (R + QF_FMR - 1) / QF_FMR, kb = qf_fkb(K);
  for (size_t k0 = 0; k0 < K; k0 += kb) {
    const size_t kc = K - k0 < kb ? K - k0 : kb;
    for (size_t q = 0; q < nq; q++) {
      const size_t nr = np - q * QF_FNR < QF_FNR ? np - q * QF_FNR : QF_FNR;
      const qf_fb bq = qf_fb_at(B, q * qs, k0);
      for (size_t pn = pan0; pn < pan1; pn++) {
        const size_t r = pn * QF_FMR, mr = R - r < QF_FMR ? R - r : QF_FMR;
        const qf_fepi e = {row_bias ? row_bias + r : NULL, NULL, lo, hi};
        const float *a = Ap + (k0 * npan + pn * kc) * QF_FMR, *next = a + kc * QF_FMR; /* panels are stored in sweep order */
        qf_ftile(QF_FMR, kc, a, 1, QF_FMR, QF_FMR, bq, C + (r - pan0 * QF_FMR) * ldc + q * QF_FNR, ldc, mr, nr, k0 == 0,
                 k0 + kc == K ? &e : NULL, q == 0 && (k0 + kc < K || pn + 1 < npan) ? next : NULL, QF_FMR, NULL, NULL);
      }
    }
  }
}

/* qf_fgemm_rows on B's two kinds, each its own function so that the register allocation of one tile loop
   is not the whole convolution driver's (AVX2 spilled an accumulator there): rows k·rs apart, or at
   the offsets off[k]. */
static void qf_fgemm_rows_strided(size_t K, const float *Ap, size_t pan0, size_t pan1, size_t R, const float *B, size_t rs, size_t qs,
                                  size_t np, float *C, size_t ldc, const float *row_bias, float lo, float hi) {
  qf_fgemm_rows(K, Ap, pan0, pan1, R, (qf_fb){B, rs, NULL}, qs, np, C, ldc, row_bias, lo, hi);
}
static void qf_fgemm_rows_offsets(size_t K, const float *Ap, size_t pan0, size_t pan1, size_t R, const float *B, const int32_t *off,
                                  size_t np, float *C, size_t ldc, const float *row_bias, float lo, float hi) {
  qf_fgemm_rows(K, Ap, pan0, pan1, R, (qf_fb){B, 0, off}, QF_FNR, np, C, ldc, row_bias, lo, hi);
}

/* Column panels [q0, q1) of Bp times A, whose rows come in panels of `pan` rows `ps` floats apart
   (element (m, k) at A[(m / pan)·ps + (m % pan)·rs + k·cs]; pan = M for a plain matrix); column
   q0·QF_FNR lands in column 0 of Y. */
static void qf_fgemm_cols(size_t M, size_t N, size_t K, const float *A, size_t rs, size_t cs, size_t pan, size_t ps,
                          const float *Bp, const float *bias, float lo, float hi, float *Y, size_t ldy, size_t q0, size_t q1) {
  for (size_t q = q0; q < q1; q++) {
    const size_t n0 = q * QF_FNR, nr = N - n0 < QF_FNR ? N - n0 : QF_FNR;
    const qf_fepi e = {NULL, bias ? bias + n0 : NULL, lo, hi};
    for (size_t k0 = 0, kb = qf_fkb(K); k0 < K; k0 += kb) {
      const size_t kc = K - k0 < kb ? K - k0 : kb;
      const qf_fb b = {Bp + (q * K + k0) * QF_FNR, QF_FNR, NULL};
      for (size_t p0 = 0; p0 < M; p0 += pan) {
        const size_t rows = M - p0 < pan ? M - p0 : pan;
        const float *ap = A + p0 / pan * ps + k0 * cs;
        float *yp = Y + p0 * ldy + (q - q0) * QF_FNR;
        for (size_t m = 0; m < rows; m += QF_FMR) {
          const float *a = ap + m * rs;
          float *y = yp + m * ldy;
          /* the next k block of b, a third of its columns by each tile in turn */
          const float *pf = k0 + kc < K ? b.p + kc * QF_FNR + m / QF_FMR % QF_FNV * QF_FVL : NULL;
          if (rows - m >= QF_FMR) qf_ftile(QF_FMR, kc, a, rs, cs, QF_FMR, b, y, ldy, QF_FMR, nr, k0 == 0, k0 + kc == K ? &e : NULL, pf, QF_FNR, NULL, NULL);
          else /* a short tail (a linear layer on one row): one row at a time, not a full tile of copies */
            for (size_t i = m; i < rows; i++, a += rs, y += ldy) qf_ftile(1, kc, a, rs, cs, 1, b, y, ldy, 1, nr, k0 == 0, k0 + kc == K ? &e : NULL, NULL, 0, NULL, NULL);
        }
      }
    }
  }
}

void qf_fgemm_packed(size_t M, size_t N, size_t K, const float *A, size_t lda, const float *Bp, const float *bias,
                     float lo, float hi, float *Y, size_t ldy, size_t q0, size_t q1) {
  qf_fgemm_cols(M, N, K, A, lda, 1, M ? M : 1, 0, Bp, bias, lo, hi, Y + q0 * QF_FNR, ldy, q0, q1);
}

/* A pointwise convolution without padding or stride reads its input planes in place (columns = pixels). */
static int qf_fconv_in_place(const qf_fconv *p) {
  return p->KH == 1 && p->KW == 1 && p->SH == 1 && p->SW == 1 && (p->PT | p->PL | p->PB | p->PR) == 0;
}

/* The phase planes of the padded input (qforge_fgemm.h): Hq x Wq each, SH·SW per input channel. */
typedef struct {
  size_t Hq, Wq;
} qf_fphase;
static qf_fphase qf_fphase_of(const qf_fconv *p) {
  return (qf_fphase){(size_t)(p->H + p->PT + p->PB + p->SH - 1) / (size_t)p->SH, (size_t)(p->W + p->PL + p->PR + p->SW - 1) / (size_t)p->SW};
}

/* GEMM columns per (image, group): pixels read in place, or OH rows of Wq phase-plane columns. */
static size_t qf_fconv_cols(const qf_fconv *p) {
  return qf_fconv_in_place(p) ? (size_t)p->OH * p->OW : (size_t)p->OH * qf_fphase_of(p).Wq;
}

size_t qf_fconv_cells(const qf_fconv *p, size_t pb, size_t chunks) {
  return (size_t)p->N * p->G * ((qf_fconv_cols(p) + pb - 1) / pb) * chunks;
}

/* The group's Cg input planes zero-padded and split by stride phase: padded row R, column X of channel c
   goes to phase plane (c·SH + R % SH)·SW + X % SW at row R / SH, column X / SW; then `slack` zeros (the
   columns a tile reads past the last one in use). */
static void qf_fpad_planes(const qf_fconv *p, size_t Cg, const float *xg, size_t slack, float *out) {
  const qf_fphase f = qf_fphase_of(p);
  const size_t SH = (size_t)p->SH, plane = f.Hq * f.Wq, HW = (size_t)p->H * p->W;
  memset(out, 0, (Cg * SH * (size_t)p->SW * plane + slack) * sizeof(float));
  for (size_t c = 0; c < Cg; c++)
    for (size_t h = 0; h < (size_t)p->H; h++) {
      const size_t R = h + (size_t)p->PT;
      qf_f_phase_row(xg + c * HW + h * (size_t)p->W, p->W, p->PL, p->SW, out + ((c * SH + R % SH) * (size_t)p->SW * f.Hq + R / SH) * f.Wq, plane);
    }
}

/* Tap k = (c, i, j)'s offset in the phase planes from its column (qforge_fgemm.h). */
static void qf_fconv_offsets(const qf_fconv *p, qf_fphase f, size_t K, int32_t *off) {
  const size_t SH = (size_t)p->SH, SW = (size_t)p->SW, plane = f.Hq * f.Wq;
  for (size_t k = 0; k < K; k++) {
    const size_t di = (k / p->KW % p->KH) * p->DH, dj = (k % p->KW) * p->DW;
    off[k] = (int32_t)(((k / ((size_t)p->KH * p->KW) * SH + di % SH) * SW + dj % SW) * plane + di / SH * f.Wq + dj / SW);
  }
}

/* y[t] = the fused residual add's clamp(c[t] + r[t]) (qf_fconv.res), or c[t]. */
static void qf_fres_store(const qf_fconv *p, size_t n, const float *c, const float *r, float *y) {
  if (!p->res) {
    memcpy(y, c, n * sizeof(float));
    return;
  }
  const float lo = p->rlo, hi = p->rhi;
  for (size_t t = 0; t < n; t++) {
    float v = c[t] + r[t];
    v = v < lo ? lo : v;
    y[t] = v > hi ? hi : v;
  }
}

/* Columns [t0, t0 + nt) of the phase grid (rows of Wq, the first OW of each are output pixels) from C
   (row stride ldc) into output rows [r0, r1) of yg (with rg, the group's residual, added). */
static void qf_fconv_compact(const qf_fconv *p, size_t Wq, size_t t0, size_t nt, const float *C, size_t ldc, size_t r0, size_t r1, const float *rg,
                             float *yg) {
  const size_t OW = (size_t)p->OW, P = (size_t)p->OH * OW;
  for (size_t r = r0; r < r1; r++)
    for (size_t t = t0; t < t0 + nt;) {
      const size_t oh = t / Wq, ow = t % Wq, run = Wq - ow < t0 + nt - t ? Wq - ow : t0 + nt - t, at = r * P + oh * OW + ow;
      if (ow < OW) qf_fres_store(p, OW - ow < run ? OW - ow : run, C + (r - r0) * ldc + (t - t0), rg ? rg + at : NULL, yg + at);
      t += run;
    }
}

void qf_fconv_run(const qf_fconv *p, size_t pb, size_t chunks, size_t c0, size_t c1, const float *x, const float *W,
                  const float *b, float *y, float *scratch) {
  const size_t Cg = (size_t)(p->C / p->G), Mg = (size_t)(p->M / p->G), P = (size_t)p->OH * p->OW, HW = (size_t)p->H * p->W;
  const size_t K = Cg * p->KH * p->KW, cols = qf_fconv_cols(p), nb = (cols + pb - 1) / pb, npan = (Mg + QF_FMR - 1) / QF_FMR;
  const int in_place = qf_fconv_in_place(p);
  const qf_fphase f = qf_fphase_of(p);
  const size_t SH = (size_t)p->SH, SW = (size_t)p->SW, plane = f.Hq * f.Wq;
  const size_t slack = QF_FNR + (size_t)(p->KW - 1) * p->DW; /* phase planes: the reads past the last plane */
  int32_t *off = (int32_t *)(scratch + Cg * SH * SW * plane + slack); /* phase planes: row k's offset in them */
  float *cb = (float *)(off + K);                                     /* phase planes: the block's output columns */
  if (!in_place) qf_fconv_offsets(p, f, K, off);
  size_t packed = (size_t)-1; /* the (image, group) whose phase planes are in scratch */
  for (size_t cell = c0; cell < c1; cell++) {
    const size_t chunk = cell % chunks, blk = cell / chunks, bi = blk % nb, ng = blk / nb, g = ng % (size_t)p->G, n = ng / (size_t)p->G;
    const size_t p0 = bi * pb, np = cols - p0 < pb ? cols - p0 : pb;
    const size_t pan0 = npan * chunk / chunks, pan1 = npan * (chunk + 1) / chunks;
    const float *xg = x + (n * (size_t)p->C + g * Cg) * HW, *Wg = W + g * npan * K * QF_FMR, *bg = b ? b + g * Mg : NULL;
    float *yg = y + (n * (size_t)p->M + g * Mg) * P;
    const float *rg = p->res ? p->res + (n * (size_t)p->M + g * Mg) * P : NULL;
    const size_t r0 = pan0 * QF_FMR, r1 = pan1 * QF_FMR < Mg ? pan1 * QF_FMR : Mg;
    if (in_place) { /* whole panels read x; the last partial one goes through a zero-padded copy */
      const size_t full = np / QF_FNR * QF_FNR;
      qf_fgemm_rows_strided(K, Wg, pan0, pan1, Mg, xg + p0, HW, QF_FNR, full, yg + r0 * P + p0, P, bg, p->lo, p->hi);
      if (full < np) {
        for (size_t k = 0; k < K; k++) {
          memcpy(scratch + k * QF_FNR, xg + k * HW + p0 + full, (np - full) * sizeof(float));
          memset(scratch + k * QF_FNR + (np - full), 0, (QF_FNR - (np - full)) * sizeof(float));
        }
        qf_fgemm_rows_strided(K, Wg, pan0, pan1, Mg, scratch, QF_FNR, 0, np - full, yg + r0 * P + p0 + full, P, bg, p->lo, p->hi);
      }
      if (rg) /* the residual over the block while it is in cache */
        for (size_t r = r0; r < r1; r++) qf_fres_store(p, np, yg + r * P + p0, rg + r * P + p0, yg + r * P + p0);
    } else { /* implicit GEMM on the phase planes, then the output pixels out of the columns */
      if (ng != packed) qf_fpad_planes(p, Cg, xg, slack, scratch);
      packed = ng;
      qf_fgemm_rows_offsets(K, Wg, pan0, pan1, Mg, scratch + p0, off, np, cb, pb, bg, p->lo, p->hi);
      qf_fconv_compact(p, f.Wq, p0, np, cb, pb, r0, r1, rg, yg);
    }
  }
}

size_t qf_fconvt_cells(const qf_fconv *p, size_t chunks) { return (size_t)p->N * p->G * chunks; }

int qf_fconvt_mr(const qf_fconv *p) {
  const size_t P = (size_t)p->OH * p->OW;
  return P % QF_FMR && QF_FMR > 1 && P % (QF_FMR - 1) == 0 ? QF_FMR - 1 : QF_FMR;
}

/* Column panels [q0, q1) of the weights Bt (K x Mg) times the pixels read from the phase planes (tile rows
   `rows` pixels, their positions pos), into ct (row stride ld); `rows` is a constant at each call. */
QF_AI void qf_fconvt_panels(const int rows, size_t P, size_t slots, size_t K, size_t Mg, const float *planes, const int32_t *pos,
                            const int32_t *off, const float *Bt, size_t q0, size_t q1, float *ct, size_t ld) {
  for (size_t q = q0; q < q1; q++) {
    const size_t n0 = q * QF_FNR, nr = Mg - n0 < QF_FNR ? Mg - n0 : QF_FNR;
    for (size_t k0 = 0, kb = qf_fkb(K); k0 < K; k0 += kb) {
      const size_t kc = K - k0 < kb ? K - k0 : kb;
      const qf_fb b = {Bt + (q * K + k0) * QF_FNR, QF_FNR, NULL};
      for (size_t m = 0; m < slots; m += (size_t)rows) {
        /* the next k block of b, a third of its columns by each tile in turn */
        const float *pf = k0 + kc < K ? b.p + kc * QF_FNR + m / (size_t)rows % QF_FNV * QF_FVL : NULL;
        qf_ftile(rows, kc, planes, 0, 0, (size_t)rows, b, ct + m * ld + (q - q0) * QF_FNR, ld, P - m < (size_t)rows ? P - m : (size_t)rows, nr,
                 k0 == 0, NULL, pf, QF_FNR, pos + m, off + k0);
      }
    }
  }
}
static void qf_fconvt_full(size_t P, size_t slots, size_t K, size_t Mg, const float *planes, const int32_t *pos, const int32_t *off,
                           const float *Bt, size_t q0, size_t q1, float *ct, size_t ld) {
  qf_fconvt_panels(QF_FMR, P, slots, K, Mg, planes, pos, off, Bt, q0, q1, ct, ld);
}
static void qf_fconvt_less(size_t P, size_t slots, size_t K, size_t Mg, const float *planes, const int32_t *pos, const int32_t *off,
                           const float *Bt, size_t q0, size_t q1, float *ct, size_t ld) {
  qf_fconvt_panels(QF_FMR > 1 ? QF_FMR - 1 : 1, P, slots, K, Mg, planes, pos, off, Bt, q0, q1, ct, ld);
}

void qf_fconvt_run(const qf_fconv *p, size_t chunks, size_t c0, size_t c1, const float *x, const float *Wt, const float *b,
                   float *y, float *scratch) {
  const size_t Cg = (size_t)(p->C / p->G), Mg = (size_t)(p->M / p->G), P = (size_t)p->OH * p->OW, OW = (size_t)p->OW;
  const size_t K = Cg * p->KH * p->KW, nq = (Mg + QF_FNR - 1) / QF_FNR, mr = (size_t)qf_fconvt_mr(p), slots = (P + mr - 1) / mr * mr;
  const qf_fphase f = qf_fphase_of(p);
  const size_t slack = QF_FNR + (size_t)(p->KW - 1) * p->DW;
  int32_t *off = (int32_t *)(scratch + Cg * (size_t)p->SH * (size_t)p->SW * f.Hq * f.Wq + slack), *pos = off + K;
  float *ct = (float *)(pos + slots); /* the product, pixels x the chunk's channels */
  qf_fconv_offsets(p, f, K, off);
  for (size_t s = 0; s < slots; s++) { /* output pixel s at its phase-grid column; the slots past P repeat the last */
    const size_t t = s < P ? s : P - 1;
    pos[s] = (int32_t)(t / OW * f.Wq + t % OW);
  }
  size_t packed = (size_t)-1;
  for (size_t cell = c0; cell < c1; cell++) {
    const size_t chunk = cell % chunks, ng = cell / chunks, g = ng % (size_t)p->G, n = ng / (size_t)p->G;
    const size_t q0 = nq * chunk / chunks, q1 = nq * (chunk + 1) / chunks, ld = (q1 - q0) * QF_FNR;
    if (q0 == q1) continue;
    if (ng != packed) qf_fpad_planes(p, Cg, x + (n * (size_t)p->C + g * Cg) * p->H * p->W, slack, scratch);
    packed = ng;
    if (mr == QF_FMR) qf_fconvt_full(P, slots, K, Mg, scratch, pos, off, Wt + g * nq * K * QF_FNR, q0, q1, ct, ld);
    else qf_fconvt_less(P, slots, K, Mg, scratch, pos, off, Wt + g * nq * K * QF_FNR, q0, q1, ct, ld);
    const size_t m1 = q1 * QF_FNR < Mg ? q1 * QF_FNR : Mg;
    for (size_t m = q0 * QF_FNR; m < m1; m++) {
      float *yp = y + (n * (size_t)p->M + g * Mg + m) * P;
      const float *src = ct + (m - q0 * QF_FNR), bias = b ? b[g * Mg + m] : 0.0f;
      const float lo = p->lo, hi = p->hi;
      for (size_t t = 0; t < P; t++) {
        float v = b ? src[t * ld] + bias : src[t * ld];
        v = v < lo ? lo : v;
        yp[t] = v > hi ? hi : v;
      }
      /* the fused residual add (qf_fconv.res) */
      if (p->res) qf_fres_store(p, P, yp, p->res + (n * (size_t)p->M + g * Mg + m) * P, yp);
    }
  }
}

static void qf_fepilogue(size_t n, const float *b, float lo, float hi, float *y) {
  const float bias = b ? *b : 0.0f;
  for (size_t t = 0; t < n; t++) {
    float v = b ? y[t] + bias : y[t];
    v = v < lo ? lo : v;
    y[t] = v > hi ? hi : v;
  }
}

size_t qf_fdeconv_cells(const qf_fconv *p, size_t chunks) { return (size_t)p->N * p->G * chunks; }

/* Scatters the GEMM block (row t = input pixel p0 + t, row stride ld; columns (m, i, j) of the output
   channels [m0, m1) from `cols`) into the channel planes of yg: pixel by pixel, so the block is read in
   order and the writes land in a few rows of each plane. */
static void qf_col2im(const qf_fconv *p, size_t m0, size_t m1, const float *cols, size_t ld, size_t p0, size_t np, float *yg) {
  const size_t KK = (size_t)p->KH * p->KW, P = (size_t)p->OH * p->OW;
  for (size_t t = 0; t < np; t++) {
    const int32_t ih = (int32_t)((p0 + t) / p->W), iw = (int32_t)((p0 + t) % p->W);
    for (int32_t i = 0; i < p->KH; i++) {
      const int32_t oh = ih * p->SH + i * p->DH - p->PT;
      if (oh < 0 || oh >= p->OH) continue;
      int32_t lo, hi; /* taps j whose output column iw·SW - PL + j·DW is inside */
      qf_cols_inside(p->KW, p->DW, iw * p->SW - p->PL, p->OW, &lo, &hi);
      const int32_t ow0 = iw * p->SW - p->PL; /* tap j writes column ow0 + j·DW */
      const float *c = cols + t * ld + (size_t)i * p->KW;
      float *yr = yg + m0 * P + (size_t)oh * p->OW;
      for (size_t m = m0; m < m1; m++, c += KK, yr += P)
        for (int32_t j = lo; j < hi; j++) yr[ow0 + j * p->DW] += c[j];
    }
  }
}

void qf_fdeconv_run(const qf_fconv *p, size_t pb, size_t chunks, size_t c0, size_t c1, const float *x, const float *W,
                    const float *b, float *y, float *scratch) {
  const size_t Cg = (size_t)(p->C / p->G), Mg = (size_t)(p->M / p->G), KK = (size_t)p->KH * p->KW, R = Mg * KK;
  const size_t HW = (size_t)p->H * p->W, P = (size_t)p->OH * p->OW, nq = (R + QF_FNR - 1) / QF_FNR;
  for (size_t cell = c0; cell < c1; cell++) {
    const size_t chunk = cell % chunks, g = cell / chunks % (size_t)p->G, n = cell / chunks / (size_t)p->G;
    const size_t m0 = Mg * chunk / chunks, m1 = Mg * (chunk + 1) / chunks;
    if (m0 == m1) continue;
    const size_t q0 = m0 * KK / QF_FNR, q1 = (m1 * KK + QF_FNR - 1) / QF_FNR, ld = (q1 - q0) * QF_FNR;
    const float *xg = x + (n * (size_t)p->C + g * Cg) * HW;
    float *yg = y + (n * (size_t)p->M + g * Mg) * P;
    memset(yg + m0 * P, 0, (m1 - m0) * P * sizeof(float));
    for (size_t p0 = 0; p0 < HW; p0 += pb) {
      const size_t np = HW - p0 < pb ? HW - p0 : pb;
      /* the block's columns [q0·NR, q1·NR) of x^T (pixels x Cg, read in place) times W (Cg x R) */
      qf_fgemm_cols(np, R, Cg, xg + p0, 1, HW, np, 0, W + g * nq * Cg * QF_FNR, NULL, -INFINITY, INFINITY, scratch, ld, q0, q1);
      qf_col2im(p, m0, m1, scratch + (m0 * KK - q0 * QF_FNR), ld, p0, np, yg);
    }
    for (size_t m = m0; m < m1; m++) qf_fepilogue(P, b ? b + g * Mg + m : NULL, p->lo, p->hi, yg + m * P);
  }
}

void qf_fpack_rows(size_t G, size_t R, size_t K, const float *src, size_t gs, size_t rs, size_t ks, float *out) {
  const size_t npan = (R + QF_FMR - 1) / QF_FMR, kb = qf_fkb(K);
  for (size_t g = 0; g < G; g++)
    for (size_t k0 = 0; k0 < K; k0 += kb)
      for (size_t pn = 0; pn < npan; pn++)
        for (size_t k = k0; k < K && k < k0 + kb; k++)
          for (size_t i = 0; i < QF_FMR; i++) {
            const size_t r = pn * QF_FMR + i;
            *out++ = r < R ? src[g * gs + r * rs + k * ks] : 0.0f;
          }
}

void qf_fpack_cols(size_t G, size_t N, size_t K, const float *src, size_t gs, size_t ks, size_t ns, float *out) {
  for (size_t g = 0; g < G; g++)
    for (size_t n0 = 0; n0 < N; n0 += QF_FNR)
      for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < QF_FNR; j++) *out++ = n0 + j < N ? src[g * gs + k * ks + (n0 + j) * ns] : 0.0f;
}

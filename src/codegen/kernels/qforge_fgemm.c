/* qforge float GEMM family (see qforge_fgemm.h): one micro-kernel (qf_ftile) over the target's vector
 * type (qforge_fvec.h) and the drivers that feed it: im2col'ed convolution, transposed convolution
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
#define QF_UNROLL _Pragma("GCC unroll 16") /* register tile: every row/column loop fully unrolled */

typedef struct {
  const float *row_bias, *col_bias;
  float lo, hi;
} qf_fepi;

/* The micro-kernel: C[i][j] for i < mr, j < nr (at most rows x QF_FNR; rows = QF_FMR, or 1 for the rows
 * of a short tail, a constant at every call) += Σk<kc a[i·rs + k·cs]·b[k·QF_FNR + j], starting from 0
 * when `first`; `e` (the last k block) adds the biases and clamps. Rows at or past `arows` of a are
 * never read (row arows-1 is read again instead, its results dropped); b has all QF_FNR columns
 * (zero-padded panels). */
QF_AI void qf_ftile(const int rows, size_t kc, const float *a, size_t rs, size_t cs, size_t arows, const float *b, float *c, size_t ldc,
                    size_t mr, size_t nr, int first, const qf_fepi *e) {
  const float *ar[QF_FMR];
  qf_fv acc[QF_FMR][QF_FNV];
  float tmp[QF_FNR];
  QF_UNROLL for (int i = 0; i < rows; i++) ar[i] = a + (size_t)(i < (int)arows ? i : (int)arows - 1) * rs;
  QF_UNROLL for (int i = 0; i < rows; i++) QF_UNROLL for (int j = 0; j < QF_FNV; j++) acc[i][j] = qf_fv_zero();
  if (!first) {
    memset(tmp, 0, sizeof tmp);
    QF_UNROLL for (int i = 0; i < rows; i++) {
      if ((size_t)i >= mr) break;
      const float *src = c + (size_t)i * ldc;
      if (nr < QF_FNR) src = (const float *)memcpy(tmp, src, nr * sizeof(float));
      QF_UNROLL for (int j = 0; j < QF_FNV; j++) acc[i][j] = qf_fv_load(src + j * QF_FVL);
    }
  }
  for (size_t k = 0; k < kc; k++) {
    qf_fv bv[QF_FNV];
    QF_UNROLL for (int j = 0; j < QF_FNV; j++) bv[j] = qf_fv_load(b + k * QF_FNR + j * QF_FVL);
    QF_UNROLL for (int i = 0; i < rows; i++) {
      const qf_fv av = qf_fv_set1(ar[i][k * cs]);
      QF_UNROLL for (int j = 0; j < QF_FNV; j++) acc[i][j] = qf_fv_fma(acc[i][j], av, bv[j]);
    }
  }
  QF_UNROLL for (int i = 0; i < rows; i++) {
    if ((size_t)i >= mr) break;
    float *dst = nr < QF_FNR ? tmp : c + (size_t)i * ldc;
    QF_UNROLL for (int j = 0; j < QF_FNV; j++) {
      qf_fv v = acc[i][j];
      if (e) {
        if (e->row_bias) v = qf_fv_add(v, qf_fv_set1(e->row_bias[i]));
        if (e->col_bias) v = qf_fv_add(v, qf_fv_load(e->col_bias + j * QF_FVL));
        v = qf_fv_min(qf_fv_set1(e->hi), qf_fv_max(qf_fv_set1(e->lo), v));
      }
      qf_fv_store(dst + j * QF_FVL, v);
    }
    if (nr < QF_FNR) memcpy(c + (size_t)i * ldc, tmp, nr * sizeof(float));
  }
}

/* Row panels [pan0, pan1) of Ap (R rows in all, K deep) times the np columns of the column panels Bp;
   panel pan0's first row lands in row 0 of C. */
static void qf_fgemm_rows(size_t K, const float *Ap, size_t pan0, size_t pan1, size_t R, const float *Bp, size_t np,
                          float *C, size_t ldc, const float *row_bias, float lo, float hi) {
  const size_t nq = (np + QF_FNR - 1) / QF_FNR, npan = (R + QF_FMR - 1) / QF_FMR;
  for (size_t k0 = 0; k0 < K; k0 += QF_FKC) {
    const size_t kc = K - k0 < QF_FKC ? K - k0 : QF_FKC;
    for (size_t q = 0; q < nq; q++) {
      const size_t nr = np - q * QF_FNR < QF_FNR ? np - q * QF_FNR : QF_FNR;
      const float *bq = Bp + (q * K + k0) * QF_FNR;
      for (size_t pn = pan0; pn < pan1; pn++) {
        const size_t r = pn * QF_FMR, mr = R - r < QF_FMR ? R - r : QF_FMR;
        const qf_fepi e = {row_bias ? row_bias + r : NULL, NULL, lo, hi};
        qf_ftile(QF_FMR, kc, Ap + (k0 * npan + pn * kc) * QF_FMR, 1, QF_FMR, QF_FMR, bq, C + (r - pan0 * QF_FMR) * ldc + q * QF_FNR, ldc,
                 mr, nr, k0 == 0, k0 + kc == K ? &e : NULL);
      }
    }
  }
}

/* Column panels [q0, q1) of Bp times A, whose rows come in panels of `pan` rows `ps` floats apart
   (element (m, k) at A[(m / pan)·ps + (m % pan)·rs + k·cs]; pan = M for a plain matrix); column
   q0·QF_FNR lands in column 0 of Y. */
static void qf_fgemm_cols(size_t M, size_t N, size_t K, const float *A, size_t rs, size_t cs, size_t pan, size_t ps,
                          const float *Bp, const float *bias, float lo, float hi, float *Y, size_t ldy, size_t q0, size_t q1) {
  for (size_t q = q0; q < q1; q++) {
    const size_t n0 = q * QF_FNR, nr = N - n0 < QF_FNR ? N - n0 : QF_FNR;
    const qf_fepi e = {NULL, bias ? bias + n0 : NULL, lo, hi};
    for (size_t k0 = 0; k0 < K; k0 += QF_FKC) {
      const size_t kc = K - k0 < QF_FKC ? K - k0 : QF_FKC;
      const float *b = Bp + (q * K + k0) * QF_FNR;
      for (size_t p0 = 0; p0 < M; p0 += pan) {
        const size_t rows = M - p0 < pan ? M - p0 : pan;
        const float *ap = A + p0 / pan * ps + k0 * cs;
        float *yp = Y + p0 * ldy + (q - q0) * QF_FNR;
        for (size_t m = 0; m < rows; m += QF_FMR) {
          const float *a = ap + m * rs;
          float *y = yp + m * ldy;
          if (rows - m >= QF_FMR) qf_ftile(QF_FMR, kc, a, rs, cs, QF_FMR, b, y, ldy, QF_FMR, nr, k0 == 0, k0 + kc == K ? &e : NULL);
          else /* a short tail (a linear layer on one row): one row at a time, not a full tile of copies */
            for (size_t i = m; i < rows; i++, a += rs, y += ldy) qf_ftile(1, kc, a, rs, cs, 1, b, y, ldy, 1, nr, k0 == 0, k0 + kc == K ? &e : NULL);
        }
      }
    }
  }
}

void qf_fgemm_packed(size_t M, size_t N, size_t K, const float *A, size_t lda, const float *Bp, const float *bias,
                     float lo, float hi, float *Y, size_t ldy, size_t q0, size_t q1) {
  qf_fgemm_cols(M, N, K, A, lda, 1, M ? M : 1, 0, Bp, bias, lo, hi, Y + q0 * QF_FNR, ldy, q0, q1);
}

/* One panel row of im2col: QF_FNR slots of window corners (hs, ws) shifted by the tap (di, dj). */
static void qf_im2col_slots(const int32_t *restrict hs, const int32_t *restrict ws, int32_t di, int32_t dj, int32_t H, int32_t W,
                            const float *restrict xc, float *restrict d) {
  for (size_t l = 0; l < QF_FNR; l++) {
    const int32_t ih = hs[l] + di, iw = ws[l] + dj, in = (uint32_t)ih < (uint32_t)H && (uint32_t)iw < (uint32_t)W;
    const float v = xc[in ? ih * W + iw : 0]; /* an unconditional load: vectorisable */
    d[l] = in ? v : 0.0f;
  }
}

/* The np output pixels from p0 of one group's image as column panels [K][QF_FNR] (k = (c, i, j)),
   zeros for padding and for the slots past np. `at` (2 * slots int32) receives each slot's window
   corner (row, column; far outside the image for slots past np), so that per k every slot is one
   bounds test and one load, a loop the compiler vectorises (masked gathers on AVX-512/AVX2). */
static void qf_im2col_panels(const qf_fconv *p, const float *xg, size_t K, size_t p0, size_t np, float *out, int32_t *at) {
  const size_t KK = (size_t)p->KH * p->KW, slots = (np + QF_FNR - 1) / QF_FNR * QF_FNR;
  int32_t *ih0 = at, *iw0 = at + slots, oh = (int32_t)(p0 / p->OW), ow = (int32_t)(p0 % p->OW);
  for (size_t s = 0; s < slots; s++) {
    ih0[s] = s < np ? oh * p->SH - p->PT : INT32_MIN / 2;
    iw0[s] = ow * p->SW - p->PL;
    if (++ow == p->OW) ow = 0, oh++;
  }
  if (p->KH == 1 && p->KW == 1 && p->SH == 1 && p->SW == 1 && p->PT == 0 && p->PL == 0 && p->OW == p->W) {
    /* pointwise: output pixel p is input pixel p, so a panel row is a copy */
    for (size_t k = 0; k < K; k++)
      for (size_t s0 = 0; s0 < slots; s0 += QF_FNR) {
        const size_t n = np - s0 < QF_FNR ? np - s0 : QF_FNR;
        float *d = out + s0 * K + k * QF_FNR;
        memcpy(d, xg + k * p->H * p->W + p0 + s0, n * sizeof(float));
        memset(d + n, 0, (QF_FNR - n) * sizeof(float));
      }
    return;
  }
  for (size_t k = 0; k < K; k++) {
    const int32_t di = (int32_t)(k / p->KW % p->KH) * p->DH, dj = (int32_t)(k % p->KW) * p->DW;
    const float *xc = xg + k / KK * p->H * p->W;
    for (size_t s0 = 0; s0 < slots; s0 += QF_FNR) qf_im2col_slots(ih0 + s0, iw0 + s0, di, dj, p->H, p->W, xc, out + s0 * K + k * QF_FNR);
  }
}

size_t qf_fconv_cells(const qf_fconv *p, size_t pb, size_t chunks) {
  const size_t P = (size_t)p->OH * p->OW;
  return (size_t)p->N * p->G * ((P + pb - 1) / pb) * chunks;
}

void qf_fconv_run(const qf_fconv *p, size_t pb, size_t chunks, size_t c0, size_t c1, const float *x, const float *W,
                  const float *b, float *y, float *scratch) {
  const size_t Cg = (size_t)(p->C / p->G), Mg = (size_t)(p->M / p->G), P = (size_t)p->OH * p->OW;
  const size_t K = Cg * p->KH * p->KW, nb = (P + pb - 1) / pb, npan = (Mg + QF_FMR - 1) / QF_FMR;
  size_t packed = (size_t)-1; /* the (image, group, block) whose columns are in scratch */
  for (size_t cell = c0; cell < c1; cell++) {
    const size_t chunk = cell % chunks, blk = cell / chunks, bi = blk % nb, g = blk / nb % (size_t)p->G, n = blk / nb / (size_t)p->G;
    const size_t p0 = bi * pb, np = P - p0 < pb ? P - p0 : pb;
    if (blk != packed) qf_im2col_panels(p, x + (n * (size_t)p->C + g * Cg) * p->H * p->W, K, p0, np, scratch, (int32_t *)(scratch + K * pb));
    packed = blk;
    const size_t pan0 = npan * chunk / chunks, pan1 = npan * (chunk + 1) / chunks;
    float *yg = y + (n * (size_t)p->M + g * Mg + pan0 * QF_FMR) * P + p0;
    qf_fgemm_rows(K, W + g * npan * K * QF_FMR, pan0, pan1, Mg, scratch, np, yg, P, b ? b + g * Mg : NULL, p->lo, p->hi);
  }
}

size_t qf_fconvt_cells(const qf_fconv *p, size_t chunks) { return (size_t)p->N * p->G * chunks; }

void qf_fconvt_run(const qf_fconv *p, size_t chunks, size_t c0, size_t c1, const float *x, const float *Wt, const float *b,
                   float *y, float *scratch) {
  const size_t Cg = (size_t)(p->C / p->G), Mg = (size_t)(p->M / p->G), P = (size_t)p->OH * p->OW;
  const size_t K = Cg * p->KH * p->KW, slots = (P + QF_FNR - 1) / QF_FNR * QF_FNR, nq = (Mg + QF_FNR - 1) / QF_FNR;
  float *ct = scratch + (K + 2) * slots; /* the product, pixels x the chunk's channels */
  size_t packed = (size_t)-1;
  for (size_t cell = c0; cell < c1; cell++) {
    const size_t chunk = cell % chunks, ng = cell / chunks, g = ng % (size_t)p->G, n = ng / (size_t)p->G;
    const size_t q0 = nq * chunk / chunks, q1 = nq * (chunk + 1) / chunks, ld = (q1 - q0) * QF_FNR;
    if (q0 == q1) continue;
    if (ng != packed) qf_im2col_panels(p, x + (n * (size_t)p->C + g * Cg) * p->H * p->W, K, 0, P, scratch, (int32_t *)(scratch + K * slots));
    packed = ng;
    /* im2col panel row k holds QF_FNR pixels: pixel m is at (m / QF_FNR)·K·QF_FNR + m % QF_FNR + k·QF_FNR */
    qf_fgemm_cols(P, Mg, K, scratch, 1, QF_FNR, QF_FNR, K * QF_FNR, Wt + g * nq * K * QF_FNR, NULL, -INFINITY, INFINITY, ct, ld, q0, q1);
    const size_t m1 = q1 * QF_FNR < Mg ? q1 * QF_FNR : Mg;
    for (size_t m = q0 * QF_FNR; m < m1; m++) {
      float *yp = y + (n * (size_t)p->M + g * Mg + m) * P;
      const float *src = ct + (m - q0 * QF_FNR), bias = b ? b[g * Mg + m] : 0.0f;
      for (size_t t = 0; t < P; t++) {
        float v = b ? src[t * ld] + bias : src[t * ld];
        v = v < p->lo ? p->lo : v;
        yp[t] = v > p->hi ? p->hi : v;
      }
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
  const size_t npan = (R + QF_FMR - 1) / QF_FMR;
  for (size_t g = 0; g < G; g++)
    for (size_t k0 = 0; k0 < K; k0 += QF_FKC)
      for (size_t pn = 0; pn < npan; pn++)
        for (size_t k = k0; k < K && k < k0 + QF_FKC; k++)
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

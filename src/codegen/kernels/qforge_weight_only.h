/* qforge weight-only linear (qlinear_weight_only): int8 or int4 weights with per-row or per-group
   scales, dequantized panel by panel into a float scratch block inside the GEMM. Portable C99 loops
   (one file for every target; clang vectorises the 16-wide panel loops). Bit-exact with the
   interpreter: it sums exactly as the interpreter's gemm does (float64, k in order within blocks of
   QF_WO_KC, the block sums added in order), which products of two floats make exact in any lane
   order. */
#ifndef QFORGE_WEIGHT_ONLY_H
#define QFORGE_WEIGHT_ONLY_H
#include <stddef.h>
#include <stdint.h>

#define QF_WO_NR 16  /* output rows per panel */
#define QF_WO_KC 256 /* the interpreter's K block (src/ir/compute/gemm.ts KC) */

/* Weights [N][K] in panels of QF_WO_NR rows (the last one padded with zero weights, scale 1):
   panel p holds k-major [K][QF_WO_NR] int8 values (bits 8), or [K][QF_WO_NR/2] bytes (bits 4: row
   j < 8 in the low nibble of byte j, row 8 + j in its high nibble, two's complement). Scales and zero points per panel and
   group: [N/NR][K/G][QF_WO_NR]. Unsigned weights are stored shifted to signed (q - 128 / q - 8,
   zero points too), which leaves q - zp unchanged. */
typedef struct {
  int32_t N, K, G, bits;
  const void *w;
  const float *scale;     /* float32 scales, or NULL when scale64 is given */
  const double *scale64;  /* scales that are not float32 values (the interpreter multiplies in double) */
  const int8_t *zp;       /* NULL: all zero */
  const float *b;         /* bias [N] or NULL */
  double alpha, beta, lo, hi;
} qf_wo_linear;

/* y[r][n] = clamp(fround(alpha·Σk x[r][k]·W[n][k] + beta·b[n]), lo, hi) for r < R; x is [R][K].
   scratch: min(K, QF_WO_KC)·QF_WO_NR floats (the dequantized block), then R·QF_WO_NR doubles
   (8-byte aligned). */
void qf_wo_linear_run(const qf_wo_linear *p, size_t R, const float *x, float *y, void *scratch);
/* The same for output columns [p0·QF_WO_NR, p1·QF_WO_NR) only (panels p0..p1-1): each column's bytes
   do not depend on which panels are computed together (qf_par_wo_linear splits over them). */
void qf_wo_linear_panels(const qf_wo_linear *p, size_t R, const float *x, float *y, void *scratch, size_t p0, size_t p1);

#endif

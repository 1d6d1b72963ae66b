/* Float depthwise convolution (C = M = G, NCHW float32; declared in qforge_fgemm.h), written once
 * against qforge_fvec.h.
 *
 * Per plane (image, channel) the input is zero-padded into scratch and split by stride phase in both
 * directions: padded row R, column X goes to phase plane (R % SH, X % SW) at row R / SH, column X / SW
 * (every phase plane Hq x Wq floats). Output (oh, ow) then reads, for tap (i, j), the phase plane of
 * (i·DH % SH, j·DW % SW) at (oh + i·DH / SH, ow + j·DW / SW): with t = oh·Wq + ow, a fixed offset from
 * t. So the whole output plane is one flat run of t (the columns ow >= OW of each row are junk,
 * dropped when the rows are copied out): taps x vectors of fused multiply-adds with no per-row tail,
 * which keeps small planes (7x7, 14x14) as busy as large ones. Large planes go in bands of output rows
 * (their phase-plane rows, halo included, and outputs about 16 KiB: L1-resident), each band split and
 * run the same way.
 *
 * Every output is one chain of fused multiply-adds over the taps in (i, j) order, started from 0,
 * padding included (it adds w·0), then + bias and the clamp: the same for every thread split. */
#include <string.h>
#include "qforge_fgemm.h"
#include "qforge_fvec.h"

#define QF_AI static inline __attribute__((always_inline))
#define QF_UNROLL _Pragma("GCC unroll 16")
#define QF_FDW_BLOCK 64 /* outputs a step (float.ts sizes the scratch with it) */
#define QF_DWU (QF_FDW_BLOCK / QF_FVL) /* vectors a step: independent accumulator chains */
#define QF_DW_BAND_FLOATS 4096 /* scratch a band of output rows aims at (16 KiB) */

typedef struct {
  size_t Wq;    /* phase plane columns */
  size_t B, Hb; /* output rows a band; phase plane rows a band: B + the window's extra rows */
  size_t plane; /* Hb·Wq: floats a phase plane */
} qf_dwgeo;

/* Bands of B output rows: B·(SH·SW + 1)·Wq floats of phase rows and outputs near QF_DW_BAND_FLOATS. The
   scratch float.ts sizes for a whole plane (B = OH) holds any band. */
static qf_dwgeo qf_dw_geo(const qf_fconv *p) {
  qf_dwgeo g;
  g.Wq = (size_t)(p->W + p->PL + p->PR + p->SW - 1) / (size_t)p->SW;
  g.B = QF_DW_BAND_FLOATS / (((size_t)p->SH * p->SW + 1) * g.Wq);
  g.B = g.B < 1 ? 1 : g.B > (size_t)p->OH ? (size_t)p->OH : g.B;
  g.Hb = g.B + (size_t)((p->KH - 1) * p->DH / p->SH);
  g.plane = g.Hb * g.Wq;
  return g;
}

/* n floats from src to dst in vectors, the tail a partial one (a libc call costs more than a short row). */
QF_AI void qf_dw_copy(size_t n, const float *src, float *dst) {
  size_t i = 0;
  for (; i + QF_FVL <= n; i += QF_FVL) qf_fv_store(dst + i, qf_fv_load(src + i));
  if (i < n) qf_fv_store_n(dst + i, qf_fv_load_n(src + i, n - i), n - i);
}

/* The padded rows of band oh0 (phase rows [0, rows)) into its phase planes (see the top of the file):
   image rows copied (their padding columns are never written, zero from the start), padding rows zeroed. */
static void qf_dw_split(const qf_fconv *p, const qf_dwgeo *g, size_t oh0, size_t rows, const float *xp, float *s) {
  const size_t SH = (size_t)p->SH, SW = (size_t)p->SW;
  for (size_t r = 0; r < rows; r++)
    for (size_t rp = 0; rp < SH; rp++) {
      const int32_t h = (int32_t)((oh0 + r) * SH + rp) - p->PT; /* image row, or padding */
      float *d = s + rp * SW * g->plane + r * g->Wq;
      if (h < 0 || h >= p->H)
        for (size_t cp = 0; cp < SW; cp++) memset(d + cp * g->plane, 0, g->Wq * sizeof(float));
      else if (SW == 1) qf_dw_copy((size_t)p->W, xp + (size_t)h * (size_t)p->W, d + p->PL);
      else qf_f_phase_row(xp + (size_t)h * (size_t)p->W, p->W, p->PL, p->SW, d, g->plane);
    }
}

/* The flat output run [0, L) of one band into out (whole blocks): KH, KW, SH, SW, DH, DW are
 * constants where the caller specialises (3x3), so the tap loops unroll. */
QF_AI void qf_dw_run(const int32_t KH, const int32_t KW, const int32_t SH, const int32_t SW, const int32_t DH, const int32_t DW,
                     const qf_dwgeo *g, size_t L, const float *s, const float *wc, float bias, int has_bias, float lo_, float hi_,
                     float *out) {
  const qf_fv lo = qf_fv_set1(lo_), hi = qf_fv_set1(hi_), bv = qf_fv_set1(bias);
  for (size_t t = 0; t < L; t += QF_FDW_BLOCK) {
    qf_fv acc[QF_DWU];
    QF_UNROLL for (int u = 0; u < QF_DWU; u++) acc[u] = qf_fv_zero();
    int32_t rp = 0, dr = 0; /* tap row i·DH = dr·SH + rp */
    QF_UNROLL for (int32_t i = 0; i < KH; i++) {
      int32_t cp = 0, dc = 0; /* tap column j·DW = dc·SW + cp */
      QF_UNROLL for (int32_t j = 0; j < KW; j++) {
        const float *src = s + (size_t)(rp * SW + cp) * g->plane + (size_t)dr * g->Wq + (size_t)dc + t;
        const qf_fv wv = qf_fv_set1(wc[i * KW + j]);
        QF_UNROLL for (int u = 0; u < QF_DWU; u++) acc[u] = qf_fv_fma(acc[u], wv, qf_fv_load(src + u * QF_FVL));
        for (cp += DW; cp >= SW; cp -= SW) dc++;
      }
      for (rp += DH; rp >= SH; rp -= SH) dr++;
    }
    QF_UNROLL for (int u = 0; u < QF_DWU; u++) {
      const qf_fv v = has_bias ? qf_fv_add(acc[u], bv) : acc[u];
      qf_fv_store(out + t + (size_t)u * QF_FVL, qf_fv_min(hi, qf_fv_max(lo, v)));
    }
  }
}

void qf_fdwconv(const qf_fconv *p, size_t q0, size_t q1, const float *x, const float *w, const float *b, float *y,
                float *scratch) {
  const qf_dwgeo g = qf_dw_geo(p);
  const size_t KK = (size_t)p->KH * p->KW, planes = (size_t)p->SH * p->SW * g.plane, OW = (size_t)p->OW, OH = (size_t)p->OH;
  float *out = scratch + planes + g.Wq + QF_FDW_BLOCK;
  /* padding columns and the over-read slack (junk lanes only) stay zero: bands rewrite image columns and padding rows */
  memset(scratch, 0, (planes + g.Wq + QF_FDW_BLOCK) * sizeof(float));
  const int k33 = p->KH == 3 && p->KW == 3 && p->DH == 1 && p->DW == 1;
  for (size_t q = q0; q < q1; q++) {
    const size_t c = q % (size_t)p->C;
    const float *wc = w + c * KK, *xq = x + q * (size_t)p->H * (size_t)p->W;
    const float bias = b ? b[c] : 0.0f;
    float *yq = y + q * OH * OW;
    for (size_t oh0 = 0; oh0 < OH; oh0 += g.B) {
      const size_t rows = OH - oh0 < g.B ? OH - oh0 : g.B, L = rows * g.Wq;
      qf_dw_split(p, &g, oh0, rows + (g.Hb - g.B), xq, scratch);
      if (k33 && p->SH == 1 && p->SW == 1) qf_dw_run(3, 3, 1, 1, 1, 1, &g, L, scratch, wc, bias, b != NULL, p->lo, p->hi, out);
      else if (k33 && p->SH == 2 && p->SW == 2) qf_dw_run(3, 3, 2, 2, 1, 1, &g, L, scratch, wc, bias, b != NULL, p->lo, p->hi, out);
      else qf_dw_run(p->KH, p->KW, p->SH, p->SW, p->DH, p->DW, &g, L, scratch, wc, bias, b != NULL, p->lo, p->hi, out);
      for (size_t r = 0; r < rows; r++) qf_dw_copy(OW, out + r * g.Wq, yq + (oh0 + r) * OW);
    }
  }
}

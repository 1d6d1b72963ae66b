/* qforge float GEMM family (qforge_fgemm.c): float32 convolution, linear layers, depthwise and
 * transposed convolution on weights packed at compile time (src/codegen/ops/fpack.ts), one register-
 * blocked micro-kernel written once against qforge_fvec.h. Activations are NCHW float32.
 *
 * Packed layouts (QF_FMR x QF_FNR is the target's float tile, in qforge_config.h):
 *  - row panels (convolution weights, the GEMM's left operand): per group, per k block (QF_FKC, or all K
 *    up to 1.25·QF_FKC: qf_fkb),
 *    ceil(R / QF_FMR) panels of [kc][QF_FMR] floats (row r at k*QF_FMR + r), zero rows past R;
 *    R = output channels, K = C/G*KH*KW the reduction. k-block-major, so that one sweep of the
 *    panels over a k block reads the weights as one sequential stream;
 *  - column panels (linear and conv_transpose weights, the right operand): per group,
 *    ceil(N / QF_FNR) panels of [K][QF_FNR].
 *
 * Every output is one chain of fused multiply-adds over k = 0..K-1 in order, started from 0, then
 * + bias and the clamp, whatever tile, panel, block or thread computes it: so results are the same
 * for every split (threads) and differ from the interpreter's float64 sum only by float32 rounding. */
#ifndef QFORGE_FGEMM_H
#define QFORGE_FGEMM_H
#include <stddef.h>
#include <stdint.h>
#include "qforge_runtime.h"

/* Convolution on row-panel weights W: the GEMM (output channels x K, K = C/G*KH*KW) times K x columns,
 * by blocks of pb columns (a multiple of QF_FNR). The work is cut into cells: image x group x column block
 * x channel chunk (`chunks` chunks of the output-channel panels); qf_fconv_run computes cells [c0, c1).
 * An implicit GEMM, no im2col: a pointwise convolution without padding or stride reads the input planes
 * in place (columns = pixels; scratch: K * QF_FNR floats for the last partial panel); any other reads a
 * zero-padded copy of the group's planes split by stride phase (SH*SW phase planes of Hq x Wq per
 * channel, Hq = ceil((H + PT + PB) / SH), Wq = ceil((W + PL + PR) / SW)): columns are the OH * Wq
 * positions of the phase grid, tap (c, i, j) at the fixed offset ((c*SH + i*DH % SH)*SW + j*DW % SW)*Hq*Wq
 * + i*DH / SH * Wq + j*DW / SW from its column, the Wq - OW columns past each output row computed and
 * dropped; scratch: Cg*SH*SW*Hq*Wq + QF_FNR + (KW-1)*DW floats (planes, slack) + K int32 (offsets) +
 * ceil(Mg / QF_FMR)*QF_FMR * pb floats (the block's output). A depthwise convolution (C = M = G) takes
 * qf_fdwconv instead. */
size_t qf_fconv_cells(const qf_fconv *p, size_t pb, size_t chunks);
void qf_fconv_run(const qf_fconv *p, size_t pb, size_t chunks, size_t c0, size_t c1, const float *x, const float *W,
                  const float *b, float *y, float *scratch);

/* The same convolution with the output pixels as the tile's rows and the channels as its columns (few
 * pixels: the phase grid's dropped columns and a partial column panel would waste more): an implicit GEMM
 * on the same phase planes, tile rows reading their pixel's phase-grid position plus the tap's offset;
 * qf_fconvt_mr(p) rows a tile (QF_FMR, or QF_FMR - 1 where that divides the pixels and QF_FMR does not:
 * ResNet's 7x7 = 49); weights as column panels of W^T (per group K x Mg); cells: image x group x chunk of
 * the column panels; scratch: the planes and slack as above + K + slots int32 (offsets, pixel positions)
 * + slots * ceil(Mg / QF_FNR) * QF_FNR floats (the product), slots = ceil(P / mr) * mr. */
int qf_fconvt_mr(const qf_fconv *p);
size_t qf_fconvt_cells(const qf_fconv *p, size_t chunks);
void qf_fconvt_run(const qf_fconv *p, size_t chunks, size_t c0, size_t c1, const float *x, const float *Wt, const float *b,
                   float *y, float *scratch);

/* Depthwise convolution (C = M = G), plain [C][KH*KW] weights, planes (image, channel) [q0, q1), in
 * qforge_fdwconv.c: per plane (in bands of output rows on large planes) the zero-padded input split by stride
 * phase in rows and columns, then one flat run of fused multiply-adds over the band; scratch (a whole plane's): SH*SW*Hq*Wq + Wq + 64 + ceil(OH*Wq / 64)*64
 * floats, Hq = ceil((H + PT + PB) / SH), Wq = ceil((W + PL + PR) / SW). */
void qf_fdwconv(const qf_fconv *p, size_t q0, size_t q1, const float *x, const float *w, const float *b, float *y,
                float *scratch);

/* Transposed convolution as a GEMM per block of pb input pixels (a multiple of QF_FMR): the block's
 * pixels x Cg (read in place from NCHW) times column-panel weights (per group Cg x R, R = Mg*KH*KW
 * columns (m, i, j)), then col2im; cells: image x group x chunk of `chunks` output-channel ranges;
 * scratch: pb * (ceil(R / QF_FNR) + 1) * QF_FNR floats. */
size_t qf_fdeconv_cells(const qf_fconv *p, size_t chunks);
void qf_fdeconv_run(const qf_fconv *p, size_t pb, size_t chunks, size_t c0, size_t c1, const float *x, const float *W,
                    const float *b, float *y, float *scratch);

/* Y[m][n] = clamp(Σk A[m][k]·B[k][n] + bias[n]) for the column panels [q0, q1) of column-panel weights
 * Bp; bias: ceil(N / QF_FNR) * QF_FNR floats or NULL. */
void qf_fgemm_packed(size_t M, size_t N, size_t K, const float *A, size_t lda, const float *Bp, const float *bias,
                     float lo, float hi, float *Y, size_t ldy, size_t q0, size_t q1);

/* Run-time packing, for weights that are not constants (the same layouts as fpack.ts): row panels of
 * G groups x R rows x K, element (g, r, k) at src[g*gs + r*rs + k*ks]; column panels of G groups x
 * N columns x K, element (g, k, n) at src[g*gs + k*ks + n*ns]. Sizes: G * ceil(R / QF_FMR) * QF_FMR * K
 * and G * ceil(N / QF_FNR) * QF_FNR * K floats. */
void qf_fpack_rows(size_t G, size_t R, size_t K, const float *src, size_t gs, size_t rs, size_t ks, float *out);
void qf_fpack_cols(size_t G, size_t N, size_t K, const float *src, size_t gs, size_t ks, size_t ns, float *out);
#endif /* QFORGE_FGEMM_H */

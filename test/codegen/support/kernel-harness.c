/* Differential harness for a target's SIMD kernels: runs every case of a binary case file (written by
 * test/codegen/support/kernel-cases.ts) through the qf_ref_* kernel on the plain weights and through the
 * target's qf_* kernel on its packed blob, and writes both full output buffers (row gaps and a guard zone
 * included) to the output file. Inputs carry QF_SLACK bytes of garbage after their end, so over-reads are
 * exercised; outputs start filled with a sentinel, so stray writes show up as differences. Depthwise cases also
 * run the target's channel-range kernels block by block, last block first (a block writing outside its channels
 * then spoils one already written), and exit 3 unless that equals the whole call byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qforge_kernels.h"

#define GUARD 64

static FILE *in, *out;

static uint32_t rd32(void) {
  uint32_t v;
  if (fread(&v, 4, 1, in) != 1) { fprintf(stderr, "short case file\n"); exit(2); }
  return v;
}

/* 64-byte aligned copy of n input bytes followed by QF_SLACK bytes of garbage. */
static void *rdbuf(size_t n, size_t slack) {
  size_t cap = (n + slack + 63) / 64 * 64;
  unsigned char *p = aligned_alloc(64, cap ? cap : 64);
  if (n && fread(p, 1, n, in) != n) { fprintf(stderr, "short case file\n"); exit(2); }
  for (size_t i = n; i < cap; i++) p[i] = (unsigned char)(0xA5 ^ (i * 37));
  return p;
}

static void *outbuf(size_t n) {
  unsigned char *p = aligned_alloc(64, (n + GUARD + 63) / 64 * 64);
  memset(p, 0x5A, n + GUARD);
  return p;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  in = fopen(argv[1], "rb");
  out = fopen(argv[2], "wb");
  if (!in || !out) return 2;
  const uint32_t ncases = rd32();
  for (uint32_t ci = 0; ci < ncases; ci++) {
    const uint32_t kind = rd32();
    if (kind <= 1) { /* 0: qgemm, 1: qgemm_i32 */
      const size_t M = rd32(), N = rd32(), K = rd32(), lda = rd32(), ldc = rd32();
      uint8_t *A = rdbuf(M * lda, QF_SLACK);
      void *Wp = rdbuf(N * K, 0);
      void *Wt = rdbuf(rd32(), 0);
      int32_t *bias = rdbuf(N * 4, 0);
      float *mult = rdbuf(N * 4, 0);
      qf_rq rq = {bias, mult, 0, 0, 0};
      rq.y_zp = (int32_t)rd32();
      rq.qmin = (int32_t)rd32();
      rq.qmax = (int32_t)rd32();
      const size_t bytes = M * ldc * (kind ? 4 : 1);
      void *r = outbuf(bytes), *t = outbuf(bytes);
      if (kind == 0) {
        qf_ref_qgemm(M, N, K, A, lda, Wp, &rq, r, ldc);
        qf_qgemm(M, N, K, A, lda, Wt, &rq, t, ldc);
      } else {
        qf_ref_qgemm_i32(M, N, K, A, lda, Wp, bias, r, ldc);
        qf_qgemm_i32(M, N, K, A, lda, Wt, bias, t, ldc);
      }
      fwrite(r, 1, bytes + GUARD, out);
      fwrite(t, 1, bytes + GUARD, out);
      free(A); free(Wp); free(Wt); free(bias); free(mult); free(r); free(t);
    } else { /* 2: qdwconv3x3, 3: qdwconv */
      qf_geom g;
      int32_t f[16];
      for (int i = 0; i < 16; i++) f[i] = (int32_t)rd32();
      memcpy(&g, f, sizeof g); /* H W C OH OW KH KW SH SW PT PL PB PR DH DW x_zp */
      const size_t C = (size_t)g.C, taps = (size_t)(g.KH * g.KW);
      uint8_t *x = rdbuf((size_t)g.H * g.W * C, QF_SLACK);
      void *Wp = rdbuf(taps * C, 0);
      void *Wt = rdbuf(rd32(), 0);
      int32_t *bias = rdbuf(C * 4, 0);
      float *mult = rdbuf(C * 4, 0);
      qf_rq rq = {bias, mult, 0, 0, 0};
      rq.y_zp = (int32_t)rd32();
      rq.qmin = (int32_t)rd32();
      rq.qmax = (int32_t)rd32();
      const size_t bytes = (size_t)g.OH * g.OW * C;
      uint8_t *r = outbuf(bytes), *t = outbuf(bytes), *tb = outbuf(bytes);
      if (kind == 2) {
        qf_ref_qdwconv3x3(&g, x, Wp, &rq, r);
        qf_qdwconv3x3(&g, x, Wt, &rq, t);
      } else {
        qf_ref_qdwconv(&g, x, Wp, &rq, r);
        qf_qdwconv(&g, x, Wt, &rq, t);
      }
      for (int32_t c0 = (g.C - 1) / QF_DW_CBLK * QF_DW_CBLK; c0 >= 0; c0 -= QF_DW_CBLK) {
        const int32_t c1 = c0 + QF_DW_CBLK < g.C ? c0 + QF_DW_CBLK : g.C;
        if (kind == 2) qf_qdwconv3x3_ch(&g, x, Wt, &rq, tb, c0, c1);
        else qf_qdwconv_ch(&g, x, Wt, &rq, tb, c0, c1);
      }
      if (memcmp(t, tb, bytes + GUARD)) {
        fprintf(stderr, "case %u: channel blocks of %d differ from the whole call\n", ci, QF_DW_CBLK);
        return 3;
      }
      fwrite(r, 1, bytes + GUARD, out);
      fwrite(t, 1, bytes + GUARD, out);
      free(x); free(Wp); free(Wt); free(bias); free(mult); free(r); free(t); free(tb);
    }
  }
  fclose(out);
  printf("%u cases\n", ncases);
  return 0;
}

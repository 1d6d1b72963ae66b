/* qf_lut_u8 (y[i] = table[x[i]], the qlut kernel) for the AArch64 targets (neon, neon-dot): written
 * once and included by both kernel files after arm_neon.h. tbl/tbx look up 64 entries from four
 * registers; out-of-range lanes (>= 64) give 0 (tbl) or keep the previous result (tbx), so four
 * lookups of v, v - 64, v - 128, v - 192 (wrapping) cover the table: 4 lookups per 16 bytes.
 * x86 uses the reference byte loop: a 256-entry vpshufb lookup (16 shuffles per 32 bytes, with a
 * saturating-add or a blend tree to pick the block) measured no faster than it on Zen 3
 * (about 2 GB/s either way); AVX-512 VBMI's vpermb looks up 64 entries per instruction, but the
 * avx512-vnni target does not assume VBMI. */
#if defined(__ARM_NEON)
/* One table over n elements. */
static void qf_lut_run(size_t n, const uint8_t *x, const uint8_t *table, uint8_t *y) {
  const uint8x16x4_t t0 = vld1q_u8_x4(table), t1 = vld1q_u8_x4(table + 64), t2 = vld1q_u8_x4(table + 128),
                     t3 = vld1q_u8_x4(table + 192);
  const uint8x16_t k64 = vdupq_n_u8(64);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    uint8x16_t v = vld1q_u8(x + i);
    uint8x16_t r = vqtbl4q_u8(t0, v);
    v = vsubq_u8(v, k64);
    r = vqtbx4q_u8(r, t1, v);
    v = vsubq_u8(v, k64);
    r = vqtbx4q_u8(r, t2, v);
    v = vsubq_u8(v, k64);
    r = vqtbx4q_u8(r, t3, v);
    vst1q_u8(y + i, r);
  }
  for (; i < n; i++) y[i] = table[x[i]];
}

void qf_lut_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y) {
  if (inner < 16) { /* channels innermost (NHWC): nothing to vectorise per table */
    qf_ref_lut_u8(n, inner, C, x, table, y);
    return;
  }
  for (size_t o = 0; o < n; o += inner * C)
    for (size_t c = 0; c < C; c++) qf_lut_run(inner, x + o + c * inner, table + c * 256, y + o + c * inner);
}
#else
#error "qforge_lut.h is the AArch64 lookup (other targets use qf_ref_lut_u8)"
#endif

/* qf_lut_u8 (y[i] = table[c][x[i]], the qlut kernel) for the SIMD targets, written once per ISA
 * family and included by each target's kernel file after its intrinsics header. Each table covers
 * runs of `inner` elements (a plane per channel, or the whole tensor); channels innermost (NHWC,
 * inner = 1) leave nothing to vectorise per table and use the reference loop.
 *
 * x86 (avx2, avx512-vnni): AVX-512 VBMI (Ice Lake, Zen 4 and later) looks up 128 entries in one
 * vpermi2b, so two lookups and a blend on bit 7 give 64 results; neither target requires VBMI, so
 * the function is compiled for it alone and chosen at run time (__builtin_cpu_supports). Measured on
 * the dev Xeon (64 KiB, table in L1): 6.6-22 GB/s against 1.5-2.3 GB/s for the byte loop; a 256-entry
 * vpshufb lookup on AVX2 (16 shuffles per 32 bytes) measured 2.0-2.4 GB/s, no better than the loop,
 * so CPUs without VBMI keep the loop. The SIMDe build (AVX-512 emulated) keeps it too.
 * AArch64 (neon, neon-dot): tbl/tbx look up 64 entries from four registers; out-of-range lanes (>= 64)
 * give 0 (tbl) or keep the previous result (tbx), so four lookups of v, v - 64, v - 128, v - 192
 * (wrapping) cover the table. */
#if defined(__x86_64__) && !defined(QF_SIMDE)
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static void qf_lut_run(size_t n, const uint8_t *x, const uint8_t *table,
                                                                              uint8_t *y) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64), t2 = _mm512_loadu_si512(table + 128),
                t3 = _mm512_loadu_si512(table + 192);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i v = _mm512_loadu_si512(x + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1), hi = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_storeu_si512(y + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
  }
  for (; i < n; i++) y[i] = table[x[i]];
}
#define QF_LUT_VECTOR 64
#define QF_LUT_USABLE() __builtin_cpu_supports("avx512vbmi")
#elif defined(__ARM_NEON)
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

#define QF_LUT_VECTOR 16
#define QF_LUT_USABLE() 1
#endif

#ifdef QF_LUT_VECTOR
void qf_lut_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y) {
  if (inner < QF_LUT_VECTOR || !QF_LUT_USABLE()) {
    qf_ref_lut_u8(n, inner, C, x, table, y);
    return;
  }
  for (size_t o = 0; o < n; o += inner * C)
    for (size_t c = 0; c < C; c++) qf_lut_run(inner, x + o + c * inner, table + c * 256, y + o + c * inner);
}
#else /* the SIMDe build (AVX-512 emulated on AVX2) */
void qf_lut_u8(size_t n, size_t inner, size_t C, const uint8_t *x, const uint8_t *table, uint8_t *y) {
  qf_ref_lut_u8(n, inner, C, x, table, y);
}
#endif

/* qforge float vectors: the one abstraction the float kernels (qforge_fgemm.c) are written against.
 * qforge_config.h picks the ISA (QF_FVEC_AVX512, QF_FVEC_AVX2, QF_FVEC_NEON, else scalar) and the
 * GEMM register tile QF_FMR x QF_FNR, the same numbers the target's float packing used
 * (floatTile in src/codegen/targets). Every op is one instruction (or one C expression):
 *   qf_fv_zero(), qf_fv_set1(x), qf_fv_load(p), qf_fv_store(p, v) (unaligned), qf_fv_fma(acc, a, b)
 *   = acc + a*b (fused on SIMD targets, a multiply then an add in the scalar fallback, which
 *   -ffp-contract=off keeps apart), qf_fv_add, qf_fv_max(lo, v), qf_fv_min(hi, v) (both return v
 *   when v is NaN, as the scalar clamp `v < lo ? lo : v` does). */
#ifndef QFORGE_FVEC_H
#define QFORGE_FVEC_H
#include "qforge_config.h"

#if defined(QF_FVEC_AVX512)
#ifdef QF_SIMDE
#pragma clang diagnostic ignored "-Wpsabi"
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#else
#include <immintrin.h>
#endif
#define QF_FVL 16
typedef __m512 qf_fv;
#define qf_fv_zero() _mm512_setzero_ps()
#define qf_fv_set1(x) _mm512_set1_ps(x)
#define qf_fv_load(p) _mm512_loadu_ps(p)
#define qf_fv_store(p, v) _mm512_storeu_ps((p), (v))
#define qf_fv_fma(acc, a, b) _mm512_fmadd_ps((a), (b), (acc))
#define qf_fv_add(a, b) _mm512_add_ps((a), (b))
#define qf_fv_max(lo, v) _mm512_max_ps((lo), (v))
#define qf_fv_min(hi, v) _mm512_min_ps((hi), (v))

#elif defined(QF_FVEC_AVX2)
#include <immintrin.h>
#define QF_FVL 8
typedef __m256 qf_fv;
#define qf_fv_zero() _mm256_setzero_ps()
#define qf_fv_set1(x) _mm256_set1_ps(x)
#define qf_fv_load(p) _mm256_loadu_ps(p)
#define qf_fv_store(p, v) _mm256_storeu_ps((p), (v))
#define qf_fv_fma(acc, a, b) _mm256_fmadd_ps((a), (b), (acc))
#define qf_fv_add(a, b) _mm256_add_ps((a), (b))
#define qf_fv_max(lo, v) _mm256_max_ps((lo), (v))
#define qf_fv_min(hi, v) _mm256_min_ps((hi), (v))

#elif defined(QF_FVEC_NEON)
#include <arm_neon.h>
#define QF_FVL 4
typedef float32x4_t qf_fv;
#define qf_fv_zero() vdupq_n_f32(0.0f)
#define qf_fv_set1(x) vdupq_n_f32(x)
#define qf_fv_load(p) vld1q_f32(p)
#define qf_fv_store(p, v) vst1q_f32((p), (v))
#define qf_fv_fma(acc, a, b) vfmaq_f32((acc), (a), (b))
#define qf_fv_add(a, b) vaddq_f32((a), (b))
/* vmaxq/vminq give NaN when either operand is NaN: v's NaN survives, lo/hi are never NaN */
#define qf_fv_max(lo, v) vmaxq_f32((lo), (v))
#define qf_fv_min(hi, v) vminq_f32((hi), (v))

#else /* portable C: one float a "vector"; the compiler vectorises the unrolled tile rows itself */
#define QF_FVL 1
typedef float qf_fv;
#define qf_fv_zero() 0.0f
#define qf_fv_set1(x) (x)
#define qf_fv_load(p) (*(p))
#define qf_fv_store(p, v) (*(p) = (v))
#define qf_fv_fma(acc, a, b) ((acc) + (a) * (b))
#define qf_fv_add(a, b) ((a) + (b))
#define qf_fv_max(lo, v) ((v) < (lo) ? (lo) : (v))
#define qf_fv_min(hi, v) ((v) > (hi) ? (hi) : (v))
#endif

#if !defined(QF_FMR) || !defined(QF_FNR) || QF_FNR % QF_FVL != 0
#error "qforge_config.h must define the float tile QF_FMR x QF_FNR (QF_FNR a multiple of the vector length)"
#endif
#define QF_FNV (QF_FNR / QF_FVL) /* vectors across a tile row */

/* Partial vectors, the first n < QF_FVL lanes (rows shorter than a vector, row tails):
 *   qf_fv_load_n(p, n) reads p[0..n) only (the other lanes 0), qf_fv_store_n(p, v, n) writes p[0..n) only. */
#if defined(QF_FVEC_AVX512) && !defined(QF_SIMDE)
#define qf_fv_load_n(p, n) _mm512_maskz_loadu_ps((__mmask16)((1u << (n)) - 1), (p))
#define qf_fv_store_n(p, v, n) _mm512_mask_storeu_ps((p), (__mmask16)((1u << (n)) - 1), (v))
#elif defined(QF_FVEC_AVX2) /* vmaskmovps: masked-off lanes are neither read nor written */
#define qf_fv_mask_n(n) _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define qf_fv_load_n(p, n) _mm256_maskload_ps((p), qf_fv_mask_n(n))
#define qf_fv_store_n(p, v, n) _mm256_maskstore_ps((p), qf_fv_mask_n(n), (v))
#elif QF_FVL > 1 /* NEON (no masked memory access) and AVX-512 through SIMDe (no masked loads): a vector-sized buffer */
static inline qf_fv qf_fv_load_n(const float *p, size_t n) {
  float t[QF_FVL] = {0};
  for (size_t i = 0; i < n; i++) t[i] = p[i];
  return qf_fv_load(t);
}
static inline void qf_fv_store_n(float *p, qf_fv v, size_t n) {
  float t[QF_FVL];
  qf_fv_store(t, v);
  for (size_t i = 0; i < n; i++) p[i] = t[i];
}
#else /* one lane: a partial vector is empty */
#define qf_fv_load_n(p, n) ((void)(p), (void)(n), 0.0f)
#define qf_fv_store_n(p, v, n) ((void)(p), (void)(v), (void)(n))
#endif
#endif /* QFORGE_FVEC_H */

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
#endif /* QFORGE_FVEC_H */

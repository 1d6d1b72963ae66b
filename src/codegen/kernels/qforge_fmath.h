/* Float32 approximations of exp, erf and friends for the float fallback ops. Plain C with no
   libm calls and no branches, so clang vectorises the loops that call them on every target
   (AVX2, AVX-512, NEON). Error bounds against the float64 interpreter (the tests check them):
   qf_expf a few ulp (results below FLT_MIN flush to 0); qf_erff 2 ulp; sigmoid, tanh and gelu follow.
   Polynomials use fused multiply-adds where the ISA has them (QF_FMAF), so the last bits differ by target. */
#ifndef QFORGE_FMATH_H
#define QFORGE_FMATH_H
#include <stdint.h>
#include <string.h>

/* a·b + c, fused where the ISA has FMA (every SIMD target; the build's -ffp-contract=off never fuses
   on its own), else a multiply then an add (the portable c target). */
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define QF_FMAF(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define QF_FMAF(a, b, c) ((a) * (b) + (c))
#endif

static inline float qf_bits_to_f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t qf_f_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* e^x: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact product), a degree-6 minimax
   polynomial (Cephes expf) for e^r, then 2^n put into the exponent bits. Overflow gives +inf,
   underflow 0 (denormal results flush to 0), NaN stays NaN. */
/* e^r for |r| ≤ ln2/2: the degree-6 polynomial, in fused multiply-adds where the ISA has them. */
static inline float qf_exp_poly(float r) {
  float p = 1.9875691500e-4f;
  p = QF_FMAF(p, r, 1.3981999507e-3f);
  p = QF_FMAF(p, r, 8.3334519073e-3f);
  p = QF_FMAF(p, r, 4.1665795894e-2f);
  p = QF_FMAF(p, r, 1.6666665459e-1f);
  p = QF_FMAF(p, r, 5.0000001201e-1f);
  return QF_FMAF(p, r * r, r) + 1.0f;
}

static inline float qf_expf(float x) {
  const float hi = 88.72283935546875f, lo = -87.33654022216797f;
  /* NaN clamps to lo here (no float-to-int conversion of NaN) and is put back at the end */
  float xc = x < hi ? x : hi;
  xc = xc > lo ? xc : lo;
  const float n = __builtin_floorf(QF_FMAF(xc, 1.44269504088896341f, 0.5f));
  const float r = QF_FMAF(n, 2.12194440e-4f, QF_FMAF(n, -0.693359375f, xc));
  const float p = qf_exp_poly(r);
  /* n + 127 lies in [1, 255] here; 2^n = bits (n + 127) << 23, applied as two halves so n = 128 works. */
  const int32_t ni = (int32_t)n;
  const float s1 = qf_bits_to_f((uint32_t)((ni >> 1) + 127) << 23), s2 = qf_bits_to_f((uint32_t)(ni - (ni >> 1) + 127) << 23);
  float y = p * s1 * s2;
  y = x > hi ? __builtin_inff() : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;
}

/* erf(x) = x·P(x²)/Q(x²) on x clamped to [-4, 4] (|erf| rounds to 1 in float32 beyond), a
   rational minimax fit with odd numerator and even denominator (the coefficients are the widely
   used float32 set of Eigen and XNNPACK). */
static inline float qf_erff(float x) {
  float xc = x > 4.0f ? 4.0f : x;
  xc = xc < -4.0f ? -4.0f : xc;
  const float z = xc * xc;
  float p = -2.72614225801306e-10f;
  p = p * z + 2.77068142495902e-08f;
  p = p * z - 2.10102402082508e-06f;
  p = p * z - 5.69250639462346e-05f;
  p = p * z - 7.34990630326855e-04f;
  p = p * z - 2.95459980854025e-03f;
  p = p * z - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * z - 2.13374055278905e-04f;
  q = q * z - 1.68282697438203e-03f;
  q = q * z - 7.37332916720468e-03f;
  q = q * z - 1.42647390514189e-02f;
  float r = xc * p / q;
  r = r > 1.0f ? 1.0f : r; /* the fit overshoots 1 by an ulp or two near |x| = 4 */
  r = r < -1.0f ? -1.0f : r;
  return x != x ? x : r;
}

/* 1 / (1 + e^-x) from z = e^-|x| in (0, 1] (no overflow to handle): 1 / (1 + z) for x ≥ 0, z / (1 + z)
   below. e^t for t ≤ 0 needs one exponent scaling; t below -87.3 gives z ≈ 1.2e-38 (not the
   denormal or 0 of e^t): an absolute error under 1.2e-38. */
static inline float qf_sigmoidf(float x) {
  const float lo = -87.33654022216797f;
  float t = x < 0 ? x : -x;
  t = t > lo ? t : lo; /* NaN clamps to lo (no float-to-int conversion of NaN) and is put back at the end */
  const float n = __builtin_floorf(QF_FMAF(t, 1.44269504088896341f, 0.5f)); /* in [-126, 0] */
  const float r = QF_FMAF(n, 2.12194440e-4f, QF_FMAF(n, -0.693359375f, t));
  const float z = qf_exp_poly(r) * qf_bits_to_f((uint32_t)((int32_t)n + 127) << 23);
  const float inv = 1.0f / (1.0f + z);
  const float y = x < 0 ? z * inv : inv;
  return x != x ? x : y;
}

/* tanh(x) = sign(x)·(1 − 2 / (e^(2|x|) + 1)); absolute error a few 1e-8 near 0, where the
   result is small. */
static inline float qf_tanhf(float x) {
  const float ax = x < 0 ? -x : x;
  const float y = 1.0f - 2.0f / (qf_expf(2.0f * ax) + 1.0f);
  const float r = x < 0 ? -y : y;
  return x != x ? x : r;
}

static inline float qf_geluf(float x) { return 0.5f * x * (1.0f + qf_erff(x * 0.70710678118654752f)); }
static inline float qf_gelu_tanhf(float x) { return 0.5f * x * (1.0f + qf_tanhf(0.79788456080286535588f * (x + 0.044715f * x * x * x))); }

#endif /* QFORGE_FMATH_H */

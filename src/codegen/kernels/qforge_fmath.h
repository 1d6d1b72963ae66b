/* Float32 approximations of exp, erf and friends for the float fallback ops. Plain C with no
   libm calls and no branches, so clang vectorises the loops that call them on every target
   (AVX2, AVX-512, NEON). Error bounds against the float64 interpreter (the tests check them):
   qf_expf a few ulp (results below FLT_MIN flush to 0); qf_erff 2 ulp; sigmoid, tanh and gelu follow. */
#ifndef QFORGE_FMATH_H
#define QFORGE_FMATH_H
#include <stdint.h>
#include <string.h>

static inline float qf_bits_to_f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t qf_f_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* e^x: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact product), a degree-6 minimax
   polynomial (Cephes expf) for e^r, then 2^n put into the exponent bits. Overflow gives +inf,
   underflow 0 (denormal results flush to 0), NaN stays NaN. */
static inline float qf_expf(float x) {
  const float hi = 88.72283935546875f, lo = -87.33654022216797f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  const float n = __builtin_floorf(xc * 1.44269504088896341f + 0.5f);
  const float r = (xc - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
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

/* 1 / (1 + e^-x): e^-x overflows to inf for x < -88.7, giving 0 as it should. */
static inline float qf_sigmoidf(float x) { return 1.0f / (1.0f + qf_expf(-x)); }

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

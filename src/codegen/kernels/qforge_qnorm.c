/* qf_ref_qlayernorm (qforge_kernels.h; the op: src/ir/ops/quantized-norm.ts), the one implementation
 * of every target, plain loops the compiler vectorises. Its own file: the row's 1/sqrt needs libm,
 * which the int8 kernel files (and their standalone test harness) do without. */
#include <math.h>
#include "qforge_kernels.h"

void qf_ref_qlayernorm(size_t rows, size_t n, const uint8_t *x, double x_s, int32_t x_zp, double eps, const float *gamma,
                       const float *beta, float inv_y, int32_t y_zp, int32_t qmin, int32_t qmax, uint8_t *y) {
  const float lo = (float)(qmin - y_zp), hi = (float)(qmax - y_zp);
  for (size_t r = 0; r < rows; r++, x += n, y += n) {
    int64_t s1 = 0, s2 = 0;
    for (size_t k = 0; k < n; k++) {
      const int32_t d = (int32_t)x[k] - x_zp;
      s1 += d;
      s2 += d * d;
    }
    const double mu = (double)s1 / (double)n, var = (double)s2 / (double)n - mu * mu;
    const double rs = 1 / sqrt((var > 0 ? var : 0) * (x_s * x_s) + eps);
    const float a = (float)(x_s * rs), m = (float)mu;
    for (size_t k = 0; k < n; k++) {
      const float d = (float)((int32_t)x[k] - x_zp) - m;
      float v = (d * a * gamma[k] + beta[k]) * inv_y;
      v = v < lo ? lo : v;
      v = v > hi ? hi : v;
      y[k] = (uint8_t)((int32_t)((v + 12582912.0f) - 12582912.0f) + y_zp); /* rint (ties to even), as qf_round_store */
    }
  }
}

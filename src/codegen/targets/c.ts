// Portable C99: the reference kernels (qforge_kernels_ref.c) with plain [N][K] / [taps][C] weights.
// Builds and runs anywhere clang does; the baseline every other target is compared against.
import { plainPack, type Target } from './target.js';

export const C_TARGET: Target = {
  name: 'c',
  doc: 'portable C99, scalar reference kernels',
  vectorBytes: 1,
  provides: [],
  packGemm: plainPack,
  packDepthwise: plainPack,
  float: { vec: 'scalar', mr: 4, nr: 8 },
  toolchain: { cflags: [] },
};

// x86-64 AVX2 + FMA (Haswell, Zen 1-3). Kernels: until the SIMD kernels land this target runs the
// portable kernels compiled with AVX2 enabled (clang auto-vectorises them), with plain packing.
import { plainPack, type Target } from './target.js';

export const AVX2_TARGET: Target = {
  name: 'avx2',
  doc: 'x86-64 AVX2 + FMA (-mavx2 -mfma)',
  vectorBytes: 32,
  provides: [],
  packGemm: plainPack,
  packDepthwise: plainPack,
  toolchain: { cflags: ['-mavx2', '-mfma'], hostFlags: ['avx2', 'fma'] },
};

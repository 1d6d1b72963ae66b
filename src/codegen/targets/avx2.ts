// x86-64 AVX2 + FMA (Haswell, Zen 1-3). Kernels: qforge_kernels_avx2.c (GEMM with a per-panel
// vpmaddubsw / exact vpmaddwd choice proven at pack time, depthwise); packing in pack/avx2.ts.
import { packDepthwiseAvx2, packGemmAvx2 } from './pack/avx2.js';
import { LOOP_KERNELS, type Target } from './target.js';

export const AVX2_TARGET: Target = {
  name: 'avx2',
  doc: 'x86-64 AVX2 + FMA (-mavx2 -mfma)',
  vectorBytes: 32,
  kernelFile: 'qforge_kernels_avx2.c',
  provides: ['qgemm', 'qgemm_i32', 'qgemm_add', 'qconv', 'qdwconv', 'qdwconv3x3', 'lut_u8', ...LOOP_KERNELS],
  packGemm: (w, N, K) => packGemmAvx2(w, N, K),
  packDepthwise: packDepthwiseAvx2,
  float: { vec: 'avx2', mr: 6, nr: 16 },
  toolchain: { cflags: ['-mavx2', '-mfma'], hostFlags: ['avx2', 'fma'] },
};

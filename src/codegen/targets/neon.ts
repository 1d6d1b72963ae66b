// AArch64 Advanced SIMD (ARMv8-A, Cortex-A53 and up). Cross-built with clang for
// aarch64-linux-gnu and run under qemu-aarch64 on x86 hosts.
// Kernels: qforge_kernels_neon.c (SMULL + SADALP GEMM, SMULL + SADDW depthwise); packing in pack/neon.ts.
import { packDepthwiseNeon, packGemmNeon } from './pack/neon.js';
import { SIMD_KERNELS, type Target } from './target.js';

export const NEON_TARGET: Target = {
  name: 'neon',
  doc: 'AArch64 NEON (armv8-a), cross-built, qemu-aarch64 on x86',
  vectorBytes: 16,
  kernelFile: 'qforge_kernels_neon.c',
  provides: SIMD_KERNELS,
  packGemm: packGemmNeon,
  qconvGran: 16, // the GEMM's K step: runs of whole 16-byte blocks
  packDepthwise: packDepthwiseNeon,
  float: { vec: 'neon', mr: 8, nr: 8 },
  toolchain: { cflags: ['-march=armv8-a'], triple: 'aarch64-linux-gnu', hostFlags: ['asimd'] },
};

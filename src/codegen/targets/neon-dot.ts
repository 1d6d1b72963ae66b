// AArch64 with the dot-product extension (ARMv8.2-A+dotprod: Cortex-A76, Neoverse N1 and up):
// sdot/udot. Under qemu it needs -cpu max.
// Kernels: qforge_kernels_neon_dot.c (sdot GEMM and depthwise); packing in pack/neon-dot.ts.
import { packDepthwiseNeonDot, packGemmNeonDot } from './pack/neon-dot.js';
import { SIMD_KERNELS, type Target } from './target.js';

export const NEON_DOT_TARGET: Target = {
  name: 'neon-dot',
  doc: 'AArch64 NEON + dotprod (armv8.2-a+dotprod), qemu-aarch64 -cpu max on x86',
  vectorBytes: 16,
  kernelFile: 'qforge_kernels_neon_dot.c',
  provides: SIMD_KERNELS,
  packGemm: packGemmNeonDot,
  qconvGran: 16, // the GEMM's K step: runs of whole 16-byte blocks
  packDepthwise: packDepthwiseNeonDot,
  float: { vec: 'neon', mr: 8, nr: 8 },
  toolchain: { cflags: ['-march=armv8.2-a+dotprod'], triple: 'aarch64-linux-gnu', hostFlags: ['asimd', 'asimddp'], qemuCpu: 'max' },
};

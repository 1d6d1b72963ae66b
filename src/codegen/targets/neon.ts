// AArch64 Advanced SIMD (ARMv8-A, Cortex-A53 and up). Cross-built with clang for
// aarch64-linux-gnu and run under qemu-aarch64 on x86 hosts.
import { plainPack, type Target } from './target.js';

export const NEON_TARGET: Target = {
  name: 'neon',
  doc: 'AArch64 NEON (armv8-a), cross-built, qemu-aarch64 on x86',
  vectorBytes: 16,
  provides: [],
  packGemm: plainPack,
  packDepthwise: plainPack,
  toolchain: { cflags: ['-march=armv8-a'], triple: 'aarch64-linux-gnu', hostFlags: ['asimd'] },
};

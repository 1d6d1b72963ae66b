// x86-64 AVX-512 with VNNI (Ice Lake, Sapphire Rapids, Zen 4). On hosts without it the same source
// builds against SIMDe (-DQF_SIMDE: <simde/x86/avx512.h> with native aliases) and runs on AVX2.
// Kernels: qforge_kernels_avx512_vnni.c (vpdpbusd GEMM and depthwise); packing in pack/avx512-vnni.ts.
import { packDepthwiseVnni, packGemmVnni } from './pack/avx512-vnni.js';
import { LOOP_KERNELS, type Target } from './target.js';

export const AVX512_VNNI_TARGET: Target = {
  name: 'avx512-vnni',
  doc: 'x86-64 AVX-512 F/BW/VNNI (-mavx512f -mavx512bw -mavx512vnni); SIMDe emulation elsewhere',
  vectorBytes: 64,
  kernelFile: 'qforge_kernels_avx512_vnni.c',
  provides: ['qgemm', 'qgemm_i32', 'qgemm_add', 'qconv', 'qdwconv', 'qdwconv3x3', 'im2col', 'lut_u8', ...LOOP_KERNELS],
  packGemm: packGemmVnni,
  packDepthwise: packDepthwiseVnni,
  float: { vec: 'avx512', mr: 8, nr: 48 }, // 24 zmm accumulators: 3 loads + 8 broadcasts per 24 FMAs
  toolchain: {
    cflags: ['-mavx512f', '-mavx512bw', '-mavx512vnni'],
    hostFlags: ['avx512f', 'avx512bw', 'avx512_vnni'],
    emulation: { cflags: ['-DQF_SIMDE', '-mavx2', '-mfma'], note: 'AVX-512 VNNI emulated by SIMDe on AVX2' },
  },
};

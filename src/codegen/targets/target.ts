// What a code generation target is: data, not scattered ifs. One file per target in this folder
// describes its vector width, kernel source, weight packing, clang flags and how to run the result.
// The kernel contract every target implements is src/codegen/kernels/README.md.

/** Kernels of qforge_kernels.h that a target may implement itself (the rest use qf_ref_*). */
export const KERNEL_NAMES = [
  'qgemm', 'qgemm_i32', 'qgemm_add', 'qconv', 'qdwconv', 'qdwconv3x3', 'im2col', 'col2im_i32', 'requant_i32', 'maxpool_u8', 'qavgpool',
  'qgavgpool', 'lut_u8', 'qadd', 'qmul', 'requantize_u8', 'requantize_div_u8', 'clamp_u8', 'quantize_u8', 'quantize_div_u8', 'dequantize_u8', 'qmatmul', 'qsoftmax', 'qlayernorm',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
/** The kernels of qforge_kernels_loops.h (portable loops shaped for the vectoriser), which every SIMD kernel file includes. */
export const LOOP_KERNELS = ['quantize_u8', 'quantize_div_u8', 'dequantize_u8', 'requantize_u8', 'requantize_div_u8', 'qadd', 'qmul', 'maxpool_u8', 'qavgpool', 'qgavgpool', 'qmatmul', 'qsoftmax'] as const satisfies readonly KernelName[];
/** What every SIMD kernel file provides: the GEMM, depthwise and table kernels of its ISA, and the loops. */
export const SIMD_KERNELS = ['qgemm', 'qgemm_i32', 'qgemm_add', 'qconv', 'qdwconv', 'qdwconv3x3', 'lut_u8', ...LOOP_KERNELS] as const satisfies readonly KernelName[];

export interface Toolchain {
  /** clang flags that select the instruction set (besides the common -O2 -ffp-contract=off ...). */
  cflags: readonly string[];
  /** clang --target triple for cross builds (run under qemu-user on other hosts). */
  triple?: 'aarch64-linux-gnu';
  /** /proc/cpuinfo flags (x86 "flags", arm "Features") the host needs to run the binary natively. */
  hostFlags?: readonly string[];
  /** Build used when the host lacks hostFlags (e.g. AVX-512 through SIMDe on AVX2). */
  emulation?: { cflags: readonly string[]; note: string };
  /** qemu -cpu model for cross runs (default qemu's). */
  qemuCpu?: string;
}

export interface Target {
  name: string;
  doc: string;
  /** Vector register width in bytes (16 NEON/SSE, 32 AVX2, 64 AVX-512); 1 for portable scalar code. */
  vectorBytes: number;
  /** C file in src/codegen/kernels defining qf_<name> for each of `provides` (absent: none). */
  kernelFile?: string;
  provides: readonly KernelName[];
  /** Packs centred int8 GEMM weights [N][K] into the blob qf_qgemm / qf_qgemm_i32 read. */
  packGemm(w: Int8Array, N: number, K: number): Uint8Array;
  /** Packs centred int8 depthwise weights [taps][C] into the blob qf_qdwconv(3x3) read. */
  packDepthwise(w: Int8Array, taps: number, C: number): Uint8Array;
  /** With 'qconv': bytes that each kernel row's run of an implicit-GEMM convolution is rounded up to (the
   *  kernel file's QF_CONV_GRAN, its K step: 4 on x86, 16 on NEON); absent: 4. */
  qconvGran?: number;
  /** Float kernels (qforge_fvec.h, qforge_fgemm.c): the vector ISA and the GEMM register tile
   *  (mr rows x nr columns, nr a multiple of the vector length), which float weight packing follows. */
  float: FloatTile;
  toolchain: Toolchain;
}

export interface FloatTile {
  vec: 'avx512' | 'avx2' | 'neon' | 'scalar';
  mr: number;
  nr: number;
}

/** The portable layout: the weights as they are (a copy, so callers may not alias the graph's data). */
export const plainPack = (w: Int8Array): Uint8Array => new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));

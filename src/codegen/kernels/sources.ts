// The C sources shipped with every generated model, read from this folder (src/codegen/kernels;
// from dist/ the package's src/ copy is used, as the .c files are not compiled by tsc).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIRS = [new URL('./', import.meta.url), new URL('../../../src/codegen/kernels/', import.meta.url)];

const cache = new Map<string, string>();

export function kernelSource(file: string): string {
  const hit = cache.get(file);
  if (hit !== undefined) return hit;
  for (const d of DIRS) {
    const p = fileURLToPath(new URL(file, d));
    if (existsSync(p)) {
      const text = readFileSync(p, 'utf8');
      cache.set(file, text);
      return text;
    }
  }
  throw new Error(`qforge: kernel source ${file} not found next to ${fileURLToPath(DIRS[0]!)}`);
}

/** Files every model gets, whatever the target. */
export const COMMON_SOURCES = [
  'qforge_kernels.h', 'qforge_lut.h', 'qforge_kernels_simd.h', 'qforge_kernels_loops.h', 'qforge_kernels_ref.c', 'qforge_runtime.h', 'qforge_runtime.c', 'qforge_float.c',
  'qforge_fmath.h', 'qforge_fvec.h', 'qforge_fgemm.h', 'qforge_fgemm.c', 'qforge_fdwconv.c', 'qforge_threads.h', 'qforge_threads.c', 'qforge_npy.h', 'qforge_weight_only.h', 'qforge_weight_only.c', 'qforge_qnorm.c',
] as const;

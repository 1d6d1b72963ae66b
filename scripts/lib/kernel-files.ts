// The SIMD kernel files generated from templates (src/codegen/kernels/templates/*.c.in, language in
// kernel-template.ts): one row per target file, naming its template and the parameters that make it.
// `npm run gen:kernels` writes them; test/codegen/kernel-templates.test.ts fails when a committed file
// differs from what this table and the templates give.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandTemplate, type TemplateParams } from './kernel-template.js';

export const KERNELS_DIR = fileURLToPath(new URL('../../src/codegen/kernels/', import.meta.url));

export interface KernelFile {
  /** The generated file, in src/codegen/kernels (a target's kernelFile). */
  file: string;
  /** Its template, in src/codegen/kernels/templates. */
  template: string;
  params: TemplateParams;
}

export const KERNEL_FILES: readonly KernelFile[] = [
  {
    file: 'qforge_kernels_avx2.c',
    template: 'qforge_kernels_x86.c.in',
    params: { AVX512: false, SUFFIX: 'avx2', W: 256, DW3_CH: 16, DW3_WT: 'int16_t' },
  },
  {
    file: 'qforge_kernels_avx512_vnni.c',
    template: 'qforge_kernels_x86.c.in',
    params: { AVX512: true, SUFFIX: 'vnni', W: 512, DW3_CH: 64, DW3_WT: 'int8_t' },
  },
  { file: 'qforge_kernels_neon.c', template: 'qforge_kernels_neon.c.in', params: { DOT: false, NR: 4 } },
  { file: 'qforge_kernels_neon_dot.c', template: 'qforge_kernels_neon.c.in', params: { DOT: true, NR: 16 } },
];

/** The text of one generated file: a do-not-edit line, then the expanded template. */
export function generateKernelFile(k: KernelFile): string {
  const template = readFileSync(join(KERNELS_DIR, 'templates', k.template), 'utf8');
  const params = Object.entries(k.params).map(([key, v]) => `${key}=${v}`).join(' ');
  const banner = `/* Generated from templates/${k.template} (${params}) by npm run gen:kernels: edit the template, not this file. */\n`;
  return banner + expandTemplate(template, k.params, `templates/${k.template}`);
}

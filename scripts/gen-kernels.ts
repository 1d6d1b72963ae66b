// Writes the SIMD kernel files of src/codegen/kernels from their templates (the table in lib/kernel-files.ts).
// Usage: npm run gen:kernels [-- --check]   (--check: write nothing, exit 1 if a committed file is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKernelFile, KERNEL_FILES, KERNELS_DIR } from './lib/kernel-files.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const k of KERNEL_FILES) {
  const path = join(KERNELS_DIR, k.file), text = generateKernelFile(k);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    /* a new file */
  }
  if (old === text) continue;
  stale++;
  if (check) console.error(`${k.file} differs from templates/${k.template}: run npm run gen:kernels`);
  else {
    writeFileSync(path, text);
    console.log(`wrote ${k.file}`);
  }
}
if (check && stale) process.exit(1);

// The SIMD kernel files are generated from templates (scripts/gen-kernels.ts): the committed files must be
// exactly what the templates give, and the template language must reject what it does not understand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKernelFile, KERNEL_FILES, KERNELS_DIR } from '../../scripts/lib/kernel-files.js';
import { expandTemplate } from '../../scripts/lib/kernel-template.js';
import { TARGETS } from '../../src/codegen/targets/index.js';

describe('generated kernel files', () => {
  it.each(KERNEL_FILES.map((k) => [k.file, k] as const))('%s is its template expanded (run npm run gen:kernels)', (file, k) => {
    expect(readFileSync(join(KERNELS_DIR, file), 'utf8')).toBe(generateKernelFile(k));
  });

  it('covers the kernel file of every target that has one', () => {
    const generated = new Set(KERNEL_FILES.map((k) => k.file));
    const files = TARGETS.flatMap((t) => (t.kernelFile ? [t.kernelFile] : []));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !generated.has(f))).toEqual([]);
  });
});

describe('kernel template language', () => {
  const sub = (name: string) => '$' + '{' + name + '}'; // ${NAME}, spelt so that it is not a TS template
  const T = ['a', '$if X', `x ${sub('N')}`, '$elif Y', 'y', '$else', 'z', '$endif', '$# dropped', '$if !X', '  $if Y', 'ny', '  $endif', '$endif', 'b'].join('\n');
  it('chooses branches, nests, substitutes and drops $# lines', () => {
    expect(expandTemplate(T, { X: true, Y: true, N: 4 })).toBe('a\nx 4\nb');
    expect(expandTemplate(T, { X: false, Y: true, N: 4 })).toBe('a\ny\nny\nb');
    expect(expandTemplate(T, { X: false, Y: false, N: 4 })).toBe('a\nz\nb');
  });
  it('skips substitutions in branches not taken', () => {
    expect(expandTemplate(`$if X\n${sub('MISSING')}\n$endif\nok`, { X: false })).toBe('ok');
  });
  it.each([
    ['$if X\nx', { X: true }, 't:1: $if without $endif'],
    ['$endif', {}, 't:1: $endif without $if'],
    ['$if X\n$else\n$else\n$endif', { X: true }, 't:3: a second $else'],
    ['$if X\n$else\n$elif X\n$endif', { X: true }, 't:3: $elif after $else'],
    ['$if N\n$endif', { N: 4 }, "t:1: 'N' is not a boolean parameter of this file"],
    ['$if X && Y\n$endif', { X: true }, "t:1: expected NAME or !NAME after the directive, got 'X && Y'"],
    [`v ${sub('X')}`, { X: true }, "t:1: 'X' is not a string or number parameter of this file"],
    ['$for i in N', {}, "t:1: unknown directive '$for i in N'"],
  ])('rejects %j', (text, params, msg) => {
    expect(() => expandTemplate(text, params, 't')).toThrow(msg);
  });
});

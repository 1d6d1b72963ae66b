// The layering, checked: each top-level folder of src may import only the folders listed for it
// (ir ← patterns ← passes; codegen → ir; cli and the package index on top). An arrow the other way
// would make the IR or codegen depend on passes they must not know about.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../src');
const BASE = ['diagnostics', 'util'];
const ALLOWED: Record<string, string[]> = {
  diagnostics: [],
  util: ['diagnostics'],
  ir: BASE,
  debug: [...BASE, 'ir'],
  patterns: [...BASE, 'ir'],
  passes: [...BASE, 'ir', 'patterns'],
  codegen: [...BASE, 'ir'],
  train: [...BASE, 'ir', 'passes', 'patterns'],
  testing: [...BASE, 'ir', 'patterns'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const top = (file: string): string => relative(SRC, file).split('/')[0]!;

describe('layering of src', () => {
  it('every import stays within the folders its layer may use', () => {
    const bad: string[] = [];
    for (const file of files(SRC)) {
      const layer = top(file);
      const allowed = ALLOWED[layer];
      if (!allowed) continue; // cli, index.ts: the top, free to import anything
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\bfrom\s+'(\.[^']+)'/g)) {
        const target = top(resolve(dirname(file), spec!));
        if (target !== layer && !allowed.includes(target)) bad.push(`${relative(SRC, file)} imports ${spec} (${layer} → ${target})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('knows every folder of src', () => {
    const dirs = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory());
    expect(dirs.filter((d) => !(d in ALLOWED) && d !== 'cli')).toEqual([]);
  });
});

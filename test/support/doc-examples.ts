// Runs the code examples of a docs/ page as written: a block after `<!-- example: NAME -->` is
// extracted, its bare 'qforge' imports pointed at src/, and run with node in a scratch ESM project.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const readDoc = (page: string): string => readFileSync(resolve('docs', page), 'utf8');

/** The code block right after `<!-- example: NAME -->` in `doc`. */
export function example(doc: string, name: string): string {
  const m = new RegExp(`<!-- example: ${name.replace(/\./g, '\\.')} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`no example ${name}`);
  return m[1]! + '\n';
}

const require = createRequire(import.meta.url);
const SPECIFIERS: Record<string, string> = {
  'qforge/testing': pathToFileURL(resolve('src/testing/index.ts')).href,
  qforge: pathToFileURL(resolve('src/index.ts')).href,
  'fast-check': pathToFileURL(require.resolve('fast-check')).href,
};
export const pointAtSources = (ts: string): string => ts.replace(/from '([^']+)'/g, (all, spec: string) => (SPECIFIERS[spec] ? `from '${SPECIFIERS[spec]}'` : all));

/** A scratch project folder; ESM like every project that imports qforge. */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qforge-doc-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), name.endsWith('.ts') ? pointAtSources(text) : text);
  return dir;
}

/** Runs a TypeScript file with node (tsx), extra node flags first. */
export const runTs = (file: string, ...flags: string[]) => spawnSync(process.execPath, ['--import', 'tsx', ...flags, file], { encoding: 'utf8' });

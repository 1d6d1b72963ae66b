// docs/testing-patterns.md's worked example runs as written: its .qpat and test blocks are taken
// from the page, the bare 'qforge' imports pointed at src/, and run with node --test. The buggy
// version of the pattern (without its `where`) must fail the same check.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPatterns } from '../../src/patterns/index.js';
import { checkPatternsPreserveSemantics } from '../../src/testing/index.js';

const DOC = readFileSync(resolve('docs/testing-patterns.md'), 'utf8');

/** The code block right after `<!-- example: NAME -->`. */
function example(name: string): string {
  const m = new RegExp(`<!-- example: ${name.replace('.', '\\.')} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  if (!m) throw new Error(`docs/testing-patterns.md has no example ${name}`);
  return m[1]! + '\n';
}

/** The page's first ```ts block after a heading, by its heading text. */
function blockAfter(heading: string): string {
  const at = DOC.indexOf(`## ${heading}`);
  const m = /```ts\n([\s\S]*?)\n```/.exec(DOC.slice(at));
  if (at < 0 || !m) throw new Error(`docs/testing-patterns.md has no ts block under '${heading}'`);
  return m[1]! + '\n';
}

const require = createRequire(import.meta.url);
const SPECIFIERS: Record<string, string> = {
  'qforge/testing': pathToFileURL(resolve('src/testing/index.ts')).href,
  qforge: pathToFileURL(resolve('src/index.ts')).href,
  'fast-check': pathToFileURL(require.resolve('fast-check')).href,
};
const pointAtSources = (ts: string) => ts.replace(/from '([^']+)'/g, (all, spec: string) => (SPECIFIERS[spec] ? `from '${SPECIFIERS[spec]}'` : all));

/** A scratch project folder; ESM like every project that imports qforge. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qforge-doc-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

function runNode(file: string, ...flags: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', ...flags, file], { encoding: 'utf8', cwd: process.cwd() });
}

describe('docs/testing-patterns.md', () => {
  it('the worked example passes under node --test', () => {
    const dir = project();
    writeFileSync(join(dir, 'relu-into-clip.qpat'), example('relu-into-clip.qpat'));
    writeFileSync(join(dir, 'relu-into-clip.test.ts'), pointAtSources(example('relu-into-clip.test.ts')));
    const r = runNode(join(dir, 'relu-into-clip.test.ts'), '--test');
    expect(r.stdout + r.stderr).toMatch(/# pass 1/);
    expect(r.status).toBe(0);
  });

  it('without its where line the pattern fails the check, naming it and the changed output', () => {
    const buggy = example('relu-into-clip.qpat').replace(/^\s*where .*\n/m, '');
    expect(buggy).not.toContain('where');
    expect(() => checkPatternsPreserveSemantics(loadPatterns(buggy), { runs: 200, seed: 7 })).toThrow(
      /output '[^']+' changed: element \d+ is .*\(bits differ\)\npatterns that fired: relu_into_clip ×\d+\ninputs:\n[\s\S]*replay with \{ seed: 7, path: '[\d:]+' \}/,
    );
  });

  it('the custom-property block runs', () => {
    const dir = project();
    writeFileSync(join(dir, 'property.ts'), pointAtSources(blockAfter('Building your own properties')));
    const r = runNode(join(dir, 'property.ts'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

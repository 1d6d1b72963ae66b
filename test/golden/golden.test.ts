// Golden tests: every .qir / .qpat file under test/golden (not inputs/) is a test case with a
// RUN line, FileCheck-style CHECK/ERR lines and expected diagnostics (see filecheck.ts and
// docs/golden-tests.md). The command runs in-process through the CLI.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { passNames } from '../../src/passes/index.js';
import { checkExpected, checkStream, parseSpec, type Spec } from './filecheck.js';

const HERE = dirname(fileURLToPath(import.meta.url));

function cases(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return e.name === 'inputs' ? [] : cases(join(dir, e.name));
    return /\.(qir|qpat)$/.test(e.name) ? [join(dir, e.name)] : [];
  });
}

/** Pass names a RUN line runs: those of its -p/--pipeline spec (options dropped), plus patterns for --patterns. */
function passesRun(spec: Spec): string[] {
  const out: string[] = [];
  spec.run.forEach((a, i) => {
    if ((a === '-p' || a === '--pipeline') && spec.run[i + 1]) out.push(...(spec.run[i + 1]!.replace(/\{[^}]*\}/g, '').match(/[a-z][a-z0-9-]*/g) ?? []));
    if (a === '--patterns') out.push('patterns');
  });
  return out;
}

const FILES = cases(HERE).sort();
const spec = (file: string) => parseSpec(readFileSync(file, 'utf8'), (s) => s.replaceAll('%S', dirname(file)).replaceAll('%s', file));

describe('golden', () => {
  it('every registered pass has a golden test', () => {
    const covered = new Set(FILES.flatMap((f) => passesRun(spec(f))));
    const missing = passNames().filter((p) => !covered.has(p));
    expect(missing, `add a test/golden/<pass>.qir for: ${missing.join(', ')}`).toEqual([]);
  });

  for (const file of FILES) {
    it(relative(HERE, file), async () => {
      const { run, exit, checks, expected } = spec(file);
      let out = '', err = '';
      const code = await main(run, { out: (s) => void (out += s), err: (s) => void (err += s) });
      const fails = [
        ...(code === exit ? [] : [`exit status ${code}, expected ${exit}`]),
        ...checkStream(checks, 'CHECK', out),
        ...checkStream(checks, 'ERR', err),
        ...checkExpected(expected, file, err),
      ];
      expect(fails, `${relative(HERE, file)}\n--- stdout ---\n${out}--- stderr ---\n${err}`).toEqual([]);
    });
  }
});

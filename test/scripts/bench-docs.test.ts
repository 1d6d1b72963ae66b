import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, checkDocsSection, END, writeDocsSection } from '../../scripts/lib/bench/docs.js';

describe('bench --write-docs', () => {
  const file = (text: string) => {
    const p = path.join(mkdtempSync(path.join(tmpdir(), 'qf-bench-docs-')), 'b.md');
    writeFileSync(p, text);
    return p;
  };

  it('replaces only the generated section, keeping the text around it', () => {
    const p = file(`# T\nintro\n${BEGIN}\nold table\n${END}\nafter\n`);
    writeDocsSection(p, '--models mlp', '| a |\n|--|\n| 1 |');
    const out = readFileSync(p, 'utf8');
    expect(out).toBe(`# T\nintro\n${BEGIN}\n\nCommand: \`npm run bench -- --models mlp\`\n\n| a |\n|--|\n| 1 |\n\n${END}\nafter\n`);
    writeDocsSection(p, '', 'second');
    expect(readFileSync(p, 'utf8')).not.toContain('| 1 |');
  });

  it('refuses a file without the markers before any model is run', () => {
    expect(() => checkDocsSection(file('# no markers\n'))).toThrow(/no '<!-- bench:begin/);
  });

  it('docs/benchmarks.md has the section', () => {
    expect(() => checkDocsSection(path.join(import.meta.dirname, '../../docs/benchmarks.md'))).not.toThrow();
  });
});

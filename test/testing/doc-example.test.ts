// docs/testing-patterns.md's worked example runs as written (see test/support/doc-examples.ts),
// and the buggy version of its pattern (without the `where`) fails the same check.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPatterns } from '../../src/patterns/index.js';
import { checkPatternsPreserveSemantics } from '../../src/testing/index.js';
import { example, project, readDoc, runTs } from '../support/doc-examples.js';

const DOC = readDoc('testing-patterns.md');

/** The page's first ```ts block under a heading. */
function blockAfter(heading: string): string {
  const at = DOC.indexOf(`## ${heading}`);
  const m = /```ts\n([\s\S]*?)\n```/.exec(DOC.slice(at));
  if (at < 0 || !m) throw new Error(`docs/testing-patterns.md has no ts block under '${heading}'`);
  return m[1]! + '\n';
}

describe('docs/testing-patterns.md', () => {
  it('the worked example passes under node --test', () => {
    const dir = project({ 'relu-into-clip.qpat': example(DOC, 'relu-into-clip.qpat'), 'relu-into-clip.test.ts': example(DOC, 'relu-into-clip.test.ts') });
    const r = runTs(join(dir, 'relu-into-clip.test.ts'), '--test');
    expect(r.stdout + r.stderr).toMatch(/# pass 1/);
    expect(r.status).toBe(0);
  });

  it('without its where line the pattern fails the check, naming it and the changed output', () => {
    const buggy = example(DOC, 'relu-into-clip.qpat').replace(/^\s*where .*\n/m, '');
    expect(buggy).not.toContain('where');
    expect(() => checkPatternsPreserveSemantics(loadPatterns(buggy), { runs: 200, seed: 7 })).toThrow(
      /output '[^']+' changed: element \d+ is .*\(bits differ\)\npatterns that fired: relu_into_clip ×\d+\ninputs:\n[\s\S]*replay with \{ seed: 7, path: '[\d:]+' \}/,
    );
  });

  it('the custom-property block runs', () => {
    const dir = project({ 'property.ts': blockAfter('Building your own properties') });
    const r = runTs(join(dir, 'property.ts'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

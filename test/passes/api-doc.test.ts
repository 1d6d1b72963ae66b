// docs/passes-api.md's examples run as written (see test/support/doc-examples.ts); each asserts
// its own results with node:assert, so a passing run means the page tells the truth.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, project, readDoc, runTs } from '../support/doc-examples.js';

const DOC = readDoc('passes-api.md');

describe('docs/passes-api.md', () => {
  for (const name of ['custom-pass.ts', 'instrumentation.ts', 'in-memory-patterns.ts'])
    it(`${name} runs and its assertions hold`, () => {
      const dir = project({ [name]: example(DOC, name) });
      const r = runTs(join(dir, name));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
});

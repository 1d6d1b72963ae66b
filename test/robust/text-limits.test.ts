// Issue #15 regressions in the two text languages: .qpat nesting has a located limit (it used to
// exhaust the stack near 200 levels), and .qir float literals out of range are errors, not inf.
import { describe, expect, it } from 'vitest';
import { QforgeError } from '../../src/diagnostics/index.js';
import { parseGraph } from '../../src/ir/text/index.js';
import { checkPatterns } from '../../src/patterns/load.js';
import { MAX_NESTING } from '../../src/patterns/syntax/nesting.js';

const where = (cond: string) => `pattern p {\n  match { %y = relu(%x) }\n  where ${cond}\n  rewrite { %x }\n}\n`;
const deepCases: Record<string, (d: number) => string> = {
  parentheses: (d) => where(`${'('.repeat(d)}true${')'.repeat(d)}`),
  lists: (d) => where(`${'['.repeat(d)}1${']'.repeat(d)} == [1]`),
  'nested ops in match': (d) => `pattern p {\n  match { %y = ${'relu('.repeat(d)}%x${')'.repeat(d)} }\n  rewrite { %x }\n}\n`,
  'not chains': (d) => where(`${'not '.repeat(d)}true`),
  'unary minus chains': (d) => where(`${'-'.repeat(d)}1 == 1`),
  'if chains': (d) => where(`${'if true then 1 else '.repeat(d)}1 == 1`),
  'rewrite builds': (d) => `pattern p {\n  match { %y = relu(%x) }\n  rewrite { ${'relu('.repeat(d)}%x${')'.repeat(d)} }\n}\n`,
};

describe('.qpat nesting limit', () => {
  for (const [what, make] of Object.entries(deepCases)) {
    it(`${what}: 5000 levels give one located QF2001`, () => {
      const { diagnostics } = checkPatterns(make(5000), { file: 'deep.qpat' });
      expect(diagnostics).toHaveLength(1);
      const d = diagnostics[0]!;
      expect(d.key).toBe('PAT_SYNTAX');
      expect(d.message).toBe(`nesting is deeper than ${MAX_NESTING} levels (brackets, nested ops, not, -, if)`);
      expect(d.loc).toMatchObject({ file: 'deep.qpat', line: expect.any(Number), column: expect.any(Number) });
    });
    it(`${what}: just below the limit still compiles without the nesting error`, () => {
      const { diagnostics } = checkPatterns(make(MAX_NESTING - 4));
      expect(diagnostics.map((d) => d.message).join('\n')).not.toMatch(/nesting/);
    });
  }
  it('points at the token that goes one level too deep', () => {
    const text = where(`${'('.repeat(200)}true${')'.repeat(200)}`);
    const d = checkPatterns(text).diagnostics[0]!;
    // One level for the pattern's braces: the 64th parenthesis is the 65th level.
    expect(d.loc).toMatchObject({ line: 3, column: 'where '.length + 3 + MAX_NESTING - 1 });
  });
});

describe('.qir float literals out of range', () => {
  const graph = (c: string, attrs = '') => `graph g(%x: f32[2]) -> (%y: f32[2]) {\n  const %c: f32[2] = ${c}\n  %y: f32[2] = add(%x, %c)${attrs}\n}\n`;
  const errorOf = (text: string) => {
    try {
      parseGraph(text, { file: 'm.qir' });
    } catch (e) {
      if (e instanceof QforgeError) return e.message;
      throw e;
    }
    return 'parsed';
  };
  it('1e39 in an f32 constant is QF0101 at file:line:col', () => {
    expect(errorOf(graph('[1e39, 2]'))).toMatch(/^m\.qir:2:23: error QF0101: 1e39 is out of range for f32 \(largest finite 3\.4028235e38\); write inf for infinity/);
    expect(errorOf(graph('[1, -1e39]'))).toMatch(/^m\.qir:2:26: error QF0101: -1e39 is out of range for f32/);
    expect(errorOf(graph('splat(1e39)'))).toMatch(/^m\.qir:2:\d+: error QF0101: 1e39 is out of range for f32/);
  });
  it('inf, nan and the largest f32 are still fine', () => {
    expect(errorOf(graph('[inf, -inf]'))).toBe('parsed');
    expect(errorOf(graph('[nan, 3.4028234663852886e38]'))).toBe('parsed');
  });
  it('.qir has no nested syntax: 5000 brackets are one located QF0101, not a stack overflow', () => {
    const deep = `graph g(%x: f32[2]) -> (%y: f32[2]) {\n  %y: f32[2] = relu(%x) {a=${'['.repeat(5000)}${']'.repeat(5000)}}\n}\n`;
    expect(errorOf(deep)).toMatch(/^m\.qir:2:\d+: error QF0101: expected /);
  });

  it('an attribute beyond the double range is QF0103 at its token', () => {
    const text = 'graph g(%x: f32[2]) -> (%y: f32[2]) {\n  %y: f32[2] = leaky_relu(%x) {alpha=1e400}\n}\n';
    expect(errorOf(text)).toMatch(/^m\.qir:2:38: error QF0103: attribute 'alpha': 1e400 is out of range for f64/);
  });
});

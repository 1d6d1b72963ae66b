// File-level definitions (`def`): expression defs and attribute defs with capture and
// expression parameters, inlined where they are used and checked there; every misuse is a
// located diagnostic (in the def, with the use named, or at the use).
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, formatWarning } from '../../src/diagnostics/index.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { applyPatterns, checkPatterns, loadPatterns } from '../../src/patterns/index.js';
import { libraryFiles, libraryPatterns } from '../../src/patterns/library.js';

const errors = (text: string) => checkPatterns(text, { file: 'd.qpat' }).diagnostics.map(formatDiagnostic);
const first = (s: string) => s.split('\n')[0];

const CLAMP = `
/// the clip bounds, widened to hold 0
def lo(%c) = min(%c.min, 0.0)
def hi(%c, k) = max(%c.max, k)
def bounds(%c, k) { min: lo(%c), max: hi(%c, k) }
pattern widen { match { %c = clip(%x)
  %y = relu(%c) } where lo(%c) < 0.0 rewrite { clip(%x) { ...bounds(%c, 0.0) } } }
`;

describe('def', () => {
  it('expression and attribute defs are inlined with their arguments', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [3] });
    b.output(b.op('relu', [b.op('clip', [x], { min: -2, max: 5 })], {}, 'r'));
    const res = applyPatterns(b.build(), loadPatterns(CLAMP));
    expect(res.graph.nodes.map((n) => [n.op, n.attrs])).toEqual([['clip', { min: -2, max: 5 }]]);
    expect(checkPatterns(CLAMP).warnings).toEqual([]);
  });

  it('an error inside a def points into the def and names the use', () => {
    const src = 'def lo(%q) = %q.qmin\npattern p { match { %y = relu(%x) } where lo(%y) > 0 rewrite { neg(%x) } }';
    expect(errors(src).map(first)).toEqual(["d.qpat:1:17: error QF2004: relu has no attribute 'qmin' (in def lo used at 2:43)"]);
    const attrs = 'def o(%q) { nope: 1 }\npattern p { match { %y = relu(%x) } rewrite { clip(%x) { ...o(%y) } } }';
    expect(errors(attrs).map(first)).toEqual(["d.qpat:1:13: error QF2004: clip has no attribute 'nope' (in def o used at 2:58)"]);
  });

  it('misuses at the use: arity, a non-capture for a %param, the wrong kind, unknown and later defs', () => {
    const src = [
      'def e(%q, k) = k',
      'def a(%q) { min: 0.0 }',
      'pattern p { match { %y = clip(%x) } where e(%y) and e(1, 2) and a(%y) rewrite { clip(%x) { ...e(%y, 1), ...nope(), ...late() } } }',
      'def late() { min: 0.0 }',
    ].join('\n');
    expect(errors(src).map(first)).toEqual([
      'd.qpat:3:43: error QF2011: def e takes 2 argument(s), got 1',
      'd.qpat:3:55: error QF2007: parameter %q of def e takes a capture (%x)',
      'd.qpat:3:65: error QF2007: def a is a set of attributes; use it as ...a(…) in a replacement',
      'd.qpat:3:95: error QF2007: def e is an expression; spread only attribute defs: def e(…) { attr: … }',
      "d.qpat:3:108: error QF2006: unknown attribute def 'nope'",
      'd.qpat:3:119: error QF2006: def late is defined below its use',
    ]);
  });

  it('a def sees only its parameters and the defs above it, and cannot shadow a built-in', () => {
    const src = ['def a(%q) = %z.min > k', 'def b() = c()', 'def c() = 1', 'def rank(x) = x', 'def a(x) = x', 'def d(x, x) = x'].join('\n');
    expect(errors(src).map(first)).toEqual([
      'd.qpat:1:13: error QF2006: %z is not a parameter of def a',
      "d.qpat:1:22: error QF2006: unknown name 'k' in def a",
      'd.qpat:2:11: error QF2006: def c is defined below def b',
      "d.qpat:4:5: error QF2009: 'rank' is already defined as a built-in function",
      "d.qpat:5:5: error QF2009: 'a' is already defined in this file",
      'd.qpat:6:10: error QF2009: parameter x of def d is given twice',
    ]);
  });

  it('unused defs and parameters are warnings', () => {
    const src = 'def one(x, y) = x\ndef two() = 2\npattern p { match { %y = relu(%x) } where one(1, 2) > 0 rewrite { neg(%x) } }';
    const r = checkPatterns(src, { file: 'd.qpat' });
    expect(r.diagnostics).toEqual([]);
    expect(r.warnings.map((w) => first(formatWarning(w)))).toEqual([
      'd.qpat:1:12: warning QF2017: parameter y of def one is never used',
      'd.qpat:2:5: warning QF2017: def two is never used',
    ]);
  });

  it('every built-in pattern file checks without errors or warnings', () => {
    for (const f of libraryFiles()) expect(libraryPatterns(f).length, f).toBeGreaterThan(0);
  });
});

// DSL gaps met while writing patterns (issue #15), each with its reproducer: a constant made in a
// rewrite (scalar), an out-of-range index is an error rather than a failed match, an unused let
// is a warning, and explain does not claim a higher benefit when two patterns tie.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { main } from '../../src/cli/main.js';
import { formatWarning } from '../../src/diagnostics/index.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { DType } from '../../src/ir/dtype.js';
import { run } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { applyPatterns, checkPatterns, explainMatch, formatExplanation, loadPatterns } from '../../src/patterns/index.js';
import { expectValid, opsOf } from './support.js';

const DOUBLE = loadPatterns(`
/// x + x ⇒ x * 2: exact in every float and (wrapping) integer dtype.
pattern double { match { %y = add(%x, %x) } rewrite {
  let two = scalar(2.0, dtype(%x))
  mul(%x, two)
} }`);

function addSelf(dtype: DType, shape: number[]) {
  const b = new GraphBuilder();
  const x = b.input('x', { dtype, shape });
  b.output(b.op('relu', [b.op('add', [x, x], {}, 'a')]));
  return b.build();
}

describe('scalar(v, dtype): a constant made in a rewrite', () => {
  test.prop([fc.constantFrom<DType>('f32', 'i32'), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }), fc.integer()], { numRuns: 30 })(
    'x + x ⇒ x * scalar(2) is bit-exact',
    (dtype, shape, seed) => {
      const g = addSelf(dtype, shape);
      const res = applyPatterns(g, DOUBLE);
      expect(opsOf(res.graph)).toEqual(['mul', 'relu']);
      expectValid(res.graph);
      const two = res.graph.constants[res.graph.nodes[0]!.inputs[1]!]!;
      expect([two.dtype, two.shape, Number(two.data[0])]).toEqual([dtype, [], 2]);
      const n = shape.reduce((a, b) => a * b, 1);
      let s = seed;
      const data = Array.from({ length: n }, () => (dtype === 'f32' ? Math.fround(Math.sin((s += 1)) * 1e30) : ((s = (s * 1103515245 + 12345) | 0))));
      const x = tensor(dtype, shape, data);
      expect(run(res.graph, [x]).outputs[0]!.data).toEqual(run(g, [x]).outputs[0]!.data);
    },
  );

  it('a value an integer dtype cannot hold fails the rewrite at the let', () => {
    const set = loadPatterns('pattern half { match { %y = add(%x, %x) } rewrite {\n let h = scalar(2.5, dtype(%x))\n mul(%x, h) } }', { file: 'h.qpat' });
    expect(() => applyPatterns(addSelf('i32', [2]), set)).toThrow(/h\.qpat:2:2: error QF2012: pattern half at node 'a': let h: scalar: 2.5 is not a value of i32/);
  });
});

describe('an index out of range is an error, not a failed match', () => {
  it('%y.pads[99] names the pattern, the node and the index expression', () => {
    const set = loadPatterns('pattern p { match { %y = conv2d(%x, %w) }\n  where %y.pads[99] == 0\n  rewrite { %y {} } }', { file: 'i.qpat' });
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [1, 1, 2, 2] });
    b.output(b.op('conv2d', [x, b.constant('w', tensor('f32', [1, 1, 1, 1], [1]))], {}, 'c'));
    expect(() => applyPatterns(b.build(), set)).toThrow(/i\.qpat:2:9: error QF2016: pattern p at node 'c': index 99 is out of range for a list of 4/);
    // A guarded index is fine.
    const guarded = loadPatterns('pattern p { match { %y = conv2d(%x, %w) }\n  where len(%y.pads) > 99 and %y.pads[99] == 0\n  rewrite { %y {} } }');
    expect(applyPatterns(b.build(), guarded).changed).toBe(false);
  });
});

describe('an unused let is a warning', () => {
  const src = 'pattern p { match { %y = relu(%x) } rewrite {\n  let unused = 1.0\n  let k = 0.0\n  clip(%x) { min: k } } }\n';

  it('checkPatterns returns it apart from the errors; the file still loads', () => {
    const { diagnostics, warnings, patterns } = checkPatterns(src, { file: 'u.qpat' });
    expect(diagnostics).toEqual([]);
    expect(patterns).toHaveLength(1);
    expect(warnings.map(formatWarning)).toEqual([expect.stringMatching(/^u\.qpat:2:7: warning QF2017: let 'unused' is never used\n/)]);
  });

  it('a let used in only one variant counts as used', () => {
    const opt = 'pattern p { match { %c = conv2d(%x, %w, %b?)\n %y = relu(%c) } rewrite {\n  let lo = 0.0\n  conv2d(%x, %w, %b) { clamp_min: if present(%b) then lo else 0.0 } } }';
    expect(checkPatterns(opt).warnings).toEqual([]);
  });

  it('patterns check prints it as a warning and succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qforge-unused-'));
    writeFileSync(join(dir, 'u.qpat'), src);
    let out = '', err = '';
    const code = await main(['patterns', 'check', join(dir, 'u.qpat')], { out: (s) => void (out += s), err: (s) => void (err += s) });
    expect(code).toBe(0);
    expect(out).toContain('1 pattern(s) ok: p');
    expect(err).toContain("u.qpat:2:7: warning QF2017: let 'unused' is never used");
  });
});

describe('explain with equal benefits', () => {
  it('says "same benefit, comes earlier" instead of "higher benefit"', () => {
    const set = loadPatterns('pattern first { match { %y = relu(%x) } rewrite { sigmoid(%x) } }\npattern second { match { %y = relu(%x) } rewrite { neg(%x) } }');
    const b = new GraphBuilder();
    b.output(b.op('relu', [b.input('x', { dtype: 'f32', shape: [1] })], {}, 'r'));
    const text = formatExplanation(explainMatch(b.build(), set, 'second', 'r'));
    expect(text).toContain('note: pattern first has the same benefit, comes earlier (file order) and matches here first');
    expect(text).not.toContain('higher benefit');
  });
});

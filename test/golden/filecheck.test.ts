// The golden runner's checks fail when they should: order, -NEXT, -NOT, regex parts, and
// expected diagnostics both ways (missing and unexpected).
import { describe, expect, it } from 'vitest';
import { checkExpected, checkStream, parseSpec, splitArgs } from './filecheck.js';

const checks = (lines: string[]) => parseSpec(['// RUN: qforge x', ...lines].join('\n'), (s) => s).checks;

describe('filecheck', () => {
  const out = 'a: 1\nb: 2\nc: 3\n';
  it('CHECK in order, CHECK-NEXT on the next line, {{regex}}', () => {
    expect(checkStream(checks(['// CHECK: a: 1', '// CHECK-NEXT: b: {{[0-9]}}', '// CHECK: c']), 'CHECK', out)).toEqual([]);
    expect(checkStream(checks(['// CHECK: b', '// CHECK: a']), 'CHECK', out)).toEqual(["line 3: CHECK: 'a' not found after output line 2"]);
    expect(checkStream(checks(['// CHECK: a', '// CHECK-NEXT: c']), 'CHECK', out)[0]).toMatch(/CHECK-NEXT: 'c' is not on the line after the previous match/);
  });
  it('CHECK-NOT between matches and after the last', () => {
    expect(checkStream(checks(['// CHECK: a', '// CHECK-NOT: b', '// CHECK: c']), 'CHECK', out)[0]).toMatch(/CHECK-NOT: 'b' found at output line 2/);
    expect(checkStream(checks(['// CHECK: b', '// CHECK-NOT: a']), 'CHECK', out)).toEqual([]);
    expect(checkStream(checks(['// ERR-NOT: c']), 'ERR', out)).toHaveLength(1);
  });
  it('expected diagnostics: each must occur, and nothing else about the file', () => {
    const spec = parseSpec('// RUN: qforge x\n// expected-error@+1 {{QF2002: unknown op}}\nline3', (s) => s);
    expect(spec.expected).toEqual([{ severity: 'error', line: 3, text: 'QF2002: unknown op', at: 2 }]);
    expect(checkExpected(spec.expected, 'f.qpat', "f.qpat:3:5: error QF2002: unknown op 'x'\n")).toEqual([]);
    expect(checkExpected(spec.expected, 'f.qpat', "f.qpat:4:5: error QF2002: unknown op 'x'\n")).toHaveLength(2);
    expect(checkExpected(spec.expected, 'f.qpat', "f.qpat:3:5: error QF2002: unknown op 'x'\nf.qpat:9:1: warning QF2017: z\n")).toEqual(['unexpected warning at line 9: QF2017: z']);
  });
  it('RUN lines split like a shell, one per file, starting with qforge', () => {
    expect(splitArgs(`opt a.qir -p 'cse,dce' "x y"`)).toEqual(['opt', 'a.qir', '-p', 'cse,dce', 'x y']);
    expect(() => parseSpec('// RUN: qforge a\n// RUN: qforge b', (s) => s)).toThrow(/one RUN line/);
    expect(() => parseSpec('// RUN: node a', (s) => s)).toThrow(/must start with qforge/);
  });
});

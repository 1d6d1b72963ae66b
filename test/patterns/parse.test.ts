// The .qpat front end: what parses into which AST, located syntax errors (several per file), doc
// comments, and a fuzz property that the parser never throws on random input.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { formatDiagnostic } from '../../src/diagnostics/index.js';
import { checkPatterns, parseQpat } from '../../src/patterns/index.js';

const FOLD = `
// ordinary comment
/// Fold a batch norm.
/// Second doc line.
pattern fold benefit 7 {
  match {
    %c: f32[_, C, ...] = conv2d(%x, %w: const f32[C, _, 3, 3], %b?: const)
    %y = batch_norm(%c, _, _, _, _) { epsilon: 1e-5 }
  }
  where rank(%x) == 4 and not (C < 1)
  where present(%b)
  rewrite {
    let s = if present(%b) then 1.0 else -inf
    conv2d(%x, %w, _) { ...%c, clamp_min: s }
  }
}
`;

describe('parser', () => {
  it('builds the AST of a full pattern', () => {
    const { file, diagnostics } = parseQpat(FOLD, 'f.qpat');
    expect(diagnostics).toEqual([]);
    const p = file.patterns[0]!;
    expect(p.name.name).toBe('fold');
    expect(p.doc).toBe('Fold a batch norm.\nSecond doc line.');
    expect(p.benefit?.value).toBe(7);
    expect(p.bindings.map((b) => b.name.name)).toEqual(['c', 'y']);
    const c = p.bindings[0]!;
    expect(c.check?.dtypes.map((d) => d.name)).toEqual(['f32']);
    expect(c.check?.shape?.map((d) => d.kind)).toEqual(['any', 'sym', 'rest']);
    const ops = c.node.alts[0]!.operands;
    expect(ops.map((o) => o.kind)).toEqual(['capture', 'capture', 'capture']);
    expect(ops[2]).toMatchObject({ kind: 'capture', optional: true, check: { isConst: true } });
    expect(p.bindings[1]!.node.alts[0]!.attrs[0]!.name.name).toBe('epsilon');
    expect(p.wheres).toHaveLength(2);
    expect(p.wheres[0]).toMatchObject({ kind: 'binary', op: 'and', right: { kind: 'unary', op: 'not' } });
    expect(p.lets[0]!.value.kind).toBe('if');
    expect(p.result).toMatchObject({ kind: 'op', op: { name: 'conv2d' }, args: [{ kind: 'capture' }, { kind: 'capture' }, { kind: 'absent' }] });
  });

  it('gives operators the usual precedence', () => {
    const src = 'pattern p { match { %y = relu(%x) } where 1 + 2 * 3 == 7 or false and true rewrite { %x } }';
    const w = parseQpat(src).file.patterns[0]!.wheres[0]!;
    expect(w).toMatchObject({ kind: 'binary', op: 'or', left: { op: '==', left: { op: '+', right: { op: '*' } } }, right: { op: 'and' } });
  });

  it('parses alternatives, op sets, nested nodes, rest operands and optional nodes', () => {
    const src = `pattern p { match {
      %a = relu(%x) | clip(%x) { min: 0.0 }
      %s = add(%a, mul(%y, _?) as %m, ...)?
    } rewrite { %s } }`;
    const { file, diagnostics } = parseQpat(src);
    expect(diagnostics).toEqual([]);
    const [a, s] = file.patterns[0]!.bindings;
    expect(a!.node.alts.map((n) => n.ops[0]!.name)).toEqual(['relu', 'clip']);
    expect(s!.optional).toBe(true);
    expect(s!.node.alts[0]!.rest).toBe(true);
    expect(s!.node.alts[0]!.operands[1]).toMatchObject({ kind: 'nested', as: { name: 'm' } });
    const set = parseQpat('pattern q { match { %c = conv2d | gemm (...) } rewrite { %c } }').file.patterns[0]!;
    expect(set.bindings[0]!.node.alts[0]!.ops.map((o) => o.name)).toEqual(['conv2d', 'gemm']);
  });

  it('reports every syntax error with file:line:col and a caret, and keeps the intact patterns', () => {
    const src = [
      'pattern good1 { match { %y = relu(%x) } rewrite { %x } }',
      'pattern bad1 { match { %y = (%x) } rewrite { %x } }',
      'pattern good2 { match { %y = relu(%x) } rewrite { %x } }',
      'pattern bad2 { match { %y = relu(%x) } where rewrite { %x } }',
    ].join('\n');
    const { file, diagnostics } = parseQpat(src, 'multi.qpat');
    expect(file.patterns.map((p) => p.name.name)).toEqual(['good1', 'good2']);
    const lines = diagnostics.map((d) => d.loc?.line);
    expect(lines).toContain(2);
    expect(lines).toContain(4);
    const text = formatDiagnostic(diagnostics[0]!);
    expect(text).toMatch(/^multi\.qpat:2:\d+: error QF2001: expected /);
    expect(text.split('\n')[2]).toMatch(/^\s+\^/);
  });

  it('reports stray characters as lexer errors', () => {
    const { diagnostics } = parseQpat('pattern p { match { %y = relu($x) } rewrite { %y {} } }', 'x.qpat');
    expect(diagnostics[0]!.message).toContain("unexpected character '$'");
    expect(diagnostics[0]!.loc).toMatchObject({ file: 'x.qpat', line: 1, column: 31 });
  });

  it('accepts an empty file', () => {
    expect(parseQpat('  // nothing\n').file.patterns).toEqual([]);
  });
});

describe('parser fuzzing', () => {
  const words = ['pattern', 'match', 'where', 'rewrite', 'let', '{', '}', '(', ')', '[', ']', '%x', '%y', 'relu', 'conv2d', ',', ':', '=', '|', '?', '...', '_',
    'const', 'f32', '1', '2.5', '"s"', '.', '+', '*', '==', 'and', 'not', 'if', 'then', 'else', '??', 'shared', 'as', 'benefit', '///doc\n', '//c\n', '-', 'inf'];
  const soup = fc.array(fc.constantFrom(...words), { maxLength: 60 }).map((ws) => ws.join(' '));

  test.prop([fc.oneof(fc.string({ maxLength: 200 }), soup)], { numRuns: 300 })('never throws: every problem is a located diagnostic', (text) => {
    const { diagnostics } = checkPatterns(text, { file: 'fuzz.qpat' });
    for (const d of diagnostics) {
      expect(d.key).toMatch(/^PAT_/);
      expect(d.loc?.line).toBeGreaterThanOrEqual(1);
      expect(typeof formatDiagnostic(d)).toBe('string');
    }
  });

  test.prop([fc.integer({ min: 0, max: 1200 })], { numRuns: 200 })('a truncated valid file never throws', (cut) => {
    const { diagnostics } = checkPatterns(FOLD.slice(0, cut));
    for (const d of diagnostics) expect(d.loc).toBeDefined();
  });
});

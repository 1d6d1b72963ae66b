// Must-fail corpus: every kind of mistake in a pattern file gives a located diagnostic with a
// hint, and one load reports all of them.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, QforgeError } from '../../src/diagnostics/index.js';
import { checkPatterns, loadPatterns } from '../../src/patterns/index.js';

/** Wraps a match block, where lines and a rewrite into one pattern. */
const pat = (match: string, rest = 'rewrite { %y {} }') => `pattern p {\n  match {\n    ${match}\n  }\n  ${rest}\n}\n`;

function errors(text: string) {
  return checkPatterns(text, { file: 'e.qpat' }).diagnostics.map((d) => ({ code: d.key, msg: d.message, hint: d.hint ?? '', line: d.loc?.line, col: d.loc?.column, text: formatDiagnostic(d) }));
}
function one(text: string) {
  const es = errors(text);
  expect(es, JSON.stringify(es, null, 1)).toHaveLength(1);
  return es[0]!;
}

describe('pattern checking', () => {
  it('accepts a correct file', () => {
    expect(errors(pat('%y = relu(%x)'))).toEqual([]);
  });

  it('unknown op: points at the name and suggests the nearest op', () => {
    const e = one(pat('%y = conv2(%x, %w)'));
    expect(e).toMatchObject({ code: 'PAT_UNKNOWN_OP', line: 3, col: 10, hint: "did you mean 'conv2d'?" });
    expect(e.text).toContain("e.qpat:3:10: error QF2002: unknown op 'conv2'");
    expect(e.text).toMatch(/\n {2}\s+\^{5}\n {2}hint: did you mean 'conv2d'\?/);
  });

  it('wrong operand count names the operands the op takes', () => {
    expect(one(pat('%y = conv2d(%x)')).msg).toBe('conv2d takes 2 to 3 operand(s) (x, w, b?), the pattern gives 1');
    expect(one(pat('%y = relu(%x, %z)')).msg).toBe('relu takes 1 operand(s) (x), the pattern gives 2');
    expect(errors(pat('%y = conv2d(%x, ...)'))).toEqual([]);
  });

  it('unknown attribute, in a match and in a replacement', () => {
    expect(one(pat('%y = conv2d(%x, %w) { groups: 2 }'))).toMatchObject({ code: 'PAT_UNKNOWN_ATTR', hint: "did you mean 'group'?" });
    expect(one(pat('%y = relu(%x)', 'where %y.alpha == 1 rewrite { %y {} }'))).toMatchObject({ code: 'PAT_UNKNOWN_ATTR', msg: "relu has no attribute 'alpha'" });
    expect(one(pat('%y = conv2d(%x, %w)', 'rewrite { conv2d(%x, %w) { stride: [1, 1] } }'))).toMatchObject({ code: 'PAT_UNKNOWN_ATTR', hint: "did you mean 'strides'?" });
  });

  it('unknown helper suggests the nearest function', () => {
    const e = one(pat('%y = relu(%x)', 'where rnak(%x) == 4 rewrite { %y {} }'));
    expect(e).toMatchObject({ code: 'PAT_UNKNOWN_FN', msg: "unknown function 'rnak'", hint: "did you mean 'rank'?" });
  });

  it('unbound capture and unknown names', () => {
    expect(one(pat('%y = relu(%x)', 'where rank(%z) == 4 rewrite { %y {} }'))).toMatchObject({ code: 'PAT_UNBOUND', msg: 'unknown capture %z' });
    expect(one(pat('%y = relu(%input)', 'where rank(%inptu) == 4 rewrite { %y {} }'))).toMatchObject({ hint: "did you mean 'input'?" });
    expect(one(pat('%y = relu(%x)', 'rewrite { conv2d(%x, w) }'))).toMatchObject({ code: 'PAT_UNBOUND', msg: "unknown name 'w'" });
    expect(one(pat('%y = relu(%x)', 'where rank(%x) == N rewrite { %y {} }'))).toMatchObject({ code: 'PAT_UNBOUND', msg: "unknown name 'N'" });
  });

  it('type errors in constraints', () => {
    expect(one(pat('%y = relu(%x)', 'where rank(%x) rewrite { %y {} }'))).toMatchObject({ code: 'PAT_TYPE', msg: 'a where condition must be bool, this is int' });
    expect(one(pat('%y = relu(%x)', 'where dtype(%x) == 3 rewrite { %y {} }'))).toMatchObject({ code: 'PAT_TYPE', msg: 'cannot compare dtype with int' });
    expect(one(pat('%y = relu(%x)', 'where %x.min == 0 rewrite { %y {} }'))).toMatchObject({ code: 'PAT_TYPE', msg: "%x is not a node binding, so it has no attribute 'min'" });
    expect(one(pat('%y = conv2d(%x, %w)', 'where %y.group < "a" rewrite { %y {} }'))).toMatchObject({ code: 'PAT_TYPE' });
    expect(one(pat('%y = relu(%x)', 'where dim(%x, 1.5) == 1 rewrite { %y {} }'))).toMatchObject({ code: 'PAT_TYPE', msg: 'argument 2 of dim must be int, this is float' });
    expect(one(pat('%y = conv2d(%x, %w) { group: "two" }'))).toMatchObject({ code: 'PAT_TYPE', msg: 'cannot compare int with string' });
    expect(one(pat('%y = relu(%x: f33)'))).toMatchObject({ code: 'PAT_TYPE', msg: "unknown dtype 'f33'", hint: "did you mean 'f32'?" });
  });

  it('tensor arithmetic needs constants', () => {
    const e = one(pat('%y = conv2d(%x, %w)', 'rewrite { let w = %w * 2.0\n conv2d(%x, w) }'));
    expect(e).toMatchObject({ code: 'PAT_TYPE', hint: 'a capture is tensor data only when it is constrained `const`, e.g. %w: const' });
    expect(errors(pat('%y = conv2d(%x, %w: const)', 'rewrite { let w = %w * 2.0\n conv2d(%x, w) }'))).toEqual([]);
  });

  it('helper arguments are checked against the signature', () => {
    expect(one(pat('%y = conv2d(%x, %w: const)', 'rewrite { let w = along(%w, 0)\n conv2d(%x, w) }'))).toMatchObject({ code: 'PAT_ARGS', msg: 'along takes 3 argument(s), got 2' });
    expect(one(pat('%y = conv2d(%x, %w: const)', 'rewrite { let w = along(%w, 0.5, 4)\n conv2d(%x, w) }'))).toMatchObject({ code: 'PAT_TYPE', msg: "argument 'axis' of along must be int, this is float" });
  });

  it('optional operands must be guarded before use', () => {
    const e = one(pat('%y = conv2d(%x, %w, %b?: const)', 'where dim(%b, 0) == 3 rewrite { %y {} }'));
    expect(e).toMatchObject({ code: 'PAT_MAYBE_ABSENT', msg: '%b may be absent here', hint: 'guard it with present(%b) or give a default: %b ?? …' });
    expect(errors(pat('%y = conv2d(%x, %w, %b?: const)', 'where not present(%b) or dim(%b, 0) == 3 rewrite { %y {} }'))).toEqual([]);
    expect(errors(pat('%y = conv2d(%x, %w, %b?: const)', 'where present(%b)\n where dim(%b, 0) == 3 rewrite { %y {} }'))).toEqual([]);
  });

  it('captures bound only in some variants are reported per variant', () => {
    const src = pat('%a = relu(%x) | clip(%x)\n    %y = relu(%a)', 'where %a.min > 0.0 rewrite { %y {} }');
    const e = one(src);
    expect(e.code).toBe('PAT_UNKNOWN_ATTR');
    expect(e.msg).toContain('in the variant where %a = relu');
    expect(errors(pat('%a = relu(%x) | clip(%x)\n    %y = relu(%a)', 'where op(%a) == "relu" or %a.max > 0.0 rewrite { %y {} }'))).toHaveLength(1);
  });

  it('structure: a root, definitions before uses, no duplicates', () => {
    expect(one(pat('%a = relu(%x)\n    %y = relu(%x)'))).toMatchObject({ code: 'PAT_STRUCTURE', msg: '%a is not used by any later node' });
    expect(errors(pat('%y = relu(%a)\n    %a = relu(%x)')).map((e) => e.msg)).toContain('%a is used before the binding that defines it');
    expect(one(pat('%y = relu(%x)\n    %y = relu(%y)')).code).toBe('PAT_DUPLICATE');
    expect(one('pattern p { match { } rewrite { %x } }').code).toBe('PAT_STRUCTURE');
    expect(one(pat('%a = relu(_)?\n    %y = relu(%a)')).msg).toContain('needs a named first operand');
    const dup = errors('pattern p { match { %y = relu(%x) } rewrite { %x } }\npattern p { match { %y = relu(%x) } rewrite { %x } }');
    expect(dup.map((d) => d.msg)).toEqual(['pattern p is defined twice']);
  });

  it('replacements are checked against the op table', () => {
    expect(one(pat('%y = relu(%x)', 'rewrite { conv2d(%x) }')).msg).toBe('conv2d takes 2 to 3 operand(s) (x, w, b?), the replacement gives 1');
    expect(one(pat('%y = relu(%x)', 'rewrite { conv2d(_, %x) }')).msg).toBe('operand 0 of conv2d is required and cannot be left out with _');
    expect(one(pat('%y = relu(%x)', 'rewrite { relu(%x) { alpha: 1.0 } }')).code).toBe('PAT_UNKNOWN_ATTR');
    expect(one(pat('%y = conv2d(%x, %w)', 'rewrite { conv2d(%x, %w) { group: 1.5 } }')).msg).toBe("attribute 'group' of conv2d is int, this is float");
    expect(one(pat('%y = relu(%x)', 'rewrite { %x { alpha: 1.0 } }')).msg).toContain('%x is not a node binding');
    expect(one(pat('%y = conv2d(%x, %w, %b?)', 'rewrite { relu(%b) }')).code).toBe('PAT_MAYBE_ABSENT');
    expect(one(pat('%y = gemm(%a, %b)', 'rewrite { relu(%a) { ...%y } }')).msg).toContain("copies attribute(s) 'alpha', 'beta'");
  });

  it('too many variants is an error', () => {
    const chain = ['%a0 = relu(%x)?', ...Array.from({ length: 6 }, (_, i) => `%a${i + 1} = relu(%a${i})?`), '%y = relu(%a6)'].join('\n    ');
    expect(one(pat(chain)).msg).toContain('more than 64 variants');
  });

  it('reports every error of a file at once, in order', () => {
    const src = [
      'pattern a { match { %y = conv2(%x) } rewrite { %y {} } }',
      'pattern b { match { %y = relu(%x) } where rank(%q) == 1 rewrite { %y {} } }',
      'pattern c { match { %y = relu(%x) } where frob(%x) rewrite { %y {} } }',
      'pattern d { match { %y = relu(%x } rewrite { %y {} } }',
    ].join('\n');
    const es = errors(src);
    expect(es.map((e) => [e.code, e.line])).toEqual(
      expect.arrayContaining([
        ['PAT_UNKNOWN_OP', 1],
        ['PAT_UNBOUND', 2],
        ['PAT_UNKNOWN_FN', 3],
        ['PAT_SYNTAX', 4],
      ]),
    );
    try {
      loadPatterns(src, { file: 'e.qpat' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QforgeError);
      expect((e as QforgeError).diagnostics.length).toBe(es.length);
    }
  });
});

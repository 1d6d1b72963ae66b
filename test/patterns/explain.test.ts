// Explanations of why a pattern does not match at a node, and the `qforge patterns` verb.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { writeQir } from '../../src/ir/text/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { builtinPatterns, compilePatterns, explainMatch, formatExplanation } from '../../src/patterns/index.js';
import { randTensor, rng } from './support.js';

const LIB = builtinPatterns('fold-batchnorm', 'fuse-activation');
/** The library plus a pattern with an optional last member (two variants, two roots). */
const WITH_OPTIONAL = builtinPatterns('fold-batchnorm', 'fuse-activation');
WITH_OPTIONAL.add(
  compilePatterns(`pattern convT_bn_relu {
  match {
    %t = conv_transpose2d(%x, %w: const f32)
    %y = batch_norm(%t, %gamma: const, %beta: const, %mean: const, %var: const)
    %act = relu(%y)?
  }
  rewrite { %t { clamp_min: 0.0 } }
}`),
);

/** conv → batch_norm → relu, with knobs that each break one condition of the folds. */
function model(o: { convAttrs?: Record<string, number[] | number>; extraUser?: boolean; weightInput?: boolean; addInstead?: boolean } = {}): Graph {
  const r = rng(5);
  const b = new GraphBuilder('m');
  const x = b.input('x', { dtype: 'f32', shape: [1, 2, 3, 3] });
  const w = o.weightInput ? b.input('w', { dtype: 'f32', shape: [2, 2, 1, 1] }) : b.constant('w', randTensor([2, 2, 1, 1], r));
  const c = o.addInstead ? b.op('add', [x, x], {}, 'conv') : b.op('conv2d', [x, w], o.convAttrs ?? {}, 'conv');
  const ps = ['gamma', 'beta', 'mean'].map((n) => b.constant(n, randTensor([2], r)));
  const bn = b.op('batch_norm', [c, ...ps, b.constant('var', tensor('f32', [2], [1, 2]))], {}, 'bn');
  b.output(b.op('relu', [bn], {}, 'relu'));
  if (o.extraUser) b.output(b.op('neg', [c], {}, 'other'));
  return b.build();
}
const why = (g: Graph, pattern: string, node: string) => formatExplanation(explainMatch(g, LIB, pattern, node));

describe('explain', () => {
  it('says when it matches', () => {
    expect(why(model(), 'fold_conv_bn', 'bn')).toBe("pattern fold_conv_bn at node 'bn' (batch_norm):\n  matches");
  });

  it('names the sub-pattern that fails', () => {
    expect(why(model({ addInstead: true }), 'fold_conv_bn', 'bn')).toContain("no match: %c: expected conv2d, found node 'conv' (add)");
    expect(why(model({ weightInput: true }), 'fold_conv_bn', 'bn')).toContain("%w: const f32 (operand 1 of %c 'conv' (conv2d)): 'w' must be a constant, it is a graph input");
  });

  it('names the use that blocks a fusion', () => {
    expect(why(model({ extraUser: true }), 'fold_conv_bn', 'bn')).toContain("%c 'conv' (conv2d) is also used by 'other' (neg) outside the match; mark the binding `shared` to match anyway");
  });

  it('prints a failed condition with the values of its operands', () => {
    expect(why(model({ convAttrs: { clamp_min: 0 } }), 'fold_conv_bn', 'bn')).toContain('no match: where `%c.clamp_min == -inf` is false (%c.clamp_min = 0)');
  });

  it('explains every variant and the root op', () => {
    const text = formatExplanation(explainMatch(model(), WITH_OPTIONAL, 'convT_bn_relu', 'relu'));
    expect(text).toContain("variant %act = relu: no match: %t: expected conv_transpose2d, found node 'conv' (conv2d)");
    expect(text).toContain("variant %act absent: no match: the pattern's root is batch_norm, node 'relu' is relu");
  });

  it('notes a higher-benefit pattern that would apply first', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', { dtype: 'f32', shape: [1, 1, 2, 2] });
    const t = b.op('conv_transpose2d', [x, b.constant('w', tensor('f32', [1, 1, 1, 1], [2]))], {}, 't');
    const ps = ['g', 'b', 'm', 'v'].map((n) => b.constant(n, tensor('f32', [1], [1])));
    b.output(b.op('relu', [b.op('batch_norm', [t, ...ps], {}, 'bn')], {}, 'r'));
    expect(formatExplanation(explainMatch(b.build(), WITH_OPTIONAL, 'fuse_relu', 'r'))).toContain('note: pattern convT_bn_relu has a higher benefit and matches here first');
  });

  it('rejects unknown patterns and nodes', () => {
    expect(() => explainMatch(model(), LIB, 'fold_conv', 'bn')).toThrow(/QF2014: unknown pattern 'fold_conv'/);
    expect(() => explainMatch(model(), LIB, 'fold_conv_bn', 'nope')).toThrow(/graph 'm' has no node 'nope'/);
  });
});

describe('qforge patterns', () => {
  let tmp: string;
  const cli = async (...argv: string[]) => {
    let out = '', err = '';
    const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  };
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'qforge-pat-'));
    writeFileSync(join(tmp, 'good.qpat'), '/// negated twice\npattern negneg { match { %n = neg(%x)\n %y = neg(%n) } rewrite { relu(%x) } }\n');
    writeFileSync(join(tmp, 'bad.qpat'), 'pattern a { match { %y = rleu(%x) } rewrite { %y {} } }\npattern b { match { %y = relu(%x) } where rank(%x) rewrite { %y {} } }\n');
    writeQir(join(tmp, 'm.qir'), model({ extraUser: true }));
  });

  it('check: ok files', async () => {
    const r = await cli('patterns', 'check', join(tmp, 'good.qpat'));
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('good.qpat: 1 pattern(s) ok: negneg');
  });

  it('check: every error with file:line:col, caret and hint; exit code 1', async () => {
    const r = await cli('patterns', 'check', join(tmp, 'bad.qpat'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(tmp, 'bad.qpat')}:1:26: error QF2002: unknown op 'rleu'`);
    expect(r.err).toContain("hint: did you mean 'relu'?");
    expect(r.err).toContain(`${join(tmp, 'bad.qpat')}:2:43: error QF2007: a where condition must be bool, this is int`);
  });

  it('list shows the library with docs, and user files', async () => {
    const r = await cli('patterns', 'list', '--patterns', join(tmp, 'good.qpat'));
    expect(r.out).toContain('fold_conv_bn  (root: batch_norm; benefit 2)');
    expect(r.out).toMatch(/negneg {2}\(root: neg; benefit 2\) {2}.*good\.qpat\n {4}negated twice/);
  });

  it('list --functions documents what where and let can call', async () => {
    const r = await cli('patterns', 'list', '--functions');
    expect(r.out).toContain('present(x) -> bool');
    expect(r.out).toContain('dim(value, int) -> int');
    expect(r.out).toContain('along(t: tensor, axis: int, rank: int) -> tensor');
    expect(r.out).toContain('convt_channel_scale(s: tensor, w: tensor, group: int) -> tensor');
  });

  it('explain on a model file', async () => {
    const r = await cli('patterns', 'explain', join(tmp, 'm.qir'), '--pattern', 'fold_conv_bn', '--node', 'bn');
    expect(r.code).toBe(0);
    expect(r.out).toContain("is also used by 'other' (neg) outside the match");
  });
});

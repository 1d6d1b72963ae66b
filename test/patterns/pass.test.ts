// Pattern passes in the pass manager, and the --patterns / --trace-patterns flags that a
// pipeline verb gets from src/cli/pattern-flags.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RegisterVerb } from '../../src/cli/io.js';
import { patternSteps, withPatternFlags, type PatternFlags } from '../../src/cli/pattern-flags.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { tensor } from '../../src/ir/tensor.js';
import { runPipeline } from '../../src/passes/index.js';
import { tracePatternsTo } from '../../src/passes/patterns.js';
import { opsOf } from './support.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'qforge-patpass-'));
  writeFileSync(join(tmp, 'negneg.qpat'), 'pattern negneg { match { %n = neg(%x)\n %y = neg(%n) } rewrite { relu(%x) } }\n');
  writeFileSync(join(tmp, 'cycle.qpat'), 'pattern a { match { %y = relu(%x) } rewrite { sigmoid(%x) } }\npattern b { match { %y = sigmoid(%x) } rewrite { relu(%x) } }\n');
  writeFileSync(join(tmp, 'qdq.qir'), QDQ);
  writeFileSync(join(tmp, 'broken.qpat'), 'pattern a { match { %y = nope(%x) } rewrite { %y {} } }\n');
});
afterEach(() => tracePatternsTo(undefined));

// dq → add → q (lower-quantized's lower_add) then a dq → q pair of equal params (fold-qdq's).
const QDQ = `graph qdq(%a: u8[2,3], %b: u8[2,3]) -> (%q2: u8[2,3] quant(scale=0.5, zp=2)) {
  %da: f32[2,3] = dequantize(%a) {scale=[0.5], zero_point=[3]}
  %db: f32[2,3] = dequantize(%b) {scale=[0.25], zero_point=[1]}
  %s: f32[2,3] = add(%da, %db)
  %q: u8[2,3] quant(scale=0.5, zp=2) = quantize(%s) {scale=[0.5], zero_point=[2], dtype=u8}
  %dq: f32[2,3] = dequantize(%q) {scale=[0.5], zero_point=[2]}
  %q2: u8[2,3] quant(scale=0.5, zp=2) = quantize(%dq) {scale=[0.5], zero_point=[2], dtype=u8}
}
`;

function graph(): Graph {
  const b = new GraphBuilder('g');
  const x = b.input('x', { dtype: 'f32', shape: [2] });
  b.output(b.op('neg', [b.op('neg', [x], {}, 'n1')], {}, 'n2'), b.op('neg', [b.op('neg', [x], {}, 'n3')], {}, 'n4'));
  return b.build();
}

describe('pattern passes', () => {
  it('patterns{file=…} applies a file and counts rewrites per pattern', () => {
    const { graph: g, records } = runPipeline(graph(), `patterns{file="${join(tmp, 'negneg.qpat')}"}`);
    expect(opsOf(g)).toEqual(['relu', 'relu']);
    expect(records[0]!.stats).toEqual({ negneg: 2, 'nodes-erased': 2 });
  });

  it('a rewrite cycle fails the pass and names the patterns', () => {
    const b = new GraphBuilder();
    b.output(b.op('relu', [b.input('x', { dtype: 'f32', shape: [1] })]));
    expect(() => runPipeline(b.build(), `patterns{file="${join(tmp, 'cycle.qpat')}",max-rewrites=20}`)).toThrow(
      /QF2013: pattern rewriting stopped after 20 rewrites; in the last ones fired: (a \(10×\), b \(10×\)|b \(10×\), a \(10×\))/,
    );
  });

  it('patterns without a file is an error', () => {
    expect(() => runPipeline(graph(), 'patterns')).toThrow(/patterns needs a pattern file/);
  });

  it('the library passes change nothing the second time', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [2, 2] });
    b.output(b.op('relu', [b.op('gemm', [x, b.constant('w', tensor('f32', [2, 2], [1, 2, 3, 4]))])]));
    const once = runPipeline(b.build(), 'fuse-activation');
    expect(once.records[0]!.stats).toEqual({ fuse_relu: 1, 'nodes-erased': 1 });
    expect(runPipeline(once.graph, 'fuse-activation').records[0]!.changed).toBe(false);
  });
});

describe('--patterns and --trace-patterns', () => {
  // A stand-in for a pipeline verb: the flags and the helper are what `qforge opt` uses.
  let result: Graph | undefined;
  const optLike: RegisterVerb = (program, io) => {
    withPatternFlags(program.command('opt-like').argument('<pipeline>')).action((pipeline: string, opts: PatternFlags) => {
      result = runPipeline(graph(), [pipeline, ...patternSteps(opts, io)]).graph;
    });
  };
  const cli = async (...argv: string[]) => {
    let out = '', err = '';
    const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) }, [optLike]);
    return { code, out, err };
  };

  it('--patterns appends the files as pattern passes; --trace-patterns prints matches and rewrites', async () => {
    const r = await cli('opt-like', 'dce', '--patterns', join(tmp, 'negneg.qpat'), '--trace-patterns');
    expect(r.code).toBe(0);
    expect(opsOf(result!)).toEqual(['relu', 'relu']);
    expect(r.err).toContain("match   negneg at 'n4' (neg): %y='n4' %n='n3' %x='x'\nrewrite negneg: n4 = relu(x); erased 'n3'");
  });

  it('qforge opt --trace-patterns traces the library passes too (fold-qdq, lower-quantized), which honour max-rewrites', async () => {
    const io = { out: '', err: '' };
    const run = (...argv: string[]) => main(argv, { out: (s) => void (io.out += s), err: (s) => void (io.err += s) });
    expect(await run('opt', join(tmp, 'qdq.qir'), '-p', 'fold-qdq', '--trace-patterns')).toBe(0);
    expect(io.err).toContain("match   dq_q_requantize at 'q2' (quantize): %y='q2' %d='dq' %x='q'\nrewrite dq_q_requantize: q2 = requantize(q); erased 'dq'");
    expect(io.err).not.toContain('lower_add');
    io.err = '';
    expect(await run('opt', join(tmp, 'qdq.qir'), '-p', 'lower-quantized', '--trace-patterns')).toBe(0);
    expect(io.err).toContain("match   lower_add at 'q' (quantize): %y='q' %s='s' %da='da' %a='a' %db='db' %b='b'\nrewrite lower_add: q = qadd(a, b); erased 's', 'db', 'da'");
    expect(io.out).toContain('qadd(%a, %b)');
    io.err = '';
    expect(await run('opt', join(tmp, 'qdq.qir'), '-p', 'lower-quantized{max-rewrites=1}')).toBe(1);
    expect(io.err).toContain('QF2013: pattern rewriting stopped after 1 rewrites');
  });

  it('a broken pattern file is reported before anything runs', async () => {
    result = undefined;
    const r = await cli('opt-like', 'dce', '--patterns', join(tmp, 'broken.qpat'));
    expect(r.code).toBe(1);
    expect(r.err).toContain("broken.qpat:1:26: error QF2002: unknown op 'nope'");
    expect(result).toBeUndefined();
  });
});

// Binding the remaining operands of a variadic op (`%xs...`, issue #15): in the match it binds
// every operand after the listed ones, in expressions it is a list of values (len, index), in a
// rewrite it is spliced in as the last operand of a variadic op.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { run } from '../../src/ir/interpreter.js';
import { checkPatterns, loadPatterns } from '../../src/patterns/index.js';
import { opsOf, randTensor, rewriteAndCompare, rng } from './support.js';

const FLATTEN = loadPatterns(`
/// concat(concat(a, b), rest...) ⇒ concat(a, b, rest...) along the same axis.
pattern flatten_concat {
  match {
    %i = concat(%a, %b)
    %y = concat(%i, %rest...)
  }
  where %i.axis == %y.axis
  rewrite { concat(%a, %b, %rest...) { ...%y } }
}`);

const errors = (src: string) => checkPatterns(src, { file: 'v.qpat' }).diagnostics.map((d) => `${d.loc?.line}:${d.loc?.column} ${d.key}: ${d.message}`);

describe('%xs...: the remaining operands', () => {
  test.prop([fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer()], { numRuns: 25 })(
    'nested concat flattens with 0..3 further operands, bit-exact',
    (extra, rows, seed) => {
      const r = rng(seed);
      const b = new GraphBuilder();
      const ins = Array.from({ length: 2 + extra }, (_, i) => b.input(`x${i}`, { dtype: 'f32', shape: [rows, 2] }));
      const inner = b.op('concat', [ins[0]!, ins[1]!], { axis: 0 }, 'inner');
      b.output(b.op('concat', [inner, ...ins.slice(2)], { axis: 0 }, 'outer'));
      const g = b.build();
      const inputs = ins.map(() => randTensor([rows, 2], r));
      const res = rewriteAndCompare(g, FLATTEN, inputs, 0);
      expect(opsOf(res.graph)).toEqual(['concat']);
      expect(res.graph.nodes[0]!.inputs).toEqual(ins);
      expect(run(res.graph, inputs).outputs[0]!.data).toEqual(run(g, inputs).outputs[0]!.data);
    },
  );

  it('is a list of values in expressions (len, index), and can be all the operands of the replacement', () => {
    const set = loadPatterns(`
      /// concat(empty, rest...) ⇒ concat(rest...) along axis 0.
      pattern drop_empty_first {
        match { %y = concat(%e: [0, _], %rest...) { axis: 0 } }
        where present(%rest) and len(%rest) >= 1 and rank(%rest[0]) == 2
        rewrite { concat(%rest...) { axis: 0 } }
      }`);
    const b = new GraphBuilder();
    const e = b.input('e', { dtype: 'f32', shape: [0, 2] });
    const xs = [0, 1].map((i) => b.input(`x${i}`, { dtype: 'f32', shape: [1, 2] }));
    b.output(b.op('concat', [e, ...xs], { axis: 0 }, 'c'), b.op('concat', [e], { axis: 0 }, 'only'));
    const inputs = [randTensor([0, 2], rng(1)), randTensor([1, 2], rng(2)), randTensor([1, 2], rng(3))];
    const res = rewriteAndCompare(b.build(), set, inputs, 0);
    expect(res.rewrites).toEqual({ drop_empty_first: 1 });
    expect(res.graph.nodes.map((n) => n.inputs)).toEqual([xs, [e]]);
  });

  it('misuses are located errors', () => {
    expect(errors('pattern p { match { %y = concat(%xs..., %a) } rewrite { neg(%a) } }')).toEqual(['1:33 PAT_STRUCTURE: %xs... must be the last operand']);
    expect(errors('pattern p { match { %y = concat(%a, %xs...) } rewrite { add(%a, %xs...) } }')).toEqual(['1:65 PAT_OPERANDS: add has no variadic operand to splice %xs... into']);
    expect(errors('pattern p { match { %y = concat(%a, %xs...) } rewrite { concat(%a, %ys...) { axis: 0 } } }')).toEqual(['1:68 PAT_UNBOUND: %ys... is not bound by the match']);
    expect(errors('pattern p { match { %y = concat(%a, %xs...) } rewrite { %xs... } }')).toEqual(['1:57 PAT_STRUCTURE: %xs... splices operands: it can only be an operand of a new node or copy']);
    expect(errors('pattern p { match { %y = concat(%a, %a...) } rewrite { neg(%a) } }')[0]).toMatch(/PAT_DUPLICATE: %a\.\.\. names the remaining operands; %a is already a capture or node/);
    expect(errors('pattern p { match { %y = concat(%a, %xs...) } rewrite { add(%xs..., %a) } }')[0]).toMatch(/PAT_STRUCTURE: add: %xs\.\.\. can only be its last operand/);
  });

  test.prop([fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer()], { numRuns: 20 })(
    'splices anywhere among the operands of concat (all one variadic list): concat(concat(xs...), more...) flattens, bit-exact',
    (inner, more, seed) => {
      const set = loadPatterns(`
        /// concat(concat(xs...), more...) ⇒ concat(xs..., more...) along the same axis.
        pattern flatten_first {
          match {
            %i = concat(%xs...)
            %y = concat(%i, %more...)
          }
          where %i.axis == %y.axis
          rewrite { concat(%xs..., %more...) { ...%y } }
        }`);
      const r = rng(seed), b = new GraphBuilder();
      const xs = Array.from({ length: inner }, (_, i) => b.input(`x${i}`, { dtype: 'f32', shape: [1 + i, 2] }));
      const ms = Array.from({ length: more }, (_, i) => b.input(`m${i}`, { dtype: 'f32', shape: [2, 2] }));
      b.output(b.op('concat', [b.op('concat', xs, { axis: 0 }, 'inner'), ...ms], { axis: 0 }, 'outer'));
      const g = b.build();
      const inputs = [...xs, ...ms].map((v) => randTensor([...g.values[v]!.shape], r));
      const res = rewriteAndCompare(g, set, inputs, 0);
      expect(res.graph.nodes.map((n) => n.inputs)).toEqual([[...xs, ...ms]]);
    },
  );
});

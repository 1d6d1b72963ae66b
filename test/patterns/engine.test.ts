// Must-rewrite-to tests for the language features and the greedy driver.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { tensor } from '../../src/ir/tensor.js';
import { applyPatterns, defaultHelpers, defineHelper, formatRewriteEvent, loadPatterns, type RewriteEvent } from '../../src/patterns/index.js';
import { binaryOp } from '../../src/patterns/helpers/tensor-math.js';
import { expectValid, opsOf, randTensor, rng } from './support.js';

const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });

function apply(src: string, g: ReturnType<GraphBuilder['build']>) {
  const events: RewriteEvent[] = [];
  const res = applyPatterns(g, loadPatterns(src), { onRewrite: (e) => events.push(e) });
  expectValid(res.graph);
  return { ...res, events };
}

describe('matching', () => {
  const MULADD = `pattern p { match { %m = mul(%a, %k: const)
      %y = add(%m, %c) } rewrite { sub(%c, %m) } }`;

  it('commutative ops match with their operands in either order', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32(4)), c = b.input('c', f32(4));
    const k = b.constant('k', tensor('f32', [4], [1, 2, 3, 4]));
    const m = b.op('mul', [k, x], {}, 'm'); // constant first: mul is commutative
    b.output(b.op('add', [c, m], {}, 'y')); // mul second: add is commutative
    const { events, graph } = apply(MULADD, b.build());
    expect(events).toHaveLength(1);
    expect(events[0]!.bindings).toMatchObject({ a: 'x', k: 'k', c: 'c', m: 'm' });
    expect(opsOf(graph)).toEqual(['mul', 'sub']);
  });

  it('values named like Object.prototype members keep their own types and constants', () => {
    const b = new GraphBuilder();
    const x = b.input('__proto__', f32(4)), c = b.input('toString', f32(4));
    const k = b.constant('constructor', tensor('f32', [4], [1, 2, 3, 4]));
    b.output(b.op('add', [b.op('mul', [x, k], {}, 'hasOwnProperty'), c], {}, 'valueOf'));
    const { events, graph } = apply(MULADD, b.build());
    expect(events).toHaveLength(1);
    for (const v of ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf']) expect(Object.hasOwn(graph.values, v), v).toBe(true);
    expect(Object.getPrototypeOf(graph.values)).toBe(Object.prototype);
    expect(Object.hasOwn(graph.constants, 'constructor')).toBe(true);
  });

  it('non-commutative ops do not swap', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32(4));
    const k = b.constant('k', tensor('f32', [4], [1, 2, 3, 4]));
    b.output(b.op('add', [b.op('div', [k, x]), x]));
    expect(apply(MULADD.replaceAll('mul', 'div'), b.build()).events).toHaveLength(0);
  });

  it('a capture used twice must bind the same value', () => {
    const src = 'pattern twice { match { %y = add(%x, %x) } rewrite { mul(%x, %x) } }';
    const b = new GraphBuilder();
    const x = b.input('x', f32(2)), z = b.input('z', f32(2));
    b.output(b.op('add', [x, x], {}, 'same'), b.op('add', [x, z], {}, 'diff'));
    const { events } = apply(src, b.build());
    expect(events.map((e) => e.root.name)).toEqual(['same']);
  });

  it('alternatives: an op set and full alternatives with their own attributes', () => {
    const src = `pattern act { match {
        %a = relu(%x) | clip(%x) { min: 0.0 } | leaky_relu(%x) { alpha: 0.0 }
        %y = neg(%a) } rewrite { %a } }`;
    const b = new GraphBuilder();
    const x = b.input('x', f32(3));
    b.output(
      b.op('neg', [b.op('relu', [x])], {}, 'n1'),
      b.op('neg', [b.op('clip', [x], { min: 0, max: 6 })], {}, 'n2'),
      b.op('neg', [b.op('clip', [x], { min: -1, max: 6 })], {}, 'n3'),
      b.op('neg', [b.op('leaky_relu', [x], { alpha: 0 })], {}, 'n4'),
    );
    // Outputs cannot be replaced by another value (they keep their names): check via explain-free counting.
    const { events } = apply(src, b.build());
    expect(events).toHaveLength(0);
    const b2 = new GraphBuilder();
    const x2 = b2.input('x', f32(3));
    const outs = [b2.op('relu', [x2]), b2.op('clip', [x2], { min: 0, max: 6 }), b2.op('clip', [x2], { min: -1 }), b2.op('leaky_relu', [x2], { alpha: 0 })];
    b2.output(b2.op('concat', outs.map((o) => b2.op('neg', [o], {}, `n_${o}`)), { axis: 0 }));
    const res = apply(src, b2.build());
    expect(res.events.map((e) => e.variant)).toEqual(['%a = leaky_relu', '%a = clip', '%a = relu']);
    expect(opsOf(res.graph).filter((o) => o === 'neg')).toEqual(['neg']);
  });

  it('optional nodes: both variants, the longer one first, present() tells which', () => {
    const src = `pattern scale { match {
        %m = mul(%x, %k: const)
        %r = relu(%m)?
        %y = neg(%r)
      } rewrite {
        let k = %k * (if present(%r) then 2.0 else 3.0)
        mul(%x, k)
      } }`;
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    const k = b.constant('k', tensor('f32', [2], [1, 1]));
    const withRelu = b.op('neg', [b.op('relu', [b.op('mul', [x, k])])], {}, 'with');
    const without = b.op('neg', [b.op('mul', [x, k])], {}, 'without');
    b.output(b.op('add', [withRelu, without]));
    const { events, graph } = apply(src, b.build());
    expect(events.map((e) => [e.root.name, e.variant])).toEqual([
      ['without', '%r absent'],
      ['with', '%r = relu'],
    ]);
    const ks = graph.nodes.filter((n) => n.op === 'mul').map((n) => Array.from(graph.constants[n.inputs[1]!]!.data as Float32Array));
    expect(ks).toEqual([[2, 2], [3, 3]]);
  });

  it('wildcards, optional operands and omitted trailing operands', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32(1, 2, 4, 4));
    const w = b.constant('w', randTensor([2, 2, 1, 1], rng(1)));
    const bias = b.constant('bias', randTensor([2], rng(2)));
    b.output(b.op('relu', [b.op('conv2d', [x, w], {}, 'nobias')]), b.op('relu', [b.op('conv2d', [x, w, bias], {}, 'withbias')]));
    const g = b.build();
    const names = (src: string) => apply(src, g).events.map((e) => e.bindings['c']);
    const pat = (operands: string) => `pattern p { match { %c = conv2d(${operands}) shared\n %y = relu(%c) } rewrite { %c { clamp_min: 0.0 } } }`;
    expect(names(pat('%x, _'))).toEqual(['nobias']); // omitted optional operand: must be absent
    expect(names(pat('%x, _, _'))).toEqual(['withbias']); // _: must be present
    expect(names(pat('%x, _, _?')).sort()).toEqual(['nobias', 'withbias']); // _?: either
    expect(names(pat('%x, ...')).sort()).toEqual(['nobias', 'withbias']);
  });

  it('value constraints: const, dtype sets, shapes with symbols and ellipsis', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32(2, 3));
    const k = b.constant('k', tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]));
    const a1 = b.op('add', [x, k], {}, 'const_rhs');
    const a2 = b.op('add', [x, x], {}, 'input_rhs');
    b.output(b.op('concat', [a1, a2], { axis: 0 }));
    const g = b.build();
    const fired = (check: string, where = '') =>
      apply(`pattern p { match { %y = add(%x, %k${check}) } ${where} rewrite { sub(%x, %k) } }`, g).events.map((e) => e.root.name);
    expect(fired(': const')).toEqual(['const_rhs']);
    expect(fired(': f32 | f64').sort()).toEqual(['const_rhs', 'input_rhs']);
    expect(fired(': i8')).toEqual([]);
    expect(fired(': [N, 3]', 'where N == 2').sort()).toEqual(['const_rhs', 'input_rhs']);
    expect(fired(': [N, N]')).toEqual([]);
    expect(fired(': [..., 3]').length).toBe(2);
    expect(fired(': const [2, ...]', 'where rank(%x) == 2 and dim(%x, -1) == 3 and numel(%k) == 6')).toEqual(['const_rhs']);
  });

  it('attribute values and predicates', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32(4));
    b.output(b.op('neg', [b.op('clip', [x], { min: 0, max: 6 }, 'relu6')]), b.op('neg', [b.op('clip', [x], { min: -1, max: 1 }, 'hardtanh')]));
    const g = b.build();
    const fired = (m: string, where = '') => apply(`pattern p { match { %c = ${m}\n %y = neg(%c) } ${where} rewrite { neg(%x) } }`, g).events.map((e) => e.bindings['c']);
    expect(fired('clip(%x) { min: 0.0, max: 6.0 }')).toEqual(['relu6']);
    expect(fired('clip(%x) { min: 0 }')).toEqual(['relu6']); // ints compare with floats
    expect(fired('clip(%x)', 'where %c.max - %c.min < 3.0')).toEqual(['hardtanh']);
  });
});

describe('use counts', () => {
  const FOLD = `pattern fold { match { %m = mul(%x, %k: const)
      %y = mul(%m, %j: const) } rewrite { let kj = %k * %j
      mul(%x, kj) } }`;
  const graph = (extraUse: boolean, output = false) => {
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    const k = b.constant('k', tensor('f32', [2], [2, 3])), j = b.constant('j', tensor('f32', [2], [5, 7]));
    const m = b.op('mul', [x, k], {}, 'm');
    const y = b.op('mul', [m, j], {}, 'y');
    b.output(extraUse ? b.op('add', [y, m], {}, 'other') : y);
    if (output) b.output(m);
    return b.build();
  };

  it('interior nodes must have no use outside the match', () => {
    expect(apply(FOLD, graph(false)).events).toHaveLength(1);
    expect(apply(FOLD, graph(true)).events).toHaveLength(0);
    expect(apply(FOLD, graph(false, true)).events).toHaveLength(0);
  });

  it('`shared` allows other uses and keeps the node for them', () => {
    const src = FOLD.replace('%k: const)', '%k: const) shared');
    const { events, graph: g } = apply(src, graph(true));
    expect(events).toHaveLength(1);
    expect(g.nodes.map((n) => n.name)).toEqual(['m', 'y', 'other']);
    expect(g.nodes[1]!.inputs[0]).toBe('x');
  });

  it('uses(), users() and one_use() read the graph', () => {
    const src = (cond: string) => `pattern p { match { %y = add(%a, %b) } where ${cond} rewrite { sub(%a, %b) } }`;
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    const r = b.op('relu', [x], {}, 'r');
    b.output(b.op('add', [r, r], {}, 'y'));
    const g = b.build();
    expect(apply(src('uses(%a) == 2 and users(%a) == 1'), g).events).toHaveLength(1);
    expect(apply(src('one_use(%a)'), g).events).toHaveLength(0);
    expect(apply(src('is_output(%y) and not is_const(%a)'), g).events).toHaveLength(1);
  });

  it('redirecting uses to a value the user reads already counts each operand slot once', () => {
    // negneg turns s = add(nn, r) into add(r, r): r then has two uses, not three.
    const src = `pattern negneg { match { %n = neg(%x)\n %y = neg(%n) } rewrite { %x } }
      pattern twice { match { %s = add(%a, %a) } where uses(%a) == 2 rewrite { mul(%a, %a) } }`;
    const b = new GraphBuilder();
    const r = b.op('relu', [b.input('x', f32(2))], {}, 'r');
    const nn = b.op('neg', [b.op('neg', [r], {}, 'n1')], {}, 'nn');
    b.output(b.op('add', [nn, r], {}, 's'));
    const { events, graph } = apply(src, b.build());
    expect(events.map((e) => e.pattern)).toEqual(['negneg', 'twice']);
    expect(graph.nodes.map((n) => `${n.name}=${n.op}(${n.inputs.join(',')})`)).toEqual(['r=relu(x)', 's=mul(r,r)']);
  });
});

describe('rewriting', () => {
  it('the new root keeps the root name, result names and debugHandle; outputs keep their names', () => {
    const src = 'pattern p { match { %n = neg(%x)\n %y = neg(%n) } rewrite { relu(%x) } }';
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    b.output(b.op('neg', [b.op('neg', [x], {}, 'inner')], {}, 'outer'));
    const g = b.build();
    g.nodes[1] = { ...g.nodes[1]!, debugHandle: 42 };
    const { graph } = apply(src, g);
    expect(graph.nodes).toEqual([{ name: 'outer', op: 'relu', inputs: ['x'], outputs: ['outer'], attrs: {}, debugHandle: 42 }]);
    expect(graph.outputs).toEqual(['outer']);
    expect(Object.keys(graph.values).sort()).toEqual(['outer', 'x']);
  });

  it('a root replaced by an existing value redirects its uses, but never renames a graph output', () => {
    const src = 'pattern p { match { %n = neg(%x)\n %y = neg(%n) } rewrite { %x } }';
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    const nn = b.op('neg', [b.op('neg', [x])], {}, 'nn');
    b.output(b.op('relu', [nn], {}, 'r'), b.op('neg', [b.op('neg', [x])], {}, 'out'));
    const { graph, events } = apply(src, b.build());
    expect(events.map((e) => e.root.name)).toEqual(['nn']);
    expect(graph.nodes.find((n) => n.name === 'r')!.inputs).toEqual(['x']);
    expect(graph.outputs).toEqual(['r', 'out']);
  });

  it('nested replacements insert new nodes before the root, with fresh names', () => {
    const src = 'pattern p { match { %y = sigmoid(%x) } rewrite { mul(%x, relu(neg(%x))) } }';
    const b = new GraphBuilder();
    b.output(b.op('sigmoid', [b.input('x', f32(3))], {}, 's'));
    const { graph } = apply(src, b.build());
    expect(graph.nodes.map((n) => [n.name, n.op])).toEqual([['s.neg', 'neg'], ['s.relu', 'relu'], ['s', 'mul']]);
  });

  it('dead nodes are removed as the driver goes, including nodes dead from the start', () => {
    const src = 'pattern p { match { %y = relu(%x) } where false rewrite { %x } }';
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    b.op('neg', [b.op('relu', [x], {}, 'd1')], {}, 'd2');
    b.constant('unused', tensor('f32', [1], [1]));
    b.output(b.op('relu', [x], {}, 'live'));
    const res = apply(src, b.build());
    expect(res.graph.nodes.map((n) => n.name)).toEqual(['live']);
    expect(res.erased).toBe(2);
    expect(Object.keys(res.graph.constants)).toEqual(['unused']);
  });

  it('a rewrite cycle stops at the limit and names the patterns that kept firing', () => {
    const src = `pattern to_sigmoid { match { %y = relu(%x) } rewrite { sigmoid(%x) } }
      pattern to_relu { match { %y = sigmoid(%x) } rewrite { relu(%x) } }
      pattern unrelated { match { %y = neg(%x) } rewrite { abs(%x) } }`;
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    b.output(b.op('relu', [b.op('neg', [x])]));
    const res = applyPatterns(b.build(), loadPatterns(src), { maxRewrites: 50 });
    expect(res.converged).toBe(false);
    expect(res.cycle!.map((c) => c.pattern).sort()).toEqual(['to_relu', 'to_sigmoid']);
    expect(res.cycle!.reduce((a, c) => a + c.count, 0)).toBe(50);
  });

  it('higher benefit wins at the same root, then file order', () => {
    const src = (a: number, b: number) => `pattern first benefit ${a} { match { %y = relu(%x) } rewrite { sigmoid(%x) } }
      pattern second benefit ${b} { match { %y = relu(%x) } rewrite { tanh(%x) } }`;
    const b = new GraphBuilder();
    b.output(b.op('relu', [b.input('x', f32(2))]));
    const g = b.build();
    expect(opsOf(applyPatterns(g, loadPatterns(src(1, 2))).graph)).toEqual(['tanh']);
    expect(opsOf(applyPatterns(g, loadPatterns(src(2, 1))).graph)).toEqual(['sigmoid']);
    expect(opsOf(applyPatterns(g, loadPatterns(src(1, 1))).graph)).toEqual(['sigmoid']);
  });

  it('patterns are indexed by root op', () => {
    const set = loadPatterns(`pattern a { match { %y = relu(%x) } rewrite { %x } }
      pattern b { match { %y = conv2d | gemm (...) } rewrite { %y {} } }`);
    expect(set.candidates('relu').map((v) => v.pattern.name)).toEqual(['a']);
    expect(set.candidates('gemm').map((v) => v.pattern.name)).toEqual(['b']);
    expect(set.candidates('add')).toEqual([]);
  });

  it('the trace prints each match and rewrite', () => {
    const src = 'pattern p { match { %n = neg(%x)\n %y = neg(%n) } rewrite { relu(%x) } }';
    const b = new GraphBuilder();
    b.output(b.op('neg', [b.op('neg', [b.input('x', f32(2))], {}, 'inner')], {}, 'outer'));
    const lines: string[] = [];
    applyPatterns(b.build(), loadPatterns(src), { onRewrite: (e) => lines.push(formatRewriteEvent(e)) });
    expect(lines.join('\n')).toBe("match   p at 'outer' (neg): %y='outer' %n='inner' %x='x'\nrewrite p: outer = relu(x); erased 'inner'");
  });
});

describe('helpers', () => {
  it('user helpers registered from TypeScript are typed and callable', () => {
    const helpers = defaultHelpers.child().register(
      defineHelper({
        name: 'scaled',
        doc: 't · k',
        params: [
          { name: 't', type: 'tensor' },
          { name: 'k', type: 'float' },
        ],
        result: 'tensor',
        fn: (t, k) => binaryOp(t, k, (a, b) => a * b),
      }),
    );
    const src = `pattern p { match { %m = mul(%x, %k: const)
      %y = mul(%m, %j: const) } rewrite { let kj = scaled(%k * %j, 0.5)
      mul(%x, kj) } }`;
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    b.output(b.op('mul', [b.op('mul', [x, b.constant('k', tensor('f32', [2], [2, 4]))]), b.constant('j', tensor('f32', [2], [3, 5]))]));
    const res = applyPatterns(b.build(), loadPatterns(src, { helpers }));
    const kj = res.graph.constants[res.graph.nodes[0]!.inputs[1]!]!;
    expect(Array.from(kj.data as Float32Array)).toEqual([3, 10]);
    expect(() => loadPatterns(src)).toThrow(/unknown function 'scaled'/);
  });

  it('a helper that fails reports the pattern location and the node', () => {
    const src = `pattern p { match { %y = add(%x, %k: const) } rewrite {
      let k = reshape(%k, [5])
      add(%x, k) } }`;
    const b = new GraphBuilder();
    const x = b.input('x', f32(2));
    b.output(b.op('add', [x, b.constant('k', tensor('f32', [2], [1, 2]))], {}, 'a'));
    expect(() => applyPatterns(b.build(), loadPatterns(src, { file: 'h.qpat' }))).toThrow(/h\.qpat:2:7: error QF2012: pattern p at node 'a': let k: reshape: \[2\] has 2 elements/);
  });

  it('a replacement with a different type is an error of the pattern', () => {
    const src = 'pattern p { match { %y = add(%x, %k: const) } rewrite { %k } }';
    const b = new GraphBuilder();
    const x = b.input('x', f32(2, 2));
    b.output(b.op('neg', [b.op('add', [x, b.constant('k', tensor('f32', [2], [1, 2]))])]));
    // A redirect is type-checked as a built replacement is (issue #15: it used to write a graph that declared the wrong type).
    expect(() => applyPatterns(b.build(), loadPatterns(src))).toThrow(/QF2012: pattern p at node '.*': the replacement value 'k' is f32\[2\] but the root is f32\[2,2\]/);
    const src2 = 'pattern p { match { %y = add(%x, %k: const) } rewrite { add(%k, %k) } }';
    expect(() => applyPatterns(b.build(), loadPatterns(src2))).toThrow(/the replacement computes f32\[2\] but the root is f32\[2,2\]/);
  });
});

describe('numerics', () => {
  it('constant arithmetic rounds each step to f32, like torch', () => {
    const src = `pattern p { match { %y = add(%x, %k: const) } rewrite { let k = %k / 7.0 + 0.1
      sub(%x, k) } }`;
    const b = new GraphBuilder();
    const x = b.input('x', f32(1));
    b.output(b.op('relu', [b.op('add', [x, b.constant('k', tensor('f32', [1], [1]))])]));
    const res = applyPatterns(b.build(), loadPatterns(src));
    const k = res.graph.constants[res.graph.nodes[0]!.inputs[1]!]!;
    expect(k.data[0]).toBe(Math.fround(Math.fround(1 / 7) + Math.fround(0.1)));
    expect(k.data[0]).not.toBe(Math.fround(1 / 7 + 0.1));
  });
});

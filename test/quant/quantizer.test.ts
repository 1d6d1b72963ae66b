// The Quantizer API: annotation validation errors, sharing resolution (explicit, implicit,
// cycles), fixed and derived specs, JSON configs, and the observer override.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph, Node } from '../../src/ir/graph.js';
import { fround } from '../../src/ir/quant-math.js';
import { tensor } from '../../src/ir/tensor.js';
import '../../src/passes/index.js';
import {
  biasSpec,
  calibrate,
  fixedSpec,
  prepareGraph,
  quantSpec,
  resolveQuantizer,
  type AnnotationTable,
  type NodeAnnotation,
  type Quantizer,
} from '../../src/passes/quantize/index.js';
import { errorOf, FIX } from './flow-helpers.js';

const ACT = quantSpec({ dtype: 'u8' });
const WEIGHT = quantSpec({ dtype: 'i8', scheme: 'symmetric', granularity: 'per-channel', axis: 'out' });

/** A quantizer with fixed annotations (node name -> annotation). */
const fixedQuantizer = (anns: [string, NodeAnnotation][]): Quantizer => ({ name: 'test', annotate: (): AnnotationTable => new Map(anns) });

/** x -> relu "r1", x -> relu "r2", conv "c" (3->4 channels) on x, and an add "s" of r1 and r2. */
function sample(): Graph {
  const b = new GraphBuilder('sample');
  const x = b.input('x', { dtype: 'f32', shape: [1, 3, 4, 4] });
  const r1 = b.op('relu', [x], {}, 'r1');
  const r2 = b.op('relu', [x], {}, 'r2');
  const w = b.constant('w', tensor('f32', [4, 3, 1, 1], Array.from({ length: 12 }, (_, i) => (i - 6) / 8)));
  const bias = b.constant('bias', tensor('f32', [4], [0.5, -0.25, 0.125, 1]));
  const c = b.op('conv2d', [x, w, bias], {}, 'c');
  const s = b.op('add', [r1, r2], {}, 's');
  return b.output(s, c).build();
}

const observers = (g: Graph): Node[] => g.nodes.filter((n) => n.op === 'observe');

describe('annotation validation names the node', () => {
  const g = sample();
  const cases: [string, NodeAnnotation, string, RegExp][] = [
    ['an input edge that is not an operand', { inputs: { 3: ACT } }, 'QUANT_ANNOTATION', /node 'r1' \(relu\).*input 3 is not an operand/],
    ['qmin > qmax', { inputs: { 0: quantSpec({ dtype: 'u8', qmin: 200, qmax: 100 }) } }, 'QUANT_SPEC', /node 'r1'.*qmin 200 is greater than qmax 100/],
    ['a range that does not fit the dtype', { inputs: { 0: quantSpec({ dtype: 'i8', qmin: -200 }) } }, 'QUANT_SPEC', /node 'r1'.*\[-200, 127\] does not fit i8/],
    ['a per-channel axis out of range', { inputs: { 0: quantSpec({ dtype: 'i8', granularity: 'per-channel', axis: 5 }) } }, 'QUANT_SPEC', /node 'r1'.*axis 5 is out of range for a rank-4 tensor/],
    ['a shared spec pointing at an unannotated edge', { inputs: { 0: { kind: 'shared', with: { node: 'r2', input: 0 } } } }, 'QUANT_ANNOTATION', /node 'r1'.*pointing at input 0 of 'r2', which is not annotated/],
    ['a histogram observer per channel', { inputs: { 0: quantSpec({ dtype: 'u8', observer: 'histogram', granularity: 'per-channel', axis: 1 }) } }, 'QUANT_SPEC', /per tensor only/],
  ];
  for (const [what, ann, key, re] of cases)
    it(what, () => {
      const e = errorOf(() => prepareGraph(g, fixedQuantizer([['r1', ann]])));
      expect(e.key).toBe(key);
      expect(e.text).toMatch(re);
    });

  it('an annotation for a node that does not exist', () => {
    expect(errorOf(() => prepareGraph(g, fixedQuantizer([['nope', { inputs: {} }]]))).text).toMatch(/node 'nope', which is not in graph 'sample'/);
  });

  it('a non-f32 value', () => {
    const b = new GraphBuilder('ints');
    const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
    const sh = b.op('shape', [x], {}, 'sh');
    b.output(sh);
    const e = errorOf(() => prepareGraph(b.build(), fixedQuantizer([['sh', { inputs: {}, output: ACT }]])));
    expect(e.text).toMatch(/node 'sh' \(shape\).*i64; only f32 values can be quantized/);
  });

  it('shared specs that only point at each other', () => {
    const e = errorOf(() =>
      prepareGraph(
        g,
        fixedQuantizer([
          ['r1', { inputs: { 0: { kind: 'shared', with: { node: 'r2', input: 0 } } } }],
          ['r2', { inputs: { 0: { kind: 'shared', with: { node: 'r1', input: 0 } } } }],
        ]),
      ),
    );
    expect(e.key).toBe('QUANT_SHARING');
  });

  it('preparing twice', () => {
    const p = prepareGraph(g, fixedQuantizer([['r1', { inputs: { 0: ACT } }]]));
    expect(errorOf(() => prepareGraph(p.graph, fixedQuantizer([]))).key).toBe('QUANT_UNSUPPORTED');
  });
});

describe('sharing', () => {
  const g = sample();
  it('equal specs on two edges from one producer share one observer node', () => {
    const p = prepareGraph(g, fixedQuantizer([['r1', { inputs: { 0: ACT } }], ['r2', { inputs: { 0: { ...ACT } } }]]));
    expect(p.sharing.specs).toHaveLength(1);
    const obs = observers(p.graph);
    expect(obs).toHaveLength(1);
    const users = p.graph.nodes.filter((n) => n.inputs.includes(obs[0]!.outputs[0]!)).map((n) => n.name);
    expect(users.sort()).toEqual(['r1', 'r2']);
  });

  it('different ranges, or implicit sharing turned off, keep two observers', () => {
    const other = quantSpec({ dtype: 'u8', qmax: 127 });
    expect(observers(prepareGraph(g, fixedQuantizer([['r1', { inputs: { 0: ACT } }], ['r2', { inputs: { 0: other } }]])).graph)).toHaveLength(2);
    // As in PT2E the flag belongs to the edge being resolved: r1's edge (allowed) would still join r2's.
    const off = prepareGraph(g, fixedQuantizer([['r1', { inputs: { 0: ACT }, allowImplicitSharing: false }], ['r2', { inputs: { 0: ACT }, allowImplicitSharing: false }]]));
    expect(observers(off.graph)).toHaveLength(2);
  });

  it("a consumer edge with the producer's output spec reuses the output observer", () => {
    const p = prepareGraph(g, fixedQuantizer([['r1', { inputs: {}, output: ACT }], ['s', { inputs: { 0: ACT, 1: ACT }, output: ACT }]]));
    // r1's output observer serves s's first operand; s's second operand (r2) gets its own.
    const obs = observers(p.graph);
    expect(obs.map((n) => n.attrs['tensor'])).toEqual(['r1', 'r2', 's']);
    expect(new Set(obs.map((n) => n.attrs['group'])).size).toBe(3);
  });

  it('a shared output is one group seen at two positions', () => {
    const p = prepareGraph(g, fixedQuantizer([['r1', { inputs: { 0: ACT }, output: { kind: 'shared', with: { node: 'r1', input: 0 } } }]]));
    const obs = observers(p.graph);
    expect(obs).toHaveLength(2);
    expect(obs[0]!.attrs['group']).toBe(obs[1]!.attrs['group']);
    const c = calibrate(p.graph, { source: 't', size: 1, sample: () => [tensor('f32', [1, 3, 4, 4], Array.from({ length: 48 }, (_, i) => i / 8 - 3))] });
    const [a, b] = observers(c.graph);
    // The one observer saw x (from -3) and relu(x): both positions get the range of both.
    expect(a!.attrs['min']).toEqual([-3]);
    expect(a!.attrs['scale']).toEqual(b!.attrs['scale']);
  });
});

describe('fixed and derived specs', () => {
  it('fixed qparams need no calibration; derived bias scale is fround(s_x · s_w[c])', () => {
    const g = sample();
    const q = fixedQuantizer([
      ['c', { inputs: { 0: ACT, 1: WEIGHT, 2: biasSpec({ node: 'c', input: 0 }, { node: 'c', input: 1 }) }, output: fixedSpec('0to1', 'u8') }],
    ]);
    const p = prepareGraph(g, q);
    const out = observers(p.graph).find((n) => n.attrs['tensor'] === 'c')!;
    expect([out.attrs['scale'], out.attrs['zero_point']]).toEqual([[1 / 256], [0]]);
    const c = calibrate(p.graph, { source: 't', size: 1, sample: () => [tensor('f32', [1, 3, 4, 4], Array.from({ length: 48 }, (_, i) => Math.sin(i)))] });
    const get = (t: string) => observers(c.graph).find((n) => n.attrs['tensor'] === t)!.attrs;
    const sx = (get('x')['scale'] as number[])[0]!, sw = get('w')['scale'] as number[];
    expect(sw).toHaveLength(4); // per output channel of the conv weight (axis 'out' = 0)
    expect(get('bias')['scale']).toEqual(sw.map((s) => fround(sx * s)));
    expect(get('bias')['dtype']).toBe('i32');
  });
});

describe('JSON quantizer configs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qforge-qcfg-'));
  const write = (name: string, cfg: unknown) => {
    const f = path.join(dir, name);
    writeFileSync(f, typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
    return f;
  };
  const base = { name: 'c', specs: { act: { dtype: 'u8' } }, rules: [{ match: ['relu'], inputs: { x: 'act' }, output: 'act' }] };

  it('applies rules in order, with chains, selectors and skips', () => {
    const f = write('ok.json', { ...base, rules: [{ match: ['add'], inputs: { '*': 'act' }, output: 'act' }, ...base.rules], skip: { nodes: ['r2'] } });
    const p = prepareGraph(sample(), resolveQuantizer(f));
    expect([...p.annotations.keys()].sort()).toEqual(['r1', 's']);
  });

  const bad: [string, unknown, RegExp][] = [
    ['an unknown key, with a hint', { ...base, specs: { act: { dtype: 'u8', obsrever: 'minmax' } } }, /specs\.act: unknown key 'obsrever' \(did you mean 'observer'\?\)/],
    ['an unknown op', { ...base, rules: [{ match: ['reluu'], inputs: { x: 'act' } }] }, /rules\[0\]\.match\[0\]: unknown op 'reluu'/],
    ['an unknown spec name', { ...base, rules: [{ match: ['relu'], inputs: { x: 'activation' } }] }, /rules\[0\] uses spec 'activation', which is not in specs/],
    ['a bad range', { ...base, specs: { act: { dtype: 'u8', qmin: 10, qmax: 5 } } }, /specs\.act: qmin 10 is greater than qmax 5/],
    ['not JSON', '{ "name": ', /not valid JSON/],
    ['extends an unknown quantizer', { name: 'e', extends: 'xnnpak' }, /extends 'xnnpak', which is not a built-in quantizer/],
  ];
  for (const [what, cfg, re] of bad)
    it(`rejects ${what}`, () => {
      const e = errorOf(() => prepareGraph(sample(), resolveQuantizer(write(`${what.replace(/\W/g, '_')}.json`, cfg))));
      expect(e.key).toBe('QUANT_CONFIG');
      expect(e.text).toMatch(re);
    });

  it('rejects a skipped node name that is not in the graph', () => {
    expect(errorOf(() => prepareGraph(sample(), resolveQuantizer(write('skip.json', { ...base, skip: { nodes: ['r3'] } })))).text).toMatch(/skip\.nodes names 'r3'/);
  });

  it('an unknown quantizer name suggests the nearest', () => {
    expect(errorOf(() => resolveQuantizer('xnnpak')).text).toMatch(/did you mean 'xnnpack'/);
  });

  it('the example configs in spec/quantizers load and quantize digits_mlp', async () => {
    const { importOnnx } = await import('../../src/ir/onnx/index.js');
    const g = importOnnx(path.join(FIX, 'digits_mlp/model.onnx'));
    const mixed = prepareGraph(g, resolveQuantizer('spec/quantizers/digits-mixed.json'));
    expect(mixed.annotations.has('/fc1/Gemm')).toBe(true);
    expect(mixed.annotations.has('/fc2/Gemm')).toBe(false); // skipped: stays float
    expect(observers(mixed.graph).every((n) => n.attrs['observer'] !== 'histogram')).toBe(true); // act spec overridden
    const u8 = prepareGraph(g, resolveQuantizer('spec/quantizers/per-tensor-u8.json'));
    const w = observers(u8.graph).find((n) => n.attrs['tensor'] === 'fc2.weight')!;
    expect([w.attrs['granularity'], w.attrs['qmin'], w.attrs['qmax']]).toEqual(['per-tensor', -127, 127]);
  });
});

describe('the observer option', () => {
  it('replaces the activation observers only', () => {
    const g = sample();
    const q = fixedQuantizer([['c', { inputs: { 0: ACT, 1: WEIGHT }, output: ACT }]]);
    const p = prepareGraph(g, q, { observer: 'histogram' });
    const kinds = Object.fromEntries(observers(p.graph).map((n) => [n.attrs['tensor'], n.attrs['observer']]));
    expect(kinds).toEqual({ x: 'histogram', w: 'minmax', c: 'histogram' });
  });
});

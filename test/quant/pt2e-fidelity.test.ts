// The PT2E fidelity items of docs/pt2e-fidelity.md that the PyTorch test ports do not cover on
// their own: fp32 bias with the same int32 bias after lowering, per-group and dynamic specs
// through convert and lowering, quantizer objects, DuplicateDQ, overflow and integer inputs,
// configs with scope/dropRules, the observer API, and constant-chain folding as a property.
import { fc, test as fcTest } from '@fast-check/vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { writeNpy } from '../../src/ir/npy.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { runPipeline } from '../../src/passes/manager/index.js';
import { quantizeGraph } from '../../src/passes/quantize/flow.js';
import {
  builtinConfig,
  calibrate,
  convertGraph,
  datasetFromTensors,
  loadDataset,
  mergeConfig,
  observedBy,
  observerOf,
  prepareGraph,
  preparePassFor,
  quantSpec,
  registerQuantizer,
  resolveQuantizer,
  RuleQuantizer,
  sameObserver,
  type Quantizer,
  type QuantizerConfig,
  type RuleConfig,
} from '../../src/passes/quantize/index.js';
import { quantizeWeightsOnly } from '../../src/passes/quantize/weight-only.js';
import { compileRun } from '../codegen/helpers.js';
import { FIX } from './flow-helpers.js';
import { ann, anyLinear, backend, conv1d, errorOf, linear, nodesOf, randT, rng } from './pt2e-port/harness.js';

const fixture = (m: string) => importOnnx(path.join(FIX, m, 'model.onnx'));
const calib = (m: string) => path.join(FIX, m, 'calib.npy');
const intConstants = (g: Graph) => Object.entries(g.constants).filter(([, t]) => t.dtype === 'i32');

describe('item 1: PT2E quantizers leave the bias fp32; the lowering makes the same int32 bias', () => {
  /** The built-in quantizer with the derived int32 bias spec on every conv/gemm bias (as before). */
  const withInt32Bias = (name: 'xnnpack' | 'x86'): Quantizer => {
    const base = builtinConfig(name)!;
    const biased = (base.rules ?? [])
      .filter((r) => ['conv2d', 'gemm'].includes(r.match[0]!))
      .map((r): RuleConfig => ({ ...r, inputs: { ...r.inputs, [r.match[0] === 'gemm' ? 'c' : 'b']: 'bias' } }));
    return new RuleQuantizer({ ...base, name: `${name}-int32-bias`, rules: [...biased, ...(base.rules ?? [])] });
  };

  for (const q of ['xnnpack', 'x86'] as const)
    for (const m of ['conv_bn_relu', 'small_resnet', 'mlp'])
      it(`${q} on ${m}: no bias dequantize after convert; lowered graph identical to the int32-bias spec's`, () => {
        const g = fixture(m);
        const pt2e = quantizeGraph(g, { quantizer: q, calib: calib(m) });
        const derived = quantizeGraph(g, { quantizer: withInt32Bias(q), calib: calib(m) });
        expect(intConstants(pt2e.qdq!)).toEqual([]);
        expect(intConstants(derived.qdq!).length).toBeGreaterThan(0);
        // The same integer ops with the same attributes and constants (so the same C). x86 leaves
        // conv/linear outputs unquantized, so those stay float ops — with a float bias, as in PT2E.
        const integerOps = (r: typeof pt2e) =>
          r.graph.nodes.filter((n) => q === 'xnnpack' || (n.op.startsWith('q') && n.op !== 'quantize')).map((n) => [n.op, n.attrs, n.inputs.map((v) => r.graph.constants[v]).filter((t) => t?.dtype !== 'f32' || q === 'xnnpack')]);
        expect(integerOps(pt2e)).toEqual(integerOps(derived));
      });
});

describe('items 4 and 7: the new lowerings compile to C bit for bit', () => {
  /** [conv1d → relu →] N-D linear (matmul + bias add) → N-D linear without bias (dynamic configs quantize linears only). */
  function model(withConv: boolean): Graph {
    const r = rng(71), b = new GraphBuilder('m');
    const x = b.input('x', { dtype: 'f32', shape: [2, 3, 10] });
    const c = withConv ? b.op('relu', [conv1d(b, x, 2, 3, 10, 4, 3, 'conv', r)], {}, 'relu') : b.op('slice', [x], { starts: [0], ends: [8], axes: [2] }, 'slice');
    const t = b.op('transpose', [c], { perm: [0, 2, 1] }, 'permute');
    const k = withConv ? 4 : 3;
    return b.output(anyLinear(b, anyLinear(b, t, 3, k, 6, 'fc1', r), 3, 6, 5, 'fc2', r, false)).build();
  }
  for (const [q, ops] of [['xnnpack', ['qconv2d', 'qlinear']], ['x86-dynamic', ['qlinear_dynamic']]] as const)
    it(`${q}: lowered to ${ops.join(', ')}; C equals the interpreter`, () => {
      const g = model(q === 'xnnpack');
      const res = quantizeGraph(g, { quantizer: q, calib: datasetFromTensors(g, [randT([4, 2, 3, 10], rng(72))], 'x') });
      for (const op of ops) expect(nodesOf(res.graph, op).length).toBeGreaterThan(0);
      expect(res.graph.nodes.some((n) => ['matmul', 'gemm', 'conv2d', 'choose_qparams'].includes(n.op))).toBe(false);
      const xs = [randT([2, 3, 10], rng(73), 2)];
      expect(compileRun(res.graph, 'c', xs).outputs[0]!.data).toEqual(run(res.graph, xs).outputs[0]!.data);
    });
});

describe('item 3: per-group weight specs in static convert', () => {
  it('a gemm weight per group of 8 input features: a blocked integer constant and dequantize, as weight-only int4 makes it', () => {
    const b = new GraphBuilder('m');
    b.output(b.op('gemm', [b.input('x', { dtype: 'f32', shape: [2, 16] }), b.constant('w', randT([16, 4], rng(61)))], {}, 'fc'));
    const g = b.build();
    const w4 = quantSpec({ dtype: 'i4', scheme: 'symmetric', granularity: 'per-group', axis: 0, groupSize: 8 });
    const q = backend((_gg, t) => t.set('fc', ann({ 0: quantSpec({ dtype: 'u8' }), 1: w4 })));
    const p = prepareGraph(g, q);
    const converted = convertGraph(calibrate(p.graph, datasetFromTensors(p.graph, [randT([3, 2, 16], rng(62))], 'x')).graph).graph;
    const dq = nodesOf(converted, 'dequantize').find((n) => n.attrs['group_size'] === 8)!;
    const ref = quantizeWeightsOnly(g, { bits: 4, groupSize: 8 }).graph;
    const refDq = nodesOf(ref, 'dequantize')[0]!;
    expect(dq.attrs['scale']).toEqual(refDq.attrs['scale']);
    expect(converted.constants[dq.inputs[0]!]!.data).toEqual(ref.constants[refDq.inputs[0]!]!.data);
    expect(run(converted, [randT([2, 16], rng(63))]).outputs[0]!.shape).toEqual([2, 4]);
  });

  it('a per-group spec on a value computed at run time is a clear error', () => {
    const b = new GraphBuilder('m');
    b.output(b.op('relu', [b.input('x', { dtype: 'f32', shape: [2, 16] })], {}, 'r'));
    const q = backend((_g, t) => t.set('r', ann({ 0: quantSpec({ dtype: 'i8', granularity: 'per-group', axis: 1, groupSize: 8 }) })));
    const p = prepareGraph(b.build(), q);
    const cal = calibrate(p.graph, datasetFromTensors(p.graph, [randT([2, 16], rng(64))], 'x')).graph;
    expect(errorOf(() => convertGraph(cal)).text).toMatch(/QF3006.*'x' is per-group, which convert supports for constants \(weights\) only/);
  });
});

describe('item 4: dynamic specs in the static flow', () => {
  it('x86-dynamic: one choose_qparams for an activation read by two linears, lowered to qlinear_dynamic within an ulp', () => {
    const r = rng(65), b = new GraphBuilder('m');
    const x = b.input('x', { dtype: 'f32', shape: [3, 8] });
    b.output(b.op('add', [linear(b, x, 8, 4, 'a', r), linear(b, x, 8, 4, 'b', r)], {}, 'sum'));
    const g = b.build();
    const res = quantizeGraph(g, { quantizer: 'x86-dynamic', calib: datasetFromTensors(g, [randT([2, 3, 8], rng(66))], 'x') });
    expect(nodesOf(res.qdq!, 'choose_qparams')).toHaveLength(1);
    expect(nodesOf(res.graph, 'qlinear_dynamic')).toHaveLength(2);
    const xs = [randT([3, 8], rng(67), 3)];
    const want = run(res.qdq!, xs).outputs[0]!.data as Float32Array, got = run(res.graph, xs).outputs[0]!.data as Float32Array;
    want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -20 + 1e-6));
  });

  it('a dynamic spec to anything but u8/i8 is rejected by name', () => {
    expect(errorOf(() => prepareGraph(fixture('mlp'), new RuleQuantizer(mergeConfig(builtinConfig('x86-dynamic')!, { name: 'd16', specs: { act: { dtype: 'i16', dynamic: true } } })))).text).toMatch(/dynamic quantization is to u8 or i8, not i16/);
  });
});

describe('item 5: scope and dropRules in JSON configs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pt2e-cfg-'));
  const file = (name: string, cfg: object) => {
    const p = path.join(dir, name);
    writeFileSync(p, JSON.stringify(cfg));
    return p;
  };

  it('a config file limited to a name pattern, without the base conv rules', () => {
    const g = fixture('small_resnet');
    const q = resolveQuantizer(file('scoped.json', { name: 'scoped', extends: 'xnnpack', dropRules: ['conv2d'], scope: { pattern: 'Gemm|fc' } }));
    const annotated = [...q.annotate(g).keys()].map((n) => g.nodes.find((x) => x.name === n)!.op);
    expect(annotated.length).toBeGreaterThan(0);
    expect(annotated.every((op) => op === 'gemm')).toBe(true);
  });

  it('bad scope and dropRules entries name the file and the key', () => {
    expect(errorOf(() => resolveQuantizer(file('bad-re.json', { name: 'x', extends: 'xnnpack', scope: { pattern: '(' } }))).text).toMatch(/bad-re\.json: scope\.pattern: not a regular expression/);
    expect(errorOf(() => resolveQuantizer(file('no-ext.json', { name: 'x', dropRules: ['gemm'] }))).text).toMatch(/no-ext\.json: dropRules: only applies with "extends"/);
    expect(errorOf(() => resolveQuantizer(file('typo.json', { name: 'x', scope: { prefix: ['a'] } }))).text).toMatch(/unknown key 'prefix' \(did you mean 'prefixes'\?\)/);
  });
});

describe('item 6: quantizer objects without registration; prepareGraph folds BN like prepare', () => {
  const custom = (): Quantizer => new RuleQuantizer({ ...builtinConfig('xnnpack')!, name: 'my-xnnpack' });

  it('quantizeGraph and preparePassFor take an unregistered object', () => {
    const r = quantizeGraph(fixture('conv_bn_relu'), { quantizer: custom(), calib: calib('conv_bn_relu') });
    expect(nodesOf(r.graph, 'qconv2d').length).toBeGreaterThan(0);
    expect(() => resolveQuantizer('my-xnnpack')).toThrow(/unknown quantizer 'my-xnnpack'/);
  });

  it('prepareGraph folds batch norms exactly as the prepare pass', () => {
    const g = fixture('conv_bn_relu'), q = custom();
    expect(nodesOf(g, 'batch_norm').length).toBeGreaterThan(0);
    const direct = prepareGraph(g, q).graph, pass = runPipeline(g, [{ pass: preparePassFor(q) }]).graph;
    expect(nodesOf(direct, 'batch_norm')).toHaveLength(0);
    expect(direct).toEqual(pass);
  });

  it('registering the same object twice is fine, another object under a taken name is an error', () => {
    const q = custom();
    registerQuantizer(q);
    registerQuantizer(q);
    expect(resolveQuantizer('my-xnnpack')).toBe(q);
    expect(errorOf(() => registerQuantizer(custom())).text).toMatch(/QF3005.*another quantizer is already registered as 'my-xnnpack'/);
  });
});

describe('item 9: DuplicateDQ', () => {
  it('each annotated reader gets its own dequantize; a graph output keeps the original', () => {
    const b = new GraphBuilder('m');
    const r = b.op('relu', [b.input('x', { dtype: 'f32', shape: [1, 4] })], {}, 'r');
    b.output(r, b.op('sigmoid', [r], {}, 's'), b.op('tanh', [r], {}, 't'), b.op('neg', [r], {}, 'n'));
    const act = quantSpec({ dtype: 'u8' });
    const q = backend((_g, t) => {
      t.set('r', ann({}, act));
      t.set('s', ann({ 0: act }));
      t.set('t', ann({ 0: act }));
    });
    const p = prepareGraph(b.build(), q);
    const out = convertGraph(calibrate(p.graph, datasetFromTensors(p.graph, [randT([2, 1, 4], rng(68))], 'x')).graph).graph;
    const dqs = nodesOf(out, 'dequantize');
    expect(dqs).toHaveLength(3); // s's, t's, and the one the output and the unannotated neg read
    const readers = dqs.map((d) => out.nodes.filter((n) => n.inputs.includes(d.outputs[0]!)).map((n) => n.name).sort());
    expect(readers).toEqual(expect.arrayContaining([['s'], ['t'], ['n']]));
    expect(out.outputs[0]).toBe(dqs.find((d) => readers[dqs.indexOf(d)]!.includes('n'))!.outputs[0]);
  });
});

describe('items 11 and 12: overflowing calibration, integer inputs', () => {
  it('x * 3.4e38 observed: QF3003 names the tensor instead of NaN zero points', () => {
    const b = new GraphBuilder('m');
    b.output(b.op('mul', [b.input('x', { dtype: 'f32', shape: [1, 8] }), b.constant('big', tensor('f32', [], [3.4e38]))], {}, 'mul'));
    const q = backend((_g, t) => t.set('mul', ann({ 0: quantSpec({ dtype: 'u8' }) }, quantSpec({ dtype: 'u8' }))));
    const p = prepareGraph(b.build(), q);
    const data = datasetFromTensors(p.graph, [tensor('f32', [1, 8], [-0.9, -0.5, 0, 0.2, 0.4, 0.6, 0.8, 0.99])], 'x');
    expect(errorOf(() => calibrate(p.graph, data)).text).toMatch(/QF3003.*observer of 'mul' saw the range .*too wide for float32 qparams/);
  });

  it('integer inputs keep their dtype through datasetFromTensors and loadDataset', () => {
    const b = new GraphBuilder('emb');
    const idx = b.input('indices', { dtype: 'i64', shape: [4] });
    b.output(b.op('gather', [b.constant('table', randT([10, 3], rng(69))), idx], { axis: 0 }, 'emb'));
    const g = b.build();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pt2e-npy-')), 'idx.npy');
    writeNpy(file, tensor('i64', [2, 4], [1, 2, 3, 4, 9, 8, 7, 6]));
    const d = loadDataset(file, g);
    expect(d.sample(1)[0]!.dtype).toBe('i64');
    expect(Array.from(d.sample(1)[0]!.data as BigInt64Array, Number)).toEqual([9, 8, 7, 6]);
    expect(datasetFromTensors(g, [tensor('i32', [4], [0, 1, 2, 3])], 'i32 data').sample(0)[0]!.dtype).toBe('i64');
    expect(errorOf(() => datasetFromTensors(g, [randT([4])], 'floats')).text).toMatch(/holds f32 values; input 'indices' needs i64 samples/);
  });
});

describe('item 13: observer API', () => {
  it('observerOf / sameObserver / observedBy on a cat', () => {
    const r = rng(70), b = new GraphBuilder('m');
    const x = b.input('x', { dtype: 'f32', shape: [1, 3, 4, 4] });
    b.output(b.op('maxpool2d', [b.op('concat', [b.op('relu', [x], {}, 'r1'), b.op('relu', [x], {}, 'r2')], { axis: 1 }, 'cat')], { kernel_shape: [2, 2] }, 'pool'));
    const { sharing } = prepareGraph(b.build(), resolveQuantizer('x86'));
    void r;
    expect(observerOf(sharing, 'nope')).toBeUndefined();
    expect(sameObserver(sharing, ['cat', 0], ['cat', 1])).toBe(sameObserver(sharing, ['cat', 0], ['cat']));
    const p = prepareGraph(fixture('small_resnet'), resolveQuantizer('xnnpack')).sharing;
    const g = observerOf(p, '/maxpool/MaxPool') ?? observerOf(p, p.groupOf.keys().next().value!.split('\u0000')[1]!)!;
    expect(observedBy(p, g).every((k) => observerOf(p, k.node, k.input) === g)).toBe(true);
  });
});

describe('constant chains fold at convert (PT2E constant folding)', () => {
  const PERMS = [[1, 0]] as const;
  fcTest.prop([fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.integer()], { numRuns: 30 })(
    'folding a weight computed through transposes/reshapes gives the same outputs as quantizing it at run time',
    (k, n, perChannel, hops, seed) => {
      const b = new GraphBuilder('m');
      let w = b.constant('w', randT([n, k], rng(seed)));
      for (let i = 0; i < hops; i++) w = i % 2 ? b.op('reshape', [w], { shape: [-1, i % 4 === 1 ? n : k] }, `r${i}`) : b.op('transpose', [w], { perm: [...PERMS[0]] }, `t${i}`);
      const wShape = b.build().values[w]!.shape;
      const transB = wShape[0] === n && wShape[1] === k;
      b.output(b.op('gemm', [b.input('x', { dtype: 'f32', shape: [2, k] }), w], { trans_b: transB }, 'fc'));
      const g = b.build();
      if (g.values[w]!.shape[transB ? 1 : 0] !== k) return;
      const spec = perChannel ? quantSpec({ dtype: 'i8', scheme: 'symmetric', granularity: 'per-channel', axis: 'out' }) : quantSpec({ dtype: 'i8', scheme: 'symmetric' });
      const q = backend((_gg, t) => t.set('fc', ann({ 0: quantSpec({ dtype: 'u8' }), 1: spec }, quantSpec({ dtype: 'u8' }))));
      const p = prepareGraph(g, q);
      const cal = calibrate(p.graph, datasetFromTensors(p.graph, [randT([2, 2, k], rng(seed + 1))], 'x')).graph;
      const folded = convertGraph(cal).graph, unfolded = convertGraph(cal, { foldQuantize: false }).graph;
      if (hops) expect(folded.nodes.some((x) => x.op === 'transpose' || x.op === 'reshape')).toBe(false);
      const xs = [randT([2, k], rng(seed + 2))];
      expect(run(folded, xs).outputs[0]!.data).toEqual(run(unfolded, xs).outputs[0]!.data);
    },
  );
});

void ({} as QuantizerConfig);

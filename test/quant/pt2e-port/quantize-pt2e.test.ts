// Port of PyTorch's test/quantization/pt2e/test_quantize_pt2e.py (pytorch/ao): the graph-level
// tests of the Quantizer API. Each `it` names the PyTorch test it ports; each BackendAQuantizer
// becomes a qforge Quantizer object writing the same annotations. PT2E's float bias spec
// (PlaceholderObserver, float32) is an explicit `null`: not quantized.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/ir/builder.js';
import type { Graph } from '../../../src/ir/graph.js';
import { run } from '../../../src/ir/interpreter.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readQir, writeQir } from '../../../src/ir/text/index.js';
import { tensor } from '../../../src/ir/tensor.js';
import {
  builtinConfig,
  biasSpec,
  composeQuantizers,
  convertGraph,
  fixedSpec,
  mergeConfig,
  quantSpec,
  RuleQuantizer,
  type DerivedSpec,
  type Quantizer,
  type QuantizerConfig,
} from '../../../src/passes/quantize/index.js';
import { ACT_U8, ann, backend, calibrateOnce, checkNodes, conv, convBnRelu, DQ, DQC, errorOf, groupOf, linear, nodesOf, Q, quantize, randT, rng, W_I8, } from './harness.js';

/** Annotates every conv2d: input act, weight w, bias `bias` (null: float), output act (unless noOutput). */
function convAnnotator(o: { w?: typeof W_I8; bias?: (n: string) => DerivedSpec | null; noOutput?: boolean } = {}): Quantizer {
  return backend((g, t) => {
    for (const n of nodesOf(g, 'conv2d'))
      t.set(n.name, ann({ 0: ACT_U8, 1: o.w ?? W_I8, 2: o.bias ? o.bias(n.name) : null }, o.noOutput ? undefined : ACT_U8));
  });
}

/** XNNPACKQuantizer with get_symmetric_quantization_config(is_per_channel=False): per-tensor weights. */
const XNNPACK_PER_TENSOR: QuantizerConfig = mergeConfig(builtinConfig('xnnpack')!, {
  name: 'xnnpack-per-tensor',
  specs: { weight: { dtype: 'i8', qmin: -127, qmax: 127, scheme: 'symmetric', observer: 'minmax', eps: 2 ** -12 } },
});

/** The cat sharing annotation of test_shared_qspec: input `first` gets act, the others and the output share it. */
function catAnnotation(g: Graph, name: string, first = 0) {
  const n = g.nodes.find((x) => x.name === name)!;
  const share = { kind: 'shared' as const, with: { node: name, input: first } };
  return ann(Object.fromEntries(n.inputs.map((_, i) => [i, i === first ? ACT_U8 : share])), share);
}

/** Conv2dWithCat: conv1(x), conv2(y), cat along channels. */
function conv2dWithCat(): Graph {
  const r = rng(5), b = new GraphBuilder('Conv2dWithCat');
  const x = b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), y = b.input('y', { dtype: 'f32', shape: [1, 3, 5, 5] });
  return b.output(b.op('concat', [conv(b, x, 3, 3, 3, 'conv1', r), conv(b, y, 3, 3, 3, 'conv2', r)], { axis: 1 }, 'cat')).build();
}

/** Conv2dWithTwoCat: cat(conv1(x1), conv2(x2)) then cat(x3 + x4, that). */
function conv2dWithTwoCat(): Graph {
  const r = rng(6), b = new GraphBuilder('Conv2dWithTwoCat');
  const [x1, x2] = ['x1', 'x2'].map((n) => b.input(n, { dtype: 'f32', shape: [1, 3, 5, 5] }));
  const [x3, x4] = ['x3', 'x4'].map((n) => b.input(n, { dtype: 'f32', shape: [1, 6, 3, 3] }));
  const y = b.op('concat', [conv(b, x1!, 3, 3, 3, 'conv1', r), conv(b, x2!, 3, 3, 3, 'conv2', r)], { axis: 1 }, 'cat1');
  const z = b.op('add', [x3!, x4!], {}, 'add');
  return b.output(b.op('concat', [z, y], { axis: 1 }, 'cat2')).build();
}

function transitiveQuantizer(first: number): Quantizer {
  return backend((g, t) => {
    for (const n of nodesOf(g, 'conv2d')) t.set(n.name, ann({ 0: ACT_U8, 1: W_I8, 2: null }, ACT_U8));
    for (const n of nodesOf(g, 'concat')) t.set(n.name, catAnnotation(g, n.name, first));
  });
}

function checkTransitiveSharing(q: Quantizer) {
  const f = quantize(conv2dWithTwoCat(), q);
  // Both cats' inputs and outputs and both conv outputs are one group.
  const g = groupOf(f, 'cat1', 0);
  for (const [node, input] of [['cat1', 1], ['cat2', 0], ['cat2', 1], ['conv1', undefined], ['conv2', undefined], ['cat1', undefined], ['cat2', undefined]] as const)
    expect(groupOf(f, node, input)).toBe(g);
  checkNodes(f.converted, { q: 7, dq: 9 }, [DQ, DQ, 'concat', Q, DQ, 'concat', Q]);
}

describe('TestQuantizePT2E (test_quantize_pt2e.py)', () => {
  it('test_simple_quantizer', () => {
    const f = quantize(convBnRelu({ bn: false }), convAnnotator());
    checkNodes(f.converted, { q: 2, dq: 3 }, [DQ, DQ, 'conv2d', Q]);
  });

  it('test_wo_annotate_conv_output_quantizer', () => {
    const f = quantize(convBnRelu({ bn: false }), convAnnotator({ noOutput: true }));
    checkNodes(f.converted, { q: 1, dq: 2 }, [DQ, DQ, 'conv2d']);
    expect(f.converted.nodes.at(-1)!.op).toBe('conv2d');
  });

  it('test_max_pool2d_quantizer', () => {
    const r = rng(2), b = new GraphBuilder('ConvMaxPool2d');
    const x = b.input('x', { dtype: 'f32', shape: [1, 2, 14, 14] });
    b.output(b.op('maxpool2d', [conv(b, x, 2, 2, 1, 'conv', r)], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool'));
    const q = backend((g, t) => {
      for (const n of nodesOf(g, 'conv2d')) t.set(n.name, ann({ 0: ACT_U8, 1: W_I8, 2: null }));
      for (const n of nodesOf(g, 'maxpool2d')) t.set(n.name, ann({ 0: ACT_U8 }, { kind: 'shared', with: { node: n.name, input: 0 } }));
    });
    checkNodes(quantize(b.build(), q).converted, { q: 3, dq: 4 }, [DQ, DQ, 'conv2d', Q, DQ, 'maxpool2d']);
  });

  it('test_derived_qspec', () => {
    const f = quantize(convBnRelu({ bn: false }), convAnnotator({ bias: (n) => biasSpec({ node: n, input: 0 }, { node: n, input: 1 }) }));
    checkNodes(f.converted, { q: 2, dq: 4 }, [DQ, DQ, DQ, 'conv2d', Q]);
  });

  it('test_derived_qspec_per_channel', () => {
    // derive_qparams_fn: the bias takes the weight's per-channel scales, zero point 0.
    const fromWeight = (n: string): DerivedSpec => ({
      kind: 'derived',
      rule: ([w]) => ({ scale: [...w!.scale], zeroPoint: w!.scale.map(() => 0), axis: 0 }),
      from: [{ node: n, input: 1 }],
      dtype: 'i32',
      qmin: -(2 ** 31),
      qmax: 2 ** 31 - 1,
    });
    const f = quantize(convBnRelu({ bn: false }), convAnnotator({ w: quantSpec({ dtype: 'i8', granularity: 'per-channel', axis: 0 }), bias: fromWeight }));
    checkNodes(f.converted, { q: 2, dq: 2, qc: 0, dqc: 2 }, [DQC, DQC, 'conv2d', Q]);
    const [w, bias] = nodesOf(f.converted, 'dequantize').filter((n) => (n.attrs['scale'] as number[]).length > 1);
    expect(bias!.attrs['scale']).toEqual(w!.attrs['scale']);
  });

  it('test_fixed_qparams_qspec_ptq', () => {
    const b = new GraphBuilder('M');
    b.output(b.op('sigmoid', [b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] })], {}, 'sigmoid'));
    const fixed = fixedSpec('0to1', 'u8');
    const f = quantize(b.build(), backend((g, t) => nodesOf(g, 'sigmoid').forEach((n) => t.set(n.name, ann({ 0: fixed }, fixed)))));
    for (const n of f.converted.nodes.filter((x) => x.op === 'quantize' || x.op === 'dequantize')) {
      expect(n.attrs['scale']).toEqual([1 / 256]);
      expect(n.attrs['zero_point']).toEqual([0]);
    }
    checkNodes(f.converted, { q: 2, dq: 2 }, [DQ, 'sigmoid', Q]);
  });

  it.skip('test_fixed_qparams_qspec_qat — prepare_qat_pt2e (fake quantization) is the QAT branch, not this flow', () => {});

  it('test_fixed_qparams_qspec_observer_dedup', () => {
    const b = new GraphBuilder('M');
    const x = b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), y = b.input('y', { dtype: 'f32', shape: [1, 3, 5, 5] });
    b.output(b.op('add', [b.op('sigmoid', [x], {}, 'sigmoid'), y], {}, 'add'));
    const fixed = fixedSpec('0to1', 'u8');
    const q = backend((g, t) => {
      for (const n of nodesOf(g, 'sigmoid')) t.set(n.name, ann({ 0: fixed }, fixed));
      for (const n of nodesOf(g, 'add')) t.set(n.name, ann({ 0: fixed, 1: fixed }, fixed));
    });
    checkNodes(quantize(b.build(), q).converted, { q: 4, dq: 4 }, [DQ, 'sigmoid', Q, DQ, 'add', Q]);
  });

  it('test_shared_qspec', () => {
    const q = backend((g, t) => {
      for (const n of nodesOf(g, 'conv2d')) t.set(n.name, ann({ 0: ACT_U8, 1: W_I8, 2: null }, ACT_U8));
      for (const n of nodesOf(g, 'concat')) t.set(n.name, catAnnotation(g, n.name));
    });
    const f = quantize(conv2dWithCat(), q);
    // the two cat inputs share one observer, and so do the two conv outputs
    expect(groupOf(f, 'cat', 0)).toBe(groupOf(f, 'cat', 1));
    expect(groupOf(f, 'conv1')).toBe(groupOf(f, 'conv2'));
    checkNodes(f.converted, { q: 5, dq: 7 }, [DQ, DQ, 'concat', Q]);
  });

  it('test_shared_qspec_transitivity', () => checkTransitiveSharing(transitiveQuantizer(0)));

  it('test_shared_qspec_transitivity_case_2', () => checkTransitiveSharing(transitiveQuantizer(1)));

  it('test_allow_implicit_sharing', () => {
    const b = new GraphBuilder('ThreeAdd');
    const [x1, x2, x3, x4] = ['x1', 'x2', 'x3', 'x4'].map((n) => b.input(n, { dtype: 'f32', shape: [1, 3, 5, 5] }));
    b.output(b.op('add', [b.op('add', [x1!, x2!], {}, 'add1'), b.op('add', [x3!, x4!], {}, 'add2')], {}, 'add3'));
    const q = backend((g, t) => {
      for (const n of nodesOf(g, 'add')) {
        const share = { kind: 'shared' as const, with: { node: n.name, input: 1 } };
        t.set(n.name, ann({ 1: ACT_U8, 0: share }, share, false));
      }
    });
    const f = quantize(b.build(), q);
    const groups = ['add1', 'add2', 'add3'].map((n) => {
      expect(groupOf(f, n, 0)).toBe(groupOf(f, n, 1));
      expect(groupOf(f, n)).toBe(groupOf(f, n, 0));
      return groupOf(f, n);
    });
    expect(new Set(groups).size).toBe(3);
  });

  it('test_quantization_dtype (float32, int16)', () => {
    const i16 = quantSpec({ dtype: 'i16' });
    const q = backend((g, t) => nodesOf(g, 'conv2d').forEach((n) => t.set(n.name, ann({ 0: i16, 1: W_I8, 2: null }, i16))));
    const f = quantize(convBnRelu({ bn: false }), q);
    checkNodes(f.converted, { q: 2, dq: 3 }, [DQ, DQ, 'conv2d', Q]);
    // quantize -> dequantize pairs agree on their integer type
    for (const dq of nodesOf(f.converted, 'dequantize')) {
      const from = f.converted.nodes.find((n) => n.outputs.includes(dq.inputs[0]!));
      if (from) expect(from.attrs['dtype']).toBe(f.converted.values[dq.inputs[0]!]!.dtype);
    }
  });
  it.skip('test_quantization_dtype (bfloat16 models, float8 e5m2/e4m3fn) — qforge has no bf16 graphs and no float8 quantization', () => {});

  it('test_input_edge_sanity_check', () => {
    // PyTorch rejects an annotated edge whose producer is not a graph node (the Python 6 of x + 6).
    // The qforge equivalent of an edge that is not a value: an operand that does not exist.
    const b = new GraphBuilder('M');
    b.output(b.op('add', [b.input('x', { dtype: 'f32', shape: [1, 2, 3, 3] }), b.constant('six', tensor('f32', [], [6]))], {}, 'add'));
    const q = backend((g, t) => nodesOf(g, 'add').forEach((n) => t.set(n.name, ann({ 0: ACT_U8, 2: ACT_U8 }, ACT_U8))));
    expect(errorOf(() => quantize(b.build(), q)).text).toMatch(/node 'add' \(add\).*input 2 is not an operand/);
  });

  /** _get_pt2e_quantized_linear: Linear(2, 2) on [2, 2] with XNNPACKQuantizer. */
  const quantizedLinear = (perChannel: boolean) => {
    const b = new GraphBuilder('M');
    b.output(linear(b, b.input('x', { dtype: 'f32', shape: [2, 2] }), 2, 2, 'linear', rng(4)));
    return quantize(b.build(), perChannel ? new RuleQuantizer(builtinConfig('xnnpack')!) : new RuleQuantizer(XNNPACK_PER_TENSOR));
  };

  it('test_fold_quantize', () => {
    const f = quantizedLinear(false);
    checkNodes(f.converted, { q: 2, dq: 3 });
    expect(Object.values(f.converted.constants).some((c) => c.dtype === 'i8')).toBe(true);
  });

  it('test_fold_quantize_per_channel', () => {
    checkNodes(quantizedLinear(true).converted, { q: 2, dqc: 1, dq: 2 });
  });

  it('test_dont_fold_other_constant', () => {
    const r = rng(8), b = new GraphBuilder('M');
    const x = b.input('x', { dtype: 'f32', shape: [2, 2] });
    const t = b.op('transpose', [b.constant('dont_fold_me', randT([2, 2], r))], { perm: [1, 0] }, 't');
    b.output(b.op('add', [linear(b, x, 2, 2, 'linear', r), t], {}, 'add'));
    // set_module_type(torch.nn.Linear, ...): only the linear is quantized
    const q = new RuleQuantizer({ ...XNNPACK_PER_TENSOR, scope: { ops: ['gemm'] } });
    checkNodes(quantize(b.build(), q).converted, { q: 2, dq: 3, transpose: 1 });
  });

  it('test_fold_all_ops_before_quantize', () => {
    const b = new GraphBuilder('M');
    const wt = b.op('transpose', [b.constant('weight', randT([2, 2], rng(9)))], { perm: [1, 0] }, 't');
    b.output(b.op('gemm', [b.input('x', { dtype: 'f32', shape: [2, 2] }), wt], { trans_b: true }, 'linear'));
    const f = quantize(b.build(), new RuleQuantizer(XNNPACK_PER_TENSOR));
    checkNodes(f.converted, { q: 2, dq: 3, transpose: 0 });
  });

  it.skip('test_constant_prop_preserve_metadata — torch node.meta of get_attr nodes; qforge constants carry no metadata', () => {});

  it('test_save_load', () => {
    const f = quantizedLinear(false);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pt2e-')), 'quantized.qir');
    writeQir(file, f.converted);
    const loaded = readQir(file);
    const x = [randT([2, 2], rng(12))];
    expect(run(loaded, x).outputs[0]!.data).toEqual(run(f.converted, x).outputs[0]!.data);
  });

  it('test_composable_quantizer_throw', () => {
    const bad: Quantizer = { name: 'BadQuantizer', annotate: (g) => new Map(g.nodes.map((n) => [n.name, { inputs: {} }])) };
    const composed = composeQuantizers('composed', [new RuleQuantizer(builtinConfig('xnnpack')!), bad]);
    expect(errorOf(() => quantize(convLinearWPermute(), composed)).text).toMatch(/BadQuantizer.*already annotated by 'xnnpack'/);
  });

  it('test_transform_for_annotation', () => {
    const b = new GraphBuilder('M');
    b.output(b.op('add', [b.input('x', { dtype: 'f32', shape: [1, 2, 3, 3] }), b.constant('three', tensor('f32', [], [3]))], {}, 'add'));
    const q: Quantizer = { name: 'TestQuantizer', transformForAnnotation: (g) => swapOp(g, 'add', 'mul'), annotate: () => new Map() };
    const f = quantize(b.build(), q);
    expect([nodesOf(f.prepared.graph, 'add').length, nodesOf(f.prepared.graph, 'mul').length]).toEqual([0, 1]);
  });

  it('test_composable_quantizer_transform_for_annotation', () => {
    const b = new GraphBuilder('M');
    const [x, y, z] = ['x', 'y', 'z'].map((n) => b.input(n, { dtype: 'f32', shape: [1, 2, 3, 3] }));
    b.output(b.op('sub', [b.op('add', [x!, y!], {}, 'add'), z!], {}, 'sub'));
    const q1: Quantizer = { name: 'TestQuantizer1', transformForAnnotation: (g) => swapOp(g, 'add', 'mul'), annotate: () => new Map() };
    const q2: Quantizer = { name: 'TestQuantizer2', transformForAnnotation: (g) => swapOp(g, 'sub', 'div'), annotate: () => new Map() };
    const p = quantize(b.build(), composeQuantizers('composed', [q1, q2])).prepared.graph;
    expect(['add', 'sub', 'mul', 'div'].map((op) => nodesOf(p, op).length)).toEqual([0, 0, 1, 1]);
  });

  it('test_embedding_quantizer', () => {
    const b = new GraphBuilder('EmbeddingModule');
    const idx = b.input('indices', { dtype: 'i64', shape: [32] });
    b.output(b.op('gather', [b.constant('emb.weight', randT([10, 12], rng(13))), idx], { axis: 0 }, 'emb'));
    const q = new RuleQuantizer(EMBEDDING);
    const indices = tensor('i64', [32], [9, 6, 5, 7, 8, 8, 9, 2, 8, 6, 6, 9, 1, 6, 8, 8, 3, 2, 3, 6, 3, 6, 5, 7, 0, 8, 4, 6, 5, 8, 2, 3]);
    checkNodes(quantize(b.build(), q, [indices]).converted, { qc: 0, dqc: 1 }, [DQC, 'gather']);
  });

  it('test_composable_quantizer_linear_conv', () => {
    const composed = composeQuantizers('composed', [new RuleQuantizer(XNNPACK_DYNAMIC_PER_TENSOR), new RuleQuantizer(builtinConfig('xnnpack')!)]);
    checkNodes(quantize(convLinearWPermute(), composed).converted, { quantize_tensor: 1, dequantize_tensor: 1, q: 3, dq: 4, qc: 0, dqc: 1 });
  });

  it('test_embedding_conv_linear_quantization', () => {
    // EmbeddingConvLinearModule: embedding(10, 8) → unsqueeze(0) → permute → conv(8, 16, (1, 3)) → permute → squeeze(0) → Linear(16, 8)
    const r = rng(19), b = new GraphBuilder('EmbeddingConvLinearModule');
    const idx = b.input('indices', { dtype: 'i64', shape: [1, 32] });
    const e = b.op('gather', [b.constant('emb.weight', randT([10, 8], r)), idx], { axis: 0 }, 'emb');
    const u = b.op('transpose', [b.op('unsqueeze', [e], { axes: [0] }, 'unsqueeze')], { perm: [0, 3, 1, 2] }, 'permute');
    const c = b.op('conv2d', [u, b.constant('conv.weight', randT([16, 8, 1, 3], r, 0.3)), b.constant('conv.bias', randT([16], r, 0.1))], {}, 'conv');
    const s = b.op('squeeze', [b.op('transpose', [c], { perm: [0, 2, 3, 1] }, 'permute2'), b.constant('axes0', tensor('i64', [1], [0]))], {}, 'squeeze');
    const w = b.constant('linear.weight_t', randT([16, 8], r, 0.5));
    b.output(b.op('add', [b.op('matmul', [s, w], {}, 'linear.matmul'), b.constant('linear.bias', randT([8], r, 0.1))], {}, 'linear'));
    const dynamic = new RuleQuantizer(mergeConfig(XNNPACK_DYNAMIC_PER_TENSOR, { name: 'dynamic-per-channel', specs: { weight: builtinConfig('xnnpack')!.specs!['weight']! } }));
    const composed = composeQuantizers('composed', [new RuleQuantizer(EMBEDDING), dynamic, new RuleQuantizer(builtinConfig('xnnpack')!)]);
    const indices = tensor('i64', [1, 32], [9, 6, 5, 7, 8, 8, 9, 2, 8, 6, 6, 9, 1, 6, 8, 8, 3, 2, 3, 6, 3, 6, 5, 7, 0, 8, 4, 6, 5, 8, 2, 3]);
    checkNodes(quantize(b.build(), composed, [indices]).converted, { q: 4, dq: 4, quantize_tensor: 1, dequantize_tensor: 1, qc: 0, dqc: 3 });
  });

  for (const t of ['test_move_exported_model_dropout', 'test_move_exported_model_dropout_inplace', 'test_move_exported_model_bn', 'test_disallow_eval_train', 'test_allow_exported_model_train_eval', 'test_allow_exported_model_train_eval_idempotent', 'test_model_is_exported'])
    it.skip(`${t} — torch.nn.Module train/eval state of exported programs; qforge graphs are inference graphs`, () => {});

  it.skip('test_reentrant — prepare_qat_pt2e on a submodule, then PTQ of the whole exported module (QAT and torch submodules)', () => {});

  it('test_groupwise_per_channel_quant', () => {
    const b = new GraphBuilder('GroupwiseConv2d');
    b.output(conv(b, b.input('x', { dtype: 'f32', shape: [2, 4, 10, 10] }), 4, 4, 3, 'conv', rng(14), { group: 2 }));
    const g = b.build();
    const f = quantize(g, new RuleQuantizer(builtinConfig('xnnpack')!));
    const x = [randT([2, 4, 10, 10], rng(15))];
    expect(run(f.converted, x).outputs[0]!.shape).toEqual(run(g, x).outputs[0]!.shape);
  });

  it.skip('test_observer_callback — observer classes with their own convert() (custom int4 ops): qforge observers are data, convert is one function', () => {});
  it.skip('test_speed — wall-clock timing of prepare_qat_pt2e/convert; no assertion to port', () => {});

  it('test_conv_transpose_bn_relu', () => {
    const i8 = quantSpec({ dtype: 'i8', scheme: 'symmetric' });
    // OP_TO_ANNOTATOR["conv_transpose_relu"]: conv_transpose input and weight, relu output
    const q = backend((g, t) => {
      for (const r of nodesOf(g, 'relu')) {
        const c = g.nodes.find((n) => n.outputs.includes(r.inputs[0]!));
        if (c?.op !== 'conv_transpose2d') continue;
        t.set(c.name, ann({ 0: i8, 1: i8, 2: null }));
        t.set(r.name, ann({}, i8));
      }
    });
    checkNodes(quantize(convBnRelu({ transpose: true, relu: true }), q).converted, { q: 2, dq: 3 }, [DQ, DQ, 'conv_transpose2d', 'relu', Q]);
  });

  it('test_conv3d_bn_relu (its 2-D case: ConvWithBNRelu(dim=2, relu, bn))', () => {
    // The Conv3d half cannot apply (qforge convolutions are 1-D and 2-D).
    const q = backend((g, t) => {
      for (const r of nodesOf(g, 'relu')) {
        const c = g.nodes.find((n) => n.outputs.includes(r.inputs[0]!))!;
        t.set(c.name, ann({ 0: ACT_U8, 1: W_I8, 2: null }));
        t.set(r.name, ann({}, ACT_U8));
      }
    });
    checkNodes(quantize(convBnRelu({ relu: true }), q).converted, { q: 2, dq: 3 }, [DQ, DQ, 'conv2d', 'relu', Q]);
  });

  it.skip('test_conv_transpose3d_bn_relu — ConvTranspose3d: qforge convolutions are 1-D and 2-D', () => {});

  it('test_multi_users_without_output_observer', () => {
    const r = rng(16), b = new GraphBuilder('M');
    const c = conv(b, b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), 3, 3, 3, 'conv', r);
    b.output(c, b.op('add', [c, b.constant('one', tensor('f32', [], [1]))], {}, 'add'));
    const g = b.build();
    const f = quantize(g, new RuleQuantizer(XNNPACK_PER_TENSOR));
    // Remove the observer in front of the first graph output, as the test does, then convert.
    const p = calibrateOnce(f.prepared.graph), out = p.outputs[0]!;
    const obs = p.nodes.find((n) => n.op === 'observe' && n.outputs[0] === out)!;
    const removed: Graph = { ...p, nodes: p.nodes.filter((n) => n !== obs).map((n) => (n.outputs.includes(obs.inputs[0]!) ? { ...n, outputs: [out] } : n)) };
    const converted = convertGraph(removed).graph;
    expect(run(converted, [randT([1, 3, 5, 5], rng(17))]).outputs).toHaveLength(2);
  });

  it('test_prepare_obs_or_fq_callback', () => {
    const b = new GraphBuilder('Model');
    const x = b.input('x', { dtype: 'f32', shape: [1, 32, 16, 16] });
    const p = b.op('maxpool2d', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 'max_pool2d');
    b.output(b.op('transpose', [b.op('reshape', [p], { shape: [1, 8, 16, 16] }, 'pixel_shuffle')], { perm: [0, 2, 3, 1] }, 'permute'));
    const q: Quantizer = {
      name: 'BackendAQuantizer',
      annotate: (_g) => new Map(['max_pool2d', 'pixel_shuffle', 'permute'].map((n) => [n, ann({ 0: ACT_U8 }, { kind: 'shared', with: { node: n, input: 0 } })])),
      // hard-code the output qparams for its whole sharing group
      adjustSpecs: (g, sharing) => {
        const gid = sharing.groupOf.get(`o\u0000${g.nodes.at(-1)!.name}`)!;
        return new Map([[gid, { kind: 'fixed', dtype: 'u8', qmin: 0, qmax: 255, scale: 0.125, zeroPoint: 42 }]]);
      },
    };
    const f = quantize(b.build(), q);
    for (const n of f.converted.nodes.filter((x) => x.op === 'quantize' || x.op === 'dequantize')) {
      expect(n.attrs['scale']).toEqual([0.125]);
      expect(n.attrs['zero_point']).toEqual([42]);
    }
  });

  it.skip('test_preserve_nn_module_stack — torch nn_module_stack metadata through QAT rewrites', () => {});
});

describe('TestQuantizePT2EAffineQuantization (test_quantize_pt2e.py)', () => {
  it.skip('test_channel_group_quantization — NOT SUPPORTED: per-token activations (PerToken) are not a qforge granularity (per-group weights are: test/quant/pt2e-fidelity.test.ts)', () => {});
  it.skip('test_dynamic_affine_act_per_channel_weights — NOT SUPPORTED: per-token dynamic activations (PerToken) are not a qforge granularity', () => {});
  it.skip('test_dynamic_per_tok_act_per_group_weights — NOT SUPPORTED: per-token dynamic activations (PerToken) are not a qforge granularity', () => {});
});

/** ConvLinearWPermute: conv(3, 8, 3) → permute(0, 2, 3, 1) → Linear(8, 8) on [2, 3, 4, 4]. */
function convLinearWPermute(): Graph {
  const r = rng(18), b = new GraphBuilder('ConvLinearWPermute');
  const c = conv(b, b.input('x', { dtype: 'f32', shape: [2, 3, 4, 4] }), 3, 8, 3, 'conv', r);
  const p = b.op('transpose', [c], { perm: [0, 2, 3, 1] }, 'permute');
  const w = b.constant('linear1.weight_t', randT([8, 8], r, 0.5));
  b.output(b.op('add', [b.op('matmul', [p, w], {}, 'linear1.matmul'), b.constant('linear1.bias', randT([8], r, 0.1))], {}, 'linear1'));
  return b.build();
}

function swapOp(g: Graph, from: string, to: string): Graph {
  return { ...g, nodes: g.nodes.map((n) => (n.op === from ? { ...n, op: to } : n)) };
}

/** EmbeddingQuantizer: the embedding table per row (channel axis 0), u8 affine, weight only. */
const EMBEDDING: QuantizerConfig = {
  name: 'embedding',
  specs: { table: { dtype: 'u8', granularity: 'per-channel', axis: 0 } },
  rules: [{ match: ['gather'], when: ['constant:x'], inputs: { x: 'table' } }],
};

/** get_symmetric_quantization_config(is_per_channel=False, is_dynamic=True): linears only. */
const XNNPACK_DYNAMIC_PER_TENSOR: QuantizerConfig = {
  name: 'xnnpack-dynamic',
  specs: {
    act: { dtype: 'i8', scheme: 'affine', dynamic: true, eps: 2 ** -12 },
    weight: { dtype: 'i8', qmin: -127, qmax: 127, scheme: 'symmetric', eps: 2 ** -12 },
  },
  rules: [
    { match: ['gemm'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' } },
    { match: ['matmul', 'add'], when: ['constant:b', 'constant:add.other'], inputs: { a: 'act', b: 'weight' } },
    { match: ['matmul'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' } },
  ],
};

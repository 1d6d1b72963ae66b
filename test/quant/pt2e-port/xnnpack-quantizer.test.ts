// Port of PyTorch's test/quantization/pt2e/test_xnnpack_quantizer.py: XNNPACKQuantizer with
// get_symmetric_quantization_config(is_per_channel=True) is qforge's built-in `xnnpack`; the
// per-tensor config is `xnnpack` with a per-tensor weight spec. Linear layers are built as ONNX
// exports them: gemm on 2-D inputs, MatMul + Add on N-D ones; conv1d as reshape → conv2d → reshape.
// The comparisons against the FX reference flow (qconfig_mapping arguments) do not apply.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/ir/builder.js';
import type { Graph } from '../../../src/ir/graph.js';
import { tensor } from '../../../src/ir/tensor.js';
import { builtinConfig, RuleQuantizer, type QuantizerConfig } from '../../../src/passes/quantize/index.js';
import { anyLinear, checkNodes, conv, conv1d, convBnRelu, DQ, groupOf, linear, Q, quantize, rng } from './harness.js';

const XNNPACK = builtinConfig('xnnpack')!;
const xnnpack = (extra: Partial<QuantizerConfig> = {}) => new RuleQuantizer(extra.name || extra.scope ? { ...XNNPACK, ...extra } : XNNPACK);

/** TwoLinearModule: Linear(8, 16, bias=False) → Linear(16, 8), input [..., 8]. */
function twoLinear(shape: number[]): Graph {
  const r = rng(21), b = new GraphBuilder('TwoLinearModule');
  const x = b.input('x', { dtype: 'f32', shape });
  const h = anyLinear(b, x, shape.length, 8, 16, 'linear1', r, false);
  return b.output(anyLinear(b, h, shape.length, 16, 8, 'linear2', r)).build();
}

/** LinearReluModel: Linear(5, 5) → ReLU, input [..., 5]. */
function linearRelu(shape: number[]): Graph {
  const b = new GraphBuilder('LinearReluModel');
  const x = b.input('x', { dtype: 'f32', shape });
  return b.output(b.op('relu', [anyLinear(b, x, shape.length, 5, 5, 'fc', rng(22))], {}, 'relu')).build();
}

/** Conv2d(3, 16, 3) on [2, 3, 4, 4] → permute(0, 2, 3, 1) or reshape(2, 64) → Linear(., 8, bias=False) → Linear(8, 8). */
function convTwoLinear(permute: boolean): Graph {
  const r = rng(23), b = new GraphBuilder(permute ? 'Conv2dWithTwoLinearPermute' : 'Conv2dWithTwoLinear');
  const c = conv(b, b.input('x', { dtype: 'f32', shape: [2, 3, 4, 4] }), 3, 16, 3, 'conv', r);
  const t = permute ? b.op('transpose', [c], { perm: [0, 2, 3, 1] }, 'permute') : b.op('reshape', [c], { shape: [2, 64] }, 'reshape');
  const rank = permute ? 4 : 2;
  const h = anyLinear(b, t, rank, permute ? 16 : 64, 8, 'linear1', r, false);
  return b.output(anyLinear(b, h, rank, 8, 8, 'linear2', r)).build();
}

/** M with self.linear = Linear(5, 5) and self.sub = Sub (its own Linear(5, 5)), on [3, 5]. */
function linearThenSub(): Graph {
  const r = rng(24), b = new GraphBuilder('M');
  const x = b.input('x', { dtype: 'f32', shape: [3, 5] });
  return b.output(linear(b, linear(b, x, 5, 5, 'linear', r), 5, 5, 'sub.linear', r)).build();
}

describe('TestXNNPACKQuantizer (test_xnnpack_quantizer.py)', () => {
  it('test_conv1d', () => {
    const b = new GraphBuilder('ConvWithBNRelu1d');
    b.output(conv1d(b, b.input('x', { dtype: 'f32', shape: [1, 3, 5] }), 1, 3, 5, 3, 3, 'conv', rng(25)));
    checkNodes(quantize(b.build(), xnnpack()).converted, { q: 2, dq: 2, qc: 0, dqc: 1 }, [DQ, 'conv2d', Q]);
  });

  it('test_conv2d', () => {
    checkNodes(quantize(convBnRelu({ bn: false }), xnnpack()).converted, { q: 2, dq: 2, qc: 0, dqc: 1 }, [DQ, 'conv2d', Q]);
  });

  it('test_conv1d_with_conv2d', () => {
    const r = rng(26), b = new GraphBuilder('Conv2dThenConv1d');
    const c2 = conv(b, b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), 3, 3, 3, 'conv2d', r);
    const sq = b.op('squeeze', [c2, b.constant('axes', tensor('i64', [1], [0]))], {}, 'squeeze');
    b.output(conv1d(b, sq, 3, 3, 3, 3, 3, 'conv1d', r));
    checkNodes(quantize(b.build(), xnnpack()).converted, { q: 4, dq: 4, qc: 0, dqc: 2 }, [DQ, 'conv2d', Q, DQ, 'conv2d', Q]);
  });

  it('test_linear (2-D, 3-D and 4-D inputs)', () => {
    for (const shape of [[9, 8], [9, 10, 8], [9, 10, 11, 8]]) checkNodes(quantize(twoLinear(shape), xnnpack()).converted, { q: 3, dq: 3, qc: 0, dqc: 2 });
  });

  it('test_linear_relu (2-D, 3-D and 4-D inputs)', () => {
    for (const shape of [[1, 5], [1, 2, 5], [1, 2, 3, 5]]) checkNodes(quantize(linearRelu(shape), xnnpack()).converted, { q: 2, dq: 2, qc: 0, dqc: 1 });
  });

  it('test_conv_linear_no_permute', () => {
    checkNodes(quantize(convTwoLinear(false), xnnpack()).converted, { q: 5, dq: 5, qc: 0, dqc: 3 });
  });

  it('test_conv_linear', () => {
    checkNodes(quantize(convTwoLinear(true), xnnpack()).converted, { q: 5, dq: 5, qc: 0, dqc: 3 });
  });

  it.skip('test_linear_with_dynamic_shape — torch.export dynamic shapes; qforge graphs have static shapes', () => {});

  it('test_obs_sharing_ops', () => {
    const b = new GraphBuilder('Conv2dWithObsSharingOps');
    const c = conv(b, b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), 3, 3, 3, 'conv', rng(27));
    const p = b.op('global_avgpool', [c], {}, 'adaptive_avg_pool2d');
    const h = b.op('clip', [p], { min: -1, max: 1 }, 'hardtanh');
    b.output(b.op('reduce_mean', [h], { axes: [], keepdims: false }, 'mean'));
    checkNodes(quantize(b.build(), xnnpack()).converted, { q: 5, dq: 5, qc: 0, dqc: 1 }, [
      DQ, 'conv2d', Q, DQ, 'global_avgpool', Q, DQ, 'clip', Q, DQ, 'reduce_mean', Q, DQ,
    ]);
  });

  it('test_set_module_name', () => {
    // set_module_name("sub", config): only nodes under the name prefix "sub."
    const f = quantize(linearThenSub(), xnnpack({ name: 'sub-only', scope: { prefixes: ['sub.'] } }));
    checkNodes(f.converted, { gemm: 2, q: 2, dq: 2 }, ['gemm', Q, DQ, 'gemm', Q, DQ]);
  });

  it('test_set_module_type', () => {
    // set_module_type(Sub, config): Sub's nodes are the ones under its instance name.
    const f = quantize(linearThenSub(), xnnpack({ name: 'sub-type', scope: { pattern: '^sub\\.' } }));
    checkNodes(f.converted, { gemm: 2, q: 2, dq: 2 }, ['gemm', Q, DQ, 'gemm', Q, DQ]);
  });

  it('test_set_module_type_case_2', () => {
    const r = rng(28), b = new GraphBuilder('M');
    const x1 = conv(b, b.input('x', { dtype: 'f32', shape: [1, 3, 16, 16] }), 3, 3, 3, 'conv', r, { pads: [1, 1, 1, 1] });
    const s = b.op('add', [conv(b, x1, 3, 3, 3, 'conv2', r, { pads: [1, 1, 1, 1] }), conv(b, x1, 3, 3, 3, 'conv3', r, { pads: [1, 1, 1, 1] })], {}, 'add');
    const x3 = b.op('global_avgpool', [b.op('relu', [s], {}, 'relu')], {}, 'avgpool');
    b.output(linear(b, b.op('flatten', [x3], { axis: 1 }, 'flatten'), 3, 16, 'fc', r));
    // set_module_type(torch.nn.Linear, config): only the linear layers
    const f = quantize(b.build(), xnnpack({ name: 'linear-only', scope: { ops: ['gemm'] } }));
    checkNodes(f.converted, { conv2d: 3, gemm: 1, q: 2, dq: 2 }, [Q, DQ, 'gemm', Q, DQ]);
  });

  it('test_propagate_annotation', () => {
    const r = rng(29), b = new GraphBuilder('Conv2dPropAnnotaton');
    const c = conv(b, b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), 3, 3, 3, 'conv', r);
    const v = b.op('reshape', [c], { shape: [-1, 3] }, 'view');
    const h = b.op('clip', [v], { min: -0.5, max: 0.5 }, 'hardtanh');
    b.output(linear(b, h, 3, 3, 'linear', r));
    const f = quantize(b.build(), xnnpack());
    // view and hardtanh use their producer's observer on input and output
    for (const n of ['view', 'hardtanh']) {
      expect(groupOf(f, n, 0)).toBe(groupOf(f, n));
      expect(groupOf(f, n)).toBe(groupOf(f, 'conv'));
    }
    checkNodes(f.converted, { q: 5, dq: 5, qc: 0, dqc: 2 });
  });

  /** get_symmetric_quantization_config(is_per_channel, is_dynamic=True): linears only, i8 inputs chosen at run time, no output spec. */
  const dynamicXnnpack = (perChannel: boolean) =>
    new RuleQuantizer({
      name: 'xnnpack-dynamic',
      specs: {
        act: { dtype: 'i8', scheme: 'affine', dynamic: true, eps: 2 ** -12 },
        weight: { ...XNNPACK.specs!['weight']!, ...(perChannel ? {} : { granularity: 'per-tensor', axis: undefined }) },
      },
      rules: XNNPACK.rules!.filter((r) => ['gemm', 'matmul'].includes(r.match[0]!) && !r.comment?.includes('activation')).map(({ output: _, ...r }) => r),
    });

  it('test_dynamic_linear', () => {
    for (const shape of [[9, 8], [9, 10, 11, 8]])
      checkNodes(quantize(twoLinear(shape), dynamicXnnpack(true)).converted, { choose_qparams: 2, quantize_tensor: 2, dequantize_tensor: 2, qc: 0, dqc: 2 });
  });

  it.skip('test_qat_dynamic_linear — QAT (prepare_qat_pt2e) is the QAT branch, not this flow', () => {});
  it('test_dynamic_linear_with_conv', () => {
    const r = rng(30), b = new GraphBuilder('ConvLinearWPermute');
    const c = conv(b, b.input('x', { dtype: 'f32', shape: [2, 3, 4, 4] }), 3, 8, 3, 'conv', r);
    b.output(anyLinear(b, b.op('transpose', [c], { perm: [0, 2, 3, 1] }, 'permute'), 4, 8, 8, 'linear1', r));
    checkNodes(quantize(b.build(), dynamicXnnpack(false)).converted, { quantize_tensor: 1, dequantize_tensor: 1, q: 0, dq: 1 });
  });
  it.skip('test_gru — torch.nn.GRU compared with the FX flow; qforge has no GRU op', () => {});
  it.skip('test_linear_gru — torch.nn.GRU compared with the FX flow; qforge has no GRU op', () => {});

  it('test_add_and_inplace_add', () => {
    const b = new GraphBuilder('AddInplaceAdd');
    const x = b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), y = b.input('y', { dtype: 'f32', shape: [1, 3, 5, 5] });
    b.output(b.op('add', [b.op('add', [x, y], {}, 'add'), y], {}, 'add_'));
    checkNodes(quantize(b.build(), xnnpack()).converted, { q: 4, dq: 5 }, [DQ, DQ, 'add', Q, DQ, 'add', Q]);
  });

  it('test_mul_and_inplace_mul', () => {
    const b = new GraphBuilder('MulInplaceMul');
    const x = b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), y = b.input('y', { dtype: 'f32', shape: [1, 3, 5, 5] });
    b.output(b.op('mul', [b.op('mul', [x, y], {}, 'mul'), y], {}, 'mul_'));
    checkNodes(quantize(b.build(), xnnpack()).converted, { q: 4, dq: 5 }, [DQ, DQ, 'mul', Q, DQ, 'mul', Q]);
  });

  it.skip("test_add_mul_scalar — PyTorch turns only add/mul's scalar into an observed tensor and leaves in-place add_/mul_'s Python scalar unobserved (7 dq); ONNX has no in-place ops, every scalar is a constant tensor", () => {});

  it('test_mul_float32_max', () => {
    const b = new GraphBuilder('M');
    b.output(b.op('mul', [b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] }), b.constant('max', tensor('f32', [], [3.4028235e38]))], {}, 'mul'));
    checkNodes(quantize(b.build(), xnnpack()).converted, { q: 0, dq: 0 }, ['mul']);
  });

  it.skip('test_add_mul_long — an int64 tensor operand: ONNX casts it to float before a float add/mul, there is no mixed-dtype add', () => {});
});

describe('TestXNNPACKQuantizerModels (test_xnnpack_quantizer.py)', () => {
  it.skip('test_resnet18 — torchvision model compared with the FX reference flow', () => {});
});

// Converters against ONNX's own node tests (Debian's libonnx-testdata: model.onnx, input_k.pb,
// output_k.pb). Integer shape operands that those models pass as graph inputs are frozen as
// constants, since qforge needs static shapes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel, decodeTensorProto, importOnnx } from '../../src/ir/onnx/index.js';
import { run } from '../../src/ir/interpreter.js';
import { verify } from '../../src/ir/verify.js';
import type { Tensor } from '../../src/ir/tensor.js';

const DATA = '/usr/share/libonnx-testdata/data/node';

// One or two cases per converter, chosen for the attribute forms they exercise.
const CASES = [
  'test_conv_with_autopad_same', 'test_conv_with_strides_and_asymmetric_padding', 'test_basic_conv_with_padding',
  'test_convtranspose', 'test_convtranspose_1d', 'test_convtranspose_autopad_same', 'test_convtranspose_dilations',
  'test_convtranspose_kernel_shape', 'test_convtranspose_output_shape', 'test_convtranspose_pads',
  'test_maxpool_1d_default', 'test_maxpool_2d_ceil', 'test_maxpool_2d_dilations', 'test_maxpool_2d_same_lower',
  'test_maxpool_2d_precomputed_same_upper', 'test_averagepool_2d_pads_count_include_pad', 'test_averagepool_2d_same_lower',
  'test_averagepool_2d_ceil', 'test_batchnorm_epsilon', 'test_gemm_all_attributes', 'test_gemm_default_no_bias',
  'test_matmul_4d', 'test_constantofshape_float_ones', 'test_constantofshape_int_shape_zero', 'test_clip_default_int8_inbounds',
  'test_reshape_negative_extended_dims', 'test_reshape_zero_and_negative_dim', 'test_flatten_negative_axis1',
  'test_transpose_default', 'test_transpose_all_permutations_3', 'test_concat_3d_axis_negative_2',
  'test_slice_neg_steps', 'test_slice_end_out_of_bounds', 'test_slice_negative_axes', 'test_slice_default_axes',
  'test_squeeze_negative_axes', 'test_unsqueeze_unsorted_axes', 'test_split_variable_parts_2d', 'test_split_equal_parts_1d',
  'test_gather_negative_indices', 'test_gather_1', 'test_edge_pad', 'test_reflect_pad', 'test_expand_dim_changed',
  'test_shape_start_1_end_negative_1', 'test_size_example', 'test_constant',
  'test_cast_FLOAT_to_DOUBLE', 'test_cast_DOUBLE_to_FLOAT',
  'test_softmax_axis_0', 'test_softmax_negative_axis', 'test_logsoftmax_axis_1', 'test_softmax_large_number',
  'test_layer_normalization_4d_axis_negative_2', 'test_layer_normalization_3d_axis1_epsilon',
  'test_reduce_mean_do_not_keepdims_example', 'test_reduce_sum_negative_axes_keepdims_random', 'test_reduce_sum_empty_axes_input_noop_example',
  'test_reduce_max_default_axes_keepdim_example', 'test_reduce_l2_keep_dims_example', 'test_reduce_sum_square_default_axes_keepdims_random',
  'test_reduce_log_sum_asc_axes', 'test_reduce_prod_do_not_keepdims_random', 'test_reduce_min_negative_axes_keepdims_example',
  'test_clip_default_inbounds', 'test_leakyrelu', 'test_hardswish', 'test_prelu_broadcast',
  'test_pow_types_float32_int64', 'test_mean_example', 'test_max_example', 'test_sum_one_input',
  'test_add_bcast', 'test_div_bcast', 'test_erf', 'test_reciprocal', 'test_neg', 'test_sigmoid', 'test_tanh', 'test_relu', 'test_exp',
  'test_dropout_default_mask_ratio', 'test_identity', 'test_quantizelinear_axis', 'test_dequantizelinear_axis',
  'test_elu_default', 'test_hardsigmoid_example', 'test_globalmaxpool_precomputed',
  // Spelled with other ops.
  'test_tile', 'test_depthtospace_crd_mode_example', 'test_depthtospace_example', 'test_spacetodepth', 'test_selu', 'test_softsign',
  // Old PyTorch exports (opset 6): legacy broadcasting, per-channel PRelu, attribute forms.
  '../pytorch-converted/test_PReLU_2d_multiparam', '../pytorch-converted/test_BatchNorm2d_eval', '../pytorch-converted/test_Conv2d_groups',
  '../pytorch-converted/test_ConvTranspose2d', '../pytorch-converted/test_Embedding', '../pytorch-converted/test_ReflectionPad2d',
  '../pytorch-operator/test_operator_add_size1_right_broadcast', '../pytorch-operator/test_operator_addmm', '../pytorch-operator/test_operator_view',
  '../pytorch-operator/test_operator_chunk', '../pytorch-operator/test_operator_permute2',
];

function load(name: string) {
  const dir = join(DATA, name), ds = join(dir, 'test_data_set_0');
  const bytes = readFileSync(join(dir, 'model.onnx'));
  const model = decodeModel(bytes, name);
  const inits = new Set(model.graph!.initializer.map((t) => t.name));
  const inputs = model.graph!.input.filter((v) => !inits.has(v.name)).map((v, k) => ({ name: v.name, t: decodeTensorProto(readFileSync(join(ds, `input_${k}.pb`))) }));
  const outputs = model.graph!.output.map((_, k) => decodeTensorProto(readFileSync(join(ds, `output_${k}.pb`))));
  // Gather's indices are data; other integer inputs and q/dq parameters are shape-like operands.
  const frozen = inputs.filter(({ t }, k) => (t.dtype === 'i64' && !/gather|Embedding/.test(name)) || (name.includes('quantizelinear') && k > 0));
  return { bytes, inputs, outputs, frozen };
}

function close(ours: Tensor, ref: Tensor): string | undefined {
  if (ours.dtype !== ref.dtype || ours.shape.join() !== ref.shape.join()) return `${ours.dtype}[${ours.shape}] vs ${ref.dtype}[${ref.shape}]`;
  for (let i = 0; i < ref.data.length; i++) {
    const a = Number(ours.data[i]), b = Number(ref.data[i]);
    if (!(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b))) && !(Number.isNaN(a) && Number.isNaN(b))) return `element ${i}: ${a} vs ${b}`;
  }
  return undefined;
}

describe.skipIf(!existsSync(DATA))('ONNX node tests', () => {
  it.each(CASES)('%s', (name) => {
    const { bytes, inputs, outputs, frozen } = load(name);
    const constantInputs = Object.fromEntries(frozen.map(({ name: n, t }) => [n, t]));
    const g = importOnnx(bytes, { constantInputs });
    expect(verify(g)).toEqual([]);
    const feed = Object.fromEntries(inputs.filter((i) => !frozen.includes(i)).map(({ name: n, t }) => [n, t]));
    const got = run(g, feed).outputs;
    expect(got).toHaveLength(outputs.length);
    got.forEach((t, k) => expect(close(t, outputs[k]!), `output ${k}`).toBeUndefined());
  });
});

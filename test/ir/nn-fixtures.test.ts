// NN kernels against PyTorch/onnxruntime fixture tensors. A conv with torch's BN-folded weights applied
// to a layer's input must reproduce the BatchNormalization output that onnxruntime computed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { tensor, type Tensor } from '../../src/ir/index.js';
import { expectClose, runOp } from './nn-ref.js';

const FIX = path.resolve(process.cwd(), '../shared/fixtures');

/** Minimal little-endian f32 .npy reader (the fixtures' format 1.0, C order). */
function npy(rel: string): Tensor {
  const buf = readFileSync(path.join(FIX, rel));
  const hlen = buf.readUInt16LE(8), header = buf.toString('latin1', 10, 10 + hlen);
  if (!header.includes("'<f4'")) throw new Error(`${rel}: not f32`);
  const shape = /\(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const bytes = buf.subarray(10 + hlen);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return tensor('f32', shape, data);
}

function intermediate(model: string, name: string): Tensor {
  const index = JSON.parse(readFileSync(path.join(FIX, model, 'intermediates_fp32/index.json'), 'utf8'));
  return npy(path.join(model, index[name].file));
}
const folded = (model: string, m: string) => [npy(`${model}/weights/${m}.weight_folded_fp32.npy`), npy(`${model}/weights/${m}.bias_folded_fp32.npy`)] as const;

// BN folding rounds the folded weights to f32, so agreement is to f32 precision, not bit-exact.
const TOL = 1e-5;

describe('NN ops against PyTorch fixtures', () => {
  it.each([
    ['conv_bn_relu', 'conv1', 'input', '/bn1/BatchNormalization_output_0', { pads: [1, 1, 1, 1] }],
    ['conv_bn_relu', 'conv2', '/relu1/Relu_output_0', '/bn2/BatchNormalization_output_0', { pads: [1, 1, 1, 1], strides: [2, 2] }],
    ['small_resnet', 'layer2.0.downsample.0', '/layer1/layer1.1/relu2/Relu_output_0', '/layer2/layer2.0/downsample/downsample.1/BatchNormalization_output_0', { strides: [2, 2] }],
    ['depthwise_residual', 'block1.expand', 'input', '/block1/bn_expand/BatchNormalization_output_0', {}],
    ['depthwise_residual', 'block1.dw', '/block1/relu_expand/Clip_output_0', '/block1/bn_dw/BatchNormalization_output_0', { pads: [1, 1, 1, 1], group: 96 }],
    ['depthwise_residual', 'block2.dw', '/block2/relu_expand/Clip_output_0', '/block2/bn_dw/BatchNormalization_output_0', { pads: [1, 1, 1, 1], strides: [2, 2], group: 96 }],
  ])('%s %s: folded conv2d reproduces the BN output', (model, m, input, output, attrs) => {
    const [w, b] = folded(model, m);
    expectClose(runOp('conv2d', [intermediate(model, input), w, b], attrs), intermediate(model, output), TOL);
  });

  it.each([
    ['deconv1', 'input', '/bn1/BatchNormalization_output_0', { strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['deconv2', '/relu1/Relu_output_0', '/bn2/BatchNormalization_output_0', { pads: [1, 1, 1, 1], group: 2 }],
    ['deconv3', '/relu2/Relu_output_0', '/deconv3/ConvTranspose_output_0', { strides: [2, 2], pads: [1, 1, 1, 1] }],
  ])('convT_bn_relu %s: folded conv_transpose2d reproduces the next tensor', (m, input, output, attrs) => {
    const [w, b] = folded('convT_bn_relu', m);
    expectClose(runOp('conv_transpose2d', [intermediate('convT_bn_relu', input), w, b], attrs), intermediate('convT_bn_relu', output), TOL);
  });

  it('small_resnet stem max pool (3x3, stride 2, pad 1)', () => {
    const x = intermediate('small_resnet', '/relu/Relu_output_0');
    const y = runOp('maxpool2d', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    expectClose(y, intermediate('small_resnet', '/maxpool/MaxPool_output_0'), 0);
  });

  it('conv_bn_relu global average pool and Linear classifier (gemm with trans_b)', () => {
    const pooled = runOp('global_avgpool', [intermediate('conv_bn_relu', '/relu2/Relu_output_0')]);
    expectClose(pooled, intermediate('conv_bn_relu', '/pool/GlobalAveragePool_output_0'), TOL);
    const [w, b] = folded('conv_bn_relu', 'fc');
    const y = runOp('gemm', [intermediate('conv_bn_relu', '/Flatten_output_0'), w, b], { trans_b: true });
    expectClose(y, intermediate('conv_bn_relu', 'output'), TOL);
  });

  it('mlp first Linear layer', () => {
    const [w, b] = folded('mlp', 'layers.0');
    const y = runOp('gemm', [intermediate('mlp', 'input'), w, b], { trans_b: true });
    expectClose(y, intermediate('mlp', '/layers/layers.0/Gemm_output_0'), TOL);
  });
});

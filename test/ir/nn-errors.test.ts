// Invalid shapes and attributes are rejected at build time with a message naming the node and the problem.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type DType } from '../../src/ir/index.js';
import { QforgeError } from '../../src/diagnostics/index.js';

type Shape = number[] | [DType, number[]] | null;

/** Tries to add one node over inputs of the given shapes (f32 unless a dtype is given; null = absent). */
function build(op: string, shapes: Shape[], attrs: Record<string, unknown> = {}) {
  const b = new GraphBuilder();
  const names = shapes.map((s, i) => {
    if (!s) return '';
    const [dtype, shape] = typeof s[0] === 'string' ? (s as [DType, number[]]) : ['f32' as DType, s as number[]];
    return b.input(`x${i}`, { dtype, shape });
  });
  return () => b.op(op, names, attrs as never, 'bad');
}

const cases: [string, string, Shape[], Record<string, unknown>, RegExp][] = [
  ['conv2d channel mismatch', 'conv2d', [[1, 3, 8, 8], [4, 4, 3, 3]], {}, /conv2d: input has 3 channels but weight expects 4 \(group 1\)/],
  ['conv2d group mismatch', 'conv2d', [[1, 4, 8, 8], [4, 1, 3, 3]], { group: 2 }, /input has 4 channels but weight expects 2 \(group 2\)/],
  ['conv2d channels not divisible by group', 'conv2d', [[1, 3, 8, 8], [4, 1, 3, 3]], { group: 2 }, /input channels 3 are not divisible by group 2/],
  ['conv2d outputs not divisible by group', 'conv2d', [[1, 4, 8, 8], [3, 2, 3, 3]], { group: 2 }, /3 output channels are not divisible by group 2/],
  ['conv2d bias length', 'conv2d', [[1, 3, 8, 8], [4, 3, 3, 3], [5]], {}, /bias must be \[4\]/],
  ['conv2d 3-D input', 'conv2d', [[3, 8, 8], [4, 3, 3, 3]], {}, /input must be 4-D NCHW/],
  ['conv2d pads length', 'conv2d', [[1, 3, 8, 8], [4, 3, 3, 3]], { pads: [1, 1] }, /pads needs 4 values/],
  ['conv2d zero stride', 'conv2d', [[1, 3, 8, 8], [4, 3, 3, 3]], { strides: [0, 1] }, /strides must be ≥ 1/],
  ['conv2d kernel too big', 'conv2d', [[1, 3, 4, 4], [4, 3, 3, 3]], { dilations: [2, 2] }, /does not fit the 4x4 input/],
  ['conv2d int8 input', 'conv2d', [['i8', [1, 3, 8, 8]], [4, 3, 3, 3]], {}, /x must be f32, got i8/],
  ['conv2d clamp order', 'conv2d', [[1, 3, 8, 8], [4, 3, 3, 3]], { clamp_min: 6, clamp_max: 0 }, /clamp_min 6 is above clamp_max 0/],
  ['conv2d unknown attribute', 'conv2d', [[1, 3, 8, 8], [4, 3, 3, 3]], { padding: 1 }, /unknown attribute 'padding'/],
  ['conv_transpose2d channel mismatch', 'conv_transpose2d', [[1, 3, 4, 4], [4, 2, 3, 3]], {}, /input has 3 channels but weight expects 4/],
  ['conv_transpose2d output_padding', 'conv_transpose2d', [[1, 3, 4, 4], [3, 2, 3, 3]], { strides: [2, 2], output_padding: [2, 0] }, /output_padding \[2,0\] must be smaller/],
  ['batch_norm param length', 'batch_norm', [[1, 3, 4, 4], [3], [3], [4], [3]], {}, /mean must be \[3\]/],
  ['batch_norm rank 1', 'batch_norm', [[3], [3], [3], [3], [3]], {}, /rank ≥ 2/],
  ['gemm inner mismatch', 'gemm', [[2, 3], [4, 5]], {}, /gemm: inner dimensions differ/],
  ['gemm c does not broadcast', 'gemm', [[2, 3], [3, 5], [3]], {}, /c \[3\] does not broadcast to the result \[2,5\]/],
  ['gemm 3-D operand', 'gemm', [[2, 3, 1], [3, 5]], {}, /must be 2-D/],
  ['matmul inner mismatch', 'matmul', [[2, 3], [4, 5]], {}, /matmul: inner dimensions differ/],
  ['matmul batch mismatch', 'matmul', [[2, 2, 3], [3, 3, 5]], {}, /batch dimensions .* do not broadcast/],
  ['maxpool2d kernel_shape missing', 'maxpool2d', [[1, 1, 4, 4]], {}, /needs attribute 'kernel_shape'/],
  ['maxpool2d pads too large', 'maxpool2d', [[1, 1, 4, 4]], { kernel_shape: [2, 2], pads: [2, 0, 0, 0] }, /pads \[2,0,0,0\] must be smaller than the \(dilated\) kernel 2x2/],
  ['avgpool2d window too big', 'avgpool2d', [[1, 1, 2, 2]], { kernel_shape: [3, 3] }, /does not fit the 2x2 input/],
  ['avgpool2d int8', 'avgpool2d', [['i8', [1, 1, 4, 4]]], { kernel_shape: [2, 2] }, /x must be f32, got i8/],
  ['avgpool2d has no dilations', 'avgpool2d', [[1, 1, 4, 4]], { kernel_shape: [2, 2], dilations: [2, 2] }, /unknown attribute 'dilations'/],
  ['global_avgpool rank 2', 'global_avgpool', [[1, 3]], {}, /rank ≥ 3/],
];

describe('NN op validation', () => {
  it.each(cases)('%s', (_title, op, shapes, attrs, message) => {
    let err: unknown;
    try {
      build(op, shapes, attrs)();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QforgeError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^node 'bad' /);
  });
});

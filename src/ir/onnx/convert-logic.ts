// ONNX comparisons, logic, selection and more elementwise math -> compare.ts / unary-math.ts ops;
// CastLike and EyeLike, which need only static types.
import { tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { dtypeFromOnnx } from './tensors.js';
import type { NodeContext } from './context.js';
import { operandB, type Converter } from './convert-math.js';

/** Binary ops; before opset 7 the second operand may use the legacy broadcast attributes. */
const binary = (op: string): Converter => (c) => void c.emit(op, [c.input(0), operandB(c)]);

const unary = (op: string, attrs: (c: NodeContext) => Record<string, number | boolean> = () => ({})): Converter => (c) =>
  void c.emit(op, [c.input(0)], attrs(c));

const castLike: Converter = (c) => {
  const to = c.type(1).dtype;
  if (to === c.type(0).dtype) return c.alias(0, c.input(0));
  c.emit('cast', [c.input(0)], { to });
};

/** EyeLike depends only on the (static) input shape: a constant. */
const eyeLike: Converter = (c) => {
  const [rows, cols] = c.type(0).shape as [number, number];
  if (c.rank(0) !== 2) c.invalid('input must be 2-D');
  const dt = c.int('dtype');
  const dtype: DType = dt === undefined ? c.type(0).dtype : dtypeFromOnnx(dt) ?? c.unsupported(`dtype ${dt} is not supported`);
  const k = c.int('k', 0), out = tensor(dtype, [rows, cols]), o = out.data as unknown as (number | bigint)[];
  for (let i = 0; i < rows; i++) if (i + k >= 0 && i + k < cols) o[i * cols + i + k] = dtype === 'i64' ? 1n : 1;
  c.setConstant(0, out);
};

export const LOGIC_CONVERTERS: Record<string, Converter> = {
  Equal: binary('equal'),
  Less: binary('less'),
  LessOrEqual: binary('less_equal'),
  Greater: binary('greater'),
  GreaterOrEqual: binary('greater_equal'),
  And: binary('and'),
  Or: binary('or'),
  Xor: binary('xor'),
  IsInf: unary('is_inf', (c) => ({ detect_positive: c.bool('detect_positive', true), detect_negative: c.bool('detect_negative', true) })),
  Celu: unary('celu', (c) => ({ alpha: c.float('alpha', 1) })),
  ThresholdedRelu: unary('thresholded_relu', (c) => ({ alpha: c.float('alpha', 1) })),
  Shrink: unary('shrink', (c) => ({ lambd: c.float('lambd', 0.5), bias: c.float('bias', 0) })),
  Mod: (c) => void c.emit('mod', [c.input(0), c.input(1)], { fmod: c.bool('fmod', false) }),
  CastLike: castLike,
  EyeLike: eyeLike,
  Einsum: (c) => void c.emit('einsum', c.onnx.input.map((_, i) => c.input(i)), { equation: c.str('equation') ?? c.invalid("attribute 'equation' is required") }),
};

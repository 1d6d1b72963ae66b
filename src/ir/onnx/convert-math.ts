// ONNX arithmetic, activations and normalisations -> qforge ops.
import { tensor, type Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import type { NodeContext } from './context.js';

export type Converter = (c: NodeContext) => void;

/**
 * Operand b of a binary op. Before opset 7, b broadcast onto a only with broadcast=1, aligned at
 * `axis` rather than at the end: then b gets trailing 1s so that NumPy rules give the same result.
 */
export function operandB(c: NodeContext): string {
  const b = c.input(1);
  if (c.opset >= 7 || c.int('broadcast', 0) !== 1 || !c.has('axis')) return b;
  const rank = c.rank(0), shape = c.type(1).shape;
  const axis = c.int('axis')!;
  const trailing = rank - (axis < 0 ? axis + rank : axis) - shape.length;
  return trailing > 0 ? c.emit1('reshape', [b], { shape: [...shape, ...new Array<number>(trailing).fill(1)] }, c.temp('b')) : b;
}

/** PRelu before opset 7 takes one slope per channel (axis 1); later ones broadcast NumPy-style. */
const prelu: Converter = (c) => {
  let slope = c.input(1);
  const x = c.type(0).shape, s = c.type(1).shape;
  if (c.opset < 7 && s.length === 1 && s[0] !== 1 && x.length > 2)
    slope = c.emit1('reshape', [slope], { shape: [s[0]!, ...new Array<number>(x.length - 2).fill(1)] }, c.temp('slope'));
  c.emit('prelu', [c.input(0), slope]);
};

const binary = (op: string): Converter => (c) => void c.emit(op, [c.input(0), operandB(c)]);

/** The op with the ONNX node's operands and no attributes (OnnxFacts without a converter of their own). */
export const direct = (op: string): Converter => (c) => {
  c.emit(op, c.onnx.input.map((_, i) => c.input(i)));
};

/** Converts a constant tensor's values to another dtype (ONNX Pow allows an exponent of a different type). */
export function castTensor(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  return tensor(dtype, t.shape, Array.from(t.data, Number));
}

/** Min/Max/Sum/Mean take 1..n operands: a chain of binary ops (Mean divides the sum by n). */
const variadic = (op: string, mean = false): Converter => (c) => {
  const xs = c.onnx.input.map((_, i) => c.input(i)).filter((v) => v);
  if (xs.length === 0) c.invalid('needs at least one input');
  if (xs.length === 1 && !mean) return c.alias(0, xs[0]!);
  let acc = xs[0]!;
  for (let k = 1; k < xs.length; k++) {
    const last = k === xs.length - 1 && !mean;
    acc = c.emit1(op, [acc, xs[k]!], {}, last ? c.output(0) : c.temp(`${op}${k}`));
  }
  if (mean) {
    const n = c.addConstant('count', tensor(c.type(0).dtype, [], [xs.length]));
    c.emit1('div', [acc, n], {}, c.output(0));
  }
};

/** Softmax/LogSoftmax: from opset 13 along one axis; before, over the input flattened to 2-D at `axis`. */
const softmax = (op: 'softmax' | 'log_softmax'): Converter => (c) => {
  const rank = c.rank(0);
  if (c.opset >= 13) return void c.emit(op, [c.input(0)], { axis: c.int('axis', -1) });
  const axis = c.int('axis', 1);
  const a = axis < 0 ? axis + rank : axis;
  if (a === rank - 1) return void c.emit(op, [c.input(0)], { axis: -1 });
  const flat = c.emit1('flatten', [c.input(0)], { axis: a }, c.temp('flat'));
  const y = c.emit1(op, [flat], { axis: -1 }, c.temp(op));
  c.emit('reshape', [y], { shape: c.type(0).shape });
};

/** ONNX Clip: min/max are attributes before opset 11 and optional (constant) inputs from 11. */
const clip: Converter = (c) => {
  let min: number | undefined, max: number | undefined;
  if (c.opset < 11) {
    min = c.float('min');
    max = c.float('max');
  } else {
    if (c.hasInput(1)) min = scalar(c, 1, 'min');
    if (c.hasInput(2)) max = scalar(c, 2, 'max');
  }
  c.emit('clip', [c.input(0)], { min, max });
};

function scalar(c: NodeContext, i: number, what: string): number {
  const t = c.constant(i, what);
  if (t.data.length !== 1) c.invalid(`${what} must be a scalar, got shape [${t.shape.join(',')}]`);
  return Number(t.data[0]);
}

const pow: Converter = (c) => {
  const base = c.type(0).dtype;
  let e = operandB(c);
  if (c.type(1).dtype !== base) {
    const k = c.st.constants.get(e);
    e = k ? c.addConstant('exponent', castTensor(k, base)) : c.emit1('cast', [e], { to: base }, c.temp('exponent'));
  }
  c.emit('pow', [c.input(0), e]);
};

const layerNorm: Converter = (c) => {
  const axis = c.int('axis', -1), epsilon = c.float('epsilon', 1e-5);
  c.emit('layer_norm', [c.input(0), c.input(1), c.input(2)], { axis, epsilon }, [c.output(0)]);
  if (!c.outputUsed(1) && !c.outputUsed(2)) return;
  // The optional Mean and InvStdDev outputs, spelled out (exported models rarely use them).
  const t = c.type(0), rank = t.shape.length;
  const axes = Array.from({ length: rank - (axis < 0 ? axis + rank : axis) }, (_, i) => rank - 1 - i).reverse();
  const mean = c.emit1('reduce_mean', [c.input(0)], { axes, keepdims: true }, c.output(1) || c.temp('mean'));
  if (!c.outputUsed(2)) return;
  const d = c.emit1('sub', [c.input(0), mean], {}, c.temp('centered'));
  const v = c.emit1('reduce_mean', [c.emit1('mul', [d, d], {}, c.temp('sq'))], { axes, keepdims: true }, c.temp('var'));
  const eps = c.addConstant('epsilon', tensor(t.dtype, [], [epsilon]));
  c.emit1('reciprocal', [c.emit1('sqrt', [c.emit1('add', [v, eps], {}, c.temp('var_eps'))], {}, c.temp('std'))], {}, c.output(2));
};

const batchNorm: Converter = (c) => {
  if (c.int('spatial', 1) !== 1) c.unsupported('spatial = 0 (opset < 9) is not supported');
  if (c.opset < 7 && c.int('is_test', 0) === 0) c.unsupported('is_test = 0 (training mode, opset < 7) is not supported');
  if (c.int('training_mode', 0) !== 0) c.unsupported('training_mode = 1 is not supported');
  if (c.onnx.output.slice(1).some((o) => o)) c.unsupported('the running mean/var outputs (training) are not supported');
  c.emit('batch_norm', [0, 1, 2, 3, 4].map((i) => c.input(i)), { epsilon: c.float('epsilon', 1e-5) });
};

const gemm: Converter = (c) => {
  c.emit('gemm', [c.input(0), c.input(1), c.input(2)], {
    alpha: c.float('alpha', 1),
    beta: c.float('beta', 1),
    trans_a: c.bool('transA', false),
    trans_b: c.bool('transB', false),
  });
};

export const MATH_CONVERTERS: Record<string, Converter> = {
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Pow: pow,
  PRelu: prelu,
  Min: variadic('min'),
  Max: variadic('max'),
  Sum: variadic('add'),
  Mean: variadic('add', true),
  LeakyRelu: (c) => void c.emit('leaky_relu', [c.input(0)], { alpha: c.float('alpha', 0.01) }),
  Elu: (c) => void c.emit('elu', [c.input(0)], { alpha: c.float('alpha', 1) }),
  HardSigmoid: (c) => void c.emit('hardsigmoid', [c.input(0)], { alpha: c.float('alpha', 0.2), beta: c.float('beta', 0.5) }),
  Gelu: (c) => void c.emit('gelu', [c.input(0)], { approximate: c.str('approximate', 'none') }),
  Clip: clip,
  Softmax: softmax('softmax'),
  LogSoftmax: softmax('log_softmax'),
  LayerNormalization: layerNorm,
  BatchNormalization: batchNorm,
  Gemm: gemm,
};

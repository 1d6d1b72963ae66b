// ONNX index and scan ops -> argreduce.ts / scatter-gather.ts ops. K, axis, depth and k operands
// that ONNX passes as inputs must be constants.
import type { NodeContext } from './context.js';
import type { Converter } from './convert-math.js';

const arg = (op: 'argmax' | 'argmin'): Converter => (c) =>
  void c.emit(op, [c.input(0)], { axis: c.int('axis', 0), keepdims: c.bool('keepdims', true), select_last_index: c.bool('select_last_index', false) });

function scalarInput(c: NodeContext, i: number, what: string): number {
  const v = c.constantInts(i, what);
  if (v.length !== 1) c.invalid(`${what} must hold one value, got ${v.length}`);
  return v[0]!;
}

const topK: Converter = (c) => {
  // K is an attribute before opset 10, then an input; `largest` and `sorted` arrive in opset 11
  // (an unsorted request may be answered sorted).
  const k = c.opset < 10 ? c.int('k') ?? c.invalid("attribute 'k' is required") : scalarInput(c, 1, 'K');
  c.emit('top_k', [c.input(0)], { k, axis: c.int('axis', -1), largest: c.bool('largest', true) }, [c.output(0) || c.temp('values'), c.output(1) || c.temp('indices')]);
};

/** Hardmax before opset 13 works on the input flattened to 2-D at `axis` (as Softmax did). */
const hardmax: Converter = (c) => {
  const rank = c.rank(0);
  if (c.opset >= 13) return void c.emit('hardmax', [c.input(0)], { axis: c.int('axis', -1) });
  const axis = c.int('axis', 1), a = axis < 0 ? axis + rank : axis;
  const flat = c.emit1('flatten', [c.input(0)], { axis: a }, c.temp('flat'));
  const y = c.emit1('hardmax', [flat], { axis: -1 }, c.temp('hardmax'));
  c.emit('reshape', [y], { shape: c.type(0).shape });
};

const cumsum: Converter = (c) =>
  void c.emit('cumsum', [c.input(0)], { axis: scalarInput(c, 1, 'axis'), exclusive: c.bool('exclusive', false), reverse: c.bool('reverse', false) });

/** ReduceLogSumExp: axes are an attribute until opset 18, then an optional input. */
const reduceLogSumExp: Converter = (c) => {
  const axes = c.opset < 18 ? c.ints('axes', []) : c.hasInput(1) ? c.constantNumbers(1, 'axes') : [];
  if (axes.length === 0 && c.opset >= 18 && c.int('noop_with_empty_axes', 0) === 1) return c.alias(0, c.input(0));
  c.emit('reduce_log_sum_exp', [c.input(0)], { axes, keepdims: c.bool('keepdims', true) });
};

const scatterElements: Converter = (c) =>
  void c.emit('scatter_elements', [c.input(0), c.input(1), c.input(2)], { axis: c.int('axis', 0), reduction: c.str('reduction', 'none') });

const oneHot: Converter = (c) => {
  const depth = Math.trunc(scalarInput(c, 1, 'depth'));
  c.emit('one_hot', [c.input(0), c.input(2)], { depth, axis: c.int('axis', -1) });
};

const trilu: Converter = (c) =>
  void c.emit('trilu', [c.input(0)], { upper: c.bool('upper', true), k: c.hasInput(1) ? scalarInput(c, 1, 'k') : 0 });

export const INDEX_CONVERTERS: Record<string, Converter> = {
  ArgMax: arg('argmax'),
  ArgMin: arg('argmin'),
  TopK: topK,
  Hardmax: hardmax,
  CumSum: cumsum,
  ReduceLogSumExp: reduceLogSumExp,
  GatherElements: (c) => void c.emit('gather_elements', [c.input(0), c.input(1)], { axis: c.int('axis', 0) }),
  GatherND: (c) => void c.emit('gather_nd', [c.input(0), c.input(1)], { batch_dims: c.int('batch_dims', 0) }),
  ScatterElements: scatterElements,
  // Scatter (opsets 9-10) is ScatterElements under its old name.
  Scatter: scatterElements,
  ScatterND: (c) => void c.emit('scatter_nd', [c.input(0), c.input(1), c.input(2)], { reduction: c.str('reduction', 'none') }),
  OneHot: oneHot,
  Trilu: trilu,
};

// ONNX shape, data-movement and constant ops -> qforge ops. Operands that ONNX computes at run time
// but qforge needs statically (shapes, axes, pads, slice bounds) must be constants; shape
// computations on them fold at import (Shape gives a constant from the static type).
import { tensor, type Tensor } from '../tensor.js';
import { numel } from '../types.js';
import type { DType } from '../dtype.js';
import type { NodeContext } from './context.js';
import type { Converter } from './convert-math.js';

const i64 = (values: number[]): Tensor => tensor('i64', [values.length], values);

/** Axes from the attribute (before `inputSince`) or the optional input 1 (from it on). */
function axesOf(c: NodeContext, inputSince: number, input = 1): number[] | undefined {
  if (c.opset < inputSince) return c.ints('axes');
  return c.hasInput(input) ? c.constantInts(input, 'axes') : undefined;
}

const reshape: Converter = (c) => {
  const inShape = c.type(0).shape;
  // Before opset 5 the target shape is an attribute.
  const spec = c.opset < 5 ? c.ints('shape', []) : c.constantInts(1, 'shape');
  const allowZero = c.opset >= 14 && c.int('allowzero', 0) === 1;
  const shape = spec.map((d, i) => (d === 0 && !allowZero ? inShape[i] ?? c.invalid(`shape entry ${i} is 0 but the input has rank ${inShape.length}`) : d));
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => d < -1)) c.invalid(`bad target shape [${spec.join(',')}]`);
  if (unknown) {
    const known = numel(shape.filter((d) => d !== -1));
    const total = numel(inShape);
    if (known === 0 || total % known !== 0) c.invalid(`cannot reshape [${inShape.join(',')}] to [${spec.join(',')}]`);
    shape[shape.indexOf(-1)] = total / known;
  }
  // allowzero: a 0 in the target is a real empty dim, which our reshape would read as "copy";
  // the (empty) result then has no data to compute.
  if (allowZero && shape.includes(0) && numel(inShape) === 0) return c.setConstant(0, tensor(c.type(0).dtype, shape));
  c.emit('reshape', [c.input(0)], { shape });
};

const squeeze: Converter = (c) => {
  const shape = c.type(0).shape;
  const axes = axesOf(c, 13) ?? shape.flatMap((d, i) => (d === 1 ? [i] : []));
  c.emit('squeeze', [c.input(0)], { axes });
};

const unsqueeze: Converter = (c) => {
  const axes = axesOf(c, 13);
  if (!axes) c.invalid('axes are required');
  c.emit('unsqueeze', [c.input(0)], { axes: axes! });
};

/** Slice bounds normalised per ONNX (negative indices, clamping), so that they are small integers. */
const slice: Converter = (c) => {
  const shape = c.type(0).shape, rank = shape.length;
  // Before opset 10 the bounds are attributes.
  const old = c.opset < 10;
  const starts = old ? c.ints('starts', []) : c.constantInts(1, 'starts');
  const ends = old ? c.ints('ends', []) : c.constantInts(2, 'ends');
  const axes = old ? c.ints('axes', starts.map((_, i) => i)) : c.hasInput(3) ? c.constantInts(3, 'axes') : starts.map((_, i) => i);
  const steps = !old && c.hasInput(4) ? c.constantInts(4, 'steps') : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length)
    c.invalid('starts, ends, axes and steps must have the same length');
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const outStarts: number[] = [], outEnds: number[] = [], outAxes: number[] = [];
  axes.forEach((ax, k) => {
    const a = ax < 0 ? ax + rank : ax;
    if (a < 0 || a >= rank) c.invalid(`axis ${ax} is out of range for rank ${rank}`);
    const d = shape[a]!, step = steps[k]!;
    if (step === 0) c.invalid('steps must not be 0');
    let s = starts[k]!, e = ends[k]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
    } else {
      s = clamp(s, 0, d - 1);
      e = clamp(e, -1, d - 1);
    }
    outAxes.push(a);
    outStarts.push(s);
    // "Before index 0" for a negative step must not read as -1 = last element.
    outEnds.push(e === -1 ? -(d + 1) : e);
  });
  c.emit('slice', [c.input(0)], { starts: outStarts, ends: outEnds, axes: outAxes, steps });
};

const pad: Converter = (c) => {
  const rank = c.rank(0);
  const mode = c.str('mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') c.unsupported(`pad mode '${mode}' is not supported`);
  let pads: number[];
  let value = 0;
  if (c.opset < 11) {
    pads = c.ints(c.opset < 2 ? 'paddings' : 'pads', []);
    value = c.float('value', 0);
  } else {
    pads = c.constantInts(1, 'pads');
    if (c.hasInput(2)) value = Number(c.constant(2, 'constant_value').data[0] ?? 0);
    if (c.hasInput(3)) {
      // Pads for the listed axes only: spread them over all axes.
      const axes = c.constantInts(3, 'axes').map((a) => (a < 0 ? a + rank : a));
      const full = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, k) => {
        full[a] = pads[k]!;
        full[a + rank] = pads[k + axes.length]!;
      });
      pads = full;
    }
  }
  if (pads.length !== 2 * rank) c.invalid(`pads must have ${2 * rank} values, got ${pads.length}`);
  c.emit('pad', [c.input(0)], { pads, mode, value });
};

const split: Converter = (c) => {
  const shape = c.type(0).shape;
  const axis = c.int('axis', 0);
  const a = axis < 0 ? axis + shape.length : axis;
  const n = c.onnx.output.length;
  let sizes = c.opset < 13 ? c.ints('split') : c.hasInput(1) ? c.constantInts(1, 'split') : undefined;
  if (!sizes) {
    // Equal parts (opset 18: num_outputs, the last part may be smaller).
    const d = shape[a]!, parts = c.int('num_outputs', n);
    const each = Math.ceil(d / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(each, d - i * each)));
  }
  c.emit('split', [c.input(0)], { axis, split: sizes });
};

/** Cast-1 names the target type as a string. */
const CAST1: Record<string, DType> = {
  FLOAT: 'f32', DOUBLE: 'f64', INT8: 'i8', UINT8: 'u8', INT16: 'i16', UINT16: 'u16', INT32: 'i32', INT64: 'i64', BOOL: 'bool',
};

const cast: Converter = (c) => {
  const to = c.opset < 6 ? CAST1[c.str('to', '')] ?? c.unsupported(`cast to '${c.str('to', '')}' is not supported`) : c.dtypeAttr('to');
  if (to === c.type(0).dtype) return c.alias(0, c.input(0));
  c.emit('cast', [c.input(0)], { to });
};

const shapeOf: Converter = (c) => {
  const shape = c.type(0).shape;
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + shape.length : v, 0), shape.length);
  const start = norm(c.int('start', 0)), end = norm(c.int('end', shape.length));
  c.setConstant(0, i64(shape.slice(start, Math.max(start, end))));
};

const constant: Converter = (c) => {
  const t = c.tensorAttr('value');
  if (t) return c.setConstant(0, t);
  const f = c.float('value_float'), fs = c.floats('value_floats'), i = c.int('value_int'), is = c.ints('value_ints');
  if (f !== undefined) return c.setConstant(0, tensor('f32', [], [f]));
  if (fs) return c.setConstant(0, tensor('f32', [fs.length], fs));
  if (i !== undefined) return c.setConstant(0, tensor('i64', [], [i]));
  if (is) return c.setConstant(0, i64(is));
  c.unsupported('only tensor, float(s) and int(s) constants are supported (not strings or sparse tensors)');
};

const constantOfShape: Converter = (c) => {
  const shape = c.constantInts(0, 'shape');
  if (shape.some((d) => d < 0)) c.invalid(`shape [${shape.join(',')}] has a negative dimension`);
  c.checkConstantSize(shape, 'the constant');
  const v = c.tensorAttr('value') ?? tensor('f32', [1], [0]);
  const out = tensor(v.dtype, shape);
  (out.data as { fill(x: unknown): unknown }).fill(v.data[0] ?? 0);
  c.setConstant(0, out);
};

const range: Converter = (c) => {
  const start = c.constant(0, 'start'), limit = c.constant(1, 'limit'), delta = c.constant(2, 'delta');
  const [s, l, d] = [start, limit, delta].map((t) => Number(t.data[0]));
  if (d === 0) c.invalid('delta must not be 0');
  const n = Math.max(Math.ceil((l! - s!) / d!), 0);
  c.checkConstantSize([n], 'the range');
  c.setConstant(0, tensor(start.dtype, [n], Array.from({ length: n }, (_, i) => s! + i * d!)));
};

/** Expand broadcasts both ways; multiplying by ones of the target shape is that broadcast, exactly. */
const expand: Converter = (c) => {
  const target = c.constantInts(1, 'shape');
  const x = c.type(0);
  const n = Math.max(target.length, x.shape.length);
  const shape = Array.from({ length: n }, (_, i) => {
    const a = x.shape[x.shape.length - n + i] ?? 1, b = target[target.length - n + i] ?? 1;
    if (b < 0 || (a !== 1 && b !== 1 && a !== b)) c.invalid(`cannot expand [${x.shape.join(',')}] to [${target.join(',')}]`);
    return a === 1 ? b : a;
  });
  c.checkConstantSize(shape, 'the expanded shape');
  const ones = tensor(x.dtype, shape);
  (ones.data as { fill(x: unknown): unknown }).fill(x.dtype === 'i64' ? 1n : 1);
  c.emit('mul', [c.input(0), c.addConstant('ones', ones)]);
};

const dropout: Converter = (c) => {
  if (c.opset < 7 && c.int('is_test', 0) === 0) c.unsupported('is_test = 0 (training mode, opset < 7) is not supported');
  // Training mode draws a random mask, except with ratio 0 (PyTorch's F.dropout(x, p=0.0)
  // exports training_mode = 1): nothing is dropped and the scale 1/(1 - 0) is 1, an identity.
  if (c.hasInput(2) && c.constant(2, 'training_mode').data[0]) {
    const ratio = c.hasInput(1) ? Number(c.constant(1, 'ratio').data[0]) : 0.5;
    if (ratio !== 0) c.unsupported(`training-mode Dropout (random masks) is not supported (ratio ${ratio}; only ratio 0 is an identity)`);
  }
  c.alias(0, c.input(0));
  if (c.outputUsed(1)) {
    // Inference: the mask keeps everything.
    const mask = tensor('bool', c.type(0).shape);
    (mask.data as Uint8Array).fill(1);
    c.setConstant(1, mask);
  }
};

/** Reductions: axes are an attribute until `inputSince`, then an optional input. */
const reduce = (op: string, inputSince: number, pre?: string, post?: string): Converter => (c) => {
  const axes = axesOf(c, inputSince) ?? [];
  if (axes.length === 0 && c.opset >= inputSince && c.int('noop_with_empty_axes', 0) === 1) return c.alias(0, c.input(0));
  let x = c.input(0);
  if (pre === 'square') x = c.emit1('mul', [x, x], {}, c.temp('square'));
  else if (pre) x = c.emit1(pre, [x], {}, c.temp(pre));
  const attrs = { axes, keepdims: c.bool('keepdims', true) };
  if (!post) return void c.emit(op, [x], attrs);
  c.emit(post, [c.emit1(op, [x], attrs, c.temp(op))]);
};

export const SHAPE_CONVERTERS: Record<string, Converter> = {
  Reshape: reshape,
  Flatten: (c) => void c.emit('flatten', [c.input(0)], { axis: c.int('axis', 1) }),
  Transpose: (c) => void c.emit('transpose', [c.input(0)], { perm: c.ints('perm', [...Array(c.rank(0)).keys()].reverse()) }),
  // Concat-1 defaults axis to 1; from opset 4 it is required.
  Concat: (c) => void c.emit('concat', c.onnx.input.map((_, i) => c.input(i)), { axis: c.int('axis') ?? (c.opset < 4 ? 1 : c.invalid("attribute 'axis' is required")) }),
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Slice: slice,
  Pad: pad,
  Split: split,
  Gather: (c) => void c.emit('gather', [c.input(0), c.input(1)], { axis: c.int('axis', 0) }),
  Cast: cast,
  Shape: shapeOf,
  Size: (c) => c.setConstant(0, tensor('i64', [], [numel(c.type(0).shape)])),
  Identity: (c) => c.alias(0, c.input(0)),
  Dropout: dropout,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  Expand: expand,
  ReduceMean: reduce('reduce_mean', 18),
  ReduceSum: reduce('reduce_sum', 13),
  ReduceMax: reduce('reduce_max', 18),
  ReduceMin: reduce('reduce_min', 18),
  ReduceProd: reduce('reduce_prod', 18),
  ReduceSumSquare: reduce('reduce_sum', 18, 'square'),
  ReduceL1: reduce('reduce_sum', 18, 'abs'),
  ReduceL2: reduce('reduce_sum', 18, 'square', 'sqrt'),
  ReduceLogSum: reduce('reduce_sum', 18, undefined, 'log'),
};

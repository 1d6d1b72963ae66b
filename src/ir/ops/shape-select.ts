// Shape ops that select or assemble data: concat, split, pad, slice, gather. Every dtype; the
// result keeps the operand's quantization params (see quant-carry.ts).
import { axisMap, concatData, remap, splitData } from '../compute/layout.js';
import { dtypeRange, isFloatDType } from '../dtype.js';
import { strides, type Tensor } from '../tensor.js';
import { sameQuant, type TensorType } from '../types.js';
import { normAxis, operand, operandOf } from './infer-util.js';
import { carryQuant, typed } from './quant-carry.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

const ints = (a: ResolvedAttrs, k: string): number[] => a[k] as number[];

const concat: OpDef = {
  name: 'concat',
  doc: 'joins operands along axis (other dims equal; quantized operands must share their params)',
  category: 'shape',
  operands: [{ name: 'xs', variadic: true }],
  results: 1,
  attrs: { axis: { type: 'int' } },
  infer({ inputs, attrs }) {
    const xs = inputs.map((_, i) => operand(inputs, i, `xs[${i}]`));
    check(xs.length > 0, 'concat needs at least one operand');
    const first = xs[0]!, r = first.shape.length;
    const axis = normAxis(attrs['axis'] as number, r);
    const shape = [...first.shape];
    shape[axis] = 0;
    for (const x of xs) {
      const same = x.shape.length === r && x.shape.every((d, i) => i === axis || d === first.shape[i]);
      check(x.dtype === first.dtype && same, () => `concat: operands ${xs.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(', ')} differ outside axis ${axis}`);
      check(sameQuant(x.quant, first.quant), 'concat: operands have different quantization params; requantize them to common params first');
      shape[axis] += x.shape[axis]!;
    }
    return [typed(first.dtype, shape, carryQuant(first.quant, 'concat', { axis: (a) => (a === axis ? undefined : a) }))];
  },
  kernel(xs, attrs) {
    const parts = xs as Tensor[];
    const axis = normAxis(attrs['axis'] as number, parts[0]!.shape.length);
    const shape = [...parts[0]!.shape];
    shape[axis] = parts.reduce((s, p) => s + p.shape[axis]!, 0);
    return [concatData(parts, axis, shape)];
  },
  identityWhen: (n) => n.inputs.length === 1,
};

function splitSizes(x: TensorType, a: ResolvedAttrs): [number, number[]] {
  const axis = normAxis(a['axis'] as number, x.shape.length);
  const sizes = ints(a, 'split');
  check(sizes.length > 0 && sizes.every((s) => s >= 0), `split: sizes [${sizes.join(',')}] must be non-negative and not empty`);
  check(sizes.reduce((p, q) => p + q, 0) === x.shape[axis], `split: sizes [${sizes.join(',')}] do not add up to dim ${axis} (${x.shape[axis]})`);
  return [axis, sizes];
}

const split: OpDef = {
  name: 'split',
  doc: 'cuts the operand along axis into pieces of the given sizes (one result per size)',
  category: 'shape',
  operands: [{ name: 'x' }],
  results: -1,
  attrs: { axis: { type: 'int', default: 0 }, split: { type: 'ints' } },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x');
    const [axis, sizes] = splitSizes(x, attrs);
    let start = 0;
    return sizes.map((size) => {
      const from = start;
      start += size;
      const move = { axis: (a: number) => a, channels: (a: number) => (a === axis ? range(from, size, 1) : undefined) };
      return typed(x.dtype, x.shape.map((d, i) => (i === axis ? size : d)), carryQuant(x.quant, 'split', move));
    });
  },
  kernel([x], attrs) {
    const [axis, sizes] = splitSizes(x!, attrs);
    return splitData(x!, axis, sizes);
  },
  identityWhen: (n) => n.outputs.length === 1,
};

const range = (start: number, n: number, step: number): number[] => Array.from({ length: n }, (_, i) => start + i * step);

/** Per axis: where result index i reads from the operand (-1: padding). */
type AxisPlan = (i: number) => number;

interface PadPlan {
  shape: number[];
  plans: AxisPlan[];
}

export function padPlan(x: TensorType, a: ResolvedAttrs): PadPlan {
  const r = x.shape.length, pads = ints(a, 'pads'), mode = a['mode'] as string;
  check(pads.length === 2 * r, `pad: pads must have 2 * rank = ${2 * r} entries, got ${pads.length}`);
  const value = a['value'] as number;
  if (!isFloatDType(x.dtype)) {
    const [lo, hi] = dtypeRange(x.dtype);
    check(Number.isInteger(value) && value >= lo && value <= hi, `pad: value ${value} is not a ${x.dtype} value`);
  }
  const shape: number[] = [], plans: AxisPlan[] = [];
  x.shape.forEach((n, d) => {
    const begin = pads[d]!, end = pads[d + r]!;
    const size = n + begin + end;
    check(size >= 0, `pad: pads ${begin}, ${end} crop more than dim ${d} (${n})`);
    const grows = size > 0 && (begin > 0 || end > 0);
    if (mode === 'reflect' && grows) check(begin < n && end < n, `pad: reflect pads on dim ${d} must be below its size ${n}`);
    if (mode === 'edge' && grows) check(n > 0, `pad: edge mode cannot pad the empty dim ${d}`);
    shape.push(size);
    plans.push((i) => {
      const k = i - begin;
      if (k >= 0 && k < n) return k;
      if (mode === 'constant') return -1;
      if (mode === 'edge') return k < 0 ? 0 : n - 1;
      return k < 0 ? -k : 2 * (n - 1) - k; // reflect, without repeating the edge
    });
  });
  return { shape, plans };
}

const pad: OpDef = {
  name: 'pad',
  doc: 'pads (negative: crops) each dim; pads = all begins then all ends; constant value is the stored element (a quantized operand pads with that code)',
  category: 'shape',
  operands: [{ name: 'x' }],
  results: 1,
  attrs: {
    pads: { type: 'ints' },
    mode: { type: 'string', default: 'constant', oneOf: ['constant', 'reflect', 'edge'] },
    value: { type: 'float', default: 0 },
  },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x');
    const { shape } = padPlan(x, attrs);
    const r = x.shape.length, pads = ints(attrs, 'pads');
    const move = { axis: (a: number) => (pads[a] === 0 && pads[a + r] === 0 ? a : undefined) };
    return [typed(x.dtype, shape, carryQuant(x.quant, 'pad', move))];
  },
  kernel([x], attrs) {
    const t = x!, { shape, plans } = padPlan(t, attrs), st = strides(t.shape);
    return [remap(t, shape, plans.map((p, d) => axisMap(shape[d]!, st[d]!, p)), attrs['value'] as number)];
  },
  // Equal shapes could still hide a crop at one end and a pad at the other.
  identityWhen: (_, a) => ints(a, 'pads').every((p) => p === 0),
};

interface SlicePlan {
  shape: number[];
  /** Per operand axis: first index and step (axes not sliced: 0 and 1). */
  start: number[];
  step: number[];
}

export function slicePlan(x: TensorType, a: ResolvedAttrs): SlicePlan {
  const r = x.shape.length, starts = ints(a, 'starts'), ends = ints(a, 'ends');
  const axesGiven = ints(a, 'axes'), stepsGiven = ints(a, 'steps');
  const axes = axesGiven.length ? axesGiven.map((ax) => normAxis(ax, r, 'slice axis')) : range(0, starts.length, 1);
  const steps = stepsGiven.length ? stepsGiven : axes.map(() => 1);
  check(ends.length === starts.length && axes.length === starts.length && steps.length === starts.length,
    `slice: starts, ends, axes and steps must have equal lengths (${starts.length}, ${ends.length}, ${axesGiven.length}, ${stepsGiven.length})`);
  check(new Set(axes).size === axes.length, `slice axes [${axesGiven.join(',')}] repeat an axis`);
  const shape = [...x.shape], start = x.shape.map(() => 0), step = x.shape.map(() => 1);
  axes.forEach((ax, k) => {
    const n = x.shape[ax]!, s = steps[k]!;
    check(s !== 0, 'slice: step 0');
    // ONNX: negative positions count from the end, then clamp ([0, n] forward, [-1, n-1] backward).
    let b = starts[k]! < 0 ? starts[k]! + n : starts[k]!;
    let e = ends[k]! < 0 ? ends[k]! + n : ends[k]!;
    if (s > 0) {
      b = Math.min(Math.max(b, 0), n);
      e = Math.min(Math.max(e, 0), n);
    } else {
      b = Math.min(Math.max(b, 0), n - 1);
      e = Math.min(Math.max(e, -1), n - 1);
    }
    shape[ax] = Math.max(0, Math.ceil((e - b) / s));
    start[ax] = b;
    step[ax] = s;
  });
  return { shape, start, step };
}

const slice: OpDef = {
  name: 'slice',
  doc: 'ONNX slice: starts/ends per listed axis (default 0..), steps (default 1, may be negative), clamped to the dims',
  category: 'shape',
  operands: [{ name: 'x' }],
  results: 1,
  attrs: { starts: { type: 'ints' }, ends: { type: 'ints' }, axes: { type: 'ints', default: [] }, steps: { type: 'ints', default: [] } },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x');
    const { shape, start, step } = slicePlan(x, attrs);
    const move = { axis: (a: number) => a, channels: (a: number) => range(start[a]!, shape[a]!, step[a]!) };
    return [typed(x.dtype, shape, carryQuant(x.quant, 'slice', move))];
  },
  kernel([x], attrs) {
    const t = x!, { shape, start, step } = slicePlan(t, attrs), st = strides(t.shape);
    return [remap(t, shape, shape.map((n, d) => axisMap(n, st[d]!, (i) => start[d]! + i * step[d]!)))];
  },
  // Same shape with forward steps can only be the full range; a backward step reverses.
  identityWhen(_, a, x) {
    const steps = ints(a, 'steps'), axes = ints(a, 'axes');
    return steps.every((s, k) => s > 0 || x.shape[axes.length ? (axes[k]! + x.shape.length) % x.shape.length : k] === 1);
  },
};

const INDEX_DTYPES = ['i32', 'i64'] as const;

function gatherShape(x: TensorType, idx: TensorType, axis: number): number[] {
  return [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
}

const gather: OpDef = {
  name: 'gather',
  doc: 'picks entries along axis by an i32/i64 index tensor (negative indices count from the end)',
  category: 'shape',
  operands: [{ name: 'x' }, { name: 'indices', dtypes: INDEX_DTYPES }],
  results: 1,
  attrs: { axis: { type: 'int', default: 0 } },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x'), idx = operandOf(inputs, 1, 'indices', INDEX_DTYPES, 'gather');
    const axis = normAxis(attrs['axis'] as number, x.shape.length);
    // The picked channels are only known at run time, so a per-channel axis cannot be gathered.
    const move = { axis: (a: number) => (a < axis ? a : a > axis ? a + idx.shape.length - 1 : undefined) };
    return [typed(x.dtype, gatherShape(x, idx, axis), carryQuant(x.quant, 'gather', move))];
  },
  kernel([x, indices], attrs) {
    const t = x!, idx = indices!, axis = normAxis(attrs['axis'] as number, t.shape.length);
    const n = t.shape[axis]!, st = strides(t.shape);
    const picks = Array.from(idx.data as ArrayLike<number | bigint>, (v) => {
      const k = Number(v);
      check(k >= -n && k < n, `gather: index ${k} is out of range for dim ${axis} (${n})`);
      return k < 0 ? k + n : k;
    });
    // Gather with the indices flattened, then give the result its full shape.
    const flatShape = t.shape.map((d, i) => (i === axis ? picks.length : d));
    const maps = flatShape.map((m, d) => (d === axis ? axisMap(m, st[d]!, (i) => picks[i]!) : axisMap(m, st[d]!)));
    const out = remap(t, flatShape, maps);
    return [{ ...out, shape: gatherShape(t, idx, axis) }];
  },
};

export const SELECT_OPS: OpDef[] = withOnnx([concat, split, pad, slice, gather], { concat: 'Concat', split: 'Split', pad: 'Pad', slice: 'Slice', gather: 'Gather' });

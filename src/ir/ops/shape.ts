// Shape ops on every dtype. Pure data movement keeps the operand's quantization params (moving a
// per-channel axis along with the data); cast and shape produce plain tensors.
import { DTYPES, isFloatDType, type DType } from '../dtype.js';
import { reshapeData, transposeData } from '../compute/layout.js';
import { tensor, type Tensor } from '../tensor.js';
import { numel, type TensorType } from '../types.js';
import { normAxis, operand } from './infer-util.js';
import { carryQuant, reshapeAxis, typed } from './quant-carry.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';
import { SELECT_OPS } from './shape-select.js';

const ints = (a: ResolvedAttrs, k: string): number[] => a[k] as number[];

/**
 * An op whose result is its operand's data under a new shape computed by `shapeOf`; a per-channel
 * quantization axis goes where `axisOf` says (default: the result dim holding the same elements).
 */
function reshapeLike(
  name: string,
  doc: string,
  attrs: OpDef['attrs'],
  shapeOf: (x: TensorType, a: ResolvedAttrs) => number[],
  axisOf: (from: readonly number[], to: readonly number[], axis: number) => number | undefined = reshapeAxis,
): OpDef {
  return {
    name,
    doc,
    category: 'shape',
    operands: [{ name: 'x' }],
    results: 1,
    attrs,
    infer({ inputs, attrs: a }) {
      const x = operand(inputs, 0, 'x');
      const shape = shapeOf(x, a);
      return [typed(x.dtype, shape, carryQuant(x.quant, name, { axis: (ax) => axisOf(x.shape, shape, ax) }))];
    },
    kernel([x], a) {
      return [reshapeData(x!, shapeOf(x!, a))];
    },
    identityWhen: () => true, // same shape: the same row-major data
  };
}

function reshapeTarget(x: TensorType, a: ResolvedAttrs): number[] {
  const want = ints(a, 'shape');
  // ONNX: 0 copies the operand's dim at that position; one -1 takes what is left.
  const shape = want.map((d, i) => {
    check(d >= -1, `reshape: bad target dim ${d}`);
    if (d !== 0) return d;
    check(i < x.shape.length, `reshape: target dim ${i} is 0 (copy) but the operand has rank ${x.shape.length}`);
    return x.shape[i]!;
  });
  const holes = shape.filter((d) => d === -1).length;
  check(holes <= 1, `reshape: target [${want.join(',')}] has more than one -1`);
  const n = numel(x.shape), known = numel(shape.filter((d) => d !== -1));
  if (holes) {
    check(known > 0 && n % known === 0, `reshape: cannot infer -1 of [${want.join(',')}] for ${n} elements`);
    shape[shape.indexOf(-1)] = n / known;
  }
  check(numel(shape) === n, `reshape: [${x.shape.join(',')}] (${n} elements) cannot become [${want.join(',')}]`);
  return shape;
}

function flattenTarget(x: TensorType, a: ResolvedAttrs): number[] {
  const r = x.shape.length, axis = a['axis'] as number;
  const k = axis < 0 ? axis + r : axis;
  check(k >= 0 && k <= r, `flatten: axis ${axis} is out of range for rank ${r}`);
  return [numel(x.shape.slice(0, k)), numel(x.shape.slice(k))];
}

function squeezeTarget(x: TensorType, a: ResolvedAttrs): number[] {
  const given = ints(a, 'axes');
  const axes = given.length ? given.map((ax) => normAxis(ax, x.shape.length, 'squeeze axis')) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const ax of axes) check(x.shape[ax] === 1, `squeeze: axis ${ax} has size ${x.shape[ax]}, not 1`);
  return x.shape.filter((_, i) => !axes.includes(i));
}

function unsqueezeTarget(x: TensorType, a: ResolvedAttrs): number[] {
  const given = ints(a, 'axes'), r = x.shape.length + given.length;
  check(given.length > 0, 'unsqueeze needs at least one axis');
  const axes = given.map((ax) => normAxis(ax, r, 'unsqueeze axis'));
  check(new Set(axes).size === axes.length, `unsqueeze axes [${given.join(',')}] repeat an axis`);
  const rest = [...x.shape];
  return Array.from({ length: r }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!));
}

function checkPerm(perm: readonly number[], rank: number): number[] {
  if (perm.length === 0) return [...Array(rank).keys()].reverse();
  const sorted = [...perm].sort((p, q) => p - q);
  check(perm.length === rank && sorted.every((p, i) => p === i), `transpose: perm [${perm.join(',')}] is not a permutation of 0..${rank - 1}`);
  return [...perm];
}

const transpose: OpDef = {
  name: 'transpose',
  doc: 'permutes dims: result dim d is operand dim perm[d] (empty perm reverses)',
  category: 'shape',
  operands: [{ name: 'x' }],
  results: 1,
  attrs: { perm: { type: 'ints', default: [] } },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x');
    const perm = checkPerm(ints(attrs, 'perm'), x.shape.length);
    return [typed(x.dtype, perm.map((p) => x.shape[p]!), carryQuant(x.quant, 'transpose', { axis: (a) => perm.indexOf(a) }))];
  },
  kernel([x], attrs) {
    return [transposeData(x!, checkPerm(ints(attrs, 'perm'), x!.shape.length))];
  },
  // Only size-1 dims may move: the non-1 dims must keep their order.
  identityWhen(_, a, x) {
    const big = checkPerm(ints(a, 'perm'), x.shape.length).filter((p) => x.shape[p] !== 1);
    return big.every((p, i) => i === 0 || big[i - 1]! < p);
  },
};

/** Returns its operand unchanged (identity, and dropout at inference): a reshape to its own shape, axis kept. */
function passThrough(name: string, doc: string, attrs: OpDef['attrs'], validate?: (a: ResolvedAttrs) => void): OpDef {
  const same = (x: TensorType, a: ResolvedAttrs): number[] => {
    validate?.(a);
    return [...x.shape];
  };
  return reshapeLike(name, doc, attrs, same, (_from, _to, axis) => axis);
}

const shapeOp: OpDef = {
  name: 'shape',
  doc: 'the operand shape as i64[rank]',
  category: 'shape',
  operands: [{ name: 'x' }],
  results: 1,
  attrs: {},
  infer({ inputs }) {
    return [{ dtype: 'i64', shape: [operand(inputs, 0, 'x').shape.length] }];
  },
  kernel([x]) {
    return [tensor('i64', [x!.shape.length], x!.shape)];
  },
};

/** One element converted to a target dtype; float -> integer truncates toward zero, then wraps. */
function converter(from: DType, to: DType): (v: number | bigint) => number | bigint {
  if (to === 'bool') return (v) => (v !== 0 && v !== 0n ? 1 : 0);
  if (isFloatDType(to)) return (v) => Number(v);
  const toInt = isFloatDType(from) ? (v: number) => (Number.isFinite(v) ? Math.trunc(v) : 0) : (v: number) => v;
  const big = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(toInt(v)));
  if (to === 'i64') return (v) => BigInt.asIntN(64, big(v));
  // i4 / u4 are held one per byte: wrap to 4 bits as the wider types wrap in their typed array.
  if (to === 'i4') return (v) => Number(BigInt.asIntN(4, big(v)));
  if (to === 'u4') return (v) => Number(BigInt.asUintN(4, big(v)));
  return (v) => (typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : toInt(v));
}

const cast: OpDef = {
  name: 'cast',
  doc: 'converts to dtype `to`; float -> int truncates toward zero and wraps out of range (C leaves that undefined), NaN -> 0',
  category: 'shape',
  operands: [{ name: 'x' }],
  results: 1,
  attrs: { to: { type: 'dtype', oneOf: DTYPES } },
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x');
    return [{ dtype: attrs['to'] as DType, shape: [...x.shape] }];
  },
  kernel([x], attrs) {
    const t: Tensor = x!, to = attrs['to'] as DType;
    const out = tensor(to, t.shape);
    const f = converter(t.dtype, to);
    const o = out.data as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < t.data.length; i++) o[i] = f(t.data[i]!);
    return [out];
  },
  identityWhen: (_, a, x) => a['to'] === x.dtype,
};

export const SHAPE_OPS: OpDef[] = withOnnx([
  reshapeLike('reshape', 'same data, static target shape (0 copies the operand dim, one -1 is inferred)', { shape: { type: 'ints' } }, reshapeTarget),
  reshapeLike('flatten', 'to 2-D: [prod(dims before axis), prod(dims from axis)]', { axis: { type: 'int', default: 1 } }, flattenTarget),
  reshapeLike('squeeze', 'drops the given size-1 dims (empty axes: all of them)', { axes: { type: 'ints', default: [] } }, squeezeTarget),
  reshapeLike('unsqueeze', 'inserts size-1 dims at the given result positions', { axes: { type: 'ints' } }, unsqueezeTarget),
  transpose,
  passThrough('identity', 'returns its operand', {}),
  passThrough('dropout', 'inference: returns its operand', { ratio: { type: 'float', default: 0.5 } }, (a) =>
    check((a['ratio'] as number) >= 0 && (a['ratio'] as number) < 1, `dropout: ratio must be in [0, 1), got ${a['ratio']}`),
  ),
  shapeOp,
  cast,
  ...SELECT_OPS,
], {
  reshape: 'Reshape', flatten: 'Flatten', squeeze: 'Squeeze', unsqueeze: 'Unsqueeze', transpose: 'Transpose', identity: 'Identity', shape: 'Shape',
  cast: { opType: 'Cast', alsoFrom: ['CastLike'] },
});

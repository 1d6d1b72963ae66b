// Float ops -> ONNX nodes (the inverse of the import converters, at opset 13 or later), each as the
// ONNX op type its OnnxFacts name (`t`). Values that ONNX takes as inputs (shapes, axes, pads, clip
// bounds) become initializers; a fused clamp on conv/gemm becomes a Relu or Clip after the op. An
// op with OnnxFacts and no attributes needs no entry here: it is one node with the same operands.
import { dtypeRange, type DType } from '../dtype.js';
import type { Node } from '../graph.js';
import type { ResolvedAttrs } from '../ops/index.js';
import { tensor } from '../tensor.js';
import { TO_ONNX } from './tensors.js';
import { float, type AttrIn, type ExportContext, type Exporter } from './export-context.js';

const ints = (a: ResolvedAttrs, k: string) => a[k] as number[];
const num = (a: ResolvedAttrs, k: string) => a[k] as number;

/** Same operands and results, no attributes. */
export const same: Exporter = (c, n, _a, t) => c.emit(t, [...n.inputs], [...n.outputs]);

/** A Clip of `x` into `y` with bounds of x's dtype (integers: rounded inward, within the dtype). */
export function emitClip(c: ExportContext, x: string, y: string, lo: number, hi: number, role: 'main' | 'aux' = 'main'): void {
  const dtype = c.type(x).dtype;
  const bound = (v: number, name: string, up: boolean): string => {
    if (!Number.isFinite(v)) return '';
    if (dtype === 'f32' || dtype === 'f64') return c.constant(name, tensor(dtype, [], [v]));
    const [dlo, dhi] = dtypeRange(dtype);
    return c.constant(name, tensor(dtype, [], [Math.min(Math.max(up ? Math.ceil(v) : Math.floor(v), dlo), dhi)]));
  };
  c.emit('Clip', [x, bound(lo, 'min', true), bound(hi, 'max', false)], [y], {}, role);
}

/** The op into a temporary, then its fused clamp (relu when [0, ∞)) into the result. */
function withClamp(c: ExportContext, n: Node, a: ResolvedAttrs, opType: string, inputs: string[], attrs: Record<string, AttrIn>): void {
  const lo = num(a, 'clamp_min'), hi = num(a, 'clamp_max');
  if (lo === -Infinity && hi === Infinity) return c.emit(opType, inputs, [n.outputs[0]!], attrs);
  const t = c.temp(opType.toLowerCase(), c.type(n.outputs[0]!));
  c.emit(opType, inputs, [t], attrs);
  if (lo === 0 && hi === Infinity) c.emit('Relu', [t], [n.outputs[0]!], {}, 'aux');
  else emitClip(c, t, n.outputs[0]!, lo, hi, 'aux');
}

const GEOM = (a: ResolvedAttrs) => ({ strides: ints(a, 'strides'), pads: ints(a, 'pads'), dilations: ints(a, 'dilations'), group: num(a, 'group') });

const conv: Exporter = (c, n, a, t) => withClamp(c, n, a, t, [...n.inputs], GEOM(a));
const convT: Exporter = (c, n, a, t) => withClamp(c, n, a, t, [...n.inputs], { ...GEOM(a), output_padding: ints(a, 'output_padding') });
const gemm: Exporter = (c, n, a, t) =>
  withClamp(c, n, a, t, [...n.inputs], { alpha: float(num(a, 'alpha')), beta: float(num(a, 'beta')), transA: a['trans_a'] ? 1 : 0, transB: a['trans_b'] ? 1 : 0 });

const pool: Exporter = (c, n, a, t) => {
  const attrs: Record<string, AttrIn> = { kernel_shape: ints(a, 'kernel_shape'), strides: ints(a, 'strides'), pads: ints(a, 'pads'), ceil_mode: a['ceil_mode'] ? 1 : 0 };
  if (n.op === 'maxpool2d') attrs['dilations'] = ints(a, 'dilations');
  else attrs['count_include_pad'] = a['count_include_pad'] ? 1 : 0;
  c.emit(t, [n.inputs[0]!], [n.outputs[0]!], attrs);
};

/** Reductions: axes are an attribute before opset 18 (ReduceSum: 13), an input from then on. */
const reduce = (inputSince: number): Exporter => (c, n, a, t) => {
  const axes = ints(a, 'axes'), keepdims = a['keepdims'] ? 1 : 0;
  if (c.opset < inputSince) return c.emit(t, [n.inputs[0]!], [n.outputs[0]!], { axes: axes.length ? axes : undefined, keepdims });
  c.emit(t, [n.inputs[0]!, axes.length ? c.i64('axes', axes) : ''], [n.outputs[0]!], { keepdims });
};

const clip: Exporter = (c, n, a) => emitClip(c, n.inputs[0]!, n.outputs[0]!, num(a, 'min'), num(a, 'max'));

const pad: Exporter = (c, n, a, t) => {
  const x = n.inputs[0]!, dtype: DType = c.type(x).dtype;
  const value = num(a, 'value');
  const cv = value !== 0 ? c.constant('value', tensor(dtype, [], [value])) : '';
  c.emit(t, [x, c.i64('pads', ints(a, 'pads')), cv], [n.outputs[0]!], { mode: a['mode'] as string });
};

const slice: Exporter = (c, n, a, t) => {
  const axes = ints(a, 'axes'), steps = ints(a, 'steps');
  c.emit(t, [n.inputs[0]!, c.i64('starts', ints(a, 'starts')), c.i64('ends', ints(a, 'ends')), axes.length ? c.i64('axes', axes) : '', steps.length ? c.i64('steps', steps) : ''], [n.outputs[0]!]);
};

const attr1 = (build: (a: ResolvedAttrs) => Record<string, AttrIn>): Exporter => (c, n, a, t) => c.emit(t, [...n.inputs], [...n.outputs], build(a));

export const FLOAT_EXPORTERS: Record<string, Exporter> = {
  // Inference dropout is an identity; ONNX Dropout imports as the value itself.
  dropout: (c, n, a) => same(c, n, a, 'Identity'),
  batch_norm: attr1((a) => ({ epsilon: float(num(a, 'epsilon')) })),
  leaky_relu: attr1((a) => ({ alpha: float(num(a, 'alpha')) })),
  elu: attr1((a) => ({ alpha: float(num(a, 'alpha')) })),
  hardsigmoid: attr1((a) => ({ alpha: float(num(a, 'alpha')), beta: float(num(a, 'beta')) })),
  gelu: attr1((a) => ({ approximate: a['approximate'] as string })),
  softmax: attr1((a) => ({ axis: num(a, 'axis') })),
  log_softmax: attr1((a) => ({ axis: num(a, 'axis') })),
  layer_norm: attr1((a) => ({ axis: num(a, 'axis'), epsilon: float(num(a, 'epsilon')) })),
  flatten: attr1((a) => ({ axis: num(a, 'axis') })),
  transpose: attr1((a) => ({ perm: ints(a, 'perm').length ? ints(a, 'perm') : undefined })),
  concat: attr1((a) => ({ axis: num(a, 'axis') })),
  gather: attr1((a) => ({ axis: num(a, 'axis') })),
  cast: attr1((a) => ({ to: TO_ONNX[a['to'] as DType] })),
  conv2d: conv,
  conv_transpose2d: convT,
  gemm,
  maxpool2d: pool,
  avgpool2d: pool,
  clip,
  pad,
  slice,
  reshape: (c, n, a, t) => c.emit(t, [n.inputs[0]!, c.i64('shape', ints(a, 'shape'))], [n.outputs[0]!]),
  squeeze: (c, n, a, t) => c.emit(t, [n.inputs[0]!, ints(a, 'axes').length ? c.i64('axes', ints(a, 'axes')) : ''], [n.outputs[0]!]),
  unsqueeze: (c, n, a, t) => c.emit(t, [n.inputs[0]!, c.i64('axes', ints(a, 'axes'))], [n.outputs[0]!]),
  split: (c, n, a, t) => c.emit(t, [n.inputs[0]!, c.i64('split', ints(a, 'split'))], [...n.outputs], { axis: num(a, 'axis') }),
  reduce_sum: reduce(13),
  reduce_mean: reduce(18),
  reduce_max: reduce(18),
  reduce_min: reduce(18),
  reduce_prod: reduce(18),
};

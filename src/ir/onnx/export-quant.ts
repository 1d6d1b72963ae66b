// quantize / dequantize / fake_quantize -> QuantizeLinear / DequantizeLinear, and the integer
// ops of lower-quantized back to QDQ form: DequantizeLinear on each integer operand, the float
// op, QuantizeLinear on the result (QDQ rather than QLinearConv/QLinearMatMul: one form covers
// every integer op, bias included, and onnxruntime fuses it into the same kernels).
//   - Zero points are typed like the quantized values (uint8/int8/...); int32 biases have none.
//   - A clamp narrower than the dtype (qmin/qmax: symmetric ranges, fused relu) is a float
//     Relu/Clip before QuantizeLinear when per tensor — exact, since quantize is monotone and maps
//     the dequantized bounds back onto qmin/qmax, and the form onnxruntime fuses into its int8
//     kernels — else a Clip on the integers after it.
//   - QuantizeLinear divides (onnxruntime: rint(x / scale) in float32). A quantize with
//     scaling 'divide' (what the importer makes of QuantizeLinear) exports exactly; one with
//     'reciprocal' (PyTorch's x·fround(1/scale), also inside qadd/qmul/requantize) runs in
//     onnxruntime one step off where x/scale lies within an ulp or two of a rounding tie, and
//     its QuantizeLinear carries metadata_props qforge.quantize_scaling = reciprocal so that our
//     importer restores it exactly.
//   - Operand scales come from the operand types. A weight whose type has no quant params gets
//     w_scale[c] = requant_scale[c]·y_scale/x_scale, a float32 reconstruction that can flip a
//     rounding tie: lowered graphs round-trip within one quantization step, q/dq graphs exactly.
import { dtypeRange, type DType } from '../dtype.js';
import { fround, type QuantScaling } from '../quant-math.js';
import { SCALING_KEY } from './convert-quant.js';
import type { Node } from '../graph.js';
import type { ResolvedAttrs } from '../ops/index.js';
import { tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { emitClip } from './export-ops.js';
import { float, type AttrIn, type ExportContext, type Exporter } from './export-context.js';

const ONNX_QDTYPES: readonly DType[] = ['u8', 'i8', 'u16', 'i16', 'u4', 'i4'];

interface QP {
  scale: number[];
  zeroPoint: number[];
  axis?: number;
}

/** Scale and zero-point initializers: scalars per tensor, 1-D per axis. */
function qparamInputs(c: ExportContext, q: QP, zpType: DType): [string, string] {
  const shape = q.scale.length > 1 ? [q.scale.length] : [];
  const scale = c.constant('scale', tensor('f32', shape, q.scale));
  // int32 (bias) dequantization has no zero point in ONNX (it must be 0).
  const zp = zpType === 'i32' ? '' : c.constant('zero_point', tensor(zpType, shape, q.zeroPoint));
  return [scale, zp];
}

const axisAttr = (q: QP): Record<string, AttrIn> => (q.scale.length > 1 ? { axis: q.axis ?? 1 } : {});

/** QuantizeLinear of float x into y, then a Clip when [qmin, qmax] is narrower than the dtype. */
function emitQuantize(c: ExportContext, x: string, y: string, q: QP, dtype: DType, qmin: number | undefined, qmax: number | undefined, role: 'main' | 'aux', scaling: QuantScaling | undefined): void {
  if (!ONNX_QDTYPES.includes(dtype)) c.unsupported(`ONNX QuantizeLinear cannot produce ${dtype}`);
  const [lo, hi] = dtypeRange(dtype);
  const narrow = (qmin ?? lo) > lo || (qmax ?? hi) < hi;
  const shape = c.type(x).shape;
  const meta = scaling === 'reciprocal' ? [{ key: SCALING_KEY, value: scaling }] : [];
  if (narrow && q.scale.length === 1) {
    const s = q.scale[0]!, zp = q.zeroPoint[0]!;
    const fl = (v: number | undefined, end: number) => (v === undefined || v === end ? undefined : fround((v - zp) * s));
    const fmin = fl(qmin, lo), fmax = fl(qmax, hi);
    const clipped = c.temp('clamped', { dtype: 'f32', shape });
    if (fmin === 0 && fmax === undefined) c.emit('Relu', [x], [clipped], {}, 'aux');
    else emitClip(c, x, clipped, fmin ?? -Infinity, fmax ?? Infinity, 'aux');
    c.emit('QuantizeLinear', [clipped, ...qparamInputs(c, q, dtype)], [y], axisAttr(q), role, meta);
    return;
  }
  const raw = narrow ? c.temp('quantized', { dtype, shape }) : y;
  c.emit('QuantizeLinear', [x, ...qparamInputs(c, q, dtype)], [raw], axisAttr(q), role, meta);
  if (narrow) emitClip(c, raw, y, qmin ?? lo, qmax ?? hi, 'aux');
}

/** DequantizeLinear of integer v into a fresh float value (or into `out`); returns its name. */
function emitDequantize(c: ExportContext, v: string, q: QP, role: 'main' | 'aux' = 'aux', out?: string): string {
  const t = c.type(v);
  if (t.dtype !== 'i32' && !ONNX_QDTYPES.includes(t.dtype)) c.unsupported(`ONNX DequantizeLinear cannot read ${t.dtype}`);
  if (t.dtype === 'i32' && q.zeroPoint.some((z) => z !== 0)) c.unsupported('an int32 value with a nonzero zero point has no ONNX DequantizeLinear');
  const y = out ?? c.temp('dequantized', { dtype: 'f32', shape: t.shape });
  c.emit('DequantizeLinear', [v, ...qparamInputs(c, q, t.dtype)], [y], axisAttr(q), role);
  return y;
}

const qpOf = (a: ResolvedAttrs): QP => {
  const scale = a['scale'] as number[];
  return { scale, zeroPoint: a['zero_point'] as number[], ...(scale.length > 1 ? { axis: a['axis'] as number } : {}) };
};

const quantize: Exporter = (c, n, a) =>
  emitQuantize(c, n.inputs[0]!, n.outputs[0]!, qpOf(a), a['dtype'] as DType, a['qmin'] as number | undefined, a['qmax'] as number | undefined, 'main', a['scaling'] as QuantScaling);

const dequantize: Exporter = (c, n, a) => void emitDequantize(c, n.inputs[0]!, qpOf(a), 'main', n.outputs[0]!);

/** The narrowest ONNX integer type holding [qmin, qmax]. */
function fakeDtype(c: ExportContext, qmin: number, qmax: number): DType {
  for (const d of ['u8', 'i8', 'u16', 'i16'] as const) {
    const [lo, hi] = dtypeRange(d);
    if (qmin >= lo && qmax <= hi) return d;
  }
  return c.unsupported(`fake_quantize range [${qmin}, ${qmax}] needs more than 16 bits`);
}

const fakeQuantize: Exporter = (c, n, a) => {
  const qmin = a['qmin'] as number, qmax = a['qmax'] as number, dtype = fakeDtype(c, qmin, qmax);
  const q = c.temp('quantized', { dtype, shape: c.type(n.inputs[0]!).shape });
  emitQuantize(c, n.inputs[0]!, q, qpOf(a), dtype, qmin, qmax, 'main', a['scaling'] as QuantScaling);
  emitDequantize(c, q, qpOf(a), 'aux', n.outputs[0]!);
};

// ---- integer ops back to QDQ ----

/** An activation operand's per-tensor scale, from its type. */
function actScale(c: ExportContext, v: string, what: string): number {
  const q = c.type(v).quant;
  if (q?.scale.length !== 1) c.unsupported(`operand ${what} ('${v}') has no per-tensor quantization params in its type, so its scale is unknown`);
  return q!.scale[0]!;
}

const perChannel = (vals: number[], n: number): number[] => (vals.length === n ? vals : new Array<number>(n).fill(vals[0]!));

/**
 * The requantized result: QuantizeLinear with y_scale / y_zero_point / dtype and the fused clamp;
 * tagged with the scaling of the ops defined through a quantize (qadd, qmul, requantize), plain
 * for the accumulating ops (whose integer requantization no float QDQ graph reproduces exactly).
 */
function emitResult(c: ExportContext, n: Node, a: ResolvedAttrs, y: string): void {
  const q: QP = { scale: [a['y_scale'] as number], zeroPoint: [a['y_zero_point'] as number] };
  emitQuantize(c, y, n.outputs[0]!, q, a['dtype'] as DType, a['qmin'] as number | undefined, a['qmax'] as number | undefined, 'aux', a['scaling'] as QuantScaling | undefined);
}

/** w_s[c] from the op's multipliers (when the weight's type has none): acc_scale/x_s, or requant_scale·y_s/x_s. */
function weightScales(a: ResolvedAttrs, xs: number, channels: number): number[] {
  if (a['acc_scale']) return perChannel(a['acc_scale'] as number[], channels).map((s) => fround(s / xs));
  const ys = a['y_scale'] as number;
  return perChannel(a['requant_scale'] as number[], channels).map((m) => fround(fround(m * ys) / xs));
}

/** x, w, b of an accumulating op dequantized: the weight per output channel along `axis`. */
function accOperands(c: ExportContext, n: Node, a: ResolvedAttrs, channels: number, wAxis: number): string[] {
  const [x, w, b] = n.inputs;
  const xs = actScale(c, x!, 'x');
  const wq = c.type(w!).quant;
  const ws = wq ? perChannel(wq.scale, channels) : weightScales(a, xs, channels);
  const wz = perChannel(a['w_zero_point'] as number[], channels);
  const uniform = ws.every((s) => s === ws[0]) && wz.every((z) => z === wz[0]);
  const wqp: QP = uniform ? { scale: [ws[0]!], zeroPoint: [wz[0]!] } : { scale: ws, zeroPoint: wz, axis: wAxis };
  const xf = emitDequantize(c, x!, { scale: [xs], zeroPoint: [a['x_zero_point'] as number] });
  const wf = emitDequantize(c, w!, wqp);
  if (!b) return [xf, wf];
  const bs = ws.map((s) => fround(xs * s));
  const bqp: QP = uniform ? { scale: [bs[0]!], zeroPoint: [0] } : { scale: bs, zeroPoint: bs.map(() => 0), axis: 0 };
  return [xf, wf, emitDequantize(c, b, bqp)];
}

const floatOut = (c: ExportContext, n: Node): string => c.temp('float', { dtype: 'f32', shape: c.type(n.outputs[0]!).shape });

const GEOM = (a: ResolvedAttrs): Record<string, AttrIn> => ({ strides: a['strides'] as number[], pads: a['pads'] as number[], dilations: a['dilations'] as number[], group: a['group'] as number });

const qconv: Exporter = (c, n, a) => {
  const y = floatOut(c, n);
  c.emit('Conv', accOperands(c, n, a, c.type(n.outputs[0]!).shape[1]!, 0), [y], GEOM(a));
  emitResult(c, n, a, y);
};

const qconvT: Exporter = (c, n, a) => {
  // Output channels of a grouped transposed conv do not lie along one weight axis.
  if ((a['group'] as number) !== 1 && (a['w_zero_point'] as number[]).length + (a['requant_scale'] as number[]).length > 2)
    c.unsupported('a grouped qconv_transpose2d with per-channel weights has no ONNX per-axis form');
  const y = floatOut(c, n);
  c.emit('ConvTranspose', accOperands(c, n, a, c.type(n.outputs[0]!).shape[1]!, 1), [y], { ...GEOM(a), output_padding: a['output_padding'] as number[] });
  emitResult(c, n, a, y);
};

/** x·wᵀ (+ b) into y: Gemm on a 2-D x, else Transpose + MatMul (+ Add). */
function emitLinear(c: ExportContext, n: Node, xf: string, wf: string, bf: string | undefined, y: string): void {
  if (c.type(n.inputs[0]!).shape.length === 2) return void c.emit('Gemm', [xf, wf, bf ?? ''], [y], { transB: 1 });
  const wt = c.temp('weight_t', { dtype: 'f32', shape: [...c.type(n.inputs[1]!).shape].reverse() });
  c.emit('Transpose', [wf], [wt], { perm: [1, 0] }, 'aux');
  const mm = bf ? c.temp('matmul', { dtype: 'f32', shape: c.type(n.outputs[0]!).shape }) : y;
  c.emit('MatMul', [xf, wt], [mm]);
  if (bf) c.emit('Add', [mm, bf], [y], {}, 'aux');
}

const qlinear: Exporter = (c, n, a) => {
  const [xf, wf, bf] = accOperands(c, n, a, c.type(n.inputs[1]!).shape[0]!, 0);
  const y = floatOut(c, n);
  emitLinear(c, n, xf!, wf!, bf, y);
  emitResult(c, n, a, y);
};

/** qconv2d_add / qlinear_add: the float op on dequantized x and w with the float bias, + dequantized r, quantized. */
const residualAdd = (conv: boolean): Exporter => (c, n, a) => {
  const [x, w, r, b] = n.inputs;
  const channels = conv ? c.type(n.outputs[0]!).shape[1]! : c.type(w!).shape[0]!;
  const [xf, wf] = accOperands(c, { ...n, inputs: [x!, w!] }, a, channels, 0);
  const sum = c.temp(conv ? 'conv' : 'linear', { dtype: 'f32', shape: c.type(n.outputs[0]!).shape });
  if (conv) c.emit('Conv', [xf!, wf!, ...(b ? [b] : [])], [sum], GEOM(a));
  else emitLinear(c, n, xf!, wf!, b || undefined, sum);
  const rf = emitDequantize(c, r!, { scale: [a['r_scale'] as number], zeroPoint: [a['r_zero_point'] as number] });
  const y = floatOut(c, n);
  c.emit('Add', [sum, rf], [y], {}, 'aux');
  emitResult(c, n, a, y);
};

/** qlinear_f32: the float linear on dequantized x and w with the float bias, clipped when it clamps; no quantize. */
const qlinearF32: Exporter = (c, n, a) => {
  const [x, w, b] = n.inputs;
  const [xf, wf] = accOperands(c, { ...n, inputs: [x!, w!] }, a, c.type(w!).shape[0]!, 0);
  const lo = a['clamp_min'] as number, hi = a['clamp_max'] as number, clamps = lo > -Infinity || hi < Infinity;
  const y = clamps ? floatOut(c, n) : n.outputs[0]!;
  emitLinear(c, n, xf!, wf!, b || undefined, y);
  if (clamps) c.emit('Clip', [y, c.constant('min', tensor('f32', [], [lo])), c.constant('max', tensor('f32', [], [hi]))], [n.outputs[0]!], {}, 'aux');
};

const qmatmul: Exporter = (c, n, a) => {
  const [x, w] = n.inputs;
  const as = actScale(c, x!, 'a'), bq = c.type(w!).quant;
  const bs = bq && bq.scale.length === 1 ? bq.scale[0]! : fround(fround((a['requant_scale'] as number) * (a['y_scale'] as number)) / as);
  const af = emitDequantize(c, x!, { scale: [as], zeroPoint: [a['a_zero_point'] as number] });
  const bf = emitDequantize(c, w!, { scale: [bs], zeroPoint: [a['b_zero_point'] as number] });
  const y = floatOut(c, n);
  c.emit('MatMul', [af, bf], [y]);
  emitResult(c, n, a, y);
};

const qbinary = (opType: string): Exporter => (c, n, a) => {
  const af = emitDequantize(c, n.inputs[0]!, { scale: [a['a_scale'] as number], zeroPoint: [a['a_zero_point'] as number] });
  const bf = emitDequantize(c, n.inputs[1]!, { scale: [a['b_scale'] as number], zeroPoint: [a['b_zero_point'] as number] });
  const y = floatOut(c, n);
  c.emit(opType, [af, bf], [y]);
  emitResult(c, n, a, y);
};

/** Pools: x's scale from its type, else requant_scale·y_scale (requant_scale = x_scale/y_scale). */
const qpool = (opType: string, attrs: (a: ResolvedAttrs) => Record<string, AttrIn>): Exporter => (c, n, a) => {
  const x = n.inputs[0]!;
  const t: TensorType = c.type(x);
  const xs = t.quant?.scale.length === 1 ? t.quant.scale[0]! : fround((a['requant_scale'] as number) * (a['y_scale'] as number));
  const xf = emitDequantize(c, x, { scale: [xs], zeroPoint: [a['x_zero_point'] as number] });
  const y = floatOut(c, n);
  c.emit(opType, [xf], [y], attrs(a));
  emitResult(c, n, a, y);
};

/** qsoftmax as the float graph it replaces, DequantizeLinear → Softmax (last axis) → QuantizeLinear
 *  (onnxruntime fuses that into its QLinearSoftmax); within one step of qforge's table form. */
const qsoftmax: Exporter = (c, n, a) => {
  const xf = emitDequantize(c, n.inputs[0]!, { scale: [a['x_scale'] as number], zeroPoint: [a['x_zero_point'] as number] });
  const y = floatOut(c, n);
  c.emit('Softmax', [xf], [y], { axis: -1 });
  emitResult(c, n, a, y);
};

/** qlayernorm as the float graph it replaces, DequantizeLinear → LayerNormalization (last axis) →
 *  QuantizeLinear; within one step of qforge's integer-statistics form. */
const qlayernorm: Exporter = (c, n, a) => {
  const xf = emitDequantize(c, n.inputs[0]!, { scale: [a['x_scale'] as number], zeroPoint: [a['x_zero_point'] as number] });
  const y = floatOut(c, n);
  c.emit('LayerNormalization', [xf, n.inputs[1]!, n.inputs[2]!], [y], { axis: -1, epsilon: float(a['epsilon'] as number) });
  emitResult(c, n, a, y);
};

const requantize: Exporter = (c, n, a) => {
  const xf = emitDequantize(c, n.inputs[0]!, { scale: [a['x_scale'] as number], zeroPoint: [a['x_zero_point'] as number] });
  emitResult(c, n, a, xf);
};

/**
 * qlut as Gather(table, int32(x) − dtype_min(x)), exact (an i8 x is shifted by 128 to index from 0);
 * a per-channel table [C, 256] is gathered flat, channel c's indices offset by 256·c along the axis.
 */
const qlut: Exporter = (c, n, a) => {
  const [x, table] = n.inputs as [string, string];
  const xt = c.type(x), shape = [...xt.shape], t = c.graph.constants[table];
  if (!t) c.unsupported('the qlut table must be a constant');
  const perChannel = t!.shape.length === 2;
  const idx = c.temp('index', { dtype: 'i32', shape });
  c.emit('Cast', [x], [idx], { to: 6 }, 'aux');
  const lo = dtypeRange(xt.dtype)[0], rank = shape.length, axis = a['axis'] as number, ax = axis < 0 ? axis + rank : axis;
  const C = perChannel ? t!.shape[0]! : 1;
  // −dtype_min, plus 256·c per channel: one int32 offset broadcast along the channel axis
  const offsets = tensor('i32', perChannel ? shape.map((d, i) => (i === ax ? d : 1)) : [], Array.from({ length: C }, (_, k) => 256 * k - lo));
  const shifted = c.temp('index_from_0', { dtype: 'i32', shape });
  c.emit('Add', [idx, c.constant('offset', offsets)], [shifted], {}, 'aux');
  let flat = table;
  if (perChannel) {
    flat = c.temp('table_flat', { dtype: t!.dtype, shape: [C * 256] });
    c.emit('Reshape', [table, c.i64('shape', [C * 256])], [flat], {}, 'aux');
  }
  c.emit('Gather', [flat, shifted], [n.outputs[0]!], { axis: 0 });
};

export const QUANT_EXPORTERS: Record<string, Exporter> = {
  quantize,
  dequantize,
  fake_quantize: fakeQuantize,
  qconv2d: qconv,
  qconv_transpose2d: qconvT,
  qlinear,
  qconv2d_add: residualAdd(true),
  qlinear_add: residualAdd(false),
  qlinear_f32: qlinearF32,
  qmatmul,
  qadd: qbinary('Add'),
  qmul: qbinary('Mul'),
  qavgpool2d: qpool('AveragePool', (a) => ({
    kernel_shape: a['kernel_shape'] as number[], strides: a['strides'] as number[], pads: a['pads'] as number[],
    ceil_mode: a['ceil_mode'] ? 1 : 0, count_include_pad: a['count_include_pad'] ? 1 : 0,
  })),
  qglobal_avgpool: qpool('GlobalAveragePool', () => ({})),
  requantize,
  qsoftmax,
  qlayernorm,
  qlut,
};

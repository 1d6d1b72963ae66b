// Dynamic (run-time) quantization in the q/dq form, as PT2E's convert writes a dynamic spec:
// choose_qparams.tensor → quantize_per_tensor.tensor → dequantize_per_tensor.tensor. The qparams
// are a value computed from the tensor on every run, [scale, zero point] in one f32 tensor (the
// zero point is an integer; f32 holds it exactly). The formulas are qlinear_dynamic's
// (quantized-dynamic.ts), so the lowering to it is exact.
import { QUANT_DTYPES } from './quant.js';
import { dynamicQParams } from './quantized-dynamic.js';
import { dtypeRange, type DType } from '../dtype.js';
import { dequantizeValue, quantizeValue } from '../quant-math.js';
import { tensor } from '../tensor.js';
import { operand } from './infer-util.js';
import { check, type OpDef, type ResolvedAttrs } from './registry.js';

const RANGE_ATTRS = {
  dtype: { type: 'dtype', oneOf: ['u8', 'i8'], doc: 'the integer type' },
  qmin: { type: 'int', optional: true, doc: "default: the dtype's minimum" },
  qmax: { type: 'int', optional: true, doc: "default: the dtype's maximum" },
} as const;

function range(op: string, a: ResolvedAttrs): [number, number] {
  const [lo, hi] = dtypeRange(a['dtype'] as DType);
  const qmin = (a['qmin'] as number | undefined) ?? lo, qmax = (a['qmax'] as number | undefined) ?? hi;
  check(lo <= qmin && qmin < qmax && qmax <= hi, `${op}: [${qmin}, ${qmax}] must lie within ${a['dtype']} [${lo}, ${hi}] and hold two levels`);
  return [qmin, qmax];
}

function qparamsOperand(op: string, inputs: Parameters<OpDef['infer']>[0]['inputs']): void {
  const p = operand(inputs, 1, 'qparams');
  check(p.dtype === 'f32' && p.shape.length === 1 && p.shape[0] === 2, `${op}: qparams must be f32[2] (scale, zero point), got ${p.dtype}[${p.shape.join(',')}]`);
}

const chooseQparams: OpDef = {
  name: 'choose_qparams',
  doc: 'run-time affine qparams of x: [scale, zero point] from min(x, 0) and max(x, 0) (PT2E choose_qparams.tensor)',
  category: 'quant',
  operands: [{ name: 'x', dtypes: ['f32'] }],
  results: 1,
  attrs: { ...RANGE_ATTRS, eps: { type: 'float', default: 2 ** -23, doc: 'smallest scale' } },
  infer({ inputs, attrs }) {
    operand(inputs, 0, 'x');
    range('choose_qparams', attrs);
    return [{ dtype: 'f32', shape: [2] }];
  },
  kernel([x], attrs) {
    const [qmin, qmax] = range('choose_qparams', attrs);
    const { scale, zeroPoint } = dynamicQParams(x!.data as Float32Array, qmin, qmax, attrs['eps'] as number);
    return [tensor('f32', [2], [scale, zeroPoint])];
  },
};

const quantizeTensor: OpDef = {
  name: 'quantize_tensor',
  doc: 'f32 -> integer with run-time qparams [scale, zero point]: the quantize formula (PT2E quantize_per_tensor.tensor)',
  category: 'quant',
  operands: [{ name: 'x', dtypes: ['f32'] }, { name: 'qparams', dtypes: ['f32'] }],
  results: 1,
  attrs: RANGE_ATTRS,
  infer({ inputs, attrs }) {
    const x = operand(inputs, 0, 'x');
    qparamsOperand('quantize_tensor', inputs);
    range('quantize_tensor', attrs);
    return [{ dtype: attrs['dtype'] as DType, shape: [...x.shape] }];
  },
  kernel([x, p], attrs) {
    const [qmin, qmax] = range('quantize_tensor', attrs);
    const [s, z] = p!.data as Float32Array;
    const out = tensor(attrs['dtype'] as DType, x!.shape), d = x!.data as Float32Array;
    for (let i = 0; i < d.length; i++) out.data[i] = quantizeValue(d[i]!, s!, z!, qmin, qmax);
    return [out];
  },
};

const dequantizeTensor: OpDef = {
  name: 'dequantize_tensor',
  doc: 'integer -> f32 with run-time qparams [scale, zero point]: fround((q - zp) * scale) (PT2E dequantize_per_tensor.tensor)',
  category: 'quant',
  operands: [{ name: 'x', dtypes: QUANT_DTYPES }, { name: 'qparams', dtypes: ['f32'] }],
  results: 1,
  attrs: {},
  infer({ inputs }) {
    const x = operand(inputs, 0, 'x');
    qparamsOperand('dequantize_tensor', inputs);
    return [{ dtype: 'f32', shape: [...x.shape] }];
  },
  kernel([x, p]) {
    const [s, z] = p!.data as Float32Array;
    const out = tensor('f32', x!.shape), d = x!.data as Int32Array;
    for (let i = 0; i < d.length; i++) out.data[i] = dequantizeValue(d[i]!, s!, z!);
    return [out];
  },
};

export const QUANT_TENSOR_OPS: OpDef[] = [chooseQparams, quantizeTensor, dequantizeTensor];

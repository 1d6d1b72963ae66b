// The NN family: convolutions, batch norm, gemm/matmul and pooling on static NCHW shapes.
// Inference validates every shape and attribute; kernels live in ../kernels (conv, gemm, pool).
// Numerics: every f32 result is a sum of exact f32 products accumulated in float64, rounded to
// f32 once (after bias/alpha/beta), then clamped by the fused clamp_min/clamp_max.
import { dtypeRange, type DType } from '../dtype.js';
import { convTranspose2d, conv2d } from '../compute/conv.js';
import { avgpool2d, globalAvgpool, maxpool2d } from '../compute/pool.js';
import { convOutLength, convTransposeOutLength, effectiveKernel, poolOutLength, window2d, type Window2d } from '../compute/window.js';
import { tensor } from '../tensor.js';
import { numel, type TensorType } from '../types.js';
import { broadcastShapes, operand } from './infer-util.js';
import { gemmKernel, matmulKernel, matmulShapes } from '../compute/matmul.js';
import { check, OpError, type AttrSpec, type InferContext, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

const F32: readonly DType[] = ['f32'];
const fmt = (s: readonly number[]) => `[${s.join(',')}]`;
/** Throws the OpError; the conv checks below build their messages only when they fail (they run on every inference). */
const fail = (message: string): never => {
  throw new OpError(message);
};

/** Operand i, required to be f32 (the NN ops are float reference semantics). */
function f32Operand(op: string, inputs: InferContext['inputs'], i: number, name: string): TensorType {
  const t = operand(inputs, i, name);
  if (t.dtype !== 'f32') fail(`${op}: ${name} must be f32, got ${t.dtype}`);
  return t;
}

function ints(op: string, attrs: ResolvedAttrs, name: string, len: number, min: number): number[] {
  const v = attrs[name] as number[];
  if (v.length !== len) fail(`${op}: ${name} needs ${len} values, got ${fmt(v)}`);
  if (!v.every((d) => d >= min)) fail(`${op}: ${name} must be ≥ ${min}, got ${fmt(v)}`);
  return v;
}

function clampRange(op: string, attrs: ResolvedAttrs): [number, number] {
  const lo = attrs.clamp_min as number, hi = attrs.clamp_max as number;
  if (lo > hi) fail(`${op}: clamp_min ${lo} is above clamp_max ${hi}`);
  return [lo, hi];
}

const CLAMP: Record<string, AttrSpec> = {
  clamp_min: { type: 'float', default: -Infinity, doc: 'fused activation: lower clamp, applied last' },
  clamp_max: { type: 'float', default: Infinity, doc: 'fused activation: upper clamp, applied last' },
};
const WINDOW: Record<string, AttrSpec> = {
  strides: { type: 'ints', default: [1, 1] },
  pads: { type: 'ints', default: [0, 0, 0, 0], doc: 'ONNX order: begin_h, begin_w, end_h, end_w' },
  dilations: { type: 'ints', default: [1, 1] },
};

interface ConvGeom {
  x: TensorType;
  w: TensorType;
  win: Window2d;
  group: number;
  out: number[];
}

/** Shared validation of conv2d / conv_transpose2d; `transpose` selects the weight layout and output size. */
function convGeom(op: string, { inputs, attrs }: InferContext, transpose: boolean): ConvGeom {
  const x = f32Operand(op, inputs, 0, 'x'), w = f32Operand(op, inputs, 1, 'w');
  if (x.shape.length !== 4) fail(`${op}: input must be 4-D NCHW, got ${fmt(x.shape)}`);
  const layout = transpose ? '[C, M/group, kH, kW]' : '[M, C/group, kH, kW]';
  if (w.shape.length !== 4) fail(`${op}: weight must be 4-D ${layout}, got ${fmt(w.shape)}`);
  const group = attrs.group as number;
  if (!(group >= 1)) fail(`${op}: group must be ≥ 1, got ${group}`);
  // Indexing rather than destructuring, which goes through the iterator protocol (every inference pays it).
  const N = x.shape[0]!, C = x.shape[1]!, H = x.shape[2]!, W = x.shape[3]!;
  const w0 = w.shape[0]!, w1 = w.shape[1]!, kh = w.shape[2]!, kw = w.shape[3]!;
  if (!(kh >= 1 && kw >= 1)) fail(`${op}: kernel must be at least 1x1, got weight ${fmt(w.shape)}`);
  if (C % group !== 0) fail(`${op}: input channels ${C} are not divisible by group ${group}`);
  let M: number;
  if (transpose) {
    if (w0 !== C) fail(`${op}: input has ${C} channels but weight expects ${w0} (weight is ${layout})`);
    M = w1 * group;
  } else {
    if (w1 * group !== C) fail(`${op}: input has ${C} channels but weight expects ${w1 * group} (group ${group})`);
    if (w0 % group !== 0) fail(`${op}: ${w0} output channels are not divisible by group ${group}`);
    M = w0;
  }
  const b = inputs[2];
  if (b) {
    if (b.dtype !== 'f32') fail(`${op}: bias must be f32, got ${b.dtype}`);
    if (!(b.shape.length === 1 && b.shape[0] === M)) fail(`${op}: bias must be [${M}] (one per output channel), got ${fmt(b.shape)}`);
  }
  const win = window2d([kh, kw], ints(op, attrs, 'strides', 2, 1), ints(op, attrs, 'pads', 4, 0), ints(op, attrs, 'dilations', 2, 1));
  clampRange(op, attrs);
  let Ho: number, Wo: number;
  if (transpose) {
    const op2 = ints(op, attrs, 'output_padding', 2, 0);
    if (!(op2[0]! < Math.max(win.sh, win.dh) && op2[1]! < Math.max(win.sw, win.dw)))
      fail(`${op}: output_padding ${fmt(op2)} must be smaller than stride or dilation in each dimension`);
    Ho = convTransposeOutLength(H, kh, win.sh, win.pt, win.pb, win.dh, op2[0]!);
    Wo = convTransposeOutLength(W, kw, win.sw, win.pl, win.pr, win.dw, op2[1]!);
  } else {
    Ho = convOutLength(H, kh, win.sh, win.pt, win.pb, win.dh);
    Wo = convOutLength(W, kw, win.sw, win.pl, win.pr, win.dw);
  }
  if (!(Ho >= 1 && Wo >= 1)) fail(`${op}: output would be ${Ho}x${Wo}: the ${kh}x${kw} kernel (dilations ${win.dh},${win.dw}) does not fit the ${H}x${W} input with pads ${fmt(attrs.pads as number[])}`);
  return { x, w, win, group, out: [N, M, Ho, Wo] };
}

function convOp(name: 'conv2d' | 'conv_transpose2d', doc: string, transpose: boolean): OpDef {
  const run = transpose ? convTranspose2d : conv2d;
  return {
    name,
    doc,
    category: 'nn',
    operands: [{ name: 'x', dtypes: F32 }, { name: 'w', dtypes: F32 }, { name: 'b', optional: true, dtypes: F32 }],
    results: 1,
    attrs: {
      ...WINDOW,
      group: { type: 'int', default: 1 },
      ...(transpose ? { output_padding: { type: 'ints', default: [0, 0] } as AttrSpec } : {}),
      ...CLAMP,
    },
    infer: (ctx) => [{ dtype: 'f32', shape: convGeom(name, ctx, transpose).out }],
    kernel([x, w, b], attrs) {
      const g = convGeom(name, { inputs: [x, w, b], attrs }, transpose);
      const out = tensor('f32', g.out);
      run({
        x: x!.data as Float32Array, xShape: x!.shape,
        w: w!.data as Float32Array, wShape: w!.shape,
        bias: b?.data as Float32Array | undefined,
        out: out.data as Float32Array, outShape: g.out,
        win: g.win, group: g.group,
        lo: attrs.clamp_min as number, hi: attrs.clamp_max as number,
      });
      return [out];
    },
  };
}

const BN_PARAMS = ['scale', 'bias', 'mean', 'var'] as const;

const batchNorm: OpDef = {
  name: 'batch_norm',
  doc: 'inference batch norm over channel axis 1: (x - mean) / sqrt(var + epsilon) * scale + bias',
  category: 'nn',
  operands: [{ name: 'x', dtypes: F32 }, ...BN_PARAMS.map((name) => ({ name, dtypes: F32 }))],
  results: 1,
  attrs: { epsilon: { type: 'float', default: 1e-5 } },
  infer({ inputs, attrs }) {
    const x = f32Operand('batch_norm', inputs, 0, 'x');
    check(x.shape.length >= 2, () => `batch_norm: input must have rank ≥ 2 (channels on axis 1), got ${fmt(x.shape)}`);
    const C = x.shape[1]!;
    BN_PARAMS.forEach((p, i) => {
      const t = f32Operand('batch_norm', inputs, i + 1, p);
      check(t.shape.length === 1 && t.shape[0] === C, () => `batch_norm: ${p} must be [${C}] (one per channel), got ${fmt(t.shape)}`);
    });
    check((attrs.epsilon as number) >= 0, () => `batch_norm: epsilon must be ≥ 0, got ${attrs.epsilon}`);
    return [{ dtype: 'f32', shape: [...x.shape] }];
  },
  kernel([x, scale, bias, mean, vr], attrs) {
    const [N, C] = x!.shape as [number, number];
    const inner = numel(x!.shape.slice(2)), eps = attrs.epsilon as number;
    const out = tensor('f32', x!.shape), o = out.data as Float32Array, xd = x!.data as Float32Array;
    // Per-channel factor in float64; each element is then (x - mean)·a + bias, rounded once.
    const [sc, bi, mu, va] = [scale, bias, mean, vr].map((t) => t!.data as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
    for (let c = 0; c < C; c++) {
      const a = sc[c]! / Math.sqrt(va[c]! + eps), m = mu[c]!, b = bi[c]!;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * inner;
        for (let i = base; i < base + inner; i++) o[i] = (xd[i]! - m) * a + b;
      }
    }
    return [out];
  },
};

const gemmOp: OpDef = {
  name: 'gemm',
  doc: "alpha·op(a)·op(b) + beta·c with op = optional transpose; c broadcasts to [M,N] (ONNX Gemm)",
  category: 'nn',
  operands: [{ name: 'a', dtypes: F32 }, { name: 'b', dtypes: F32 }, { name: 'c', optional: true, dtypes: F32 }],
  results: 1,
  attrs: {
    alpha: { type: 'float', default: 1 },
    beta: { type: 'float', default: 1 },
    trans_a: { type: 'bool', default: false },
    trans_b: { type: 'bool', default: false },
    ...CLAMP,
  },
  infer({ inputs, attrs }) {
    const a = f32Operand('gemm', inputs, 0, 'a'), b = f32Operand('gemm', inputs, 1, 'b');
    check(a.shape.length === 2 && b.shape.length === 2, () => `gemm: a and b must be 2-D, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
    const ta = attrs.trans_a as boolean, tb = attrs.trans_b as boolean;
    const [M, K] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [Kb, N] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    check(K === Kb, () => `gemm: inner dimensions differ: a${ta ? 'ᵀ' : ''} is [${M},${K}], b${tb ? 'ᵀ' : ''} is [${Kb},${N}]`);
    const c = inputs[2];
    if (c) {
      check(c.dtype === 'f32', () => `gemm: c must be f32, got ${c.dtype}`);
      const ok = c.shape.length <= 2 && broadcastsTo(c.shape, [M, N]);
      check(ok, () => `gemm: c ${fmt(c.shape)} does not broadcast to the result [${M},${N}]`);
    }
    clampRange('gemm', attrs);
    return [{ dtype: 'f32', shape: [M, N] }];
  },
  kernel: (inputs, attrs) => [gemmKernel(inputs, attrs)],
};

function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  try {
    const s = broadcastShapes(from, to);
    return s.length === to.length && s.every((d, i) => d === to[i]);
  } catch {
    return false;
  }
}

const matmulOp: OpDef = {
  name: 'matmul',
  doc: 'NumPy matmul: 1-D operands promoted and squeezed, batch dimensions broadcast',
  category: 'nn',
  operands: [{ name: 'a', dtypes: F32 }, { name: 'b', dtypes: F32 }],
  results: 1,
  attrs: {},
  infer({ inputs }) {
    const a = f32Operand('matmul', inputs, 0, 'a'), b = f32Operand('matmul', inputs, 1, 'b');
    return [{ dtype: 'f32', shape: matmulShapes(a.shape, b.shape).out }];
  },
  kernel: ([a, b]) => [matmulKernel(a!, b!)],
};

interface PoolGeom {
  win: Window2d;
  out: number[];
}

function poolGeom(op: string, { inputs, attrs }: InferContext, dtypes: readonly DType[]): PoolGeom & { x: TensorType } {
  const x = operand(inputs, 0, 'x');
  check(dtypes.includes(x.dtype), () => `${op}: x must be ${dtypes.join(' or ')}, got ${x.dtype}`);
  check(x.shape.length === 4, () => `${op}: input must be 4-D NCHW, got ${fmt(x.shape)}`);
  const k = ints(op, attrs, 'kernel_shape', 2, 1);
  const dil = 'dilations' in attrs ? ints(op, attrs, 'dilations', 2, 1) : [1, 1];
  const win = window2d(k, ints(op, attrs, 'strides', 2, 1), ints(op, attrs, 'pads', 4, 0), dil);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const kh = effectiveKernel(win.kh, win.dh), kw = effectiveKernel(win.kw, win.dw);
  // Larger pads would allow windows that see only padding.
  check(
    win.pt < kh && win.pb < kh && win.pl < kw && win.pr < kw,
    () => `${op}: pads ${fmt([win.pt, win.pl, win.pb, win.pr])} must be smaller than the (dilated) kernel ${kh}x${kw}`,
  );
  const ceil = attrs.ceil_mode as boolean;
  const Ho = poolOutLength(H, win.kh, win.sh, win.pt, win.pb, win.dh, ceil);
  const Wo = poolOutLength(W, win.kw, win.sw, win.pl, win.pr, win.dw, ceil);
  check(Ho >= 1 && Wo >= 1, () => `${op}: output would be ${Ho}x${Wo}: the ${kh}x${kw} window does not fit the ${H}x${W} input with pads ${fmt(attrs.pads as number[])}`);
  return { x, win, out: [N, C, Ho, Wo] };
}

function poolOp(name: 'maxpool2d' | 'avgpool2d', doc: string, dtypes: readonly DType[], extra: Record<string, AttrSpec>): OpDef {
  return {
    name,
    doc,
    category: 'nn',
    operands: [{ name: 'x', dtypes }],
    results: 1,
    attrs: {
      kernel_shape: { type: 'ints' },
      strides: WINDOW.strides!,
      pads: WINDOW.pads!,
      ...extra,
      ceil_mode: { type: 'bool', default: false },
    },
    infer(ctx) {
      const g = poolGeom(name, ctx, dtypes);
      // Max pooling commutes with a monotone quantization, so quantized inputs keep their params.
      return [{ dtype: g.x.dtype, shape: g.out, ...(name === 'maxpool2d' && g.x.quant ? { quant: g.x.quant } : {}) }];
    },
    kernel([x], attrs) {
      const g = poolGeom(name, { inputs: [x], attrs }, dtypes);
      const out = tensor(x!.dtype, g.out);
      const args = { x: x!.data, planes: g.out[0]! * g.out[1]!, H: x!.shape[2]!, W: x!.shape[3]!, out: out.data, Ho: g.out[2]!, Wo: g.out[3]!, win: g.win };
      if (name === 'maxpool2d') maxpool2d({ ...args, lowest: x!.dtype === 'f32' ? -Infinity : dtypeRange(x!.dtype)[0] });
      else avgpool2d({ ...args, includePad: attrs.count_include_pad as boolean });
      return [out];
    },
  };
}

const globalAvgpoolOp: OpDef = {
  name: 'global_avgpool',
  doc: 'mean over all spatial axes: [N,C,...] -> [N,C,1,...,1]',
  category: 'nn',
  operands: [{ name: 'x', dtypes: F32 }],
  results: 1,
  attrs: {},
  infer({ inputs }) {
    const x = f32Operand('global_avgpool', inputs, 0, 'x');
    check(x.shape.length >= 3, () => `global_avgpool: input must be [N,C,spatial...] with rank ≥ 3, got ${fmt(x.shape)}`);
    return [{ dtype: 'f32', shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
  },
  kernel([x]) {
    const shape = [x!.shape[0]!, x!.shape[1]!, ...x!.shape.slice(2).map(() => 1)];
    const out = tensor('f32', shape);
    globalAvgpool(x!.data as Float32Array, shape[0]! * shape[1]!, numel(x!.shape.slice(2)), out.data as Float32Array);
    return [out];
  },
};

export const NN_OPS: OpDef[] = withOnnx([
  convOp('conv2d', '2-D convolution (NCHW, grouped, dilated, asymmetric pads) with optional bias and fused clamp', false),
  convOp('conv_transpose2d', '2-D transposed convolution (weight [C, M/group, kH, kW]) with output_padding and fused clamp', true),
  batchNorm,
  gemmOp,
  matmulOp,
  poolOp('maxpool2d', '2-D max pooling (dilated, asymmetric pads, ceil_mode); also on i8/u8, where a window of padding only gives the dtype minimum', ['f32', 'i8', 'u8'], { dilations: WINDOW.dilations! }),
  poolOp('avgpool2d', '2-D average pooling (asymmetric pads, ceil_mode, count_include_pad)', F32, {
    count_include_pad: { type: 'bool', default: false },
  }),
  globalAvgpoolOp,
], {
  conv2d: 'Conv', conv_transpose2d: 'ConvTranspose', batch_norm: 'BatchNormalization', gemm: 'Gemm', matmul: 'MatMul',
  maxpool2d: 'MaxPool', avgpool2d: 'AveragePool', global_avgpool: 'GlobalAveragePool',
});

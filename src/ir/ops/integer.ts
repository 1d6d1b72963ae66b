// Integer-only ops of ONNX's dynamic quantization (onnxruntime's quantize_dynamic): conv_integer and
// matmul_integer give the raw int32 accumulators Σ (x - x_zp)(w - w_zp) (exact, wrapping at 32
// bits like the C), with zero points as operands because dynamic_quantize_linear computes them at
// run time; dynamic_quantize_linear quantizes to u8 with a scale and zero point from the data:
//   S = (max(0, max x) - min(0, min x)) / 255, and S = 1 for an all-zero x (onnxruntime; the
//       Python reference computes 1/255 there, while y and Z are 0 either way)
//   Z = rint(clamp(0 - min(0, min x) / S, 0, 255)),  y = clamp(rint(x / S) + Z, 0, 255)
// every step in float32, dividing by S as ONNX does (not multiplying by its reciprocal).
import type { DType } from '../dtype.js';
import { broadcastStrides } from '../compute/broadcast.js';
import { matmulShapes } from '../compute/matmul.js';
import { convOutLength, window2d } from '../compute/window.js';
import { fround, rint } from '../quant-math.js';
import { tensor, type Tensor } from '../tensor.js';
import { numel, type TensorType } from '../types.js';
import { operand, operandOf } from './infer-util.js';
import { check, type OpDef, type ResolvedAttrs, withOnnx } from './registry.js';

const Q8: readonly DType[] = ['u8', 'i8'];

/** A zero-point operand: absent (0), one value, or one value per row / column / channel (checked by checkZero). */
function zeroPoints(t: Tensor | undefined): (i: number) => number {
  if (!t) return () => 0;
  const v = Array.from(t.data as ArrayLike<number>);
  return v.length === 1 ? () => v[0]! : (i) => v[i]!;
}

function checkZero(inputs: (TensorType | undefined)[], i: number, name: string, like: TensorType, n: number, op: string): void {
  const z = inputs[i];
  if (!z) return;
  check(z.dtype === like.dtype, `${op}: ${name} must be ${like.dtype} like its operand, got ${z.dtype}`);
  const k = numel(z.shape);
  check(k === 1 || k === n, `${op}: ${name} needs 1 or ${n} values, got [${z.shape.join(',')}]`);
}

const matmulInteger: OpDef = {
  name: 'matmul_integer',
  doc: 'i32 matmul of u8/i8 operands minus zero points (a: scalar or per row, b: scalar or per column), NumPy batching',
  category: 'quantized',
  operands: [{ name: 'a', dtypes: Q8 }, { name: 'b', dtypes: Q8 }, { name: 'a_zero_point', optional: true, dtypes: Q8 }, { name: 'b_zero_point', optional: true, dtypes: Q8 }],
  results: 1,
  attrs: {},
  infer({ inputs }) {
    const a = operandOf(inputs, 0, 'a', Q8, 'matmul_integer'), b = operandOf(inputs, 1, 'b', Q8, 'matmul_integer');
    const s = matmulShapes(a.shape, b.shape);
    checkZero(inputs, 2, 'a_zero_point', a, s.a[s.a.length - 2]!, 'matmul_integer');
    checkZero(inputs, 3, 'b_zero_point', b, s.b[s.b.length - 1]!, 'matmul_integer');
    return [{ dtype: 'i32', shape: s.out }];
  },
  kernel([a, b, az, bz]) {
    const s = matmulShapes(a!.shape, b!.shape);
    const M = s.a[s.a.length - 2]!, K = s.a[s.a.length - 1]!, N = s.b[s.b.length - 1]!;
    const za = zeroPoints(az), zb = zeroPoints(bz);
    const out = tensor('i32', s.out), o = out.data, ad = a!.data, bd = b!.data;
    const sa = broadcastStrides(s.batch, s.a.slice(0, -2)), sb = broadcastStrides(s.batch, s.b.slice(0, -2));
    const rank = s.batch.length, idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < numel(s.batch); i++) {
      let ao = 0, bo = 0;
      for (let d = 0; d < rank; d++) (ao += idx[d]! * sa[d]!), (bo += idx[d]! * sb[d]!);
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N; n++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += ((ad[(ao * M + m) * K + k] as number) - za(m)) * ((bd[(bo * K + k) * N + n] as number) - zb(n));
          o[(i * M + m) * N + n] = acc; // the Int32Array wraps like C's int32 arithmetic
        }
      for (let d = rank - 1; d >= 0 && ++idx[d]! === s.batch[d]!; d--) idx[d] = 0;
    }
    return [out];
  },
};

function convGeom(x: TensorType, w: TensorType, a: ResolvedAttrs): number[] {
  check(x.shape.length === 4 && w.shape.length === 4, `conv_integer: x and w must be 4-D, got [${x.shape.join(',')}] and [${w.shape.join(',')}]`);
  const [N, C, H, W] = x.shape as [number, number, number, number], [M, Cg, kh, kw] = w.shape as [number, number, number, number];
  const g = a['group'] as number, st = a['strides'] as number[], p = a['pads'] as number[], dl = a['dilations'] as number[];
  check(g >= 1 && C % g === 0 && M % g === 0 && Cg * g === C, `conv_integer: ${C} input channels, weight [${w.shape.join(',')}] and group ${g} disagree`);
  check(st.length === 2 && p.length === 4 && dl.length === 2 && [...st, ...dl].every((v) => v >= 1) && p.every((v) => v >= 0), 'conv_integer: bad strides, pads or dilations');
  const Ho = convOutLength(H, kh, st[0]!, p[0]!, p[2]!, dl[0]!), Wo = convOutLength(W, kw, st[1]!, p[1]!, p[3]!, dl[1]!);
  check(Ho >= 1 && Wo >= 1, `conv_integer: the ${kh}x${kw} kernel does not fit the ${H}x${W} input`);
  return [N, M, Ho, Wo];
}

const convInteger: OpDef = {
  name: 'conv_integer',
  doc: 'i32 2-D convolution of u8/i8 input and weight minus zero points (weight: scalar or per output channel); padding counts as x_zero_point',
  category: 'quantized',
  operands: [{ name: 'x', dtypes: Q8 }, { name: 'w', dtypes: Q8 }, { name: 'x_zero_point', optional: true, dtypes: Q8 }, { name: 'w_zero_point', optional: true, dtypes: Q8 }],
  results: 1,
  attrs: {
    strides: { type: 'ints', default: [1, 1] },
    pads: { type: 'ints', default: [0, 0, 0, 0] },
    dilations: { type: 'ints', default: [1, 1] },
    group: { type: 'int', default: 1 },
  },
  infer({ inputs, attrs }) {
    const x = operandOf(inputs, 0, 'x', Q8, 'conv_integer'), w = operandOf(inputs, 1, 'w', Q8, 'conv_integer');
    const out = convGeom(x, w, attrs);
    checkZero(inputs, 2, 'x_zero_point', x, 1, 'conv_integer');
    checkZero(inputs, 3, 'w_zero_point', w, out[1]!, 'conv_integer');
    return [{ dtype: 'i32', shape: out }];
  },
  kernel([x, w, xz, wz], attrs) {
    const [N, M, Ho, Wo] = convGeom(x!, w!, attrs) as [number, number, number, number];
    const [, C, H, W] = x!.shape as [number, number, number, number], [, Cg, kh, kw] = w!.shape as [number, number, number, number];
    const win = window2d([kh, kw], attrs['strides'] as number[], attrs['pads'] as number[], attrs['dilations'] as number[]);
    const Mg = M / (attrs['group'] as number), zx = zeroPoints(xz)(0), zw = zeroPoints(wz);
    const out = tensor('i32', [N, M, Ho, Wo]), o = out.data, xd = x!.data, wd = w!.data;
    for (let n = 0; n < N; n++)
      for (let m = 0; m < M; m++) {
        const c0 = Math.floor(m / Mg) * Cg, z = zw(m);
        for (let oh = 0; oh < Ho; oh++)
          for (let ow = 0; ow < Wo; ow++) {
            let acc = 0;
            for (let c = 0; c < Cg; c++)
              for (let i = 0; i < kh; i++) {
                const ih = oh * win.sh - win.pt + i * win.dh;
                if (ih < 0 || ih >= H) continue;
                for (let j = 0; j < kw; j++) {
                  const iw = ow * win.sw - win.pl + j * win.dw;
                  if (iw < 0 || iw >= W) continue;
                  acc += ((xd[((n * C + c0 + c) * H + ih) * W + iw] as number) - zx) * ((wd[((m * Cg + c) * kh + i) * kw + j] as number) - z);
                }
              }
            o[((n * M + m) * Ho + oh) * Wo + ow] = acc;
          }
      }
    return [out];
  },
};

const dynamicQuantize: OpDef = {
  name: 'dynamic_quantize_linear',
  doc: 'f32 -> (u8 y, f32 scale, u8 zero point) with the scale and zero point from the data range (ONNX DynamicQuantizeLinear)',
  category: 'quant',
  operands: [{ name: 'x', dtypes: ['f32'] }],
  results: 3,
  attrs: {},
  infer({ inputs }) {
    const x = operand(inputs, 0, 'x');
    check(x.dtype === 'f32', `dynamic_quantize_linear: x must be f32, got ${x.dtype}`);
    return [{ dtype: 'u8', shape: [...x.shape] }, { dtype: 'f32', shape: [] }, { dtype: 'u8', shape: [] }];
  },
  kernel([x]) {
    const d = x!.data as Float32Array;
    let lo = 0, hi = 0;
    for (const v of d) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    const s = hi === lo ? 1 : fround(fround(hi - lo) / 255);
    const z = rint(Math.min(Math.max(fround(0 - fround(lo / s)), 0), 255));
    const y = tensor('u8', x!.shape);
    for (let i = 0; i < d.length; i++) y.data[i] = Math.min(Math.max(rint(fround(d[i]! / s)) + z, 0), 255);
    return [y, tensor('f32', [], [s]), tensor('u8', [], [z])];
  },
};

export const INTEGER_OPS: OpDef[] = withOnnx([matmulInteger, convInteger, dynamicQuantize], { matmul_integer: 'MatMulInteger', conv_integer: 'ConvInteger', dynamic_quantize_linear: 'DynamicQuantizeLinear' });

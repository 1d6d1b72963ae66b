// Hand-built quantized graphs for the code generator tests. Each graph batches many cases (every
// output is a graph output) so that one compiled program checks them all.
import { fround } from '../../src/ir/quant-math.js';
import { GraphBuilder, tensor, type Graph, type Tensor } from '../../src/ir/index.js';
import type { DType } from '../../src/ir/dtype.js';
import { floatTensor, randomTensor, rng } from './helpers.js';

type R = (lo: number, hi: number) => number;

export interface ConvSpec {
  cin: number;
  cout: number;
  k: [number, number];
  stride?: [number, number];
  pads?: [number, number, number, number];
  dil?: [number, number];
  group?: number;
  ydtype?: DType;
  yzp?: number;
  relu?: boolean;
  /** weight range and dtype; zero points per channel when wzp is an array */
  wdtype?: DType;
  wrange?: [number, number];
  wzp?: number[];
  transpose?: boolean;
  outPad?: [number, number];
}

/** Multiplier that keeps a K-term random sum inside the int8 range most of the time. */
const multFor = (K: number, r: R) => fround((0.01 / Math.sqrt(K)) * (0.5 + r(0, 100) / 66));

export function addConv(b: GraphBuilder, x: string, xz: number, s: ConvSpec, r: R, name: string): string {
  const g = s.group ?? 1, [kh, kw] = s.k;
  const wshape = s.transpose ? [s.cin, s.cout / g, kh, kw] : [s.cout, s.cin / g, kh, kw];
  const wdtype = s.wdtype ?? 'i8', [lo, hi] = s.wrange ?? (wdtype === 'u8' ? [0, 255] : [-128, 127]);
  const w = b.constant(`${name}_w`, randomTensor(wdtype, wshape, r, lo, hi));
  const bias = b.constant(`${name}_b`, randomTensor('i32', [s.cout], r, -3000, 3000));
  const K = (s.cin / g) * kh * kw;
  const ydtype = s.ydtype ?? 'u8', yzp = s.yzp ?? (ydtype === 'u8' ? 128 : 0);
  const attrs: Record<string, number | number[] | string> = {
    strides: s.stride ?? [1, 1], pads: s.pads ?? [0, 0, 0, 0], dilations: s.dil ?? [1, 1], group: g,
    x_zero_point: xz, requant_scale: Array.from({ length: s.cout }, () => multFor(K, r)),
    y_scale: 0.05, y_zero_point: yzp, dtype: ydtype,
    ...(s.wzp ? { w_zero_point: s.wzp } : {}),
    ...(s.relu ? { qmin: yzp } : {}),
    ...(s.outPad ? { output_padding: s.outPad } : {}),
  };
  return b.op(s.transpose ? 'qconv_transpose2d' : 'qconv2d', [x, w, bias], attrs, name);
}

export function addLinear(b: GraphBuilder, x: string, xz: number, K: number, N: number, r: R, name: string, ydtype: DType = 'i8', wrange: [number, number] = [-128, 127]): string {
  const w = b.constant(`${name}_w`, randomTensor('i8', [N, K], r, wrange[0], wrange[1]));
  const bias = b.constant(`${name}_b`, randomTensor('i32', [N], r, -3000, 3000));
  return b.op('qlinear', [x, w, bias], {
    x_zero_point: xz, requant_scale: Array.from({ length: N }, () => multFor(K, r)), y_scale: 0.05, y_zero_point: ydtype === 'u8' ? 100 : -7, dtype: ydtype,
  }, name);
}

export interface Case {
  graph: Graph;
  inputs: Tensor[];
}

/** Convolutions of every kind on one batch-2 input quantized two ways (u8 zp 7, i8 zp -3). */
export function convZoo(seed = 1): Case {
  const r = rng(seed), b = new GraphBuilder('zoo');
  const xf = b.input('x', { dtype: 'f32', shape: [2, 8, 9, 7] });
  const xa = b.op('quantize', [xf], { scale: [0.02], zero_point: [7], dtype: 'u8' }, 'qa');
  const xb = b.op('quantize', [xf], { scale: [0.03], zero_point: [-3], dtype: 'i8' }, 'qb');
  const xe = b.op('quantize', [xf], { scale: [0.01], zero_point: [255], dtype: 'u8' }, 'qe');
  const A = (s: ConvSpec, n: string) => b.output(addConv(b, xa, 7, s, r, n));
  const B = (s: ConvSpec, n: string) => b.output(addConv(b, xb, -3, s, r, n));
  A({ cin: 8, cout: 16, k: [3, 3], pads: [1, 1, 1, 1] }, 'c3x3');
  A({ cin: 8, cout: 5, k: [3, 3], stride: [2, 2], pads: [0, 1, 2, 0], ydtype: 'i8', yzp: -128 }, 'c_asym');
  B({ cin: 8, cout: 12, k: [3, 3], dil: [2, 2], pads: [2, 2, 2, 2], ydtype: 'i8', relu: true, yzp: -20 }, 'c_dil');
  B({ cin: 8, cout: 6, k: [3, 2], stride: [2, 1], group: 2, ydtype: 'u8', yzp: 255 }, 'c_group');
  B({ cin: 8, cout: 10, k: [3, 2], dil: [2, 1], pads: [2, 1, 1, 0], ydtype: 'u8', yzp: 4 }, 'c_dilh'); // implicit GEMM: DH = 2
  A({ cin: 8, cout: 8, k: [3, 3], pads: [1, 1, 1, 1], group: 8 }, 'dw3');
  B({ cin: 8, cout: 8, k: [3, 3], stride: [2, 2], pads: [1, 0, 0, 1], group: 8, ydtype: 'i8' }, 'dw3_s2');
  A({ cin: 8, cout: 8, k: [5, 5], dil: [2, 2], pads: [4, 4, 4, 4], group: 8, relu: true }, 'dw5_dil');
  A({ cin: 8, cout: 16, k: [3, 3], pads: [1, 1, 1, 1], group: 8 }, 'dw_mult2');
  B({ cin: 8, cout: 20, k: [1, 1], wrange: [-100, 100], wzp: Array.from({ length: 20 }, (_, i) => (i % 7) - 3), ydtype: 'i8' }, 'pw_wzp');
  A({ cin: 8, cout: 9, k: [1, 1], stride: [2, 2] }, 'pw_s2');
  A({ cin: 8, cout: 7, k: [3, 3], wdtype: 'u8', wzp: [128], pads: [1, 1, 1, 1] }, 'c_u8w');
  A({ cin: 8, cout: 6, k: [4, 4], stride: [2, 2], pads: [1, 1, 1, 1], transpose: true }, 'ct_s2');
  B({ cin: 8, cout: 6, k: [3, 3], pads: [1, 1, 1, 1], group: 2, transpose: true, ydtype: 'i8' }, 'ct_g2');
  A({ cin: 8, cout: 4, k: [3, 3], stride: [2, 2], dil: [2, 2], outPad: [1, 1], transpose: true }, 'ct_dil');
  b.output(addConv(b, xe, 255, { cin: 8, cout: 3, k: [3, 3], pads: [1, 1, 1, 1], ydtype: 'u8', yzp: 0 }, r, 'c_zp255'));
  b.output(addLinear(b, xb, -3, 7, 5, r, 'lin_w')); // contracts W: needs the plain layout
  const flat = b.op('reshape', [xa], { shape: [2, 8 * 9 * 7] }, 'flat');
  const lf = addLinear(b, flat, 7, 8 * 9 * 7, 10, r, 'lin_flat', 'u8');
  b.output(lf, b.op('dequantize', [lf], { scale: [0.05], zero_point: [100] }, 'dq'));
  return { graph: b.build(), inputs: [floatTensor([2, 8, 9, 7], r, 3)] };
}

/** Channel counts 1..33 through a 3x3 conv (K = 9C), a pointwise conv to 34 - C, a depthwise conv and a linear layer. */
export function tails(seed = 2, counts = Array.from({ length: 33 }, (_, i) => i + 1)): Case {
  const r = rng(seed), b = new GraphBuilder('tails'), inputs: Tensor[] = [];
  for (const C of counts) {
    const x = b.input(`x${C}`, { dtype: 'u8', shape: [1, C, 3, 4] });
    inputs.push(randomTensor('u8', [1, C, 3, 4], r, 0, 255));
    const xz = r(0, 255);
    b.output(addConv(b, x, xz, { cin: C, cout: C, k: [3, 3], pads: [1, 1, 1, 1] }, r, `conv${C}`));
    b.output(addConv(b, x, xz, { cin: C, cout: 34 - C, k: [1, 1], ydtype: 'i8' }, r, `pw${C}`));
    b.output(addConv(b, x, xz, { cin: C, cout: C, k: [3, 3], pads: [1, 1, 1, 1], group: C }, r, `dw${C}`));
    const rows = b.op('reshape', [x], { shape: [12, C] }, `rows${C}`);
    b.output(addLinear(b, rows, xz, C, 34 - C, r, `lin${C}`));
  }
  return { graph: b.build(), inputs };
}

/** Weights at -128/127 (same-sign pairs) with activations at 255: vpmaddubsw's int16 pair sums would saturate. */
export function saturation(): Case {
  const b = new GraphBuilder('sat'), C = 64;
  const x = b.input('x', { dtype: 'u8', shape: [1, C, 4, 4] });
  const pattern = (i: number, c: number) => [127, -128, i % 4 < 2 ? 127 : -128, (i >> 1) % 2 ? 127 : -128][c % 4]!;
  const mk = (name: string, shape: number[]) => {
    const n = shape.reduce((p, q) => p * q, 1), per = n / shape[0]!;
    return b.constant(name, tensor('i8', shape, Int8Array.from({ length: n }, (_, i) => pattern(i % per, Math.floor(i / per)))));
  };
  const common = (M: number, K: number) => ({
    x_zero_point: 0, requant_scale: Array.from({ length: M }, () => fround(40 / (K * 255 * 128))), y_scale: 1, y_zero_point: 0, dtype: 'i8',
  });
  b.output(b.op('qconv2d', [x, mk('w1', [8, C, 1, 1])], common(8, C), 'sat_pw'));
  b.output(b.op('qconv2d', [x, mk('w3', [8, C, 3, 3])], { ...common(8, 9 * C), pads: [1, 1, 1, 1] }, 'sat_3x3'));
  b.output(b.op('qconv2d', [x, mk('wd', [C, 1, 3, 3])], { ...common(C, 9), pads: [1, 1, 1, 1], group: C }, 'sat_dw'));
  const rows = b.op('reshape', [x], { shape: [2, 512] }, 'rows');
  b.output(b.op('qlinear', [rows, mk('wl', [8, 512])], common(8, 512), 'sat_lin'));
  const data = Uint8Array.from({ length: C * 16 }, (_, i) => (i % 5 === 0 ? 0 : 255));
  return { graph: b.build(), inputs: [tensor('u8', [1, C, 4, 4], data)] };
}

/** Pools, elementwise quantized ops, concat, global pooling, qmatmul and a float tail (softmax). */
export function misc(seed = 3): Case {
  const r = rng(seed), b = new GraphBuilder('misc');
  const xf = b.input('x', { dtype: 'f32', shape: [1, 6, 10, 10] });
  const x = b.op('quantize', [xf], { scale: [0.03], zero_point: [-10], dtype: 'i8' }, 'q');
  const c1 = addConv(b, x, -10, { cin: 6, cout: 8, k: [3, 3], pads: [1, 1, 1, 1], ydtype: 'i8', yzp: 3 }, r, 'c1');
  const c2 = addConv(b, x, -10, { cin: 6, cout: 8, k: [1, 1], ydtype: 'i8', yzp: -4 }, r, 'c2');
  const sum = b.op('qadd', [c1, c2], { a_scale: 0.05, a_zero_point: 3, b_scale: 0.05, b_zero_point: -4, y_scale: 0.07, y_zero_point: 1, dtype: 'i8' }, 'add');
  const relu = b.op('relu', [sum], {}, 'relu');
  const mp = b.op('maxpool2d', [relu], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool');
  const ap = b.op('qavgpool2d', [relu], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], x_zero_point: 1, requant_scale: fround(0.07 / 0.06), y_scale: 0.06, y_zero_point: -2, dtype: 'i8' }, 'avgpool');
  const apc = b.op('qavgpool2d', [relu], { kernel_shape: [2, 3], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: true, count_include_pad: true, x_zero_point: 1, requant_scale: fround(0.07 / 0.06), y_scale: 0.06, y_zero_point: -2, dtype: 'i8' }, 'avgpool_cip');
  const rq = b.op('requantize', [mp], { x_scale: 0.07, x_zero_point: 1, y_scale: 0.06, y_zero_point: -2, dtype: 'i8' }, 'requant');
  const cat = b.op('concat', [rq, ap], { axis: 1 }, 'concat');
  const clip = b.op('clip', [cat], { min: -50, max: 90.5 }, 'clip');
  const chan = b.constant('chan_scale', randomTensor('u8', [1, 16, 1, 1], r, 0, 255));
  const scaled = b.op('qmul', [clip, chan], { a_scale: 0.06, a_zero_point: -2, b_scale: 0.01, b_zero_point: 5, y_scale: 0.05, y_zero_point: 0, dtype: 'u8' }, 'chan_mul');
  const plus = b.op('qadd', [scaled, b.constant('one', tensor('u8', [1], [200]))], { a_scale: 0.05, a_zero_point: 0, b_scale: 0.01, b_zero_point: 128, y_scale: 0.05, y_zero_point: 10, dtype: 'u8' }, 'add_scalar');
  const gap = b.op('qglobal_avgpool', [plus], { x_zero_point: 10, requant_scale: fround(0.05 / 0.02), y_scale: 0.02, y_zero_point: 0, dtype: 'u8' }, 'gap');
  const flat = b.op('flatten', [gap], { axis: 1 }, 'flat');
  const lin = addLinear(b, flat, 0, 16, 10, r, 'fc');
  const sm = b.op('softmax', [b.op('dequantize', [lin], { scale: [0.05], zero_point: [-7] }, 'dq')], { axis: 1 }, 'softmax');
  b.output(mp, apc, cat, plus, lin, sm);
  // Attention-style matmul of two activations with batch broadcasting, and a row-broadcast qadd.
  const qa = b.op('quantize', [b.op('reshape', [xf], { shape: [2, 30, 10] }, 'r1')], { scale: [0.03], zero_point: [5], dtype: 'u8' }, 'qa');
  const qb = b.op('quantize', [b.op('slice', [xf], { starts: [0, 0, 0, 0], ends: [1, 1, 10, 4] }, 's1')], { scale: [0.04], zero_point: [-1], dtype: 'i8' }, 'qb');
  const qbm = b.op('reshape', [qb], { shape: [10, 4] }, 'qbm');
  const mm = b.op('qmatmul', [qa, qbm], { a_zero_point: 5, b_zero_point: -1, requant_scale: fround(0.03 * 0.04 / 0.1), y_scale: 0.1, y_zero_point: 3, dtype: 'i8' }, 'matmul');
  const row = b.op('quantize', [b.constant('row', tensor('f32', [4], [0.5, -1, 2, 0]))], { scale: [0.02], zero_point: [0], dtype: 'i8' }, 'qrow');
  b.output(mm, b.op('qadd', [mm, row], { a_scale: 0.1, a_zero_point: 3, b_scale: 0.02, b_zero_point: 0, y_scale: 0.1, y_zero_point: 0, dtype: 'i8' }, 'row_add'));
  b.output(b.op('resize', [relu], { sizes: [1, 8, 20, 15], mode: 'nearest' }, 'upsample_i8'));
  // Integer max pooling in ceil mode, and with windows of padding only (row -1 reaches 10 through the
  // dilation): those give the dtype minimum.
  b.output(b.op('maxpool2d', [relu], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 1, 1], ceil_mode: true }, 'maxpool_ceil'));
  b.output(b.op('maxpool2d', [relu], { kernel_shape: [2, 3], strides: [1, 2], dilations: [11, 1], pads: [11, 1, 11, 0], ceil_mode: true }, 'maxpool_pad_only'));
  // Dynamic quantization: x quantized at run time from its own range.
  const r1 = 'r1', wd = b.constant('wdyn', randomTensor('i8', [6, 10], r, -127, 127));
  const bd = b.constant('bdyn', floatTensor([6], r, 0.5));
  const ws = Array.from({ length: 6 }, () => fround(0.001 * r(1, 20)));
  b.output(b.op('qlinear_dynamic', [r1, wd, bd], { w_scale: ws }, 'dyn_u8'));
  b.output(b.op('qlinear_dynamic', [r1, b.constant('wdyn2', randomTensor('i8', [6, 10], r, -100, 100))], { w_scale: [ws[0]!], w_zero_point: [3], x_dtype: 'i8', x_qmin: -100, x_qmax: 100, clamp_min: 0 }, 'dyn_i8_relu'));
  // Weight-only linear layers: int4 per group of 30 with zero points, K = 300 across two of the
  // interpreter's K blocks, N = 20 across a panel tail, bias, alpha and clamp; u8 per channel on a
  // rank-3 x with zero points and scales that are not float32 values (the double multiply).
  const r300 = b.op('reshape', [xf], { shape: [2, 300] }, 'r300');
  const s4 = Array.from({ length: 200 }, () => fround(0.001 * r(1, 40)));
  b.output(b.op('qlinear_weight_only', [r300, b.constant('w4', randomTensor('i4', [20, 300], r, -8, 7)), b.constant('b4', floatTensor([20], r))],
    { scale: s4, zero_point: s4.map(() => r(-8, 7)), group_size: 30, alpha: 0.5, clamp_min: -1 }, 'wo_int4'));
  b.output(b.op('qlinear_weight_only', [r1, b.constant('wu8', randomTensor('u8', [7, 10], r, 0, 255))],
    { scale: Array.from({ length: 7 }, () => 0.001 * r(1, 40)), zero_point: Array.from({ length: 7 }, () => r(100, 150)) }, 'wo_u8'));
  // Table lookups (qlut) between both 8-bit dtypes, on NHWC and plain operands, with and without a
  // tail after the vector blocks (800, 400, 600 and 10 elements).
  const lut = (x: string, yd: 'u8' | 'i8', name: string) =>
    b.op('qlut', [x, b.constant(`${name}_table`, randomTensor(yd, [256], r, yd === 'u8' ? 0 : -128, yd === 'u8' ? 255 : 127))], { y_scale: 0.01, y_zero_point: 0, dtype: yd }, name);
  b.output(lut(relu, 'u8', 'lut_i8_u8'), lut(plus, 'i8', 'lut_u8_i8'), lut(qa, 'u8', 'lut_u8_u8'), lut(lin, 'i8', 'lut_i8_i8'));
  // Per-channel tables ([C, 256], batch_norm): channels innermost on NHWC, and planes of 200 on a plain tensor.
  const lutC = (x: string, C: number, yd: 'u8' | 'i8', name: string) =>
    b.op('qlut', [x, b.constant(`${name}_table`, randomTensor(yd, [C, 256], r, yd === 'u8' ? 0 : -128, yd === 'u8' ? 255 : 127))], { axis: 1, y_scale: 0.01, y_zero_point: 0, dtype: yd }, name);
  const planes = b.op('quantize', [b.op('reshape', [xf], { shape: [1, 3, 20, 10] }, 'r3')], { scale: [0.02], zero_point: [-3], dtype: 'i8' }, 'q3');
  b.output(lutC(relu, 8, 'i8', 'lut_channels_nhwc'), lutC(planes, 3, 'u8', 'lut_channels_plain'), lutC(qa, 30, 'i8', 'lut_channels_rows'));
  // qadd/qmul with float32 scales (what quantizers produce: the kernels' float32 loop), both scalings,
  // elementwise, per-channel broadcast and a broadcast row.
  const f = (v: number) => fround(v);
  b.output(
    b.op('qadd', [c1, c2], { a_scale: f(0.05), a_zero_point: 3, b_scale: f(0.05), b_zero_point: -4, y_scale: f(0.07), y_zero_point: 1, dtype: 'i8', scaling: 'divide' }, 'add_f32_div'),
    b.op('qmul', [clip, chan], { a_scale: f(0.06), a_zero_point: -2, b_scale: f(0.01), b_zero_point: 5, y_scale: f(0.05), y_zero_point: 0, dtype: 'u8' }, 'chan_mul_f32'),
    b.op('qadd', [mm, row], { a_scale: f(0.1), a_zero_point: 3, b_scale: f(0.02), b_zero_point: 0, y_scale: f(0.1), y_zero_point: 0, dtype: 'i8' }, 'row_add_f32'),
    b.op('qmul', [relu, relu], { a_scale: f(0.07), a_zero_point: 1, b_scale: f(0.07), b_zero_point: 1, y_scale: f(0.3), y_zero_point: -100, dtype: 'i8', qmin: -90 }, 'square_f32'),
  );
  // pad on the integers (pad_quantized): a constant code on i8 (stored + 128), edge on u8
  b.output(b.op('pad', [relu], { pads: [0, 0, 1, 2, 0, 1, 0, 1], value: -17 }, 'pad_i8'), b.op('pad', [plus], { pads: [0, 1, 2, 0, 0, 0, 1, 3], mode: 'edge' }, 'pad_u8_edge'));
  return { graph: b.build(), inputs: [floatTensor([1, 6, 10, 10], r, 3)] };
}

/** A float graph touching every float op family (the --float path). */
export function floatNet(seed = 4): Case {
  const r = rng(seed), b = new GraphBuilder('floatnet');
  const x = b.input('x', { dtype: 'f32', shape: [1, 3, 12, 12] });
  const c = (name: string, shape: number[], s = 0.3) => b.constant(name, floatTensor(shape, r, s));
  const conv = b.op('conv2d', [x, c('w1', [6, 3, 3, 3]), c('b1', [6])], { pads: [1, 1, 1, 1], clamp_min: -1, clamp_max: 6 }, 'conv');
  const bn = b.op('batch_norm', [conv, c('g', [6]), c('be', [6]), c('mu', [6]), b.constant('var', tensor('f32', [6], [0.5, 1, 1.5, 2, 0.7, 0.9]))], {}, 'bn');
  const dw = b.op('conv2d', [bn, c('wd', [6, 1, 3, 3])], { pads: [1, 1, 1, 1], group: 6, strides: [2, 2] }, 'dwconv');
  const relu = b.op('relu', [dw], {}, 'relu');
  const mp = b.op('maxpool2d', [relu], { kernel_shape: [2, 2], strides: [1, 1], dilations: [1, 1] }, 'maxpool');
  const ap = b.op('avgpool2d', [mp], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: true }, 'avgpool');
  const ct = b.op('conv_transpose2d', [ap, c('wt', [6, 2, 2, 2]), c('bt', [4])], { strides: [2, 2], group: 2 }, 'convT');
  const sig = b.op('sigmoid', [ct], {}, 'sigmoid');
  const gap = b.op('global_avgpool', [sig], {}, 'gap');
  const fl = b.op('flatten', [gap], {}, 'flatten');
  const fc = b.op('gemm', [fl, c('wf', [10, 4]), c('bf', [10])], { trans_b: true, alpha: 0.5 }, 'fc');
  const sm = b.op('softmax', [fc], {}, 'softmax');
  // Transformer-style ops on the input seen as 12 tokens of 36.
  const tok = b.op('reshape', [x], { shape: [1, 12, 36] }, 'tokens');
  const ln = b.op('layer_norm', [tok, c('lg', [36]), c('lb', [36])], {}, 'ln');
  const mm = b.op('matmul', [ln, c('wq', [36, 16])], {}, 'proj');
  const ge = b.op('gelu', [mm], {}, 'gelu');
  const gt = b.op('gelu', [mm], { approximate: 'tanh' }, 'gelu_tanh');
  const acts = ['tanh', 'erf', 'hardswish', 'hardsigmoid', 'leaky_relu', 'elu', 'neg', 'abs', 'exp', 'floor', 'ceil'].map((op) => b.op(op, [ge], {}, op));
  const tr = b.op('transpose', [gt], { perm: [0, 2, 1] }, 'transpose');
  const mean = b.op('reduce_mean', [tr], { axes: [2] }, 'mean');
  const diff = b.op('sub', [tr, mean], {}, 'sub');
  const sq = b.op('pow', [diff, b.constant('two', tensor('f32', [1], [2]))], {}, 'pow');
  const root = b.op('sqrt', [b.op('add', [sq, b.constant('eps', tensor('f32', [1], [1e-3]))], {}, 'add_eps')], {}, 'sqrt');
  const ratio = b.op('div', [diff, root], {}, 'div');
  const lg = b.op('log', [b.op('add', [b.op('abs', [ratio], {}, 'abs2'), b.constant('one', tensor('f32', [1], [1]))], {}, 'add1')], {}, 'log');
  const mx = b.op('max', [lg, b.op('min', [ratio, mean], {}, 'min')], {}, 'max');
  const cat = b.op('concat', [mx, ratio], { axis: 1 }, 'concat');
  const pad = b.op('pad', [cat], { pads: [0, 1, 2, 0, 0, 1], mode: 'reflect' }, 'pad');
  const sl = b.op('slice', [pad, ], { starts: [0, -1, 10], ends: [1, -100, 0], axes: [0, 1, 2], steps: [1, -2, -3] }, 'slice');
  const [s1, s2] = b.node('split', [cat], { axis: 1, split: [5, 27] }, { name: 'split' });
  const ga = b.op('gather', [s2!, b.constant('idx', tensor('i64', [3], [2, -1, 0]))], { axis: 2 }, 'gather');
  const rs = b.op('reduce_sum', [ga], { axes: [1], keepdims: false }, 'rsum');
  const rmax = b.op('reduce_max', [s1!], { axes: [], keepdims: true }, 'rmax');
  const cl = b.op('clip', [b.op('mul', [rs, b.constant('k', tensor('f32', [1], [3]))], {}, 'mul')], { min: -2, max: 2 }, 'clip');
  const cast = b.op('cast', [b.op('mul', [sl, b.constant('h', tensor('f32', [1], [10]))], {}, 'mul10')], { to: 'i32' }, 'cast');
  const ls = b.op('log_softmax', [cl], { axis: -1 }, 'log_softmax');
  const fq = b.op('fake_quantize', [ls], { scale: [0.05], zero_point: [3], qmin: -128, qmax: 127 }, 'fq');
  const pr = b.op('prelu', [mm, b.constant('slope', tensor('f32', [16], Float32Array.from({ length: 16 }, (_, i) => i / 10)))], {}, 'prelu');
  const rmin = b.op('reduce_min', [pr], { axes: [-1] }, 'rmin');
  const rp = b.op('reduce_prod', [b.op('sigmoid', [pr], {}, 'sig2')], { axes: [1] }, 'rprod');
  const more = ['sin', 'cos', 'atan', 'sign', 'round', 'softplus', 'celu', 'shrink'].map((op) => b.op(op, [mm], op === 'shrink' ? { lambd: 0.3, bias: 0.1 } : {}, op));
  const gtz = b.op('greater', [mm, b.constant('zero', tensor('f32', [16], new Float32Array(16)))], {}, 'greater');
  const sel = b.op('where', [b.op('not', [gtz], {}, 'not'), mm, b.op('neg', [mm], {}, 'neg2')], {}, 'where');
  const am = b.op('argmax', [mm], { axis: 1, keepdims: false }, 'argmax');
  const up = b.op('resize', [bn], { sizes: [1, 6, 17, 23], mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, 'resize_linear');
  const upc = b.op('resize', [bn], { sizes: [1, 6, 7, 25], mode: 'cubic', coordinate_transformation_mode: 'align_corners' }, 'resize_cubic');
  const upn = b.op('resize', [bn], { sizes: [1, 6, 24, 30], mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 'resize_nearest');
  b.output(...more, sel, am, up, upc, upn, b.op('is_nan', [b.op('sqrt', [mm], {}, 'sqrt_neg')], {}, 'is_nan'));
  b.output(sm, ...acts, rmax, cast, fq, rmin, rp, b.op('reciprocal', [b.op('add', [root, b.constant('one2', tensor('f32', [1], [1]))], {}, 'add2')], {}, 'recip'));
  return { graph: b.build(), inputs: [floatTensor([1, 3, 12, 12], r, 2)] };
}

/**
 * qconv2d_add / qlinear_add (the x86 quantizer's conv → add → relu): 3x3, 1x1 (one GEMM over both
 * images, a channel tail), strided grouped, dilated on i8; u8 and i8 residuals, residual scales that
 * are float32 values (the fused GEMM epilogue of avx512-vnni) and that are not (the double dequantize,
 * a separate pass), float biases or none, relu, divide scaling; linear on 3-D and 2-D inputs;
 * qlinear_f32 (the same linear with a float result).
 */
export function residual(seed = 12): Case {
  const r = rng(seed), b = new GraphBuilder('residual');
  const inputs: Tensor[] = [];
  const input = (name: string, shape: number[]): string => (inputs.push(floatTensor(shape, r, 3)), b.input(name, { dtype: 'f32', shape }));
  const quant = (x: string, scale: number, zp: number, dtype: DType, name: string) => b.op('quantize', [x], { scale: [scale], zero_point: [zp], dtype }, name);
  const xf = input('x', [2, 8, 6, 5]);
  const xa = quant(xf, 0.02, 7, 'u8', 'qa'), xb = quant(xf, 0.03, -3, 'i8', 'qb');
  const conv = (x: string, xz: number, s: ConvSpec & { out: number[]; rz: number; rdt: DType; rs: number; bias: boolean; divide?: boolean }, name: string) => {
    const g = s.group ?? 1, [kh, kw] = s.k, K = (s.cin / g) * kh * kw;
    const res = quant(input(`${name}_r`, s.out), s.rs, s.rz, s.rdt, `${name}_rq`);
    const w = b.constant(`${name}_w`, randomTensor('i8', [s.cout, s.cin / g, kh, kw], r, -128, 127));
    const ops = [x, w, res, ...(s.bias ? [b.constant(`${name}_b`, floatTensor([s.cout], r, 2))] : [])];
    const ydtype = s.ydtype ?? 'u8', yzp = s.yzp ?? 0;
    b.output(b.op('qconv2d_add', ops, {
      strides: s.stride ?? [1, 1], pads: s.pads ?? [0, 0, 0, 0], dilations: s.dil ?? [1, 1], group: g, x_zero_point: xz,
      acc_scale: Array.from({ length: s.cout }, () => fround(multFor(K, r) * 0.05)), r_scale: s.rs, r_zero_point: s.rz,
      y_scale: 0.05, y_zero_point: yzp, dtype: ydtype, ...(s.relu ? { qmin: yzp } : {}), ...(s.divide ? { scaling: 'divide' } : {}),
    }, name));
  };
  conv(xa, 7, { cin: 8, cout: 16, k: [3, 3], pads: [1, 1, 1, 1], out: [2, 16, 6, 5], rs: fround(0.03), rz: 10, rdt: 'u8', bias: true, relu: true }, 'c3x3');
  conv(xa, 7, { cin: 8, cout: 20, k: [1, 1], out: [2, 20, 6, 5], rs: fround(0.04), rz: -5, rdt: 'i8', bias: false, ydtype: 'i8', yzp: -9, divide: true }, 'c1x1');
  conv(xb, -3, { cin: 8, cout: 6, k: [3, 2], stride: [2, 2], pads: [1, 0, 1, 1], group: 2, out: [2, 6, 3, 3], rs: 0.1, rz: 128, rdt: 'u8', bias: true, yzp: 30 }, 'c_group');
  conv(xb, -3, { cin: 8, cout: 33, k: [3, 3], dil: [2, 2], pads: [2, 2, 2, 2], out: [2, 33, 6, 5], rs: 0.025, rz: 0, rdt: 'i8', bias: true, ydtype: 'i8', yzp: -128, relu: true }, 'c_dil');
  // K = 576 and 30 rows: avx512-vnni cuts the weight panel into two K chunks (partial sums between them)
  const xw = quant(input('xw', [2, 64, 6, 5]), 0.02, 7, 'u8', 'qw');
  conv(xw, 7, { cin: 64, cout: 70, k: [3, 3], pads: [1, 1, 1, 1], out: [2, 70, 6, 5], rs: fround(0.02), rz: 3, rdt: 'u8', bias: true, relu: true }, 'c_wide');
  const linear = (x: string, xz: number, K: number, N: number, out: number[], rdt: DType, bias: boolean, rs: number, name: string) => {
    const res = quant(input(`${name}_r`, out), rs, rdt === 'u8' ? 120 : 4, rdt, `${name}_rq`);
    const w = b.constant(`${name}_w`, randomTensor('i8', [N, K], r, -128, 127));
    const ops = [x, w, res, ...(bias ? [b.constant(`${name}_b`, floatTensor([N], r, 2))] : [])];
    b.output(b.op('qlinear_add', ops, {
      x_zero_point: xz, acc_scale: Array.from({ length: N }, () => fround(multFor(K, r) * 0.05)), r_scale: rs, r_zero_point: rdt === 'u8' ? 120 : 4,
      y_scale: 0.05, y_zero_point: 3, dtype: 'u8',
    }, name));
  };
  const v3 = quant(input('v3', [2, 5, 24]), 0.02, 100, 'u8', 'qv3'), v2 = quant(input('v2', [3, 70]), 0.03, -20, 'i8', 'qv2');
  linear(v3, 100, 24, 40, [2, 5, 40], 'u8', true, fround(0.05), 'fc3d');
  linear(v2, -20, 70, 19, [3, 19], 'i8', false, 0.05, 'fc2d');
  // qlinear_f32 (a linear read by a float op): 3-D u8 x with a float bias; 2-D i8 x with weight zero
  // points and a relu clamp; 300 rows of N = 128, three accumulator blocks with a tail.
  const linearF32 = (x: string, xz: number, K: number, N: number, attrs: Record<string, unknown>, bias: boolean, name: string) => {
    const ops = [x, b.constant(`${name}_w`, randomTensor('i8', [N, K], r, -120, 120)), ...(bias ? [b.constant(`${name}_b`, floatTensor([N], r, 2))] : [])];
    b.output(b.op('qlinear_f32', ops, { x_zero_point: xz, acc_scale: Array.from({ length: N }, () => fround(multFor(K, r) * 0.05)), ...attrs }, name));
  };
  linearF32(v3, 100, 24, 40, {}, true, 'fc3d_f32');
  linearF32(v2, -20, 70, 19, { w_zero_point: [3], clamp_min: 0 }, false, 'fc2d_f32_relu');
  linearF32(quant(input('v4', [300, 24]), 0.02, 30, 'u8', 'qv4'), 30, 24, 128, {}, true, 'fc_f32_blocks');
  return { graph: b.build(), inputs };
}

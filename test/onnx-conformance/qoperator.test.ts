// Already-quantized ONNX models: QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger and
// DynamicQuantizeLinear imported onto qforge's integer ops, checked bit for bit against
// onnxruntime on random data and against the suite's expected outputs; and the integer ops'
// semantics against naive references.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeTensorProto, importOnnx } from '../../src/ir/onnx/index.js';
import { requantMultiplier } from '../../src/ir/onnx/convert-qoperator.js';
import { run } from '../../src/ir/interpreter.js';
import { rint } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import type { DType } from '../../src/ir/dtype.js';
import { aints, astr, onnxModel, type NodeSpec } from '../onnx/build-model.js';
import { runOp, t, vals } from '../ir/op-harness.js';
import { numel, rng, unravel } from './naive.js';

const f = Math.fround;
const ORT_TYPE: Partial<Record<DType, string>> = { u8: 'uint8', i8: 'int8', f32: 'float32', i32: 'int32' };
const RANGE: Partial<Record<DType, [number, number]>> = { u8: [0, 255], i8: [-128, 127] };

async function ortRun(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<number[][]> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(ORT_TYPE[v.dtype] as 'uint8', v.data as Uint8Array, v.shape)])));
  return s.outputNames.map((n) => Array.from(r[n]!.data as ArrayLike<number>, Number));
}

/** One-node model; `consts` become initializers, `feeds` graph inputs; outputs named y0, y1, ... */
function model(node: Omit<NodeSpec, 'outputs'>, feeds: Record<string, Tensor>, consts: Record<string, Tensor>, outs: DType[]): Uint8Array {
  return onnxModel({
    nodes: [{ ...node, outputs: outs.map((_, k) => `y${k}`) }],
    inputs: Object.entries(feeds).map(([n, v]) => [n, v.dtype, v.shape]),
    outputs: outs.map((d, k) => [`y${k}`, d]),
    initializers: consts,
    opset: 13,
  });
}

async function sameAsOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<number[][]> {
  const ours = run(importOnnx(bytes), feeds).outputs.map(vals);
  expect(ours).toEqual(await ortRun(bytes, feeds));
  return ours;
}

const r = rng(2024);
const rand = (dtype: DType, shape: number[]): Tensor => {
  const [lo, hi] = RANGE[dtype] ?? [-1000, 1000];
  return tensor(dtype, shape, Array.from({ length: numel(shape) }, () => r.int(lo, hi)));
};
const scalar = (dtype: DType, v: number) => tensor(dtype, [], [v]);

describe('QLinearConv and QLinearMatMul match onnxruntime bit for bit', () => {
  it.each([['u8', 'i8'], ['i8', 'i8'], ['u8', 'u8']] as const)('QLinearConv x %s, w %s: per-channel weights, bias, pads, stride, groups', async (xt, wt) => {
    const M = 6, x = rand(xt, [2, 4, 9, 8]), w = rand(wt, [M, 2, 3, 3]);
    const consts = {
      xs: scalar('f32', 0.0173), xz: scalar(xt, xt === 'u8' ? 131 : -3), w, ws: t('f32', [M], r.floats(M, 0.001, 0.02)),
      wz: tensor(wt, [M], new Array<number>(M).fill(wt === 'u8' ? 128 : 0)), ys: scalar('f32', 0.2133), yz: scalar(xt, xt === 'u8' ? 120 : 4),
      b: tensor('i32', [M], Array.from({ length: M }, () => r.int(-3000, 3000))),
    };
    const node = { op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], attrs: [aints('pads', [1, 0, 2, 1]), aints('strides', [2, 1]), { name: 'group', type: 2, i: 2 }] };
    await sameAsOrt(model(node, { x }, consts, [xt]), { x });
  });

  it('QLinearConv 1-D with auto_pad SAME_UPPER', async () => {
    const x = rand('u8', [1, 3, 11]), consts = {
      xs: scalar('f32', 0.05), xz: scalar('u8', 128), w: rand('i8', [4, 3, 3]), ws: scalar('f32', 0.004), wz: scalar('i8', 0), ys: scalar('f32', 0.11), yz: scalar('u8', 99),
    };
    const node = { op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], attrs: [astr('auto_pad', 'SAME_UPPER'), aints('strides', [2])] };
    await sameAsOrt(model(node, { x }, consts, ['u8']), { x });
  });

  it.each([false, true])('QLinearMatMul, b constant %s (qlinear, per-column b) or a run-time operand (qmatmul)', async (bConst) => {
    const a = rand('u8', [3, 5, 16]), b = rand('i8', [16, 7]);
    const consts: Record<string, Tensor> = {
      as: scalar('f32', 0.031), az: scalar('u8', 117), bs: bConst ? t('f32', [7], r.floats(7, 0.002, 0.01)) : scalar('f32', 0.0071),
      bz: bConst ? tensor('i8', [7], [0, 1, -1, 2, 0, 0, 3]) : scalar('i8', 0), ys: scalar('f32', 0.047), yz: scalar('u8', 128),
    };
    const feeds: Record<string, Tensor> = bConst ? { a } : { a, b };
    if (bConst) consts.b = b;
    const bytes = model({ op: 'QLinearMatMul', inputs: ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'] }, feeds, consts, ['u8']);
    expect(importOnnx(bytes).nodes.map((n) => n.op)).toEqual([bConst ? 'qlinear' : 'qmatmul']);
    await sameAsOrt(bytes, feeds);
  });

  it("requantizes with onnxruntime's multiplier fround(fround(x_s·w_s) / y_s), where PyTorch's would differ", async () => {
    // Scales whose two multipliers differ, and an accumulator where that flips the rounding.
    // (the scales as the model stores them: float32)
    const xs = f(0.0173), ws = f(0.0041), torch = (y: number) => f(f(xs * ws) * f(1 / y));
    const flip = (ys: number): number | undefined => {
      const m1 = requantMultiplier(xs, ws, ys), m2 = torch(ys);
      for (let acc = 1; m1 !== m2 && acc * m1 < 127; acc++) if (rint(f(acc * m1)) !== rint(f(acc * m2))) return acc;
      return undefined;
    };
    let ys = f(0.0713);
    while (flip(ys) === undefined) ys = f(ys + 0.0001);
    const acc = flip(ys)!, mOrt = requantMultiplier(xs, ws, ys), mTorch = torch(ys);
    // A 1x1 conv on x = x_zero_point: the accumulator is the bias.
    const x = tensor('u8', [1, 1, 1, 1], [100]);
    const consts = { xs: scalar('f32', xs), xz: scalar('u8', 100), w: tensor('i8', [1, 1, 1, 1], [1]), ws: scalar('f32', ws), wz: scalar('i8', 0), ys: scalar('f32', ys), yz: scalar('u8', 128), b: tensor('i32', [1], [-acc]) };
    const bytes = model({ op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'] }, { x }, consts, ['u8']);
    const [y] = await sameAsOrt(bytes, { x });
    const at = (m: number) => Math.min(255, Math.max(0, rint(f(-acc * m)) + 128));
    expect([y![0], at(mOrt) !== at(mTorch)]).toEqual([at(mOrt), true]);
  });

  it("the suite's QLinearMatMul also matches bit for bit through qlinear (b frozen as a constant)", () => {
    const dir = '/usr/share/libonnx-testdata/data/node/test_qlinearmatmul_2D';
    const pb = (n: string) => decodeTensorProto(readFileSync(join(dir, 'test_data_set_0', `${n}.pb`)));
    const names = ['a', 'a_scale', 'a_zero_point', 'b', 'b_scale', 'b_zero_point', 'y_scale', 'y_zero_point'];
    const ins = Object.fromEntries(names.map((n, k) => [n, pb(`input_${k}`)]));
    const g = importOnnx(readFileSync(join(dir, 'model.onnx')), { constantInputs: Object.fromEntries(names.slice(1).map((n) => [n, ins[n]!])) });
    expect(g.nodes.map((n) => n.op)).toEqual(['qlinear']);
    expect(vals(run(g, { a: ins.a! }).outputs[0]!)).toEqual(vals(pb('output_0')));
  });
});

describe('a QOperator model (onnxruntime quantize_static, QuantFormat.QOperator) end to end', () => {
  it('QuantizeLinear → QLinearConv → MaxPool → Reshape → QLinearMatMul → DequantizeLinear matches onnxruntime', async () => {
    const x = t('f32', [1, 3, 8, 8], r.floats(192, -2, 2));
    const consts: Record<string, Tensor> = {
      xs: scalar('f32', 0.0157), xz: scalar('u8', 128), w: rand('i8', [4, 3, 3, 3]), ws: t('f32', [4], r.floats(4, 0.002, 0.01)), wz: tensor('i8', [4], [0, 0, 0, 0]),
      cs: scalar('f32', 0.0311), cz: scalar('u8', 7), b: tensor('i32', [4], [100, -200, 300, 0]), shape: tensor('i64', [2], [1, 64]),
      m: rand('i8', [64, 10]), ms: scalar('f32', 0.0042), mz: scalar('i8', 0), ys: scalar('f32', 0.0771), yz: scalar('u8', 131),
    };
    const nodes: NodeSpec[] = [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'QLinearConv', inputs: ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'cs', 'cz', 'b'], outputs: ['c'], attrs: [aints('pads', [1, 1, 1, 1])] },
      { op: 'MaxPool', inputs: ['c'], outputs: ['p'], attrs: [aints('kernel_shape', [2, 2]), aints('strides', [2, 2])] },
      { op: 'Reshape', inputs: ['p', 'shape'], outputs: ['f'] },
      { op: 'QLinearMatMul', inputs: ['f', 'cs', 'cz', 'm', 'ms', 'mz', 'ys', 'yz'], outputs: ['yq'] },
      { op: 'DequantizeLinear', inputs: ['yq', 'ys', 'yz'], outputs: ['y0'] },
    ];
    const bytes = onnxModel({ nodes, inputs: [['x', 'f32', [1, 3, 8, 8]]], outputs: [['y0', 'f32']], initializers: consts, opset: 13 });
    expect(importOnnx(bytes).nodes.map((n) => n.op)).toEqual(['quantize', 'qconv2d', 'maxpool2d', 'reshape', 'qlinear', 'dequantize']);
    await sameAsOrt(bytes, { x });
  });
});

describe('dynamic quantization ops match onnxruntime bit for bit', () => {
  it('MatMulInteger with per-column b zero points; ConvInteger with pads, stride, groups', async () => {
    const a = rand('u8', [3, 5, 7]), b = rand('i8', [7, 4]);
    await sameAsOrt(model({ op: 'MatMulInteger', inputs: ['a', 'b', 'az', 'bz'] }, { a, b }, { az: scalar('u8', 17), bz: tensor('i8', [4], [1, -2, 3, 0]) }, ['i32']), { a, b });
    const x = rand('u8', [2, 4, 8, 8]), w = rand('u8', [6, 2, 3, 3]);
    const node = { op: 'ConvInteger', inputs: ['x', 'w', 'xz', 'wz'], attrs: [aints('pads', [1, 0, 1, 2]), aints('strides', [2, 1]), { name: 'group', type: 2, i: 2 }] };
    await sameAsOrt(model(node, { x, w }, { xz: scalar('u8', 100), wz: scalar('u8', 128) }, ['i32']), { x, w });
  });

  it('DynamicQuantizeLinear: scale and zero point from the data range', async () => {
    for (const [lo, hi] of [[-3, 7], [0.5, 2], [-4, -1], [0, 0]]) {
      const x = t('f32', [64], r.floats(64, lo, hi));
      const [y, s, z] = await sameAsOrt(model({ op: 'DynamicQuantizeLinear', inputs: ['x'] }, { x }, {}, ['u8', 'f32', 'u8']), { x });
      // The range includes 0, which quantizes exactly to the zero point.
      const [y0, , z0] = runOp('dynamic_quantize_linear', [t('f32', [3], [0, lo, hi])]).map(vals);
      expect(y0![0]).toBe(z0![0]);
      expect([y!.length, s!.length, z!.length]).toEqual([64, 1, 1]);
    }
  });
});

describe('integer op semantics', () => {
  it('matmul_integer subtracts per-row a and per-column b zero points', () => {
    const a = rand('i8', [2, 3, 4]), b = rand('u8', [4, 5]), az = tensor('i8', [3], [1, -2, 5]), bz = tensor('u8', [5], [0, 7, 128, 255, 3]);
    const y = runOp('matmul_integer', [a, b, az, bz])[0]!;
    expect(y.dtype).toBe('i32');
    const want = Array.from({ length: 30 }, (_, p) => {
      const [n, i, j] = unravel(p, [2, 3, 5]) as [number, number, number];
      let s = 0;
      for (let k = 0; k < 4; k++) s += (vals(a)[(n * 3 + i) * 4 + k]! - vals(az)[i]!) * (vals(b)[k * 5 + j]! - vals(bz)[j]!);
      return s;
    });
    expect(vals(y)).toEqual(want);
  });

  it('matmul_integer wraps at 32 bits like the C', () => {
    const K = 40000, a = tensor('u8', [1, K], new Array<number>(K).fill(255)), b = tensor('u8', [K, 1], new Array<number>(K).fill(255));
    expect(vals(runOp('matmul_integer', [a, b])[0]!)).toEqual([(255 * 255 * K) | 0]);
  });

  it('conv_integer: padding counts as the input zero point, per-channel weight zero points', () => {
    const x = rand('u8', [1, 2, 4, 5]), w = rand('i8', [2, 2, 2, 3]), xz = scalar('u8', 9), wz = tensor('i8', [2], [3, -4]);
    const pads = [1, 0, 0, 2], st = [1, 2], dl = [2, 1];
    const y = runOp('conv_integer', [x, w, xz, wz], { pads, strides: st, dilations: dl })[0]!;
    const X = (c: number, h: number, v: number) => (h < 0 || h >= 4 || v < 0 || v >= 5 ? 9 : vals(x)[(c * 4 + h) * 5 + v]!);
    const want = Array.from({ length: numel(y.shape) }, (_, p) => {
      const [, m, oh, ow] = unravel(p, y.shape) as [number, number, number, number];
      let s = 0;
      for (let c = 0; c < 2; c++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++)
        s += (X(c, oh * st[0]! - pads[0]! + i * dl[0]!, ow * st[1]! - pads[1]! + j * dl[1]!) - 9) * (vals(w)[((m * 2 + c) * 2 + i) * 3 + j]! - vals(wz)[m]!);
      return s;
    });
    expect([y.shape, vals(y)]).toEqual([[1, 2, 3, 3], want]);
  });
});

// The quantized integer ops reproduce PyTorch (QNNPACK) int8 results bit for bit on every conv,
// conv-transpose and linear module of the fixture models, fed with torch's own int8 inputs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { GraphBuilder, run, tensor, type Tensor } from '../../src/ir/index.js';
import { readNpy } from '../../src/ir/npy.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { fround, rint } from '../../src/ir/quant-math.js';

const FIX = path.resolve(process.cwd(), '../shared/fixtures');
const MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet', 'mlp', 'digits_mlp'];

interface Act { fx_node: string; scale: number; zero_point: number; int_repr_file: string }

/** `out = <module call>(in)` lines of torch's converted FX code: output node -> input node. */
function moduleInputs(code: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of code.split('\n')) {
    const r = /^\s*(\w+) = (?:self\.|getattr\().*\((\w+)\)(;|$)/.exec(line);
    if (r) m.set(r[1]!, r[2]!);
  }
  return m;
}

describe('quantized ops match PyTorch int8 modules exactly', () => {
  for (const model of MODELS) {
    it(model, () => {
      const dir = path.join(FIX, model);
      const q = JSON.parse(readFileSync(path.join(dir, 'qparams.json'), 'utf8'));
      const g = importOnnx(path.join(dir, 'model.onnx'));
      const acts = new Map<string, Act>((q.activations as Act[]).map((a) => [a.fx_node, a]));
      const inputs = moduleInputs(q.converted_graph);
      let checked = 0;
      for (const w of q.weights) {
        const xAct = acts.get(inputs.get(w.fx_node)!)!, yAct = acts.get(w.fx_node)!;
        const x = readNpy(path.join(dir, xAct.int_repr_file));
        const want = readNpy(path.join(dir, yAct.int_repr_file));
        const wq = readNpy(path.join(dir, w.weight_int8_file));
        const bias = readNpy(path.join(dir, w.bias_folded_fp32_file)).data as Float32Array;
        const node = g.nodes.find((n) => n.name === w.onnx_node)!;
        const relu = /ReLU/.test(w.quantized_module_type);
        // PyTorch: s_b = fround(w_s·x_s), bias_q = rint(b·fround(1/s_b)), m = fround(s_b·fround(1/y_s))
        const sb = (w.scales as number[]).map((s) => fround(fround(s) * fround(xAct.scale)));
        const channels = bias.length;
        const sbc = (c: number) => (sb.length === 1 ? sb[0]! : sb[c]!);
        const biasQ = tensor('i32', [channels], Array.from({ length: channels }, (_, c) => rint(fround(bias[c]! * fround(1 / sbc(c))))));
        const requant = sb.map((s) => fround(s * fround(1 / fround(yAct.scale))));
        const b = new GraphBuilder();
        const xin = b.input('x', { dtype: 'u8', shape: x.shape });
        const wc = b.constant('w', wq), bc = b.constant('b', biasQ);
        const common = {
          x_zero_point: xAct.zero_point, requant_scale: requant, y_scale: fround(yAct.scale), y_zero_point: yAct.zero_point,
          dtype: 'u8', ...(relu ? { qmin: yAct.zero_point } : {}),
        };
        const geometry = Object.fromEntries(Object.entries(node.attrs).filter(([k]) => !k.startsWith('clamp') && k !== 'alpha' && k !== 'beta' && !k.startsWith('trans')));
        let y: string;
        if (node.op === 'gemm') y = b.op('qlinear', [b.op('reshape', [xin], { shape: [1, wq.shape[1]!] }), wc, bc], common);
        else y = b.op(node.op === 'conv2d' ? 'qconv2d' : 'qconv_transpose2d', [xin, wc, bc], { ...geometry, ...common });
        b.output(y);
        const got = run(b.build(), [x]).outputs[0]!;
        expect(got.shape.reduce((a, c) => a * c, 1)).toBe(want.data.length);
        expect(Array.from(got.data as ArrayLike<number>)).toEqual(Array.from(want.data as ArrayLike<number>));
        checked++;
      }
      expect(checked).toBe(q.weights.length);
    });
  }
});

/** Independent reference: dequantize-free integer conv written as plain loops over the definition. */
function refConv(x: Tensor, w: Tensor, xz: number, bias: number[], m: number[], yz: number, stride: number, pad: number, group: number): number[] {
  const [, , H, W] = x.shape as number[] as [number, number, number, number];
  const [M, Cg, K] = w.shape as number[] as [number, number, number];
  const Ho = Math.floor((H + 2 * pad - K) / stride) + 1, Wo = Math.floor((W + 2 * pad - K) / stride) + 1;
  const out: number[] = [];
  for (let o = 0; o < M; o++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++) {
        let acc = bias[o]!;
        const g = Math.floor(o / (M / group));
        for (let c = 0; c < Cg; c++)
          for (let a = 0; a < K; a++)
            for (let bb = 0; bb < K; bb++) {
              const h = i * stride - pad + a, ww = j * stride - pad + bb;
              if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
              acc += ((x.data[((g * Cg + c) * H + h) * W + ww] as number) - xz) * (w.data[((o * Cg + c) * K + a) * K + bb] as number);
            }
        out.push(Math.min(255, Math.max(0, rint(Math.fround(Math.fround(acc) * m[o]!)) + yz)));
      }
  return out;
}

describe('qconv2d', () => {
  fcTest.prop(
    [
      fc.record({
        group: fc.constantFrom(1, 2),
        cPerGroup: fc.integer({ min: 1, max: 3 }),
        mPerGroup: fc.integer({ min: 1, max: 3 }),
        size: fc.integer({ min: 3, max: 6 }),
        k: fc.constantFrom(1, 3),
        stride: fc.constantFrom(1, 2),
        pad: fc.integer({ min: 0, max: 1 }),
        xz: fc.integer({ min: 0, max: 255 }),
        yz: fc.integer({ min: 0, max: 255 }),
        seed: fc.integer(),
      }),
    ],
    { numRuns: 40 },
  )('matches an independent loop reference (incl. saturating extremes)', (p) => {
    let s = p.seed >>> 0;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const C = p.group * p.cPerGroup, M = p.group * p.mPerGroup;
    const x = tensor('u8', [1, C, p.size, p.size], Array.from({ length: C * p.size * p.size }, () => (rnd() < 0.2 ? 255 : Math.floor(rnd() * 256))));
    const w = tensor('i8', [M, p.cPerGroup, p.k, p.k], Array.from({ length: M * p.cPerGroup * p.k * p.k }, () => (rnd() < 0.2 ? -128 : Math.floor(rnd() * 256) - 128)));
    const bias = Array.from({ length: M }, () => Math.floor(rnd() * 2000) - 1000);
    const m = Array.from({ length: M }, () => Math.fround(rnd() * 0.01 + 1e-5));
    const b = new GraphBuilder();
    const xi = b.input('x', { dtype: 'u8', shape: x.shape });
    b.output(b.op('qconv2d', [xi, b.constant('w', w), b.constant('b', tensor('i32', [M], bias))], {
      strides: [p.stride, p.stride], pads: [p.pad, p.pad, p.pad, p.pad], group: p.group,
      x_zero_point: p.xz, requant_scale: m, y_scale: 0.1, y_zero_point: p.yz, dtype: 'u8',
    }));
    const got = run(b.build(), [x]).outputs[0]!;
    expect(Array.from(got.data as ArrayLike<number>)).toEqual(refConv(x, w, p.xz, bias, m, p.yz, p.stride, p.pad, p.group));
  });

  it('rejects a bias of the wrong type and a zero point outside the dtype', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'u8', shape: [1, 2, 4, 4] });
    const w = b.constant('w', tensor('i8', [3, 2, 1, 1]));
    const bf = b.constant('bf', tensor('f32', [3]));
    expect(() => b.op('qconv2d', [x, w, bf], { requant_scale: [0.1], y_scale: 1, dtype: 'u8' }, 'qc')).toThrow(/qc.*bias must be i32\[3\]/);
    expect(() => b.op('qconv2d', [x, w], { requant_scale: [0.1], y_scale: 1, y_zero_point: 300, dtype: 'u8' })).toThrow(/zero_point 300/);
  });
});

describe('qadd / requantize are exactly dequantize → float op → quantize', () => {
  fcTest.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 })])('qadd', (pairs) => {
    const n = pairs.length;
    const b = new GraphBuilder();
    const qa = { scale: 0.05, zp: 120 }, qb = { scale: 0.031, zp: 7 }, qy = { scale: 0.07, zp: 100 };
    const a = b.input('a', { dtype: 'u8', shape: [n] }), c = b.input('c', { dtype: 'u8', shape: [n] });
    const fused = b.op('qadd', [a, c], { a_scale: qa.scale, a_zero_point: qa.zp, b_scale: qb.scale, b_zero_point: qb.zp, y_scale: qy.scale, y_zero_point: qy.zp, dtype: 'u8' });
    const da = b.op('dequantize', [a], { scale: [qa.scale], zero_point: [qa.zp] });
    const dc = b.op('dequantize', [c], { scale: [qb.scale], zero_point: [qb.zp] });
    const ref = b.op('quantize', [b.op('add', [da, dc])], { scale: [qy.scale], zero_point: [qy.zp], dtype: 'u8' });
    b.output(fused, ref);
    const [x, y] = run(b.build(), [tensor('u8', [n], pairs.map((p) => p[0])), tensor('u8', [n], pairs.map((p) => p[1]))]).outputs;
    expect(Array.from(x!.data as ArrayLike<number>)).toEqual(Array.from(y!.data as ArrayLike<number>));
  });
});

// quantize's `scaling`: 'reciprocal' (PyTorch, rint(x·fround(1/scale))) and 'divide' (ONNX
// QuantizeLinear, rint(fround(x / scale))). On inputs within an ulp or two of a rounding tie the two
// differ by one step; 'divide' equals onnxruntime's QuantizeLinear bit for bit, the importer
// sets it, the exporter writes it as a plain QuantizeLinear, and the text format keeps it.
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { DType } from '../../src/ir/dtype.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { importOnnx, toOnnxModel } from '../../src/ir/onnx/index.js';
import { dequantizeValue, fround, quantizeValue, quantizeValueDivide } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { parseGraph, printGraph } from '../../src/ir/text/index.js';
import { onnxModel } from './build-model.js';

const SCALES = [0.1, 0.0123, 1 / 3, 2 / 255, 6 / 255, 0.05, 0.007, 0.3, 17.3, 1e-3, 0.02, 0.0625, 0.1732, 3.7e-4].map(fround);

/** The float32 that is `d` ulps from x (d < 0: towards −inf for positive x). */
function ulps(x: number, d: number): number {
  const f = new Float32Array([x]), i = new Int32Array(f.buffer);
  i[0]! += x < 0 ? -d : d;
  return f[0]!;
}

/** fround((k + 0.5)·scale) and its float32 neighbours within 2 ulps, for k in [kmin, kmax]. */
function nearTies(scale: number, kmin: number, kmax: number): number[] {
  const out: number[] = [];
  for (let k = kmin; k <= kmax; k++) {
    const t = fround((k + 0.5) * scale);
    for (let d = -2; d <= 2; d++) out.push(ulps(t, d));
  }
  return out;
}

const INT: Record<string, [DType, number, number, number]> = {
  u8: ['u8', 128, -140, 140],
  i8: ['i8', 3, -140, 140],
};

/** A QuantizeLinear model: x [n] (or [2, C, n] per axis) -> y. */
function qlinearModel(dtype: DType, scale: number[], zp: number[], shape: number[], opset = 13): Uint8Array {
  const per = scale.length > 1;
  const s = per ? [scale.length] : [];
  return onnxModel({
    opset,
    nodes: [{ op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['y'], ...(per ? { attrs: [{ name: 'axis', type: 2, i: 1 }] } : {}) }],
    inputs: [['x', 'f32', shape]],
    outputs: [['y', dtype, shape]],
    initializers: { s: tensor('f32', s, scale), z: tensor(dtype, s, zp) },
  });
}

async function ortRun(bytes: Uint8Array, x: Tensor): Promise<number[]> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  return Array.from(r['y']!.data as ArrayLike<number>, Number);
}

const ints = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>, Number);

describe('quantize scaling: divide vs reciprocal', () => {
  it('differ by one step on near-tie inputs, and only there', () => {
    let n = 0, differ = 0;
    for (const s of SCALES)
      for (const x of nearTies(s, -130, 130)) {
        const r = quantizeValue(x, s, 0, -1000, 1000), d = quantizeValueDivide(x, s, 0, -1000, 1000);
        n++;
        if (r !== d) differ++;
        expect(Math.abs(r - d)).toBeLessThanOrEqual(1);
        // divide is the correctly rounded quotient, rounded half to even
        const q = fround(x / s);
        expect(d).toBe((Math.abs(q - Math.trunc(q)) === 0.5 ? 2 * Math.round(q / 2) : Math.round(q)) + 0);
      }
    expect(differ).toBeGreaterThan(n * 0.02); // the inputs do exercise the difference
  });

  it('both map NaN to the zero point and ±inf to the bounds', () => {
    for (const f of [quantizeValue, quantizeValueDivide]) expect([NaN, Infinity, -Infinity].map((x) => f(x, 0.1, 5, -128, 127))).toEqual([5, 127, -128]);
  });

  it.each(Object.keys(INT))('%s: the divide quantize equals onnxruntime QuantizeLinear bit for bit (per tensor)', async (dt) => {
    const [dtype, zp, kmin, kmax] = INT[dt]!;
    let differ = 0;
    for (const s of SCALES) {
      const xs = nearTies(s, kmin, kmax);
      const x = tensor('f32', [xs.length], xs);
      const bytes = qlinearModel(dtype, [s], [zp], [xs.length]);
      const g = importOnnx(bytes);
      const q = g.nodes.find((n) => n.op === 'quantize')!;
      expect(q.attrs['scaling']).toBe('divide');
      const ours = ints(run(g, [x]).outputs[0]!);
      expect(ours).toEqual(await ortRun(bytes, x));
      // the PyTorch formula is not what onnxruntime computes
      const [lo, hi] = dtype === 'u8' ? [0, 255] : [-128, 127];
      const recip = xs.map((v) => quantizeValue(v, s, zp, lo, hi));
      differ += recip.filter((v, i) => v !== ours[i]).length;
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('per axis: equals onnxruntime bit for bit', async () => {
    const scale = SCALES.slice(0, 6), C = scale.length;
    const per = scale.map((s) => nearTies(s, -60, 60));
    const n = per[0]!.length, xs: number[] = [];
    for (let b = 0; b < 2; b++) for (let c = 0; c < C; c++) xs.push(...per[c]!.map((v) => (b ? -v : v)));
    const x = tensor('f32', [2, C, n], xs);
    for (const [dtype, zp] of [['u8', [128, 100, 130, 128, 90, 127]], ['i8', [0, -3, 4, 0, 1, 0]]] as const) {
      const bytes = qlinearModel(dtype, scale, [...zp], [2, C, n]);
      const g = importOnnx(bytes);
      expect(ints(run(g, [x]).outputs[0]!)).toEqual(await ortRun(bytes, x));
    }
  });

  it('the QDQ export of a divide quantize is a plain QuantizeLinear that onnxruntime runs identically', async () => {
    const b = new GraphBuilder('q');
    const xv = b.input('x', { dtype: 'f32', shape: [1, 4, 2, 2] });
    b.output(b.op('quantize', [xv], { scale: [0.1, 0.0123, 1 / 3, 0.05].map(fround), zero_point: [128, 120, 128, 140], axis: 1, dtype: 'u8', scaling: 'divide' }, 'q'));
    const g = b.build();
    const model = toOnnxModel(g);
    const decoded = importOnnx(model);
    expect(decoded.nodes.find((n) => n.op === 'quantize')!.attrs['scaling']).toBe('divide');
    const xs = [0.1, 0.0123, 1 / 3, 0.05].flatMap((s) => nearTies(fround(s), 7, 7).slice(0, 4));
    const x = tensor('f32', [1, 4, 2, 2], xs);
    const s = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
    const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    expect(Array.from(r['q']!.data as Uint8Array)).toEqual(ints(run(g, [x]).outputs[0]!));
  });

  it('a reciprocal quantize exports as QuantizeLinear tagged reciprocal, which re-imports exactly; onnxruntime is within one step', async () => {
    const s = fround(0.0123);
    const xs = nearTies(s, -120, 120);
    const b = new GraphBuilder('q');
    const xv = b.input('x', { dtype: 'f32', shape: [xs.length] });
    b.output(b.op('quantize', [xv], { scale: [s], zero_point: [3], dtype: 'i8' }, 'q'));
    const g = b.build(), x = tensor('f32', [xs.length], xs);
    const model = toOnnxModel(g);
    const back = importOnnx(model);
    expect(back.nodes.find((n) => n.op === 'quantize')!.attrs['scaling']).toBeUndefined(); // the default, reciprocal
    const ours = ints(run(g, [x]).outputs[0]!);
    expect(ints(run(back, [x]).outputs[0]!)).toEqual(ours);
    const sess = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
    const theirs = Array.from((await sess.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) }))['q']!.data as Int8Array);
    expect(theirs.some((v, i) => v !== ours[i])).toBe(true); // ties do differ ...
    expect(theirs.every((v, i) => Math.abs(v - ours[i]!) <= 1)).toBe(true); // ... by one step at most
    expect(theirs).toEqual(xs.map((v) => quantizeValueDivide(v, s, 3, -128, 127)));
  });

  it('a QuantizeLinear without a zero point divides too', () => {
    const bytes = onnxModel({
      nodes: [{ op: 'QuantizeLinear', inputs: ['x', 's'], outputs: ['y'] }],
      inputs: [['x', 'f32', [3]]],
      outputs: [['y', 'u8', [3]]],
      initializers: { s: tensor('f32', [], [0.5]) },
    });
    expect(importOnnx(bytes).nodes[0]!.attrs['scaling']).toBe('divide');
  });
});

describe('scaling in the text format and the other ops', () => {
  const graph = (): Graph => {
    const b = new GraphBuilder('t');
    const x = b.input('x', { dtype: 'f32', shape: [4, 6] });
    const q = b.op('quantize', [x], { scale: [0.0123], zero_point: [-3], dtype: 'i8', scaling: 'divide' }, 'q');
    const r = b.op('requantize', [q], { x_scale: 0.0123, x_zero_point: -3, y_scale: 0.0246, y_zero_point: 0, dtype: 'i8', scaling: 'divide' }, 'rq');
    const a = b.op('qadd', [q, r], { a_scale: 0.0123, a_zero_point: -3, b_scale: 0.0246, b_zero_point: 0, y_scale: 0.0369, y_zero_point: 1, dtype: 'i8', scaling: 'divide' }, 'add');
    const f = b.op('fake_quantize', [x], { scale: [0.0123], zero_point: [0], qmin: -127, qmax: 127, scaling: 'divide' }, 'fq');
    b.output(a, f, b.op('quantize', [x], { scale: [0.0123], zero_point: [-3], dtype: 'i8' }, 'qr'));
    return b.build();
  };

  it('round trips through .qir text (the default is not written)', () => {
    const g = graph(), text = printGraph(g);
    expect(text.match(/scaling=divide/g)).toHaveLength(4);
    expect(text).not.toMatch(/reciprocal/);
    const back = parseGraph(text);
    expect(printGraph(back)).toBe(text);
    const x = tensor('f32', [4, 6], nearTies(fround(0.0123), 0, 4).slice(0, 24));
    expect(run(back, [x]).outputs.map(ints)).toEqual(run(g, [x]).outputs.map(ints));
  });

  it('rejects an unknown scaling', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', { dtype: 'f32', shape: [2] });
    expect(() => b.op('quantize', [x], { scale: [0.1], zero_point: [0], dtype: 'u8', scaling: 'truncate' })).toThrow(/scaling/);
  });

  it('fake_quantize and requantize use the divide formula', () => {
    const s = fround(0.0123);
    const xs = nearTies(s, -20, 20);
    const fq = (scaling?: string) => {
      const b = new GraphBuilder('f');
      const x = b.input('x', { dtype: 'f32', shape: [xs.length] });
      b.output(b.op('fake_quantize', [x], { scale: [s], zero_point: [0], qmin: -127, qmax: 127, ...(scaling ? { scaling } : {}) }, 'fq'));
      return Array.from(run(b.build(), [tensor('f32', [xs.length], xs)]).outputs[0]!.data as Float32Array);
    };
    expect(fq('divide')).toEqual(xs.map((v) => dequantizeValue(quantizeValueDivide(v, s, 0, -127, 127), s, 0)));
    expect(fq()).toEqual(xs.map((v) => dequantizeValue(quantizeValue(v, s, 0, -127, 127), s, 0)));
    expect(fq()).not.toEqual(fq('divide'));

    // requantize from scale 0.1 to 0.2: every odd q is (nearly) a tie.
    const all = Array.from({ length: 256 }, (_, i) => i);
    const rq = (scaling: string) => {
      const b = new GraphBuilder('r');
      const x = b.input('x', { dtype: 'u8', shape: [256] });
      b.output(b.op('requantize', [x], { x_scale: 0.1, x_zero_point: 0, y_scale: 0.2, y_zero_point: 0, dtype: 'u8', scaling }, 'rq'));
      return ints(run(b.build(), [tensor('u8', [256], all)]).outputs[0]!);
    };
    expect(rq('divide')).toEqual(all.map((q) => quantizeValueDivide(dequantizeValue(q, 0.1, 0), 0.2, 0, 0, 255)));
    expect(rq('reciprocal')).toEqual(all.map((q) => quantizeValue(dequantizeValue(q, 0.1, 0), 0.2, 0, 0, 255)));
    expect(rq('divide')).not.toEqual(rq('reciprocal'));
  });
});

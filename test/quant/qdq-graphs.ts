// Support for the q/dq lowering tests: random integer tensors, q/dq params as an observer would
// choose them, and the independent integer references (written from the definitions, not from
// the quantized kernels): centred integers through the float op are exact below 2^24.
import { expect } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { dtypeRange, type DType } from '../../src/ir/dtype.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { fround, quantizeValue, rint } from '../../src/ir/quant-math.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { verify } from '../../src/ir/verify.js';
import { formatDiagnostic } from '../../src/diagnostics/index.js';
import { runPipeline } from '../../src/passes/index.js';

import { mulberry32 as rng } from '../../src/util/prng.js';
export { rng };

export const numelOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Random integers of a dtype, with the extremes over-represented (saturation paths). */
export function randInts(dtype: DType, shape: number[], r: () => number, lo = dtypeRange(dtype)[0], hi = dtypeRange(dtype)[1]): Tensor {
  return tensor(dtype, shape, Array.from({ length: numelOf(shape) }, () => (r() < 0.1 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1)))));
}

export interface QP {
  scale: number;
  zp: number;
  dtype: DType;
}

/** Affine qparams covering [min, max] (and 0), as MinMaxObserver computes them. */
export function qparamsFor(min: number, max: number, dtype: DType): QP {
  const [qmin, qmax] = dtypeRange(dtype);
  const lo = fround(Math.min(min, 0)), hi = fround(Math.max(max, 0));
  const scale = Math.max(fround(fround(hi - lo) / (qmax - qmin)), 2 ** -23);
  return { scale, zp: Math.min(qmax, Math.max(qmin, qmin - rint(fround(lo / scale)))), dtype };
}

export const dqAttrs = (q: QP) => ({ scale: [q.scale], zero_point: [q.zp] });
export const qAttrs = (q: QP) => ({ ...dqAttrs(q), dtype: q.dtype });

export function expectValid(g: Graph): void {
  expect(verify(g).map(formatDiagnostic)).toEqual([]);
}

export const ints = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>, Number);

/** Runs a pass pipeline, checks the result verifies and keeps the graph's outputs. */
export function lowered(g: Graph, pass = 'lower-quantized'): Graph {
  const out = runPipeline(g, [pass]).graph;
  expectValid(out);
  expect(out.outputs).toEqual(g.outputs);
  return out;
}

export const opsOf = (g: Graph) => g.nodes.map((n) => n.op);

/** The float result range of output 0 of a graph builder's graph (to choose y params from). */
export function rangeOf(g: Graph, inputs: Tensor[]): [number, number] {
  const d = run(g, inputs).outputs[0]!.data as Float32Array;
  let lo = Infinity, hi = -Infinity;
  for (const v of d) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return [lo, hi];
}

/** Centred integers (q − zp per element, zp per channel of `axis` or one) as an f32 tensor. */
export function centred(t: Tensor, zp: readonly number[], axis = 0): Tensor {
  const inner = numelOf(t.shape.slice(axis + 1)), C = t.shape[axis]!;
  return tensor('f32', t.shape, Array.from(t.data as ArrayLike<number>, (v, i) => Number(v) - (zp.length === 1 ? zp[0]! : zp[Math.floor(i / inner) % C]!)));
}

/** Runs one float op on f32 tensors (integer-valued: exact below 2^24). */
export function floatOp(op: string, xs: Tensor[], attrs: Record<string, unknown>): Tensor {
  const b = new GraphBuilder();
  const ins = xs.map((x, i) => b.input(`i${i}`, { dtype: 'f32', shape: x.shape }));
  b.output(b.op(op, ins, attrs as never));
  return run(b.build(), xs).outputs[0]!;
}

/** PyTorch's requantization of exact accumulators: per channel c along axis 1 of [N, C, ...] or the last axis. */
export function requantRef(acc: Tensor, m: readonly number[], yzp: number, qmin: number, qmax: number, channelAxis: number): number[] {
  const inner = numelOf(acc.shape.slice(channelAxis + 1)), C = acc.shape[channelAxis]!;
  return Array.from(acc.data as Float32Array, (a, i) => {
    const mc = m.length === 1 ? m[0]! : m[Math.floor(i / inner) % C]!;
    return Math.min(qmax, Math.max(qmin, rint(fround(fround(a) * mc)) + yzp));
  });
}

/** The multipliers and int32 bias PyTorch derives (the formulas of test/quant/quantized-ops.test.ts). */
export function torchNumbers(xs: number, ws: readonly number[], ys: number, bias?: Float32Array) {
  const sb = ws.map((s) => fround(fround(s) * fround(xs)));
  const m = sb.map((s) => fround(s * fround(1 / fround(ys))));
  const bq = bias && Array.from(bias, (b, c) => rint(fround(b * fround(1 / (sb.length === 1 ? sb[0]! : sb[c]!)))));
  return { sb, m, bq };
}

/** The clamp bounds of a fused activation [lo, hi] on the output params. */
export const clampBounds = (y: QP, lo: number, hi: number): [number, number] => {
  const [qmin, qmax] = dtypeRange(y.dtype);
  return [quantizeValue(lo, y.scale, y.zp, qmin, qmax), quantizeValue(hi, y.scale, y.zp, qmin, qmax)];
};

/** Largest |a − b| over two integer tensors. */
export function maxSteps(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return d;
}

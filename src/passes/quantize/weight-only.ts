// quantize-weight-only (`--mode weight-only`): the constant weights of linear layers (gemm, and
// matmul with a constant 2-D right operand) become integer constants read through a dequantize;
// activations stay float. 8 bits: int8 symmetric per output channel [-128, 127]; 4 bits: int4
// symmetric per group of `group-size` input features [-8, 7] (torchao's Int8/Int4WeightOnly
// granularities, with our MinMax observers). A weight whose K is not a multiple of the group size
// is skipped, as torchao does. quantize-dynamic builds on the 8-bit form.
import { diag } from '../../diagnostics/index.js';
import { define, freshName, lookup, type Attrs, type Graph, type Node } from '../../ir/graph.js';
import { groupBlock } from '../../ir/ops/quant.js';
import { quantizeValue } from '../../ir/quant-math.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';
import { definePass } from '../manager/pass.js';
import { createObserver } from './observers.js';
import { makeRange } from './qparams.js';

export interface WeightOnlyOptions {
  bits: 8 | 4;
  /** Input features per scale for 4 bits. */
  groupSize: number;
}

export interface WeightOnlyResult {
  graph: Graph;
  quantized: number;
  /** Weights left float (K not a multiple of the group size), with a node that reads each. */
  skipped: { weight: string; node: Node }[];
}

/** The weight operand of a linear node and its [channel axis, K axis], or undefined. */
function linearWeight(g: Graph, n: Node): { w: string; channel: number; k: number } | undefined {
  if (n.op !== 'gemm' && n.op !== 'matmul') return undefined;
  const w = n.inputs[1]!, t = lookup(g.constants, w);
  if (t?.dtype !== 'f32' || t.shape.length !== 2) return undefined;
  const transB = n.op === 'gemm' && !!n.attrs['trans_b'];
  return transB ? { w, channel: 0, k: 1 } : { w, channel: 1, k: 0 };
}

/** Integer weight and dequantize attributes for one constant (symmetric, zero points 0). */
function quantizeWeight(t: Tensor, name: string, axes: { channel: number; k: number }, o: WeightOnlyOptions) {
  const dtype = o.bits === 8 ? 'i8' : 'i4';
  const range = makeRange(dtype, 'symmetric');
  const obs = createObserver(
    o.bits === 8 ? { kind: 'per-channel-minmax', range, axis: axes.channel } : { kind: 'per-group-minmax', range, axis: axes.k, groupSize: o.groupSize },
    name,
  );
  obs.observe(t);
  const { scale, zeroPoint } = obs.qparams();
  const block = o.bits === 8 ? (i: number) => Math.floor(i / (axes.channel === 0 ? t.shape[1]! : 1)) % t.shape[axes.channel]! : groupBlock(t.shape, axes.k, o.groupSize);
  const q = tensor(dtype, t.shape);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) q.data[i] = quantizeValue(d[i]!, scale[block(i)]!, zeroPoint[block(i)]!, range.qmin, range.qmax);
  const attrs: Attrs = o.bits === 8 ? { scale, zero_point: zeroPoint, axis: axes.channel } : { scale, zero_point: zeroPoint, axis: axes.k, group_size: o.groupSize };
  // The type carries per-channel params (one channel is per tensor); per-group params have no type form.
  const quant = scale.length > 1 ? { scale, zeroPoint, axis: axes.channel } : { scale, zeroPoint };
  const type: TensorType = o.bits === 8 ? { dtype, shape: [...t.shape], quant } : { dtype, shape: [...t.shape] };
  return { q, attrs, type };
}

export function quantizeWeightsOnly(g: Graph, o: WeightOnlyOptions): WeightOnlyResult {
  const taken = new Set<string>([...Object.keys(g.values), ...g.nodes.map((n) => n.name)]);
  const fresh = (base: string) => {
    const n = freshName(taken, base);
    taken.add(n);
    return n;
  };
  const values = { ...g.values }, constants = { ...g.constants };
  const nodes: Node[] = [];
  // One integer constant and dequantize per (weight, layout), shared by its users.
  const done = new Map<string, string>();
  const skipped = new Map<string, Node>();
  for (const n of g.nodes) {
    const lw = linearWeight(g, n);
    if (!lw || (o.bits === 4 && g.constants[lw.w]!.shape[lw.k]! % o.groupSize !== 0)) {
      if (lw && !skipped.has(lw.w)) skipped.set(lw.w, n);
      nodes.push(n);
      continue;
    }
    const key = `${lw.w}/${lw.channel}`;
    let dq = done.get(key);
    if (!dq) {
      const { q, attrs, type } = quantizeWeight(g.constants[lw.w]!, lw.w, lw, o);
      const qn = fresh(`${lw.w}_i${o.bits}`);
      define(constants, qn, q);
      define(values, qn, type);
      dq = fresh(`${lw.w}_dq`);
      define(values, dq, { dtype: 'f32', shape: [...q.shape] });
      nodes.push({ name: fresh(`${lw.w}_dequantize`), op: 'dequantize', inputs: [qn], outputs: [dq], attrs });
      done.set(key, dq);
    }
    nodes.push({ ...n, inputs: n.inputs.map((v, i) => (i === 1 ? dq! : v)) });
  }
  // Float weights no node reads any more are dropped.
  const used = new Set([...nodes.flatMap((n) => n.inputs), ...g.outputs]);
  for (const k of done.keys()) {
    const w = k.slice(0, k.lastIndexOf('/'));
    if (!used.has(w)) {
      delete constants[w];
      delete values[w];
    }
  }
  return { graph: { ...g, nodes, values, constants }, quantized: done.size, skipped: [...skipped].map(([weight, node]) => ({ weight, node })) };
}

export const quantizeWeightOnlyPass = definePass({
  kind: 'transform',
  name: 'quantize-weight-only',
  description: 'weight-only quantization of gemm/matmul weights: int8 per output channel, or int4 per group of input features, read through dequantize (activations stay float)',
  options: {
    bits: { type: 'enum', values: ['8', '4'], default: '8', doc: '8: int8 per channel; 4: int4 per group' },
    'group-size': { type: 'int', default: 32, min: 1, doc: 'input features per scale for 4 bits' },
  },
  transform(ctx) {
    const r = quantizeWeightsOnly(ctx.input, { bits: ctx.options.bits === '4' ? 4 : 8, groupSize: ctx.options['group-size'] });
    ctx.count('quantized-weights', r.quantized);
    if (r.skipped.length) ctx.count('skipped-weights', r.skipped.length);
    for (const s of r.skipped)
      ctx.warn(diag('QUANT_WEIGHT_SKIPPED', `weight '${s.weight}' stays float: its ${s.node.op === 'gemm' && s.node.attrs['trans_b'] ? 'row' : 'column'} length is not a multiple of group-size ${ctx.options['group-size']}`, { node: s.node }));
    if (!r.quantized && !r.skipped.length) ctx.warn(diag('QUANT_NO_LINEAR', 'no gemm or matmul with a constant 2-D f32 weight: nothing to quantize'));
    return r.graph;
  },
});

// Static statistics of a graph: op histogram, parameters, MACs, tensor sizes and activation
// memory (total and peak live in node order).
import { dtypeInfo } from '../ir/dtype.js';
import type { Graph, Node } from '../ir/graph.js';
import { numel, type TensorType } from '../ir/types.js';

export interface TensorInfo {
  name: string;
  kind: 'input' | 'constant' | 'activation';
  type: string;
  bytes: number;
}

export interface ModelStats {
  name: string;
  inputs: { name: string; type: string }[];
  outputs: { name: string; type: string }[];
  nodes: number;
  ops: Record<string, number>;
  parameters: number;
  parameterBytes: number;
  macs: number;
  macsByOp: Record<string, number>;
  activationBytes: number;
  peakActivationBytes: number;
  tensors: TensorInfo[];
}

const bytesOf = (t: TensorType) => numel(t.shape) * dtypeInfo(t.dtype).bytes;
const typeText = (t: TensorType) => `${t.dtype}[${t.shape.join(',')}]`;

type Shapes = (v: string) => number[];
/** Multiply-accumulates of one node, for the ops that dominate compute. */
const MACS: Record<string, (n: Node, s: Shapes) => number> = {
  // out[N,M,Ho,Wo] each sums C/g * kh * kw products: the weight's size per output channel.
  conv2d: (n, s) => numel(s(n.outputs[0]!)) * (numel(s(n.inputs[1]!)) / s(n.inputs[1]!)[0]!),
  // each input element scatters into (M/g) * kh * kw outputs: the weight's size per input channel.
  conv_transpose2d: (n, s) => numel(s(n.inputs[0]!)) * (numel(s(n.inputs[1]!)) / s(n.inputs[1]!)[0]!),
  gemm: (n, s) => numel(s(n.outputs[0]!)) * s(n.inputs[0]!)[n.attrs['trans_a'] ? 0 : 1]!,
  matmul: (n, s) => numel(s(n.outputs[0]!)) * s(n.inputs[0]!).at(-1)!,
  qlinear: (n, s) => numel(s(n.outputs[0]!)) * s(n.inputs[1]!)[1]!,
};
MACS['qconv2d'] = MACS['qconv2d_add'] = MACS['conv2d']!;
MACS['qlinear_add'] = MACS['qlinear_f32'] = MACS['qlinear']!;
MACS['qconv_transpose2d'] = MACS['conv_transpose2d']!;
MACS['qmatmul'] = MACS['matmul']!;

export function modelStats(g: Graph): ModelStats {
  const shapes: Shapes = (v) => g.values[v]!.shape;
  const ops: Record<string, number> = {};
  const macsByOp: Record<string, number> = {};
  let macs = 0;
  for (const n of g.nodes) {
    ops[n.op] = (ops[n.op] ?? 0) + 1;
    const f = MACS[n.op];
    if (f) {
      const m = f(n, shapes);
      macs += m;
      macsByOp[n.op] = (macsByOp[n.op] ?? 0) + m;
    }
  }
  const constants = Object.values(g.constants);
  const tensors: TensorInfo[] = [];
  const add = (name: string, kind: TensorInfo['kind']) => {
    const t = g.values[name]!;
    tensors.push({ name, kind, type: typeText(t), bytes: bytesOf(t) });
  };
  g.inputs.forEach((v) => add(v, 'input'));
  Object.keys(g.constants).forEach((v) => add(v, 'constant'));
  g.nodes.forEach((n) => n.outputs.forEach((v) => add(v, 'activation')));
  const activations = tensors.filter((t) => t.kind !== 'constant');
  return {
    name: g.name,
    inputs: g.inputs.map((v) => ({ name: v, type: typeText(g.values[v]!) })),
    outputs: g.outputs.map((v) => ({ name: v, type: typeText(g.values[v]!) })),
    nodes: g.nodes.length,
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    parameters: constants.reduce((a, t) => a + numel(t.shape), 0),
    parameterBytes: Object.keys(g.constants).reduce((a, v) => a + bytesOf(g.values[v]!), 0),
    macs,
    macsByOp,
    activationBytes: activations.reduce((a, t) => a + t.bytes, 0),
    peakActivationBytes: peakLive(g),
    tensors,
  };
}

/** Most activation bytes alive at once when nodes run in order and each value dies after its last use. */
function peakLive(g: Graph): number {
  const lastUse = new Map<string, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((v) => v && !(v in g.constants) && lastUse.set(v, i)));
  const keep = new Set(g.outputs);
  let live = 0;
  for (const v of g.inputs) live += bytesOf(g.values[v]!);
  let peak = live;
  g.nodes.forEach((n, i) => {
    for (const v of n.outputs) live += bytesOf(g.values[v]!);
    peak = Math.max(peak, live);
    for (const v of new Set(n.inputs)) if (v && lastUse.get(v) === i && !keep.has(v)) live -= bytesOf(g.values[v]!);
    for (const v of n.outputs) if (!lastUse.has(v) && !keep.has(v)) live -= bytesOf(g.values[v]!);
  });
  return peak;
}

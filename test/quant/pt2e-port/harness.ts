// Harness for the ports of PyTorch's PT2E quantizer tests: small models built as qforge graphs
// (the shapes of PyTorch's TestHelperModules), the flow prepare → one calibration → convert, and
// checks in PyTorch's terms — quantize/dequantize counts split per tensor / per channel, and
// the order of q/dq around the float ops (a subsequence, as checkGraphModuleNodes does).
import { expect } from 'vitest';
export { errorOf } from '../flow-helpers.js';
import { GraphBuilder } from '../../../src/ir/builder.js';
import type { Graph, Node } from '../../../src/ir/graph.js';
import { tensor, type Tensor } from '../../../src/ir/tensor.js';
import '../../../src/passes/index.js';
import {
  calibrate,
  convertGraph,
  datasetFromTensors,
  observerOf,
  prepareGraph,
  quantSpec,
  type AnnotationTable,
  type NodeAnnotation,
  type Quantizer,
} from '../../../src/passes/quantize/index.js';

/** A deterministic generator in [-1, 1). */
export function rng(seed = 1): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}
export const randT = (shape: number[], r = rng(7), scale = 1): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor('f32', shape, Array.from({ length: n }, () => r() * scale));
};

/** PT2E-style specs of the tests: u8 affine activations, i8 weights (default_weight_observer is symmetric). */
export const ACT_U8 = quantSpec({ dtype: 'u8' });
export const W_I8 = quantSpec({ dtype: 'i8', scheme: 'symmetric' });
export const W_I8_PC = quantSpec({ dtype: 'i8', scheme: 'symmetric', granularity: 'per-channel', axis: 0 });

/** A quantizer from a function writing annotations, like the tests' BackendAQuantizer classes. */
export function backend(annotate: (g: Graph, t: AnnotationTable) => void, name = 'BackendAQuantizer'): Quantizer {
  return {
    name,
    annotate(g) {
      const t: AnnotationTable = new Map();
      annotate(g, t);
      return t;
    },
  };
}
export const nodesOf = (g: Graph, op: string): Node[] => g.nodes.filter((n) => n.op === op);
export const ann = (inputs: NodeAnnotation['inputs'], output?: NodeAnnotation['output'], allowImplicitSharing?: boolean): NodeAnnotation => ({
  inputs,
  ...(output !== undefined ? { output } : {}),
  ...(allowImplicitSharing !== undefined ? { allowImplicitSharing } : {}),
});

export interface Flow {
  prepared: ReturnType<typeof prepareGraph>;
  converted: Graph;
}

/** One calibration run on the example inputs (random ones when not given). */
export function calibrateOnce(g: Graph, inputs?: Tensor[]): Graph {
  const data = inputs ?? g.inputs.map((v, i) => randT(g.values[v]!.shape, rng(11 + i)));
  return calibrate(g, datasetFromTensors(g, data, 'example inputs')).graph;
}

/** prepare_pt2e → one calibration on the example inputs → convert_pt2e. */
export function quantize(g: Graph, q: Quantizer, inputs?: Tensor[]): Flow {
  const prepared = prepareGraph(g, q);
  return { prepared, converted: convertGraph(calibrateOnce(prepared.graph, inputs)).graph };
}

/** PyTorch's op names for our q/dq nodes: one scale is per tensor, several are per channel. */
export function torchName(n: Node): string {
  if (n.op !== 'quantize' && n.op !== 'dequantize') return n.op;
  const perChannel = ((n.attrs['scale'] as number[] | undefined)?.length ?? 1) > 1 || n.attrs['axis'] !== undefined;
  return `${n.op}_per_${perChannel ? 'channel' : 'tensor'}`;
}

export type Counts = Partial<Record<'q' | 'dq' | 'qc' | 'dqc', number>> & Record<string, number>;

/** Node counts: q/dq per tensor, qc/dqc per channel, and any other op by name. */
export function counts(g: Graph, ops: string[] = []): Counts {
  const c: Counts = { q: 0, dq: 0, qc: 0, dqc: 0 };
  const key: Record<string, string> = { quantize_per_tensor: 'q', dequantize_per_tensor: 'dq', quantize_per_channel: 'qc', dequantize_per_channel: 'dqc' };
  for (const n of g.nodes) {
    const k = key[torchName(n)];
    if (k) c[k]!++;
  }
  for (const op of ops) c[op] = nodesOf(g, op).length;
  return c;
}

export const Q = 'quantize_per_tensor', DQ = 'dequantize_per_tensor', QC = 'quantize_per_channel', DQC = 'dequantize_per_channel';

/** checkGraphModuleNodes: expected occurrences (only the keys given) and the node list as a subsequence. */
export function checkNodes(g: Graph, occurrence: Counts, list: string[] = []): void {
  const got = counts(g, Object.keys(occurrence).filter((k) => !['q', 'dq', 'qc', 'dqc'].includes(k)));
  const picked = Object.fromEntries(Object.keys(occurrence).map((k) => [k, got[k]]));
  expect(picked).toEqual(occurrence);
  const names = g.nodes.map(torchName);
  let at = 0;
  for (const want of list) {
    const i = names.indexOf(want, at);
    if (i < 0) expect.fail(`node list: '${want}' not found after position ${at} in [${names.join(', ')}]`);
    at = i + 1;
  }
}

/** The observer of an edge (node, operand) or an output (node) in a prepared flow. */
export const groupOf = (f: Flow, node: string, input?: number): number | undefined => observerOf(f.prepared.sharing, node, input);


// ---- models: the shapes of torch.testing._internal.common_quantization.TestHelperModules ----

/** Conv2d(3, 3, 3) [+ BatchNorm2d] [+ ReLU] on [1, 3, 5, 5] (ConvWithBNRelu). */
export function convBnRelu(o: { relu?: boolean; bn?: boolean; transpose?: boolean; bias?: boolean } = {}): Graph {
  const r = rng(3);
  const b = new GraphBuilder('ConvWithBNRelu');
  const x = b.input('x', { dtype: 'f32', shape: [1, 3, 5, 5] });
  const w = b.constant('conv.weight', randT([3, 3, 3, 3], r, 0.3));
  const inputs = [x, w, ...(o.bias === false ? [] : [b.constant('conv.bias', randT([3], r, 0.1))])];
  let y = b.op(o.transpose ? 'conv_transpose2d' : 'conv2d', inputs, {}, 'conv');
  if (o.bn ?? true) {
    const p = (n: string, v: number[]) => b.constant(`bn.${n}`, tensor('f32', [3], v));
    y = b.op('batch_norm', [y, p('weight', [1, 0.5, 2]), p('bias', [0.1, -0.2, 0]), p('running_mean', [0.05, 0, -0.1]), p('running_var', [1, 2, 0.5])], {}, 'bn');
  }
  if (o.relu) y = b.op('relu', [y], {}, 'relu');
  return b.output(y).build();
}

/** nn.Linear on a 2-D input: gemm(x, W, b) with W [out, in] (trans_b). */
export function linear(b: GraphBuilder, x: string, inF: number, outF: number, name: string, r: () => number, bias = true): string {
  const w = b.constant(`${name}.weight`, randT([outF, inF], r, 0.5));
  const ins = [x, w, ...(bias ? [b.constant(`${name}.bias`, randT([outF], r, 0.1))] : [])];
  return b.op('gemm', ins, { trans_b: true }, name);
}

/** nn.Linear on an N-D input, as ONNX exports it: matmul(x, Wᵀ) then add(bias). */
export function linearNd(b: GraphBuilder, x: string, inF: number, outF: number, name: string, r: () => number, bias = true): string {
  const w = b.constant(`${name}.weight_t`, randT([inF, outF], r, 0.5));
  const m = b.op('matmul', [x, w], {}, bias ? `${name}.matmul` : name);
  return bias ? b.op('add', [m, b.constant(`${name}.bias`, randT([outF], r, 0.1))], {}, name) : m;
}

/** nn.Linear for any input rank (gemm for 2-D inputs, matmul + add otherwise). */
export function anyLinear(b: GraphBuilder, x: string, rank: number, inF: number, outF: number, name: string, r: () => number, bias = true): string {
  return rank === 2 ? linear(b, x, inF, outF, name, r, bias) : linearNd(b, x, inF, outF, name, r, bias);
}

/** conv2d with weight [cout, cin/g, k, k] and bias. */
export function conv(b: GraphBuilder, x: string, cin: number, cout: number, k: number, name: string, r: () => number, attrs: Record<string, number | number[]> = {}): string {
  const g = (attrs['group'] as number | undefined) ?? 1;
  return b.op('conv2d', [x, b.constant(`${name}.weight`, randT([cout, cin / g, k, k], r, 0.3)), b.constant(`${name}.bias`, randT([cout], r, 0.1))], attrs, name);
}

/** conv1d as ONNX import makes it: reshape to 4-D → conv2d → reshape back. */
export function conv1d(b: GraphBuilder, x: string, n: number, cin: number, len: number, cout: number, k: number, name: string, r: () => number): string {
  const x4 = b.op('reshape', [x], { shape: [n, cin, 1, len] }, `${name}.as2d`);
  const w = b.constant(`${name}.weight`, randT([cout, cin, 1, k], r, 0.3));
  const y = b.op('conv2d', [x4, w, b.constant(`${name}.bias`, randT([cout], r, 0.1))], {}, name);
  return b.op('reshape', [y], { shape: [n, cout, len - k + 1] }, `${name}.as1d`);
}

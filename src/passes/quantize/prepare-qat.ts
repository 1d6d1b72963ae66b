// prepare-qat (PT2E prepare_qat_pt2e, pt2e-semantics.md §1.2, §5.3): annotate and place observers exactly as
// PTQ prepare does (same sharing groups), simulate conv+BN folding instead of folding, and turn
// every observer into a fake_quantize that keeps observing while the model trains.
//
// Conv+BN becomes (BN kept, in training mode while training, so its statistics keep updating):
//   k = γ / sqrt(running_var + ε);  y = conv(x, FQ_w(w · k[:,None,None,None])) / k[None,:,None,None]
//   (+ b[None,:,None,None]);  y = batch_norm(y, …)
// so the weight fake quantizer sees the folded weight, per channel where the spec says so.
import { fail } from '../../diagnostics/index.js';
import { define, freshName, lookup, type Attrs, type Graph, type Node } from '../../ir/graph.js';
import { NumberedGraph } from '../../ir/numbered/index.js';
import { dtypeRange, type DType } from '../../ir/dtype.js';
import { getOp, resolveAttrs } from '../../ir/ops/index.js';
import { tensor } from '../../ir/tensor.js';
import { definePass } from '../manager/pass.js';
import { prepareGraph, type Prepared } from './prepare.js';
import type { Quantizer } from './quantizer.js';
import { resolveQuantizer } from './quantizers.js';

/** A graph under edit: fresh names, new values typed by the op table. */
export class GraphEdit {
  readonly values: Graph['values'];
  readonly constants: Graph['constants'];
  private taken: Set<string>;
  constructor(readonly g: Graph) {
    this.values = { ...g.values };
    this.constants = { ...g.constants };
    this.taken = new Set([...Object.keys(g.values), ...g.nodes.map((n) => n.name)]);
  }
  fresh(base: string): string {
    const n = freshName(this.taken, base);
    this.taken.add(n);
    return n;
  }
  constant(base: string, dtype: 'f32', shape: number[], data: ArrayLike<number>): string {
    const name = this.fresh(base);
    define(this.constants, name, tensor(dtype, shape, data));
    define(this.values, name, { dtype, shape: [...shape] });
    return name;
  }
  /** A new node (not yet placed); its result is typed by inference. */
  node(op: string, inputs: string[], attrs: Attrs, base: string, handle?: number): Node {
    const def = getOp(op)!;
    const [type] = def.infer({ inputs: inputs.map((v) => (v ? lookup(this.values, v) : undefined)), attrs: resolveAttrs(def, attrs) });
    const out = this.fresh(base);
    define(this.values, out, type!);
    return { name: this.fresh(`${base}_node`), op, inputs, outputs: [out], attrs, ...(handle !== undefined ? { debugHandle: handle } : {}) };
  }
}

/** The conv a batch norm reads, when the pair can be simulated (the conv's result has no other user). */
function convOfBn(g: Graph, bn: Node, ng: NumberedGraph): Node | undefined {
  const conv = ng.definingNode(bn.inputs[0]!);
  if (!conv || (conv.op !== 'conv2d' && conv.op !== 'conv_transpose2d')) return undefined;
  if (ng.usersOf(conv.outputs[0]!).length !== 1 || g.outputs.includes(conv.outputs[0]!)) return undefined;
  // conv_transpose2d scales weight axis 1, the output channel only without groups.
  if (conv.op === 'conv_transpose2d' && ((conv.attrs['group'] as number | undefined) ?? 1) !== 1) return undefined;
  return conv;
}

/** Rewrites every conv → batch_norm into the simulated-folding form (see the header). */
export function fuseConvBnQat(g: Graph): { graph: Graph; fused: number } {
  const e = new GraphEdit(g);
  const ng = new NumberedGraph(g);
  const pairs = new Map<Node, Node>(); // conv -> bn
  for (const n of g.nodes) {
    if (n.op !== 'batch_norm') continue;
    const conv = convOfBn(g, n, ng);
    if (conv) pairs.set(conv, n);
  }
  const nodes: Node[] = [];
  const rewired = new Map<Node, string>(); // bn -> its new x
  for (const n of g.nodes) {
    const bn = pairs.get(n);
    if (!bn) {
      const x = rewired.get(n);
      nodes.push(x ? { ...n, inputs: [x, ...n.inputs.slice(1)] } : n);
      continue;
    }
    const h = n.debugHandle;
    const [, gamma, , , runVar] = bn.inputs as [string, string, string, string, string];
    const eps = e.constant(`${bn.name}_eps`, 'f32', [], [(bn.attrs['epsilon'] as number | undefined) ?? 1e-5]);
    const place = (node: Node) => (nodes.push(node), node.outputs[0]!);
    const std = place(e.node('sqrt', [place(e.node('add', [runVar, eps], {}, `${bn.name}_var_eps`, h))], {}, `${bn.name}_std`, h));
    const k = place(e.node('div', [gamma, std], {}, `${bn.name}_scale_factor`, h));
    const wShape = n.op === 'conv2d' ? [-1, 1, 1, 1] : [1, -1, 1, 1];
    const kw = place(e.node('reshape', [k], { shape: wShape }, `${bn.name}_scale_factor_w`, h));
    // The weight operand is the weight observer's result (or the weight itself when unobserved).
    const wObs = ng.definingNode(n.inputs[1]!);
    const w = wObs?.op === 'observe' ? wObs.inputs[0]! : n.inputs[1]!;
    const scaled = place(e.node('mul', [w, kw], {}, `${bn.name}_scaled_weight`, h));
    let wIn = scaled;
    if (wObs?.op === 'observe') {
      // Move the observer after the scaling: it must see the folded weight.
      const at = nodes.indexOf(wObs);
      if (at >= 0) nodes.splice(at, 1);
      nodes.push({ ...wObs, inputs: [scaled] });
      wIn = wObs.outputs[0]!;
    }
    const convOut = place({ ...n, inputs: [n.inputs[0]!, wIn] });
    const ky = place(e.node('reshape', [k], { shape: [1, -1, 1, 1] }, `${bn.name}_scale_factor_y`, h));
    let y = place(e.node('div', [convOut, ky], {}, `${n.name}_unscaled`, h));
    const b = n.inputs[2];
    if (b) y = place(e.node('add', [y, place(e.node('reshape', [b], { shape: [1, -1, 1, 1] }, `${n.name}_bias_reshaped`, h))], {}, `${n.name}_with_bias`, h));
    rewired.set(bn, y);
  }
  return { graph: { ...g, nodes, values: e.values, constants: e.constants }, fused: pairs.size };
}

/** The fake_quantize attributes for an observe node: its spec, moving-average statistics, qparams to be learned. */
function fakeQuantAttrs(n: Node, shape: readonly number[]): Attrs {
  const a = n.attrs, dtype = a['dtype'] as DType;
  const [lo, hi] = dtypeRange(dtype);
  const qmin = (a['qmin'] as number | undefined) ?? lo, qmax = (a['qmax'] as number | undefined) ?? hi;
  const what = `observer of '${a['tensor'] ?? n.inputs[0]}'`;
  if (a['dynamic']) fail('QUANT_UNSUPPORTED', `${what} is dynamic; QAT fake-quantizes static qparams`, { node: n });
  const kind = a['observer'] as string;
  const base: Attrs = { dtype, qmin, qmax, group: a['group']!, ...(a['tensor'] !== undefined ? { tensor: a['tensor'] } : {}) };
  const zp = Math.min(Math.max(0, qmin), qmax);
  if (kind === 'fixed') return { ...base, observer: 'fixed', scale: a['scale']!, zero_point: a['zero_point']! };
  // The bias stays float while training (as in PyTorch); convert derives its int32 qparams.
  if (kind === 'derived') return { ...base, observer: 'derived', derived_from: a['derived_from']!, scheme: 'symmetric', scale: [1], zero_point: [0], fake_quant_enabled: false };
  const granularity = (a['granularity'] as string | undefined) ?? 'per-tensor';
  if (granularity === 'per-group') fail('QUANT_UNSUPPORTED', `${what} is per-group; QAT supports per-tensor and per-channel`, { node: n });
  const attrs: Attrs = { ...base, observer: 'moving-average', observer_enabled: true, scheme: (a['scheme'] as string | undefined) ?? 'affine', eps: (a['eps'] as number | undefined) ?? 2 ** -23 };
  if (a['averaging_constant'] !== undefined) attrs['averaging_constant'] = a['averaging_constant'];
  if (granularity === 'per-channel') {
    const axis = (((a['axis'] as number | undefined) ?? 0) + shape.length) % shape.length;
    Object.assign(attrs, { granularity, axis, scale: new Array(shape[axis]!).fill(1), zero_point: new Array(shape[axis]!).fill(zp) });
  } else Object.assign(attrs, { scale: [1], zero_point: [zp] });
  return attrs;
}

/** Every observe node becomes a fake_quantize of the same group (PyTorch's FakeQuantize in place of the observer). */
export function observersToFakeQuant(g: Graph): Graph {
  const nodes = g.nodes.map((n) => (n.op === 'observe' ? { ...n, op: 'fake_quantize', attrs: fakeQuantAttrs(n, lookup(g.values, n.inputs[0]!)!.shape) } : n));
  return { ...g, nodes };
}

export interface PreparedQat extends Prepared {
  /** conv+BN pairs rewritten into the simulated-folding form. */
  fusedConvBn: number;
}

/** The QAT graph: observers placed by `quantizer`, conv+BN simulated, observers as fake quantizers. */
export function prepareQat(input: Graph, quantizer: Quantizer | string = 'xnnpack'): PreparedQat {
  const q = typeof quantizer === 'string' ? resolveQuantizer(quantizer) : quantizer;
  // QAT keeps BN (simulated below, folded only by convert), so the PTQ prepare must not fold it.
  const p = prepareGraph(input, q, { foldBatchNorm: false });
  const fused = fuseConvBnQat(p.graph);
  return { ...p, graph: observersToFakeQuant(fused.graph), fusedConvBn: fused.fused };
}

export const prepareQatPass = definePass({
  kind: 'transform',
  name: 'prepare-qat',
  description: 'quantization-aware training: annotates with a quantizer, simulates conv+BN folding and inserts fake_quantize nodes (PT2E prepare_qat_pt2e)',
  options: {
    quantizer: { type: 'string', default: 'xnnpack', doc: 'built-in quantizer or a JSON config path' },
  },
  transform(ctx) {
    const p = prepareQat(ctx.input, ctx.options.quantizer);
    ctx.count('fake-quantizers', p.observers);
    ctx.count('conv-bn-simulated', p.fusedConvBn);
    return p.graph;
  },
});

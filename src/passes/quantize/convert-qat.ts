// convert after QAT (PT2E convert_pt2e with _fold_conv_bn_qat, pt2e-semantics.md §1.4, §5.3): every simulated
// conv+BN is folded with the learned statistics and its batch_norm erased (PR #131651); every
// fake quantizer becomes the calibrated observer it stands for, so that PTQ's convert turns it into
// quantize/dequantize exactly as after calibration; then fold-qdq and lower-quantized as usual.
import { fail, type Diagnostic } from '../../diagnostics/index.js';
import { define, lookup, type Attrs, type Graph, type Node } from '../../ir/graph.js';
import { NumberedGraph } from '../../ir/numbered/index.js';
import { fround } from '../../ir/quant-math.js';
import type { QuantParams } from '../../ir/types.js';
import { flattenRecords, runPipeline, type PassRecord } from '../manager/index.js';
import { definePass } from '../manager/pass.js';
import { derive } from './derive.js';
import { convertGraph } from './convert.js';
import { GraphEdit } from './prepare-qat.js';

interface SimulatedConvBn {
  bn: Node;
  conv: Node;
  /** Nodes of the simulation that folding removes. */
  drop: Node[];
  weight: string;
  weightFq?: Node;
  bias?: string;
  biasFq?: Node;
}

/** Matches conv → div(·, reshape(k)) [→ add(·, reshape(b))] → batch_norm with w reaching the conv as [FQ](mul(w, reshape(k))). */
function matchSimulated(bn: Node, ng: NumberedGraph, g: Graph): SimulatedConvBn | undefined {
  const by = (v: string | undefined, op: string) => {
    const p = v === undefined ? undefined : ng.definingNode(v);
    return p?.op === op ? p : undefined;
  };
  let add = by(bn.inputs[0], 'add'), div = by(bn.inputs[0], 'div');
  if (add) div = by(add.inputs[0], 'div');
  const conv = div && (by(div.inputs[0], 'conv2d') ?? by(div.inputs[0], 'conv_transpose2d'));
  const ky = div && by(div.inputs[1], 'reshape');
  if (!conv || !ky || conv.inputs[2]) return undefined;
  const weightFq = by(conv.inputs[1], 'fake_quantize');
  const mul = by(weightFq ? weightFq.inputs[0] : conv.inputs[1], 'mul');
  const kw = mul && by(mul.inputs[1], 'reshape');
  if (!mul || !kw || kw.inputs[0] !== ky.inputs[0] || !lookup(g.constants, mul.inputs[0]!)) return undefined;
  const drop: Node[] = [div!, ky, mul, kw, bn];
  const m: SimulatedConvBn = { bn, conv, drop, weight: mul.inputs[0]!, ...(weightFq ? { weightFq } : {}) };
  if (add) {
    const rb = by(add.inputs[1], 'reshape');
    if (!rb) return undefined;
    const biasFq = by(rb.inputs[0], 'fake_quantize');
    m.bias = biasFq ? biasFq.inputs[0]! : rb.inputs[0]!;
    if (!lookup(g.constants, m.bias)) return undefined;
    if (biasFq) m.biasFq = biasFq;
    drop.push(add, rb);
  }
  return m;
}

const f32 = (g: Graph, v: string) => lookup(g.constants, v)!.data as Float32Array;

/**
 * Folds every simulated conv+BN: W' = W·k per output channel, b' = (b − μ)·k + β with
 * k = γ / sqrt(running_var + ε), all in float32; the weight (and bias) fake quantizers read the
 * folded constants; the batch_norm and the scaling nodes are erased.
 */
export function foldConvBnQat(g: Graph): { graph: Graph; folded: number } {
  const ng = new NumberedGraph(g);
  const matches = g.nodes.filter((n) => n.op === 'batch_norm').map((bn) => matchSimulated(bn, ng, g)).filter((m) => m !== undefined);
  if (!matches.length) return { graph: g, folded: 0 };
  const e = new GraphEdit(g);
  const replace = new Map<Node, Node>(), drop = new Set<Node>(), rename = new Map<string, string>();
  const outputs = new Set(g.outputs);
  for (const m of matches) {
    const [gamma, beta, mean, vr] = m.bn.inputs.slice(1).map((v) => f32(g, v!)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const eps = fround((m.bn.attrs['epsilon'] as number | undefined) ?? 1e-5);
    const k = gamma.map((gm, c) => fround(gm / fround(Math.sqrt(fround(vr[c]! + eps)))));
    const w = lookup(g.constants, m.weight)!, wd = w.data as Float32Array;
    const axis = m.conv.op === 'conv2d' ? 0 : 1, inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1), C = k.length;
    const wFolded = e.constant(`${m.weight}_folded`, 'f32', w.shape, wd.map((v, i) => fround(v * k[Math.floor(i / inner) % C]!)));
    const b = m.bias ? f32(g, m.bias) : new Float32Array(C);
    const bFolded = e.constant(`${m.bias ?? `${m.conv.name}_bias`}_folded`, 'f32', [C], b.map((v, c) => fround(fround(fround(v - mean[c]!) * k[c]!) + beta[c]!)));
    let wIn = wFolded, bIn = bFolded;
    if (m.weightFq) [replace.set(m.weightFq, { ...m.weightFq, inputs: [wFolded] }), (wIn = m.weightFq.outputs[0]!)];
    if (m.biasFq) [replace.set(m.biasFq, { ...m.biasFq, inputs: [bFolded] }), (bIn = m.biasFq.outputs[0]!)];
    const y = m.bn.outputs[0]!;
    // The conv now produces the batch norm's result (keeping a graph output's name).
    const out = outputs.has(y) ? y : m.conv.outputs[0]!;
    if (out === y) define(e.values, y, lookup(g.values, y)!);
    else rename.set(y, out);
    replace.set(m.conv, { ...m.conv, inputs: [m.conv.inputs[0]!, wIn, bIn], outputs: [out] });
    m.drop.forEach((n) => drop.add(n));
  }
  const cur = (v: string) => rename.get(v) ?? v;
  let nodes = g.nodes.filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n).map((n) => (n.inputs.some((v) => rename.has(v)) ? { ...n, inputs: n.inputs.map(cur) } : n));
  // The k = γ / sqrt(var + ε) chains now feed nothing: remove what is dead, then unused constants.
  for (let changed = true; changed; ) {
    const used = new Set([...nodes.flatMap((n) => n.inputs), ...g.outputs]);
    const live = nodes.filter((n) => n.outputs.some((o) => used.has(o)));
    changed = live.length !== nodes.length;
    nodes = live;
  }
  const used = new Set([...nodes.flatMap((n) => n.inputs), ...g.outputs]);
  const constants: Graph['constants'] = {}, values: Graph['values'] = {};
  for (const [name, t] of Object.entries(e.constants)) if (used.has(name)) define(constants, name, t);
  const defined = new Set([...g.inputs, ...Object.keys(constants), ...nodes.flatMap((n) => n.outputs)]);
  for (const [name, t] of Object.entries(e.values)) if (defined.has(name)) define(values, name, t);
  return { graph: { ...g, nodes, constants, values }, folded: matches.length };
}

/** The observe node a trained fake quantizer stands for: its spec and the qparams it learned. */
function asObserver(n: Node, derived: QuantParams | undefined): Node {
  const a = n.attrs, kind = a['observer'] as string;
  const keep = ['group', 'tensor', 'dtype', 'qmin', 'qmax'].filter((k) => a[k] !== undefined).map((k) => [k, a[k]!]);
  const attrs: Attrs = { ...Object.fromEntries(keep), observer: kind };
  if (kind === 'derived') return { ...n, op: 'observe', attrs: { ...attrs, scheme: 'symmetric', derived_from: a['derived_from']!, scale: derived!.scale, zero_point: derived!.zeroPoint, ...(derived!.axis !== undefined ? { granularity: 'per-channel', axis: derived!.axis } : {}) } };
  if (kind !== 'fixed') {
    if (!a['min']) fail('QUANT_UNCALIBRATED', `fake quantizer of '${a['tensor'] ?? n.inputs[0]}' never observed a batch`, { node: n, hint: 'train the prepared graph (qforge qat) before convert' });
    Object.assign(attrs, { scheme: a['scheme'] ?? 'affine', eps: a['eps'] ?? 2 ** -23, min: a['min']!, max: a['max']! });
    if (a['granularity'] === 'per-channel') Object.assign(attrs, { granularity: 'per-channel', axis: a['axis']! });
    if (a['averaging_constant'] !== undefined) attrs['averaging_constant'] = a['averaging_constant'];
  }
  return { ...n, op: 'observe', attrs: { ...attrs, scale: [...(a['scale'] as number[])], zero_point: [...(a['zero_point'] as number[])] } };
}

/** Every QAT fake_quantize (one with an `observer`) becomes a calibrated observe node; derived (bias) qparams come from their groups. */
export function fakeQuantToObservers(g: Graph): Graph {
  const qat = (n: Node) => n.op === 'fake_quantize' && n.attrs['observer'] !== undefined;
  const byGroup = new Map<number, QuantParams>();
  for (const n of g.nodes)
    if (qat(n) && n.attrs['observer'] !== 'derived') {
      const scale = n.attrs['scale'] as number[];
      byGroup.set(n.attrs['group'] as number, { scale, zeroPoint: n.attrs['zero_point'] as number[], ...(scale.length > 1 ? { axis: n.attrs['axis'] as number } : {}) });
    }
  const nodes = g.nodes.map((n) => {
    if (!qat(n)) return n;
    if (n.attrs['observer'] !== 'derived') return asObserver(n, undefined);
    const from = (n.attrs['derived_from'] as number[]).map((gid) => byGroup.get(gid));
    if (from.some((q) => !q)) fail('QUANT_UNCALIBRATED', 'a derived spec depends on a group without qparams', { node: n });
    return asObserver(n, derive(n, from as QuantParams[]));
  });
  return { ...g, nodes };
}

export interface ConvertQatOptions {
  /** 'int8' (default) lowers to integer ops as `qforge quantize` does; 'qdq' stops after convert. */
  emit?: 'int8' | 'qdq';
}

export interface ConvertedQat {
  graph: Graph;
  /** The q/dq form (what the QDQ ONNX export writes). */
  qdq: Graph;
  foldedConvBn: number;
  records: PassRecord[];
  warnings: Diagnostic[];
}

/** The trained QAT graph as a quantized model: fold conv+BN, fake quants to q/dq (PTQ convert), then fold-qdq and lower-quantized. */
export function convertQat(g: Graph, opts: ConvertQatOptions = {}): ConvertedQat {
  const folded = foldConvBnQat(g);
  const qdq = convertGraph(fakeQuantToObservers(folded.graph)).graph;
  const lowered = opts.emit === 'qdq' ? undefined : runPipeline(qdq, ['fold-qdq', 'lower-quantized']);
  const records = lowered?.records ?? [];
  return { graph: lowered?.graph ?? qdq, qdq, foldedConvBn: folded.folded, records, warnings: flattenRecords(records).flatMap((r) => r.warnings) };
}

export const convertQatPass = definePass({
  kind: 'transform',
  name: 'convert-qat',
  description: 'after QAT: folds simulated conv+BN with the learned statistics (BN erased) and turns fake quantizers into quantize/dequantize',
  options: {},
  transform(ctx) {
    const folded = foldConvBnQat(ctx.input);
    ctx.count('conv-bn-folded', folded.folded);
    return convertGraph(fakeQuantToObservers(folded.graph)).graph;
  },
});

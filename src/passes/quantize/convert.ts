// convert: every calibrated observe node becomes quantize -> dequantize (PT2E convert_pt2e,
// pt2e-semantics.md §1.4). An observer on a constant — or on a value computed from constants — is folded at
// compile time (fold_quantize): the graph then reads an integer weight (or int32 bias) constant
// through a dequantize; per-group observers exist only in that form. A dynamic observer becomes
// choose_qparams -> quantize_tensor -> dequantize_tensor. Finally each annotated reader of a
// shared dequantize gets its own (DuplicateDQ). The result is the q/dq form that fold-qdq /
// lower-quantized turn into integer ops; the interpreter runs it as is.
import { fail } from '../../diagnostics/index.js';
import { define, freshName, lookup, type Attrs, type Graph, type Node } from '../../ir/graph.js';
import { dtypeRange, type DType } from '../../ir/dtype.js';
import { groupBlock } from '../../ir/ops/quant.js';
import { quantizeValue } from '../../ir/quant-math.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { getOp, resolveAttrs } from '../../ir/ops/index.js';
import type { TensorType } from '../../ir/types.js';
import { definePass } from '../manager/pass.js';
import { ConstantChains } from './constant-chains.js';
import { duplicateDequantize } from './duplicate-dq.js';

export interface ConvertOptions {
  /** Quantize constants at compile time (default true, PT2E's fold_quantize). */
  foldQuantize?: boolean;
}

export interface Converted {
  graph: Graph;
  /** Constants replaced by integer constants. */
  foldedConstants: number;
  /** quantize/dequantize pairs left in the graph. */
  qdqPairs: number;
}

/** quantize and dequantize attributes for an observe node's calibrated qparams. */
export function qdqAttrs(n: Node): { q: Attrs; dq: Attrs } {
  const a = n.attrs;
  const what = `observer of '${a['tensor'] ?? n.inputs[0]}'`;
  const scale = a['scale'] as number[] | undefined, zp = a['zero_point'] as number[] | undefined;
  if (!scale || !zp) fail('QUANT_UNCALIBRATED', `${what} has no scale/zero_point`, { node: n, hint: 'run calibrate before convert' });
  const dq: Attrs = { scale: [...scale], zero_point: [...zp] };
  if (scale.length > 1 || a['group_size'] !== undefined) dq['axis'] = (a['axis'] as number | undefined) ?? 0;
  if (a['group_size'] !== undefined) dq['group_size'] = a['group_size'];
  const q: Attrs = { ...dq, dtype: a['dtype']!, ...(a['qmin'] !== undefined ? { qmin: a['qmin'] } : {}), ...(a['qmax'] !== undefined ? { qmax: a['qmax'] } : {}) };
  return { q, dq };
}

/** A constant quantized per group: blocks of group_size along axis, in dequantize's block order. */
function quantizeBlocked(t: Tensor, q: Attrs): Tensor {
  const axis = q['axis'] as number, g = q['group_size'] as number, rank = t.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const scale = q['scale'] as number[], zp = q['zero_point'] as number[], dtype = q['dtype'] as DType;
  const [lo, hi] = dtypeRange(dtype);
  const block = groupBlock(t.shape, ax, g);
  const out = tensor(dtype, t.shape), d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) out.data[i] = quantizeValue(d[i]!, scale[block(i)]!, zp[block(i)]!, (q['qmin'] as number | undefined) ?? lo, (q['qmax'] as number | undefined) ?? hi);
  return out;
}

function inferOne(op: string, operand: TensorType, attrs: Attrs): TensorType {
  return getOp(op)!.infer({ inputs: [operand], attrs: resolveAttrs(getOp(op)!, attrs) })[0]!;
}

export function convertGraph(g: Graph, opts: ConvertOptions = {}): Converted {
  const fold = opts.foldQuantize ?? true;
  const taken = new Set<string>([...Object.keys(g.values), ...g.nodes.map((n) => n.name)]);
  const fresh = (base: string) => {
    const n = freshName(taken, base);
    taken.add(n);
    return n;
  };
  const outputs = new Set(g.outputs);
  const values: Graph['values'] = { ...g.values };
  const constants: Graph['constants'] = { ...g.constants };
  const rename = new Map<string, string>();
  const nodes: Node[] = [];
  const replacedConstants = new Set<string>();
  let folded = 0, pairs = 0;
  const cur = (v: string) => rename.get(v) ?? v;
  /** dequantize result -> the annotated nodes that read it (from the observe node's `users`). */
  const annotatedReaders = new Map<string, Set<string>>();
  const chains = new ConstantChains(g);

  for (const n of g.nodes) {
    if (n.op !== 'observe') {
      nodes.push(n.inputs.some((v) => rename.has(v)) ? { ...n, inputs: n.inputs.map(cur) } : n);
      continue;
    }
    const handle = n.debugHandle !== undefined ? { debugHandle: n.debugHandle } : {}; // q/dq serve the observer's node
    const tensor = (n.attrs['tensor'] as string | undefined) ?? n.inputs[0]!;
    const src = cur(n.inputs[0]!), srcType = lookup(values, src)!;
    const result = outputs.has(n.outputs[0]!) ? n.outputs[0]! : fresh(`${tensor}_dq`);
    delete values[n.outputs[0]!];
    if (result !== n.outputs[0]) rename.set(n.outputs[0]!, result);
    if (n.attrs['dynamic']) {
      // Dynamic: qparams chosen from the value on every run (PT2E choose_qparams.tensor → q → dq).
      const range: Attrs = { dtype: n.attrs['dtype']!, ...(n.attrs['qmin'] !== undefined ? { qmin: n.attrs['qmin'] } : {}), ...(n.attrs['qmax'] !== undefined ? { qmax: n.attrs['qmax'] } : {}) };
      const p = fresh(`${tensor}_qparams`), qv = fresh(`${tensor}_q`);
      define(values, p, { dtype: 'f32', shape: [2] });
      define(values, qv, { dtype: n.attrs['dtype'] as DType, shape: [...srcType.shape] });
      define(values, result, { dtype: 'f32', shape: [...srcType.shape] });
      nodes.push(
        { name: fresh(`${tensor}_choose_qparams`), op: 'choose_qparams', inputs: [src], outputs: [p], attrs: { ...range, eps: (n.attrs['eps'] as number | undefined) ?? 2 ** -23 }, ...handle },
        { name: fresh(`${tensor}_quantize`), op: 'quantize_tensor', inputs: [src, p], outputs: [qv], attrs: range, ...handle },
        { name: fresh(`${tensor}_dequantize`), op: 'dequantize_tensor', inputs: [qv, p], outputs: [result], attrs: {}, ...handle },
      );
      pairs++;
      continue;
    }
    const { q, dq } = qdqAttrs(n);
    const c = lookup(g.constants, src) ?? (fold ? chains.value(src) : undefined);
    let qv: string;
    if (q['group_size'] !== undefined) {
      // Per-group (PT2E's affine per-group weights): a blocked quantize exists only at compile time.
      if (!c) fail('QUANT_UNSUPPORTED', `observer of '${tensor}' is per-group, which convert supports for constants (weights) only`, { node: n, hint: 'use per-channel or per-tensor for values computed at run time' });
      qv = fresh(`${src}_quantized`);
      const type = { dtype: q['dtype'] as DType, shape: [...c.shape] };
      define(constants, qv, quantizeBlocked(c, q));
      define(values, qv, type);
      replacedConstants.add(src);
      folded++;
    } else if (c && fold) {
      // Weight or bias: quantize now with the quantize op's own kernel (bit-exact with run time).
      const def = getOp('quantize')!;
      const type = inferOne('quantize', srcType, q);
      const [data] = def.kernel([c], resolveAttrs(def, q), [type]);
      qv = fresh(`${src}_quantized`);
      define(constants, qv, data!);
      define(values, qv, type);
      replacedConstants.add(src);
      folded++;
    } else {
      qv = fresh(`${tensor}_q`);
      define(values, qv, inferOne('quantize', srcType, q));
      nodes.push({ name: fresh(`${tensor}_quantize`), op: 'quantize', inputs: [src], outputs: [qv], attrs: q, ...handle });
      pairs++;
    }
    define(values, result, inferOne('dequantize', lookup(values, qv)!, dq));
    nodes.push({ name: fresh(`${tensor}_dequantize`), op: 'dequantize', inputs: [qv], outputs: [result], attrs: dq, ...handle });
    annotatedReaders.set(result, new Set((n.attrs['users'] as string[] | undefined) ?? []));
  }
  const withOwnDq = chains.dropUnused(duplicateDequantize(nodes, values, new Set(g.outputs.map(cur)), annotatedReaders, fresh), new Set(g.outputs.map(cur)), values);
  // Float constants that only fed folded observers (directly or through a folded chain) are gone.
  const used = new Set([...withOwnDq.flatMap((n) => n.inputs), ...g.outputs]);
  for (const c of [...replacedConstants, ...chains.leaves])
    if (!used.has(c) && lookup(constants, c)) {
      delete constants[c];
      delete values[c];
    }
  return { graph: { ...g, nodes: withOwnDq, values, constants, outputs: g.outputs.map(cur) }, foldedConstants: folded, qdqPairs: pairs };
}

export const convertPass = definePass({
  kind: 'transform',
  name: 'convert',
  description: 'turns calibrated observers into quantize/dequantize pairs; constants become integer constants read through dequantize',
  options: {
    'fold-quantize': { type: 'bool', default: true, doc: 'quantize constants (weights, biases) at compile time' },
  },
  transform(ctx) {
    const r = convertGraph(ctx.input, { foldQuantize: ctx.options['fold-quantize'] });
    ctx.count('folded-constants', r.foldedConstants);
    ctx.count('qdq-pairs', r.qdqPairs);
    return r.graph;
  },
});

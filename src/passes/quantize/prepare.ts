// prepare: annotate with a quantizer, resolve sharing, and insert `observe` nodes (PT2E
// prepare_pt2e, pt2e-semantics.md §1.1/§1.3). One observer per sharing group; a group may watch several
// positions (e.g. conv output, then the maxpool output sharing its qparams), and each position
// is one observe node naming the group. Inputs are observed on the edge, outputs on the value
// (all users read the observed value). The prepared graph computes exactly what it did before.
import { diag, fail } from '../../diagnostics/index.js';
import { define, freshName, lookup, type Attrs, type Graph, type Node } from '../../ir/graph.js';
import { getPass } from '../manager/registry.js';
import { runPipeline } from '../manager/index.js';
import { definePass } from '../manager/pass.js';
import type { PipelineItem } from '../manager/pass.js';
import { validateAnnotations, type AnnotationTable, type Quantizer } from './quantizer.js';
import { resolveQuantizer } from './quantizers.js';
import { deriveName } from './derive.js';
import { keyOf, resolveSharing, type Sharing } from './sharing.js';
import { checkSpec, STAT_OBSERVERS, type ConcreteSpec, type StatObserver } from './quant-spec.js';

export interface PrepareOptions {
  /** Replace the observer of every per-tensor activation group (not weights, fixed or derived). */
  observer?: StatObserver;
  /** Fold batch norms first, as the prepare pass does (default true; PT2E always folds). */
  foldBatchNorm?: boolean;
}

export interface Prepared {
  graph: Graph;
  annotations: AnnotationTable;
  sharing: Sharing;
  observers: number;
}

/** The observe-node attributes for a group's spec (fixed specs come with their qparams). */
function observeAttrs(spec: ConcreteSpec, group: number, tensor: string, sharing: Sharing, override: StatObserver | undefined): Attrs {
  const base: Attrs = { group, tensor, dtype: spec.dtype, qmin: spec.qmin, qmax: spec.qmax };
  if (spec.kind === 'fixed') return { ...base, observer: 'fixed', scale: [spec.scale], zero_point: [spec.zeroPoint] };
  if (spec.kind === 'derived')
    return { ...base, observer: 'derived', scheme: 'symmetric', derived_from: spec.from.map((k) => sharing.groupOf.get(keyOf(k))!), ...(spec.rule === 'bias' ? {} : { derive: deriveName(spec.rule) }) };
  const attrs: Attrs = { ...base, observer: override && spec.granularity === 'per-tensor' ? override : spec.observer, scheme: spec.scheme, granularity: spec.granularity, eps: spec.eps };
  if (typeof spec.axis === 'number') attrs['axis'] = spec.axis;
  if (spec.groupSize !== undefined) attrs['group_size'] = spec.groupSize;
  if (spec.dynamic) attrs['dynamic'] = true;
  const o = spec.observerOptions;
  if (o.bins !== undefined) attrs['bins'] = o.bins;
  if (o.upsampleRate !== undefined) attrs['upsample_rate'] = o.upsampleRate;
  if (o.averagingConstant !== undefined) attrs['averaging_constant'] = o.averagingConstant;
  if (o.percentile !== undefined) attrs['percentile'] = o.percentile;
  return attrs;
}

/** Sharing with the quantizer's group spec replacements applied (checked like any spec). */
function adjusted(sharing: Sharing, q: Quantizer, g: Graph): Sharing {
  const changes = q.adjustSpecs?.(g, sharing);
  if (!changes?.size) return sharing;
  const specs = [...sharing.specs];
  for (const [gid, spec] of changes) {
    if (!Number.isInteger(gid) || gid < 0 || gid >= specs.length) fail('QUANT_ANNOTATION', `quantizer '${q.name}' adjusts sharing group ${gid}; there are ${specs.length} groups`);
    checkSpec(spec, { name: `group ${gid}`, op: 'observe' }, `quantizer '${q.name}', adjusted spec of group ${gid}`);
    specs[gid] = spec;
  }
  return { ...sharing, specs };
}

/** Groups that watch only constants (weights, biases): the observer override leaves them alone. */
function constantGroups(g: Graph, table: AnnotationTable, sharing: Sharing): Set<number> {
  const byName = new Map(g.nodes.map((n) => [n.name, n] as const));
  const live = new Set<number>(), seen = new Set<number>();
  for (const [name, ann] of table) {
    const n = byName.get(name)!;
    const watched: [string, string][] = Object.entries(ann.inputs).filter(([, s]) => s).map(([k]) => [keyOf({ node: name, input: Number(k) }), n.inputs[Number(k)]!]);
    if (ann.output) watched.push([keyOf({ node: name }), n.outputs[0]!]);
    for (const [key, v] of watched) {
      const gid = sharing.groupOf.get(key)!;
      seen.add(gid);
      if (lookup(g.constants, v) === undefined) live.add(gid);
    }
  }
  return new Set([...seen].filter((gid) => !live.has(gid)));
}

export function prepareGraph(input: Graph, quantizer: Quantizer, opts: PrepareOptions = {}): Prepared {
  const prepared = input.nodes.find((n) => n.op === 'observe');
  if (prepared) fail('QUANT_UNSUPPORTED', 'the graph already has observers; prepare runs once, on a float graph', { node: prepared });
  const folded = opts.foldBatchNorm !== false && getPass('fold-batchnorm') ? runPipeline(input, ['fold-batchnorm']).graph : input;
  const g = quantizer.transformForAnnotation?.(folded) ?? folded;
  const table = validateAnnotations(g, quantizer.annotate(g));
  const sharing = adjusted(resolveSharing(g, table), quantizer, g);
  const constOnly = constantGroups(g, table, sharing);

  const taken = new Set<string>([...Object.keys(g.values), ...g.nodes.map((n) => n.name)]);
  const fresh = (base: string) => {
    const n = freshName(taken, base);
    taken.add(n);
    return n;
  };
  const values: Graph['values'] = { ...g.values };
  const nodes: Node[] = [];
  const outputs = new Set(g.outputs);
  /** value -> the name its users read (its output observer's result). */
  const current = new Map<string, string>();
  /** value -> group of its output observer. */
  const outGroup = new Map<string, number>();
  /** value + group -> an edge observer already inserted (shared by every user of that group). */
  const edgeObs = new Map<string, string>();
  let count = 0;

  // An observer carries the debug handle of the node it serves (the consumer of an input edge,
  // the producer of an output), for the numeric debugger.
  let handle: { debugHandle?: number } = {};
  const emit = (from: string, tensor: string, gid: number, result = fresh(`${tensor}_observed`)): string => {
    const override = constOnly.has(gid) ? undefined : opts.observer;
    nodes.push({ name: fresh(`${tensor}_observe`), op: 'observe', inputs: [from], outputs: [result], attrs: observeAttrs(sharing.specs[gid]!, gid, tensor, sharing, override), ...handle });
    define(values, result, { dtype: 'f32', shape: [...lookup(g.values, tensor)!.shape] });
    count++;
    return result;
  };

  for (const n of g.nodes) {
    const ann = table.get(n.name);
    handle = n.debugHandle !== undefined ? { debugHandle: n.debugHandle } : {};
    const inputs = n.inputs.map((v, k) => {
      if (!v) return v;
      const cur = current.get(v) ?? v;
      const gid = ann?.inputs[k] ? sharing.groupOf.get(keyOf({ node: n.name, input: k })) : undefined;
      if (gid === undefined || outGroup.get(v) === gid) return cur;
      const key = `${v}\u0000${gid}`;
      let o = edgeObs.get(key);
      if (o === undefined) edgeObs.set(key, (o = emit(cur, v, gid)));
      return o;
    });
    const gid = ann?.output ? sharing.groupOf.get(keyOf({ node: n.name })) : undefined;
    if (gid === undefined) {
      nodes.push(inputs.some((v, k) => v !== n.inputs[k]) ? { ...n, inputs } : n);
      continue;
    }
    const v = n.outputs[0]!;
    outGroup.set(v, gid);
    if (outputs.has(v)) {
      // A graph output keeps its name: the observer produces it, the node's result is renamed.
      const raw = fresh(`${v}_float`);
      define(values, raw, lookup(g.values, v)!);
      nodes.push({ ...n, inputs, outputs: [raw] });
      emit(raw, v, gid, v);
    } else {
      nodes.push({ ...n, inputs });
      current.set(v, emit(v, v, gid));
    }
  }
  return { graph: { ...g, nodes: markAnnotatedUsers(nodes, table), values }, annotations: table, sharing, observers: count };
}

/** Each observe node lists the annotated nodes that read it (convert's DuplicateDQ needs them). */
function markAnnotatedUsers(nodes: Node[], table: AnnotationTable): Node[] {
  const obs = new Map(nodes.filter((n) => n.op === 'observe').map((n) => [n.outputs[0]!, [] as string[]] as const));
  for (const n of nodes) {
    const a = table.get(n.name);
    if (n.op === 'observe' || !a || (!a.output && !Object.keys(a.inputs).length)) continue;
    for (const v of new Set(n.inputs)) obs.get(v)?.push(n.name);
  }
  return nodes.map((n) => (n.op === 'observe' && obs.get(n.outputs[0]!)!.length ? { ...n, attrs: { ...n.attrs, users: obs.get(n.outputs[0]!)! } } : n));
}

const OPTIONS = {
  quantizer: { type: 'string', default: 'xnnpack', doc: 'built-in quantizer (xnnpack, x86, x86-dynamic, pytorch-fx, pytorch-fx-histogram) or a JSON config path' },
  observer: { type: 'enum', values: ['default', ...STAT_OBSERVERS], default: 'default', doc: "activation observer replacing the quantizer's" },
} as const;

/** insert-observers with the quantizer a `quantizer=` option names (or a fixed quantizer object). */
function insertObservers(pick: (name: string) => Quantizer) {
  return definePass({
    kind: 'transform',
    name: 'insert-observers',
    description: 'annotates the graph with a quantizer and inserts observe nodes (one observer per sharing group)',
    options: OPTIONS,
    transform(ctx) {
      const observer = ctx.options.observer === 'default' ? undefined : ctx.options.observer;
      const p = prepareGraph(ctx.input, pick(ctx.options.quantizer), { observer, foldBatchNorm: false });
      for (const n of p.graph.nodes)
        if (n.op === 'batch_norm')
          ctx.warn(diag('QUANT_UNSUPPORTED', 'batch_norm is not folded (no fold-batchnorm pass ran); the weights before it are quantized unfolded', { node: { name: n.name, op: n.op } }));
      ctx.count('annotated-nodes', p.annotations.size);
      ctx.count('observer-groups', p.sharing.specs.length);
      ctx.count('observe-nodes', p.observers);
      return p.graph;
    },
  });
}

/** prepare = fold-batchnorm (when the pattern engine provides it; PT2E folds BN first, always) + insert-observers. */
function prepareWith(insert: ReturnType<typeof insertObservers>) {
  return definePass({
    kind: 'composite',
    name: 'prepare',
    description: 'folds batch norms, then annotates with a quantizer and inserts observers (PT2E prepare_pt2e)',
    options: OPTIONS,
    expand(options): PipelineItem[] {
      return [...(getPass('fold-batchnorm') ? ['fold-batchnorm'] : []), { pass: insert, options }];
    },
  });
}

export const insertObserversPass = insertObservers(resolveQuantizer);
export const preparePass = prepareWith(insertObserversPass);

/** The prepare pass for a quantizer object, which needs no registration (its `quantizer` option is ignored). */
export const preparePassFor = (q: Quantizer) => prepareWith(insertObservers(() => q));

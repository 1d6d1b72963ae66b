// The Quantizer API (PT2E's Quantizer/QuantizationAnnotation, pt2e-semantics.md §2): a quantizer reads a
// graph and returns annotations — specs on input edges and outputs — in a side table keyed by
// node name. The graph itself is never touched by annotation.
import { fail } from '../../diagnostics/index.js';
import { lookup, type Graph, type Node } from '../../ir/graph.js';
import type { Sharing } from './sharing.js';
import { checkSpec, describeKey, resolveAxis, type ConcreteSpec, type EdgeOrNode, type Spec } from './quant-spec.js';

export interface NodeAnnotation {
  /** Operand index -> spec; null means "explicitly not quantized". */
  inputs: Record<number, Spec | null>;
  /** Spec of the node's (single) result; null or absent: not quantized. */
  output?: Spec | null;
  /** Let equal specs on the same producer merge implicitly (PT2E's allow_implicit_sharing; default true). */
  allowImplicitSharing?: boolean;
}

/** node name -> annotation. Insertion order is annotation order (it decides which spec creates a shared observer). */
export type AnnotationTable = Map<string, NodeAnnotation>;

/** Sharing group id -> the spec its observer is made from instead (PT2E prepare_obs_or_fq_callback). */
export type SpecAdjustments = Map<number, ConcreteSpec>;

export interface Quantizer {
  readonly name: string;
  readonly description?: string;
  /** Optional rewrite before annotation (PT2E transform_for_annotation). */
  transformForAnnotation?(g: Graph): Graph;
  /** Annotations by node name. `taken`: nodes another quantizer annotated already (a composition), to leave alone. */
  annotate(g: Graph, taken?: ReadonlySet<string>): AnnotationTable;
  /**
   * Optional, after sharing is resolved: replace the spec of whole sharing groups (PT2E
   * prepare_obs_or_fq_callback, e.g. fixed qparams for the group of a model output).
   */
  adjustSpecs?(g: Graph, sharing: Sharing): SpecAdjustments;
}

const QUANTIZERS = new Map<string, Quantizer>();

/**
 * Makes a quantizer available by name (to `quantizer=` options and the CLI). Registering the same
 * object again does nothing; a different one under a taken name is an error. The API takes
 * quantizer objects directly (prepareGraph, quantizeGraph, preparePassFor) without registration.
 */
export function registerQuantizer(q: Quantizer): void {
  const had = QUANTIZERS.get(q.name);
  if (had && had !== q) fail('QUANT_CONFIG', `another quantizer is already registered as '${q.name}'`, { hint: 'choose another name, or pass the quantizer object itself' });
  QUANTIZERS.set(q.name, q);
}
export const getQuantizer = (name: string): Quantizer | undefined => QUANTIZERS.get(name);
export const quantizerNames = (): string[] => [...QUANTIZERS.keys()].sort();

const nodeRef = (n: Node) => ({ node: { name: n.name, op: n.op } });

/**
 * Checks every annotation against the graph and returns the table with 'out' axes resolved.
 * Errors name the node: an edge that is not an operand, a non-f32 value, a bad range or axis,
 * an output annotation on a multi-result node, a shared or derived spec pointing nowhere.
 */
export function validateAnnotations(g: Graph, table: AnnotationTable): AnnotationTable {
  const byName = new Map(g.nodes.map((n) => [n.name, n] as const));
  const out: AnnotationTable = new Map();
  for (const [name, ann] of table) {
    const node = byName.get(name);
    if (!node) fail('QUANT_ANNOTATION', `annotation for node '${name}', which is not in graph '${g.name}'`);
    const inputs: Record<number, Spec | null> = {};
    for (const [key, spec] of Object.entries(ann.inputs)) {
      const k = Number(key);
      const v = node.inputs[k];
      if (!Number.isInteger(k) || k < 0 || v === undefined || v === '')
        fail('QUANT_ANNOTATION', `input ${key} is not an operand of this node (it has ${node.inputs.length}: ${node.inputs.map((x) => x || '<absent>').join(', ')})`, {
          ...nodeRef(node),
          hint: 'annotate input edges by operand index',
        });
      if (spec === null) {
        inputs[k] = null;
        continue;
      }
      const t = lookup(g.values, v)!;
      if (t.dtype !== 'f32') fail('QUANT_ANNOTATION', `input ${k} ('${v}') is ${t.dtype}; only f32 values can be quantized`, nodeRef(node));
      const s = spec.kind === 'quant' ? resolveAxis(spec, node, k, t.shape.length) : spec;
      checkSpec(s, node, `input ${k} ('${v}')`, t.shape.length);
      inputs[k] = s;
    }
    let output = ann.output ?? null;
    if (output) {
      if (node.outputs.length !== 1) fail('QUANT_ANNOTATION', `an output annotation needs a single-result node; this one has ${node.outputs.length} results`, nodeRef(node));
      const t = lookup(g.values, node.outputs[0]!)!;
      if (t.dtype !== 'f32') fail('QUANT_ANNOTATION', `its result is ${t.dtype}; only f32 values can be quantized`, nodeRef(node));
      if (output.kind === 'quant' && output.axis === 'out') output = { ...output, axis: undefined, granularity: 'per-tensor' };
      checkSpec(output, node, 'output', t.shape.length);
    }
    out.set(name, { inputs, output, allowImplicitSharing: ann.allowImplicitSharing ?? true });
  }
  // Shared and derived specs must point at annotated edges or outputs.
  const annotated = (k: EdgeOrNode): boolean => {
    const a = out.get(k.node);
    if (!a) return false;
    return k.input === undefined ? !!a.output : !!a.inputs[k.input];
  };
  for (const [name, ann] of out) {
    const node = byName.get(name)!;
    const specs: [string, Spec | null | undefined][] = [...Object.entries(ann.inputs).map(([k, s]) => [`input ${k}`, s] as [string, Spec | null]), ['output', ann.output]];
    for (const [what, s] of specs) {
      const targets = s?.kind === 'shared' ? [s.with] : s?.kind === 'derived' ? s.from : [];
      for (const t of targets)
        if (!annotated(t))
          fail('QUANT_ANNOTATION', `${what} has a ${s!.kind} spec pointing at ${describeKey(t)}, which is not annotated`, {
            ...nodeRef(node),
            hint: 'a shared or derived spec may only refer to an edge or output that has a spec of its own',
          });
    }
  }
  return out;
}

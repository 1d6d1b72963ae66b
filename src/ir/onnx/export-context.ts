// The state of one ONNX export and what an op exporter sees of it: the current source node, value
// types, fresh names, and emitting ONNX nodes (tagged with the node's debug handle) and
// initializers (raw_data).
import { fail } from '../../diagnostics/index.js';
import { freshName, lookup, type Graph, type Node } from '../graph.js';
import type { ResolvedAttrs } from '../ops/index.js';
import { tensor, type Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { handleProp } from './handle-metadata.js';
import { tensorToProto } from './tensors.js';

type OnnxAttr = Record<string, unknown>;
/** Attribute values: numbers and number lists are INT(S); floats are wrapped, `{ float: 1 }`. */
export type AttrIn = number | boolean | string | number[] | { float: number } | { floats: number[] } | undefined;
export const float = (v: number): { float: number } => ({ float: v });
export const floats = (v: number[]): { floats: number[] } => ({ floats: v });

/** What an exporter gets for one node: the opset, names, types, and emitting nodes and initializers. */
export class ExportContext {
  readonly nodes: Record<string, unknown>[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  readonly types = new Map<string, TensorType>();
  private readonly taken: Set<string>;
  private readonly nodeNames: Set<string>;
  private handle: number | undefined;
  private named = false;
  node!: Node;

  constructor(
    readonly graph: Graph,
    readonly opset: number,
  ) {
    this.taken = new Set([...Object.keys(graph.values), ...graph.inputs, ...graph.outputs]);
    this.nodeNames = new Set(graph.nodes.map((n) => n.name));
  }

  begin(n: Node): void {
    this.node = n;
    this.handle = n.debugHandle;
    this.named = false;
  }

  type(v: string): TensorType {
    return this.types.get(v) ?? lookup(this.graph.values, v)!;
  }

  /** A fresh value name based on the current node's first result. */
  temp(suffix: string, type?: TensorType): string {
    const n = freshName(this.taken, `${this.node.outputs[0] ?? this.node.name}/${suffix}`);
    this.taken.add(n);
    if (type) this.types.set(n, type);
    return n;
  }

  /** Adds an initializer under a fresh name; returns the name. */
  constant(suffix: string, t: Tensor): string {
    const n = this.temp(suffix, { dtype: t.dtype, shape: [...t.shape] });
    this.initializers.push(tensorToProto(t, n));
    return n;
  }

  i64(suffix: string, values: readonly number[]): string {
    return this.constant(suffix, tensor('i64', [values.length], [...values]));
  }

  /**
   * Adds an ONNX node (default domain) for the current source node; undefined attributes are left
   * out. The first 'main' node takes the source node's name, every other one a fresh name.
   */
  emit(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrIn> = {}, role: 'main' | 'aux' = 'main', meta: { key: string; value: string }[] = []): void {
    while (inputs.length && !inputs[inputs.length - 1]) inputs.pop();
    const own = role === 'main' && !this.named;
    if (own) this.named = true;
    const name = own ? this.node.name : freshName(this.nodeNames, `${this.node.name}/${opType}`);
    this.nodeNames.add(name);
    this.nodes.push({
      name,
      opType,
      domain: '',
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).flatMap(([k, v]) => (v === undefined ? [] : [onnxAttr(k, v)])),
      metadataProps: [...(this.handle === undefined ? [] : [handleProp(this.handle)]), ...meta],
    });
  }

  unsupported(message: string): never {
    fail('EXPORT_UNSUPPORTED', message, { node: { name: this.node.name, op: this.node.op } });
  }
}

function onnxAttr(name: string, v: Exclude<AttrIn, undefined>): OnnxAttr {
  if (typeof v === 'boolean') return { name, type: 2, i: v ? 1 : 0 };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  return 'float' in v ? { name, type: 1, f: v.float } : { name, type: 6, floats: v.floats };
}

/** Writes one node; `t` is the ONNX op type of the op's OnnxFacts ('' for an op without). */
export type Exporter = (c: ExportContext, n: Node, a: ResolvedAttrs, t: string) => void;

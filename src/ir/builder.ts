// Builds graphs from code, inferring each result type from the op table.
import { fail, QforgeError } from '../diagnostics/index.js';
import type { AttrValue, Attrs, Graph } from './graph.js';
import { emptyGraph, freshName, lookup, store } from './graph.js';
import { getOp, OpError, resolveAttrs } from './ops/index.js';
import type { Tensor } from './tensor.js';
import type { TensorType } from './types.js';

export class GraphBuilder {
  private g: Graph;
  private names = new Set<string>();
  /** Node names are a namespace of their own, so a node and its single result can share a name. */
  private nodeNames = new Set<string>();

  constructor(name = 'main') {
    this.g = emptyGraph(name);
  }

  private take(base: string): string {
    const n = freshName(this.names, base);
    this.names.add(n);
    return n;
  }

  input(name: string, type: TensorType): string {
    const n = this.take(name);
    this.g.inputs.push(n);
    store(this.g.values, n, type);
    return n;
  }

  constant(name: string, t: Tensor, quant?: TensorType['quant']): string {
    const n = this.take(name);
    store(this.g.constants, n, t);
    store(this.g.values, n, { dtype: t.dtype, shape: [...t.shape], ...(quant ? { quant } : {}) });
    return n;
  }

  /** Adds a node; returns its result names. Result types come from the op's inference unless given. */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    opts: { name?: string; outputs?: string[]; types?: TensorType[] } = {},
  ): string[] {
    const def = getOp(op);
    const nodeName = freshName(this.nodeNames, opts.name ?? `${op}_${this.g.nodes.length}`);
    this.nodeNames.add(nodeName);
    if (!def) fail('VERIFY_UNKNOWN_OP', `unknown op '${op}'`, { node: { name: nodeName, op } });
    let types = opts.types;
    if (!types) {
      try {
        types = def.infer({ inputs: inputs.map((v) => (v ? lookup(this.g.values, v) : undefined)), attrs: resolveAttrs(def, attrs as Attrs) });
      } catch (e) {
        if (e instanceof OpError) fail('OP_INVALID', e.message, { node: { name: nodeName, op } });
        throw e;
      }
    }
    const outs = (opts.outputs ?? types.map((_, i) => (types!.length === 1 ? nodeName : `${nodeName}_${i}`))).map((o) => this.take(o));
    outs.forEach((o, i) => store(this.g.values, o, types![i]!));
    this.g.nodes.push({ name: nodeName, op, inputs, outputs: outs, attrs: { ...attrs } });
    return outs;
  }

  /** Adds a single-result node and returns its result name. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    return this.node(op, inputs, attrs, { name })[0]!;
  }

  output(...names: string[]): this {
    for (const n of names) {
      if (!(n in this.g.values)) throw new QforgeError({ key: 'VERIFY_DANGLING', message: `output '${n}' is not defined` });
      this.g.outputs.push(n);
    }
    return this;
  }

  build(): Graph {
    return this.g;
  }
}

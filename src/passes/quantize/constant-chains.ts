// Constant folding for convert (PT2E constant_fold.py): a weight computed from constants (a
// transposed or reshaped parameter) is quantized at compile time like a constant one.
import { lookup, type Graph, type Node } from '../../ir/graph.js';
import { NumberedGraph } from '../../ir/numbered/index.js';
import { getOp, isQdqOp, resolveAttrs } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';

/**
 * Values computed from constants only, through ops that are not part of quantization (PT2E's
 * constant folding of weight → transpose → quantize): evaluated with the interpreter kernels,
 * so a folded weight is exactly what run time would compute. The chain's nodes go when nothing
 * else reads them.
 */
export class ConstantChains {
  private readonly ng: NumberedGraph;
  private readonly cache = new Map<string, Tensor | undefined>();
  private readonly chainNodes = new Set<string>();
  readonly leaves = new Set<string>();
  constructor(private readonly g: Graph) {
    this.ng = new NumberedGraph(g);
  }
  value(v: string): Tensor | undefined {
    if (this.cache.has(v)) return this.cache.get(v);
    this.cache.set(v, undefined); // no cycles in SSA, but stay safe
    const c = lookup(this.g.constants, v);
    if (c) {
      this.leaves.add(v);
      return c;
    }
    const n = this.ng.definingNode(v);
    if (!n || isQdqOp(n.op) || n.outputs.length !== 1) return undefined;
    const ins = n.inputs.map((x) => (x ? this.value(x) : undefined));
    if (n.inputs.some((x, k) => x && !ins[k])) return undefined;
    const def = getOp(n.op)!;
    const [t] = def.kernel(ins, resolveAttrs(def, n.attrs), [lookup(this.g.values, v)!]);
    this.chainNodes.add(n.name);
    this.cache.set(v, t);
    return t;
  }
  /** The nodes without the folded chains' nodes nothing reads any more. */
  dropUnused(nodes: Node[], outputs: Set<string>, values: Graph['values']): Node[] {
    let out = nodes;
    for (let changed = true; changed; ) {
      const read = new Set([...out.flatMap((n) => n.inputs), ...outputs]);
      const dead = out.filter((n) => this.chainNodes.has(n.name) && !n.outputs.some((o) => read.has(o)));
      dead.forEach((n) => n.outputs.forEach((o) => delete values[o]));
      changed = dead.length > 0;
      if (changed) out = out.filter((n) => !dead.includes(n));
    }
    return out;
  }
}

// DuplicateDQ for convert (PT2E duplicate_dq_pass.py).
import { define, lookup, type Graph, type Node } from '../../ir/graph.js';

/**
 * PT2E's DuplicateDQPass: a dequantize read by several nodes gives every annotated reader its
 * own copy (placed just before it), so each quantized op can be lowered on its own. The
 * original stays only while something else (an unannotated node, a graph output) reads it.
 */
export function duplicateDequantize(nodes: Node[], values: Graph['values'], outputs: Set<string>, annotated: Map<string, Set<string>>, fresh: (base: string) => string): Node[] {
  const readers = new Map<string, number>();
  for (const n of nodes) for (const v of new Set(n.inputs)) if (annotated.has(v)) readers.set(v, (readers.get(v) ?? 0) + 1);
  const shared = (v: string) => annotated.get(v)!.size > 0 && (readers.get(v) ?? 0) + (outputs.has(v) ? 1 : 0) > 1;
  const dqOf = new Map(nodes.filter((n) => n.op === 'dequantize' && annotated.has(n.outputs[0]!)).map((n) => [n.outputs[0]!, n] as const));
  const out: Node[] = [];
  const left = new Map<string, number>();
  for (const n of nodes) {
    const copies = new Map<string, string>();
    for (const v of new Set(n.inputs))
      if (annotated.has(v) && shared(v) && annotated.get(v)!.has(n.name)) {
        const dq = dqOf.get(v)!, copy = fresh(v);
        define(values, copy, lookup(values, v)!);
        out.push({ ...dq, name: fresh(dq.name), outputs: [copy] });
        copies.set(v, copy);
      } else if (annotated.has(v)) left.set(v, (left.get(v) ?? 0) + 1);
    out.push(copies.size ? { ...n, inputs: n.inputs.map((v) => copies.get(v) ?? v) } : n);
  }
  // A dequantize whose every reader got a copy is gone.
  return out.filter((n) => {
    const v = n.outputs[0]!;
    if (n.op !== 'dequantize' || !annotated.has(v) || !shared(v) || left.has(v) || outputs.has(v)) return true;
    delete values[v];
    return false;
  });
}

// Debug handles: a stable id per float node (ONNX import gives every node one, see
// ir/onnx/handle-metadata.ts) that passes keep, so the numeric debugger can pair each quantized
// node with its float origin. Rewrites put the root's handle on the replacement. Quantization
// nodes (OpDef.qdq: observe, quantize, dequantize, fake_quantize) carry the handle of the node they serve;
// where the pass that inserted them did not stamp them, `inheritQdqHandles` works it out from
// the graph: the producer when they sit on its result (the producer's only user, or a chain of
// such), else the first consumer (an input edge: weights, biases, graph inputs, requantization).
import type { Graph, Node } from './graph.js';
import { NONE, NumberedGraph } from './numbered/index.js';
import { isQdqOp } from './ops/index.js';

/** The graph with every handle-less quantization node given the handle of the node it serves. */
export function inheritQdqHandles(g: Graph): Graph {
  const ng = new NumberedGraph(g);
  const outputs = new Set(g.outputs);
  const memo = new Map<number, number | undefined>();
  const soleUse = (v: string, i: number) => {
    const us = ng.usersOf(v);
    return !outputs.has(v) && us.length === 1 && us[0] === i;
  };

  // Upward: through quantization nodes that are the only use of their operand, to a producer.
  const fromProducer = (i: number): number | undefined => {
    let cur = i;
    for (;;) {
      const v = g.nodes[cur]!.inputs[0]!;
      const p = ng.producerOf(v);
      if (p === NONE || !soleUse(v, cur)) return undefined;
      const pn = g.nodes[p]!;
      if (pn.debugHandle !== undefined || !isQdqOp(pn.op)) return pn.debugHandle;
      cur = p;
    }
  };
  // Downward: the first user in graph order, through quantization nodes, that has a handle.
  const fromConsumer = (i: number, depth = 0): number | undefined => {
    for (const u of ng.usersOf(g.nodes[i]!.outputs[0]!)) {
      const un = g.nodes[u]!;
      if (un.debugHandle !== undefined) return un.debugHandle;
      if (isQdqOp(un.op) && depth < g.nodes.length) {
        const h = fromConsumer(u, depth + 1);
        if (h !== undefined) return h;
      }
    }
    return undefined;
  };
  const handleOf = (i: number): number | undefined => {
    if (!memo.has(i)) memo.set(i, fromProducer(i) ?? fromConsumer(i));
    return memo.get(i);
  };

  let changed = false;
  const nodes = g.nodes.map((n, i): Node => {
    if (n.debugHandle !== undefined || !isQdqOp(n.op)) return n;
    const h = handleOf(i);
    if (h === undefined) return n;
    changed = true;
    return { ...n, debugHandle: h };
  });
  return changed ? { ...g, nodes } : g;
}

/** Fresh handles (after the largest one) for ops without one, then inheritQdqHandles, then fresh ones for what is left. */
export function assignDebugHandles(g: Graph): Graph {
  let next = Math.max(0, ...g.nodes.map((n) => n.debugHandle ?? 0));
  const fresh = (keep: (n: Node) => boolean) => (n: Node): Node => (n.debugHandle !== undefined || keep(n) ? n : { ...n, debugHandle: ++next });
  if (g.nodes.every((n) => n.debugHandle !== undefined)) return g;
  const ops = g.nodes.map(fresh((n) => isQdqOp(n.op)));
  const inherited = inheritQdqHandles({ ...g, nodes: ops });
  return { ...inherited, nodes: inherited.nodes.map(fresh(() => false)) };
}

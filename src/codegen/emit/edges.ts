// The quantized-edge view of a graph, for <name>_run_quantized: graph inputs consumed only by one
// quantize node become that node's result, and outputs produced by dequantize nodes (and read by
// nothing else) become the dequantized value, so callers exchange int8 tensors directly.
import type { Graph } from '../../ir/graph.js';
import { NONE, NumberedGraph } from '../../ir/numbered/index.js';

export function quantizedEdges(g: Graph): Graph {
  const ng = new NumberedGraph(g), drop = new Set<number>();
  const inputs = g.inputs.map((name) => {
    const us = ng.usersOf(name);
    if (us.length !== 1 || g.outputs.includes(name)) return name;
    const n = g.nodes[us[0]!]!;
    if (n.op !== 'quantize' || n.inputs[0] !== name) return name;
    drop.add(us[0]!);
    return n.outputs[0]!;
  });
  const outputs = g.outputs.map((name) => {
    const i = ng.producerOf(name);
    if (i === NONE || ng.usersOf(name).length) return name;
    const n = g.nodes[i]!;
    if (n.op !== 'dequantize') return name;
    drop.add(i);
    return n.inputs[0]!;
  });
  return { ...g, inputs, outputs, nodes: g.nodes.filter((_, i) => !drop.has(i)) };
}

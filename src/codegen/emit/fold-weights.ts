// Weights a quantized model keeps dequantized (a weight feeding an op left in float, e.g. the x86
// quantizer's last linear) become float constants in C: each `dequantize` whose operands are all
// constants is evaluated once here, with the interpreter's own kernel, so the constant is
// bit-identical to what the interpreter computes at run time. Nothing else is folded. This lives in
// codegen, not as a call to the fold-constants pass, because codegen depends on the IR only.
import { getOp, resolveAttrs } from '../../ir/ops/index.js';
import { define, lookup, type Graph } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';

export function foldDequantizedWeights(g: Graph): Graph {
  const def = getOp('dequantize')!;
  const outputs = new Set(g.outputs);
  const folded: Record<string, Tensor> = {};
  const nodes = g.nodes.filter((n) => {
    if (n.op !== 'dequantize' || n.outputs.some((o) => outputs.has(o))) return true;
    const args = n.inputs.map((v) => (v === '' ? undefined : lookup(g.constants, v)));
    if (args.some((a, k) => a === undefined && n.inputs[k] !== '')) return true;
    const types = n.outputs.map((o) => lookup(g.values, o)!);
    let outs: Tensor[];
    try {
      outs = def.kernel(args, resolveAttrs(def, n.attrs), types);
    } catch {
      return true; // the run-time dequantize reports it, where the interpreter would
    }
    n.outputs.forEach((o, k) => {
      folded[o] = outs[k]!;
    });
    return false;
  });
  if (nodes.length === g.nodes.length) return g;
  const constants: Record<string, Tensor> = {};
  for (const [k, t] of [...Object.entries(g.constants), ...Object.entries(folded)]) define(constants, k, t);
  return { ...g, constants, nodes };
}

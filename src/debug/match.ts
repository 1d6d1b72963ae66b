// Pairing the nodes of a float graph and of its quantized form by debug handle. All the nodes
// one float node became share its handle (ONNX import, rewrites, the q/dq nodes on its result),
// so the value that stands for handle h is the result of the *last* node carrying h: in the
// float graph the op itself, in a q/dq graph the dequantize after it, in a lowered graph the
// integer op (dequantized with its result type's params when compared).
import { fail } from '../diagnostics/index.js';
import { lookup, type Graph, type Node } from '../ir/graph.js';
import { sameShape, type TensorType } from '../ir/types.js';
import { inheritQdqHandles } from '../ir/debug-handles.js';

/** One compared value: the k-th result of a float node and of the quantized node paired with it. */
export interface Pair {
  handle: number;
  /** Result index within the nodes (0 unless a node has several results). */
  result: number;
  float: { node: Node; index: number; value: string };
  quant: { node: Node; index: number; value: string };
}

export interface Matching {
  pairs: Pair[];
  /** Handles of the float graph with no comparable node in the quantized one (fused away, removed). */
  floatOnly: number[];
  /** Handles only the quantized graph has (nodes a pass added with fresh handles). */
  quantOnly: number[];
}

/** Float results compare directly; integer ones when their type says how to dequantize them. */
const comparable = (t: TensorType | undefined): boolean => !!t && (t.dtype === 'f32' || (t.quant !== undefined && t.dtype !== 'f64'));

/** handle -> node indices carrying it, in graph order. */
function byHandle(g: Graph): Map<number, number[]> {
  const m = new Map<number, number[]>();
  g.nodes.forEach((n, i) => {
    if (n.debugHandle === undefined) return;
    const list = m.get(n.debugHandle);
    if (list) list.push(i);
    else m.set(n.debugHandle, [i]);
  });
  return m;
}

/**
 * Pairs every handle the two graphs share. The quantized graph's quantization nodes without a
 * handle first inherit one (see passes/assign-debug-handles.ts), so q/dq graphs from any source work.
 */
export function matchByHandle(float: Graph, quantInput: Graph): Matching & { quant: Graph } {
  const quant = inheritQdqHandles(quantInput);
  const fh = byHandle(float), qh = byHandle(quant);
  const pairs: Pair[] = [];
  const floatOnly: number[] = [];
  for (const [h, fIdx] of fh) {
    const fi = fIdx[fIdx.length - 1]!;
    const fn = float.nodes[fi]!;
    const qIdx = qh.get(h);
    if (!qIdx) {
      floatOnly.push(h);
      continue;
    }
    let found = false;
    fn.outputs.forEach((fv, k) => {
      const ft = lookup(float.values, fv);
      if (ft?.dtype !== 'f32') return;
      // The last node of the handle whose k-th result is comparable and has the float shape.
      for (let j = qIdx.length - 1; j >= 0; j--) {
        const qi = qIdx[j]!, qn = quant.nodes[qi]!;
        const qv = qn.outputs[Math.min(k, qn.outputs.length - 1)]!;
        if (fn.outputs.length > 1 && qn.outputs.length !== fn.outputs.length) continue;
        const qt = lookup(quant.values, qv);
        if (!comparable(qt) || !sameShape(qt!.shape, ft.shape)) continue;
        pairs.push({ handle: h, result: k, float: { node: fn, index: fi, value: fv }, quant: { node: qn, index: qi, value: qv } });
        found = true;
        return;
      }
    });
    if (!found) floatOnly.push(h);
  }
  const quantOnly = [...qh.keys()].filter((h) => !fh.has(h));
  if (!pairs.length)
    fail('DEBUG_NO_COMMON', `'${float.name}' and '${quant.name}' share no debug handle with comparable results (${fh.size} and ${qh.size} handles)`, {
      hint: 'compare a quantized graph with the float model it was made from: import both from the same ONNX file (handles are the ONNX node positions) or keep the .qir files, which store handles as #N',
    });
  pairs.sort((a, b) => a.float.index - b.float.index || a.result - b.result);
  return { pairs, floatOnly: floatOnly.sort((a, b) => a - b), quantOnly: quantOnly.sort((a, b) => a - b), quant };
}

// Helpers for the quantization-flow tests: fixture loading, and a graph with PyTorch's own
// BN-folded weights (so observer tests do not depend on the fold-batchnorm pass and see
// exactly the weights torch quantized). This is test scaffolding, not a BN folding pass.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { QforgeError } from '../../src/diagnostics/index.js';
import type { Graph, Node } from '../../src/ir/graph.js';
import { readNpy } from '../../src/ir/npy.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import type { Tensor } from '../../src/ir/tensor.js';

export const FIX = path.resolve(process.cwd(), '../shared/fixtures');
export const QUANT_MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet', 'mlp', 'digits_mlp'] as const;

export const fixtureJson = (m: string, f: string) => JSON.parse(readFileSync(path.join(FIX, m, f), 'utf8'));
export const fixtureNpy = (m: string, f: string): Tensor => readNpy(path.join(FIX, m, f));

interface WeightRec {
  module: string;
  onnx_node: string;
  onnx_nodes_folded_into_module: string[];
  weight_folded_fp32_file: string;
  bias_folded_fp32_file: string;
  weight_int8_file: string;
  scales: number[];
  zero_points: number[];
}

/**
 * The fixture model with each conv/gemm's weight and bias replaced by torch's folded fp32 ones
 * and the folded BatchNormalization nodes removed (their users read the conv result).
 */
export function foldedFixture(m: string): Graph & { renamed: Map<string, string> } {
  const g = importOnnx(path.join(FIX, m, 'model.onnx'));
  const weights = fixtureJson(m, 'qparams.json').weights as WeightRec[];
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const constants = { ...g.constants }, values = { ...g.values };
  const replace = new Map<string, string>();
  const drop = new Set<string>();
  const patched = new Map<string, Node>();
  for (const w of weights) {
    const n = byName.get(w.onnx_node)!;
    const wt = fixtureNpy(m, w.weight_folded_fp32_file), bt = fixtureNpy(m, w.bias_folded_fp32_file);
    const wName = n.inputs[1]!, bName = n.inputs[2] || `${w.module}.bias_folded`;
    constants[wName] = wt;
    constants[bName] = bt;
    values[bName] = { dtype: 'f32', shape: [...bt.shape] };
    const inputs = [...n.inputs];
    inputs[2] = bName;
    patched.set(n.name, { ...n, inputs });
    for (const f of w.onnx_nodes_folded_into_module) {
      const bn = byName.get(f)!;
      if (bn.op !== 'batch_norm') continue;
      drop.add(bn.name);
      replace.set(bn.outputs[0]!, bn.inputs[0]!);
      delete values[bn.outputs[0]!];
    }
  }
  const nodes = g.nodes
    .filter((n) => !drop.has(n.name))
    .map((n) => patched.get(n.name) ?? n)
    .map((n) => (n.inputs.some((v) => replace.has(v)) ? { ...n, inputs: n.inputs.map((v) => replace.get(v) ?? v) } : n));
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const c of Object.keys(constants))
    if (!used.has(c)) {
      delete constants[c];
      delete values[c];
    }
  // A graph output produced by a dropped BN is now the conv's result.
  const outputs = g.outputs.map((o) => replace.get(o) ?? o);
  return { ...g, nodes, constants, values, outputs, renamed: replace };
}

/** Samples of a fixture .npy with a leading sample axis, one tensor per sample. */
export function samplesOf(t: Tensor): Tensor[] {
  const n = t.shape[0]!, shape = t.shape.slice(1), per = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => ({ dtype: t.dtype, shape, data: (t.data as Float32Array).subarray(i * per, (i + 1) * per) }));
}

export function sqnrDb(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let s = 0, e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i]! * ref[i]!;
    e += (ref[i]! - got[i]!) ** 2;
  }
  return 10 * Math.log10(s / e);
}

/** The key and message of the QforgeError `f` throws (fails when it throws nothing or something else). */
export function errorOf(f: () => unknown): { key: string; text: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof QforgeError) return { key: e.diagnostics[0]!.key, text: e.message };
    throw e;
  }
  throw new Error('expected a QforgeError');
}

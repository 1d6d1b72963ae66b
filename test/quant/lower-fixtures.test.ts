// The fixture models quantized with the pytorch-fx quantizer (prepare/calibrate/convert), then
// lowered: every conv/linear/add/pool becomes its integer op, and the integers of every
// quantized tensor match PyTorch's int_repr (intermediates_int8/) — at least 99% of elements
// exactly, all within one step — with the int32 bias from convert and with a float bias that
// lower-quantized quantizes itself.
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { calibrate, convertGraph, datasetFromTensors, prepareGraph, resolveQuantizer } from '../../src/passes/quantize/index.js';
import { fixtureJson, fixtureNpy, foldedFixture, QUANT_MODELS, samplesOf } from './flow-helpers.js';
import { lowered } from './qdq-graphs.js';

interface Act { fx_node: string; onnx_tensor: string; scale: number; zero_point: number; int_repr_file: string }

/** The q/dq graph of the pytorch-fx flow on torch's BN-folded weights. */
function qdqModel(m: string): { float: ReturnType<typeof foldedFixture>; qdq: Graph } {
  const float = foldedFixture(m);
  const p = prepareGraph(float, resolveQuantizer('pytorch-fx'));
  const c = calibrate(p.graph, datasetFromTensors(float, [fixtureNpy(m, 'calib.npy')], 'calib'), { progress: false });
  return { float, qdq: convertGraph(c.graph).graph };
}

/** The same graph with each int32 bias (i32 constant → dequantize) replaced by the float bias it came from. */
function withFloatBias(qdq: Graph, float: Graph): Graph {
  const repl = new Map<string, string>();
  const constants = { ...qdq.constants }, values = { ...qdq.values };
  const nodes = qdq.nodes.filter((n) => {
    const src = n.inputs[0]!, t = qdq.constants[src];
    if (n.op !== 'dequantize' || t?.dtype !== 'i32') return true;
    const name = src.replace(/_quantized$/, '');
    constants[name] = float.constants[name]!;
    values[name] = float.values[name]!;
    repl.set(n.outputs[0]!, name);
    for (const v of [src, n.outputs[0]!]) delete values[v];
    delete constants[src];
    return false;
  });
  expect(repl.size).toBeGreaterThan(0);
  return { ...qdq, constants, values, nodes: nodes.map((n) => ({ ...n, inputs: n.inputs.map((v) => repl.get(v) ?? v) })) };
}

/** Whether quantize node `name` of the q/dq graph feeds dq → relu | clip → quantize with its own params: a
 *  relu observed with its input's qparams (FX shares them), which lowering folds into the op's clamp
 *  (clamp_into_qop), so the pre-activation tensor no longer exists; the activation's output is compared. */
function foldedIntoClamp(qdq: Graph, name: string): boolean {
  const q = qdq.nodes.find((n) => n.name === name);
  const users = (v: string) => qdq.nodes.filter((n) => n.inputs.includes(v));
  return !!q && users(q.outputs[0]!).some((d) => d.op === 'dequantize' && users(d.outputs[0]!).some((a) =>
    (a.op === 'relu' || a.op === 'clip') && users(a.outputs[0]!).some((q2) => q2.op === 'quantize' &&
      String(q2.attrs['scale']) === String(q.attrs['scale']) && String(q2.attrs['zero_point']) === String(q.attrs['zero_point']))));
}

/** Element counts (exact, within one step, total) of every quantized activation against PyTorch. */
function compare(m: string, g: Graph, qdq: Graph, renamed: Map<string, string>, x: Tensor) {
  const values = run(g, [x], { keepAll: true }).values;
  let exact = 0, near = 0, total = 0;
  const missing: string[] = [];
  for (const a of fixtureJson(m, 'qparams.json').activations as Act[]) {
    const name = `${renamed.get(a.onnx_tensor) ?? a.onnx_tensor}_quantize`;
    const node = g.nodes.find((n) => n.name === name);
    const got = node && values.get(node.outputs[0]!);
    if (!got) {
      if (!foldedIntoClamp(qdq, name)) missing.push(a.fx_node);
      continue;
    }
    const want = fixtureNpy(m, a.int_repr_file);
    expect(got.data.length).toBe(want.data.length);
    for (let i = 0; i < want.data.length; i++) {
      const d = Math.abs(Number(got.data[i]) - Number(want.data[i]));
      exact += d === 0 ? 1 : 0;
      near += d <= 1 ? 1 : 0;
    }
    total += want.data.length;
  }
  return { exact, near, total, missing };
}

/** Ops of these models that must not be left on float tensors (tanh has no integer form). */
const LOWERED = ['conv2d', 'conv_transpose2d', 'gemm', 'matmul', 'add', 'mul', 'global_avgpool', 'avgpool2d', 'relu', 'clip', 'maxpool2d', 'flatten'];
const floatLeft = (g: Graph) => g.nodes.filter((n) => LOWERED.includes(n.op) && g.values[n.inputs[0]!]!.dtype === 'f32').map((n) => n.name);

describe('lowered fixture models match PyTorch int8', () => {
  for (const m of QUANT_MODELS) {
    it(m, () => {
      const { float, qdq } = qdqModel(m);
      const x = samplesOf(fixtureNpy(m, 'test.npy'));
      for (const variant of [qdq, withFloatBias(qdq, float)]) {
        const low = lowered(variant);
        expect(floatLeft(low)).toEqual([]);
        const c = compare(m, low, variant, float.renamed, x[0]!);
        expect(c.missing).toEqual([]);
        expect(c.near).toBe(c.total);
        expect(c.exact / c.total).toBeGreaterThanOrEqual(0.99);
        // The dequantized model outputs, all four test inputs: within one output step of torch.
        const want = samplesOf(fixtureNpy(m, 'expected_int8_model.npy'));
        const scale = (variant.nodes.find((n) => n.name === 'output_quantize')!.attrs['scale'] as number[])[0]!;
        x.forEach((xi, i) => {
          const got = run(low, [xi]).outputs[0]!.data as Float32Array;
          got.forEach((v, k) => expect(Math.abs(v - Number(want[i]!.data[k]))).toBeLessThanOrEqual(scale * 1.01));
        });
      }
    });
  }
});

// The fixture models (../shared/fixtures) quantized by the real flow: prepare with a quantizer,
// calibrate on calib.npy, convert, lower-quantized; each with test.npy[0] as input. Graphs that
// keep float GEMMs (pytorch-fx leaves attention's activation matmuls in float) are marked inexact:
// their outputs are compared within the float tolerance, every other output bit for bit.
import path from 'node:path';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { readNpy } from '../../src/ir/npy.js';
import { tensor, type Graph, type Tensor } from '../../src/ir/index.js';
import { runPipeline } from '../../src/passes/index.js';
import { calibrate, loadDataset } from '../../src/passes/quantize/index.js';
import { quantizeGraph, type QuantizeOptions } from '../../src/passes/quantize/flow.js';

const FIX = path.resolve(process.cwd(), '../shared/fixtures');
export const MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet', 'mlp', 'digits_mlp', 'attention_block'];
export const QUANTIZERS = ['xnnpack', 'pytorch-fx'];
const FLOAT_ACCUMULATING = new Set(['matmul', 'gemm', 'conv2d', 'conv_transpose2d']);

export interface Part {
  graph: Graph;
  inputs: Tensor[];
  /** Outputs must match bit for bit (no float accumulation left in the graph). */
  exact: boolean;
}

export function quantizeFixture(model: string, quantizer: string): Part {
  const dir = path.join(FIX, model);
  const g = importOnnx(path.join(dir, 'model.onnx'));
  const prepared = runPipeline(g, [{ pass: 'prepare', options: { quantizer, observer: 'default' } }]);
  const cal = calibrate(prepared.graph, loadDataset(path.join(dir, 'calib.npy'), g));
  return part(model, runPipeline(cal.graph, ['convert', 'lower-quantized']).graph);
}

function part(model: string, graph: Graph): Part {
  const test = readNpy(path.join(FIX, model, 'test.npy')), n = test.data.length / test.shape[0]!;
  return { graph, inputs: [tensor('f32', test.shape.slice(1), (test.data as Float32Array).slice(0, n))], exact: !graph.nodes.some((x) => FLOAT_ACCUMULATING.has(x.op)) };
}

export const fixtureParts = (): Part[] => QUANTIZERS.flatMap((q) => MODELS.map((m) => quantizeFixture(m, q)));

/** The linear-layer fixtures in the other modes: weight-only int4 (groups of 32) and int8, dynamic, and the x86-dynamic quantizer. */
export const LINEAR_MODELS = ['mlp', 'digits_mlp', 'attention_block'];
export const MODES: { name: string; opts: QuantizeOptions }[] = [
  { name: 'weight-only int4', opts: { mode: 'weight-only', bits: 4, groupSize: 32 } },
  { name: 'weight-only int8', opts: { mode: 'weight-only', bits: 8 } },
  { name: 'dynamic', opts: { mode: 'dynamic' } },
  { name: 'x86-dynamic', opts: { quantizer: 'x86-dynamic' } },
];
/** One linear-layer fixture quantized in one of MODES (by name). */
export function modePart(model: string, mode: string): Part {
  const opts = MODES.find((m) => m.name === mode)!.opts;
  return part(model, quantizeGraph(importOnnx(path.join(FIX, model, 'model.onnx')), { ...opts, calib: path.join(FIX, model, 'calib.npy') }).graph);
}
export const modeParts = (): Part[] => MODES.flatMap(({ name }) => LINEAR_MODELS.map((m) => modePart(m, name)));

/** Fixture models with residual adds quantized by the x86 quantizer (conv → add → relu lowers to qconv2d_add). */
export const X86_RESIDUAL_MODELS = ['small_resnet', 'depthwise_residual'];

/**
 * Those models with the results of their qconv2d_add nodes as the graph's outputs: integer values
 * defined bit for bit (the model's own output comes from a float GEMM the x86 quantizer leaves).
 */
export const x86ResidualParts = (): Part[] =>
  X86_RESIDUAL_MODELS.map((m) => {
    const { graph, inputs } = quantizeFixture(m, 'x86');
    const outputs = graph.nodes.filter((n) => n.op === 'qconv2d_add').map((n) => n.outputs[0]!);
    return { graph: { ...graph, outputs }, inputs, exact: true };
  });

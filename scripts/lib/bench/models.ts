// The benchmark's models: the fixture ONNX models (../shared/fixtures, calibrated on their
// calib.npy, timed on test.npy[0]) and the full-size zoo models (ResNet-18, MobileNetV2 at
// 1x3x224x224, calibrated on a few seeded random inputs). Each one is quantized by the real flow
// (prepare with a quantizer, calibrate, convert, lower-quantized) and BN-folded for float C.
import '../../../src/passes/builtin.js';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { modelStats } from '../../../src/cli/inspect-model.js';
import { fail } from '../../../src/diagnostics/index.js';
import { tensor, type Graph, type Tensor } from '../../../src/ir/index.js';
import { readNpy } from '../../../src/ir/npy.js';
import { importOnnx } from '../../../src/ir/onnx/index.js';
import { runPipeline } from '../../../src/passes/index.js';
import { calibrate, datasetFromTensors, loadDataset, type Dataset } from '../../../src/passes/quantize/index.js';
import { densenet, fillNormal, mobilenetV2, mulberry32, resnet18, seNet } from '../model-zoo.js';
import { dcganGenerator, swin, transformerEncoder } from '../model-zoo-seq.js';

export interface BenchModel {
  name: string;
  kind: 'fixture' | 'zoo';
  /** The float graph as imported or built (batch_norm still there). */
  float: Graph;
  /** The float ONNX file onnxruntime runs, when one exists already (fixtures); zoo models are exported. */
  floatOnnx?: string;
  calib: () => Dataset;
  input: Tensor;
}

export interface Quantized {
  /** Lowered integer graph (qconv2d, qlinear, ...) that codegen compiles and exportOnnx writes as QDQ. */
  graph: Graph;
  /** Share of the float model's MACs that run in integer ops (the rest stayed float). */
  int8MacShare: number;
}

const ZOO: Record<string, () => Graph> = {
  resnet18: () => resnet18(),
  mobilenet_v2: () => mobilenetV2(),
  se_net: () => seNet(),
  dcgan_generator: () => dcganGenerator(),
  transformer_encoder: () => transformerEncoder(),
  densenet: () => densenet(),
  swin: () => swin(),
};
export const ZOO_NAMES = Object.keys(ZOO);
const INT_MAC_OPS = ['qconv2d', 'qconv2d_add', 'qconv_transpose2d', 'qlinear', 'qlinear_add', 'qlinear_f32', 'qmatmul'];

/** Fixture folders holding model.onnx and calib.npy; [] (and a note) when ../shared is absent. */
export function fixtureNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'model.onnx')) && existsSync(path.join(dir, d.name, 'calib.npy')))
    .map((d) => d.name)
    .sort();
}

/** First sample of an [N, ...] .npy as one input tensor of the graph's input shape. */
function firstSample(file: string, g: Graph): Tensor {
  const t = readNpy(file), want = g.values[g.inputs[0]!]!.shape;
  const n = want.reduce((a, b) => a * b, 1);
  if (t.dtype !== 'f32' || t.data.length < n) fail('CLI_USAGE', `${file}: expected float32 samples of shape [N, ${want.join(', ')}]`);
  return tensor('f32', [...want], (t.data as Float32Array).slice(0, n));
}

export function fixtureModel(dir: string, name: string): BenchModel {
  const onnx = path.join(dir, name, 'model.onnx');
  const g = importOnnx(onnx);
  if (g.inputs.length !== 1) fail('CLI_USAGE', `fixture ${name} has ${g.inputs.length} inputs; the benchmark feeds one`);
  const test = path.join(dir, name, 'test.npy');
  return {
    name,
    kind: 'fixture',
    float: g,
    floatOnnx: onnx,
    calib: () => loadDataset(path.join(dir, name, 'calib.npy'), g),
    input: firstSample(existsSync(test) ? test : path.join(dir, name, 'calib.npy'), g),
  };
}

/** A zoo model calibrated on `samples` seeded N(0,1) inputs; timed on another seeded input. */
export function zooModel(name: string, samples: number): BenchModel {
  const build = ZOO[name];
  if (!build) fail('CLI_USAGE', `unknown zoo model '${name}' (zoo: ${ZOO_NAMES.join(', ')})`);
  const g = build();
  return {
    name,
    kind: 'zoo',
    float: g,
    calib: () => {
      const xs = Array.from({ length: samples }, (_, i) => normalInput(g, 100 + i).data as Float32Array);
      const all = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
      xs.forEach((x, i) => all.set(x, i * x.length));
      return datasetFromTensors(g, [tensor('f32', [samples, ...shapeOf(g)], all)], `${samples} seeded N(0,1) inputs`);
    },
    input: normalInput(g, 7),
  };
}

const shapeOf = (g: Graph): number[] => [...g.values[g.inputs[0]!]!.shape];

/** Standard normal values in the shape of the graph's (single) input. */
function normalInput(g: Graph, seed: number): Tensor {
  const shape = shapeOf(g);
  return tensor('f32', shape, fillNormal(mulberry32(seed), new Float32Array(shape.reduce((a, b) => a * b, 1)), 1));
}

/** prepare (BN folding + observers) → calibrate → convert → lower-quantized. */
export function quantize(m: BenchModel, quantizer: string): Quantized {
  const prepared = runPipeline(m.float, [{ pass: 'prepare', options: { quantizer, observer: 'default' } }]);
  const cal = calibrate(prepared.graph, m.calib());
  const graph = runPipeline(cal.graph, ['convert', 'lower-quantized']).graph;
  const total = modelStats(m.float).macs, by = modelStats(graph).macsByOp;
  const intMacs = INT_MAC_OPS.reduce((a, op) => a + (by[op] ?? 0), 0);
  return { graph, int8MacShare: total ? intMacs / total : 0 };
}

/** The float graph our float C compiles: batch_norm folded into the convs and relu/clip fused into
 *  them, as onnxruntime does (its Conv + BatchNormalization and Conv + activation fusions). */
export const foldedFloat = (m: BenchModel): Graph => runPipeline(m.float, ['fold-batchnorm', 'fuse-activation']).graph;

export const macsOf = (m: BenchModel): number => modelStats(m.float).macs;

/** MACs of one node of a graph (0 for ops without multiply-accumulates). */
export function nodeMacs(g: Graph, node: string): number {
  const n = g.nodes.find((x) => x.name === node);
  if (!n) return 0;
  const sub = { ...g, nodes: [n] } as Graph;
  return modelStats(sub).macs;
}

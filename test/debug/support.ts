// Shared by the debugger and ONNX export tests: a fixture model imported from ONNX and run
// through the quantization flow (prepare with BN folding, calibrate on calib.npy, convert), and
// its test inputs as samples.
import path from 'node:path';
import type { Graph } from '../../src/ir/graph.js';
import { readNpy } from '../../src/ir/npy.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runPipeline } from '../../src/passes/index.js';

export const FIX = path.resolve(process.cwd(), '../shared/fixtures');

export interface Flow {
  float: Graph;
  quant: Graph;
  samples: Record<string, Tensor>[];
}

const cache = new Map<string, Flow>();

/** Sample i of a stacked .npy (a copy: onnxruntime wants its own buffer). */
export function samplesOf(t: Tensor, input: string): Record<string, Tensor>[] {
  const shape = t.shape.slice(1), per = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: t.shape[0]! }, (_, i) => ({ [input]: { dtype: t.dtype, shape, data: (t.data as Float32Array).slice(i * per, (i + 1) * per) } }));
}

export function fixtureFlow(model: string, quantizer = 'pytorch-fx'): Flow {
  const key = `${model}/${quantizer}`;
  let hit = cache.get(key);
  if (!hit) {
    const dir = path.join(FIX, model);
    const float = importOnnx(path.join(dir, 'model.onnx'));
    const data = JSON.stringify(path.join(dir, 'calib.npy'));
    const quant = runPipeline(float, `prepare{quantizer=${quantizer}},calibrate{data=${data}},convert`).graph;
    hit = { float, quant, samples: samplesOf(readNpy(path.join(dir, 'test.npy')), float.inputs[0]!) };
    cache.set(key, hit);
  }
  return hit;
}

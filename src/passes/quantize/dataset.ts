// Calibration datasets: `.npy` files whose leading axis counts samples, or folders of them.
// Everything is checked up front (dtype, shape against the graph inputs, finiteness, not empty)
// so that a bad file fails with its name before any calibration work.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../../diagnostics/index.js';
import { lookup, type Graph } from '../../ir/graph.js';
import { readNpy } from '../../ir/npy.js';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { formatType, numel } from '../../ir/types.js';

export interface Dataset {
  /** Where the samples came from, for messages and reports. */
  source: string;
  size: number;
  /** Sample i: one tensor per graph input, in graph input order. */
  sample(i: number): Tensor[];
}

const shapeStr = (s: readonly number[]) => `[${s.join(',')}]`;

/** How many samples `t` holds for an input of type `want`: [N, ...shape], or exactly `shape` (one sample). */
function sampleCount(t: Tensor, input: string, g: Graph, source: string): number {
  const want = lookup(g.values, input)!;
  const tail = t.shape.slice(1);
  if (t.shape.length === want.shape.length + 1 && tail.every((d, i) => d === want.shape[i])) return t.shape[0]!;
  if (t.shape.length === want.shape.length && t.shape.every((d, i) => d === want.shape[i])) return 1;
  fail('QUANT_CALIB_DATA', `${source} has shape ${shapeStr(t.shape)}, but input '${input}' is ${formatType(want)}`, {
    hint: `store samples along a leading axis: shape ${shapeStr([t.shape[0] ?? 0, ...want.shape])}`,
  });
}

/** Integer input types whose samples are kept as they are (embedding indices and the like). */
const INT_INPUTS = new Set(['i64', 'i32', 'i16', 'i8', 'u8', 'bool']);

/**
 * The samples of one input as its graph dtype: float32 (float64 is narrowed), checked finite; or,
 * for an integer input, integers of exactly that dtype (i32 data widens to an i64 input).
 */
function inputData(t: Tensor, input: string, want: DType, source: string): Tensor['data'] {
  if (INT_INPUTS.has(want)) {
    if (t.dtype === want) return t.data;
    if (want === 'i64' && t.dtype === 'i32') return BigInt64Array.from(t.data as Int32Array, (v) => BigInt(v));
    fail('QUANT_CALIB_DATA', `${source} holds ${t.dtype} values; input '${input}' needs ${want} samples`);
  }
  let d: Float32Array;
  if (t.dtype === 'f32') d = t.data as Float32Array;
  else if (t.dtype === 'f64') d = Float32Array.from(t.data as Float64Array);
  else fail('QUANT_CALIB_DATA', `${source} holds ${t.dtype} values; input '${input}' needs float32 samples`);
  for (let i = 0; i < d.length; i++)
    if (!Number.isFinite(d[i]!)) {
      const per = numel(t.shape.slice(1)) || 1;
      fail('QUANT_CALIB_DATA', `${source}: sample ${Math.floor(i / per)} of input '${input}' has ${d[i]} at element ${i % per}`, { hint: 'calibration data must be finite' });
    }
  return d;
}

/** A dataset from one tensor per graph input, each [N, ...input shape] (or one sample of exactly the input shape). */
export function datasetFromTensors(g: Graph, tensors: Tensor[], source: string): Dataset {
  if (tensors.length !== g.inputs.length) fail('QUANT_CALIB_DATA', `${source}: graph '${g.name}' has ${g.inputs.length} input(s) (${g.inputs.join(', ')}), got data for ${tensors.length}`);
  const counts = tensors.map((t, i) => sampleCount(t, g.inputs[i]!, g, source));
  const size = counts[0]!;
  if (counts.some((c) => c !== size)) fail('QUANT_CALIB_DATA', `${source}: inputs have different sample counts (${counts.join(', ')})`);
  if (size === 0) fail('QUANT_CALIB_DATA', `${source} holds no samples`, { hint: 'calibration needs at least one sample' });
  const types = g.inputs.map((v) => lookup(g.values, v)!);
  const data = tensors.map((t, i) => inputData(t, g.inputs[i]!, types[i]!.dtype, source));
  return {
    source,
    size,
    sample(i) {
      return data.map((d, k) => {
        const { dtype, shape } = types[k]!, n = numel(shape);
        return { dtype, shape: [...shape], data: d.subarray(i * n, (i + 1) * n) } as Tensor;
      });
    },
  };
}

/** Samples from several datasets in turn (a folder of files). */
function concat(parts: Dataset[], source: string): Dataset {
  const starts: number[] = [];
  let size = 0;
  for (const p of parts) {
    starts.push(size);
    size += p.size;
  }
  return {
    source,
    size,
    sample(i) {
      let k = parts.length - 1;
      while (starts[k]! > i) k--;
      return parts[k]!.sample(i - starts[k]!);
    },
  };
}

/** File name for a graph input's data in a folder (names may hold '/', as ONNX names do). */
export const inputFileName = (input: string): string => `${input.replace(/[/\\:]/g, '_')}.npy`;

/**
 * Loads calibration data for graph `g`: a `.npy` file with a leading sample axis (one-input
 * graphs), or a folder — of `.npy` files taken in name order, each one or more samples (one-input
 * graphs), or holding one `<input>.npy` per input (several inputs; '/' in names becomes '_').
 */
export function loadDataset(p: string, g: Graph): Dataset {
  if (!existsSync(p)) fail('QUANT_CALIB_DATA', `calibration data ${p} does not exist`);
  if (!statSync(p).isDirectory()) {
    if (g.inputs.length !== 1)
      fail('QUANT_CALIB_DATA', `${p}: graph '${g.name}' has ${g.inputs.length} inputs; give a folder with one .npy per input`, {
        hint: `expected files: ${g.inputs.map(inputFileName).join(', ')}`,
      });
    return datasetFromTensors(g, [readNpy(p)], p);
  }
  const files = readdirSync(p).filter((f) => f.endsWith('.npy')).sort();
  if (g.inputs.length > 1) {
    const missing = g.inputs.map(inputFileName).filter((f) => !files.includes(f));
    if (missing.length) fail('QUANT_CALIB_DATA', `${p}: missing ${missing.join(', ')} (one .npy per graph input, samples along the leading axis)`);
    return datasetFromTensors(g, g.inputs.map((v) => readNpy(path.join(p, inputFileName(v)))), p);
  }
  if (!files.length) fail('QUANT_CALIB_DATA', `${p} holds no .npy files`, { hint: 'calibration needs at least one sample' });
  return concat(
    files.map((f) => datasetFromTensors(g, [readNpy(path.join(p, f))], path.join(p, f))),
    p,
  );
}

// The quantization report: every quantized tensor (by its original name) with its qparams (or,
// for a dynamic spec, the note that they are chosen at run time), and the SQNR of the quantized model's outputs against the float model on a dataset.
import { lookup, type Graph } from '../../ir/graph.js';
import { run } from '../../ir/interpreter.js';
import type { Dataset } from './dataset.js';

export interface TensorReport {
  /** The original (ONNX) tensor name. */
  name: string;
  role: 'activation' | 'weight' | 'bias';
  dtype: string;
  qmin: number;
  qmax: number;
  scheme: string;
  granularity: string;
  axis?: number;
  scale: number[];
  zeroPoint: number[];
  observer: string;
  /** Sharing group: tensors of one group have the same qparams by construction. */
  group: number;
  /** Observed range (per channel for per-channel observers). */
  min?: number[];
  max?: number[];
  /** Quantized at run time from its own min/max (a dynamic spec, e.g. x86-dynamic): scale and zeroPoint are empty. */
  dynamic?: boolean;
}

export interface OutputReport {
  name: string;
  /** 10·log10(Σ fp² / Σ (fp − q)²) over the dataset; null when the outputs are identical. */
  sqnrDb: number | null;
  maxAbsError: number;
}

export interface QuantReport {
  model: string;
  quantizer: string;
  mode: string;
  calibration: { source: string; samples: number };
  /** The first this many samples of the calibration data are the SQNR check's (0: no check). */
  sqnrSamples: number;
  tensors: TensorReport[];
  outputs: OutputReport[];
  /** The flow's warnings (e.g. degenerate calibration data), one formatted line each. */
  warnings: string[];
}

/** The quantized tensors of a calibrated graph, one entry per (tensor, group). */
export function tensorReports(calibrated: Graph): TensorReport[] {
  const seen = new Set<string>();
  const out: TensorReport[] = [];
  for (const n of calibrated.nodes) {
    if (n.op !== 'observe' || (!n.attrs['scale'] && !n.attrs['dynamic'])) continue;
    const a = n.attrs;
    const name = (a['tensor'] as string | undefined) ?? n.inputs[0]!;
    const key = `${name}\u0000${a['group']}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const isConst = lookup(calibrated.constants, n.inputs[0]!) !== undefined;
    const scale = (a['scale'] as number[] | undefined) ?? [];
    const r: TensorReport = {
      name,
      role: a['observer'] === 'derived' ? 'bias' : isConst ? 'weight' : 'activation',
      dtype: a['dtype'] as string,
      qmin: (a['qmin'] as number | undefined) ?? NaN,
      qmax: (a['qmax'] as number | undefined) ?? NaN,
      scheme: (a['scheme'] as string | undefined) ?? 'affine',
      granularity: scale.length > 1 ? 'per-channel' : ((a['granularity'] as string | undefined) ?? 'per-tensor'),
      scale: [...scale],
      zeroPoint: [...((a['zero_point'] as number[] | undefined) ?? [])],
      observer: a['observer'] as string,
      group: a['group'] as number,
    };
    if (scale.length > 1) r.axis = (a['axis'] as number | undefined) ?? 0;
    if (a['min']) [r.min, r.max] = [a['min'] as number[], a['max'] as number[]];
    if (a['dynamic']) r.dynamic = true;
    out.push(r);
  }
  return out;
}

/** SQNR of each output of `quantized` against `reference` over the first `samples` samples of the dataset (default all). */
export function outputSqnr(reference: Graph, quantized: Graph, data: Dataset, samples = data.size): OutputReport[] {
  const signal = reference.outputs.map(() => 0), noise = reference.outputs.map(() => 0), maxErr = reference.outputs.map(() => 0);
  for (let i = 0; i < Math.min(samples, data.size); i++) {
    const x = data.sample(i);
    const ref = run(reference, x).outputs, got = run(quantized, x).outputs;
    ref.forEach((r, k) => {
      const a = r.data as Float32Array, b = got[k]!.data as Float32Array;
      for (let j = 0; j < a.length; j++) {
        const e = a[j]! - b[j]!;
        signal[k]! += a[j]! * a[j]!;
        noise[k]! += e * e;
        maxErr[k] = Math.max(maxErr[k]!, Math.abs(e));
      }
    });
  }
  return reference.outputs.map((name, k) => ({
    name,
    sqnrDb: noise[k] === 0 ? null : 10 * Math.log10(signal[k]! / noise[k]!),
    maxAbsError: maxErr[k]!,
  }));
}

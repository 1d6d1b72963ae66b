// onnxruntime-node sessions, single-threaded (or intraOp N for the --threads column) with every graph
// optimization on, timed with performance.now() around session.run after warm-up runs.
import * as ort from 'onnxruntime-node';
import { tensor, type Tensor } from '../../../src/ir/index.js';

export interface OrtModel {
  session: ort.InferenceSession;
  feeds: Record<string, ort.Tensor>;
}

export const ORT_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};

export async function openOrt(file: string, input: Tensor, threads = 1): Promise<OrtModel> {
  const session = await ort.InferenceSession.create(file, { ...ORT_OPTIONS, intraOpNumThreads: threads });
  if (input.dtype !== 'f32') throw new Error(`${file}: the benchmark feeds float32 inputs, got ${input.dtype}`);
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input.data as Float32Array, [...input.shape]) };
  return { session, feeds };
}

/** Runs once and returns the outputs as float32 tensors (in session output order). */
export async function ortOutputs(m: OrtModel): Promise<Tensor[]> {
  const r = await m.session.run(m.feeds);
  return m.session.outputNames.map((n) => {
    const t = r[n]!;
    return tensor('f32', t.dims.map(Number), Float32Array.from(t.data as Float32Array));
  });
}

/** `warmup` untimed runs, then the median of `runs` timed ones. */
export async function timeOrt(m: OrtModel, runs: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await m.session.run(m.feeds);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await m.session.run(m.feeds);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

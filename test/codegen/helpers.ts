// Test support: generate C for a graph, build it for a target in a temporary folder, run it on
// inputs and return its outputs next to the interpreter's. Nothing is cached between runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildC, generateC, runC, type BuildOptions } from '../../src/codegen/index.js';
import { APPROXIMATE_FLOAT_OPS } from '../../src/codegen/ops/index.js';
import { run, type Graph, type Tensor } from '../../src/ir/index.js';
import { makeArray, type DType } from '../../src/ir/dtype.js';
import { tensor } from '../../src/ir/tensor.js';

/** A generated program that hangs fails its test after this long instead of blocking the run (spawnSync
 * cannot be interrupted by vitest's timeout); the slowest qemu runs take about 15 s. */
export const RUN_LIMIT = { timeoutMs: 300_000 } as const;

export interface Compiled {
  outputs: Tensor[];
  quantized?: Tensor[];
  source: string;
  /** Compiler warnings (the generated code should build without any). */
  warnings: string;
  medianMs?: number;
}

/** Writes the generated files, builds for `target`, runs `run` (and `run_quantized` when given its inputs). */
export function compileRun(g: Graph, target: string, inputs: Tensor[], opts: BuildOptions & { float?: boolean; qInputs?: Tensor[]; bench?: number } = {}): Compiled {
  const dir = mkdtempSync(path.join(tmpdir(), 'qforge-cg-'));
  try {
    const gen = generateC(g, { target, name: 'm', float: opts.float });
    for (const [f, text] of gen.files) writeFileSync(path.join(dir, f), text);
    const b = buildC(dir, target, opts);
    const r = runC(b, { ...RUN_LIMIT, inputs: inputs, inputNames: g.inputs, ...(opts.bench ? { bench: opts.bench } : {}) });
    const q = opts.qInputs ? runC(b, { ...RUN_LIMIT, inputs: opts.qInputs, inputNames: g.inputs, quantized: true }).outputs : undefined;
    return { outputs: r.outputs, source: gen.files.get('m.c')!, warnings: b.warnings, ...(q ? { quantized: q } : {}), ...(r.medianMs !== undefined ? { medianMs: r.medianMs } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const interpret = (g: Graph, inputs: Tensor[]): Tensor[] => run(g, inputs).outputs;

/** The float build for this host with every parallel step split (QF_PAR_MIN_OPS=1): its outputs on
 *  one thread, and the output bytes (hex) on 1 and on each of `threads` threads. */
export function floatThreadRuns(g: Graph, inputs: Tensor[], threads: number[]): { outputs: Tensor[]; bytes: string[][] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'qforge-fthreads-'));
  try {
    const gen = generateC(g, { target: 'native', name: 'm', float: true });
    for (const [f, text] of gen.files) writeFileSync(path.join(dir, f), text);
    const exe = buildC(dir, gen.target, { cflags: ['-DQF_PAR_MIN_OPS=1'] });
    const hex = (ts: Tensor[]) => ts.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex'));
    const outputs = runC(exe, { ...RUN_LIMIT, inputs, inputNames: g.inputs, threads: 1 }).outputs;
    return { outputs, bytes: [hex(outputs), ...threads.map((n) => hex(runC(exe, { ...RUN_LIMIT, inputs, inputNames: g.inputs, threads: n }).outputs))] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic pseudo-random integers in [lo, hi] (xorshift; tests stay reproducible). */
export function rng(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0 || 1;
  return (lo, hi) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (s % (hi - lo + 1));
  };
}

export function randomTensor(dtype: DType, shape: number[], r: (lo: number, hi: number) => number, lo: number, hi: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = makeArray(dtype, n);
  for (let i = 0; i < n; i++) (data as Int32Array)[i] = r(lo, hi);
  return tensor(dtype, shape, data);
}

export function floatTensor(shape: number[], r: (lo: number, hi: number) => number, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor('f32', shape, Float32Array.from({ length: n }, () => (r(-10000, 10000) / 10000) * scale));
}

/** Float outputs (not bit-exact: float32 partial sums in C, float64 in the interpreter) must agree to this. */
export const FLOAT_TOLERANCE = 1e-5;

/** Largest |a - b| relative to max(1, max |b|). */
export function relErr(a: Tensor, b: Tensor): number {
  let m = 0, s = 1;
  for (let i = 0; i < b.data.length; i++) s = Math.max(s, Math.abs(Number(b.data[i])));
  for (let i = 0; i < b.data.length; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return m / s;
}

/** One graph running several independent graphs side by side (names prefixed g0_, g1_...), to compile once. */
export function mergeGraphs(parts: { graph: Graph; inputs: Tensor[] }[]): { graph: Graph; inputs: Tensor[] } {
  const g: Graph = { name: 'merged', inputs: [], outputs: [], values: {}, constants: {}, nodes: [] };
  const inputs: Tensor[] = [];
  parts.forEach(({ graph, inputs: ins }, i) => {
    const p = (v: string) => (v ? `g${i}_${v}` : v);
    g.inputs.push(...graph.inputs.map(p));
    g.outputs.push(...graph.outputs.map(p));
    for (const [k, t] of Object.entries(graph.values)) g.values[p(k)] = t;
    for (const [k, t] of Object.entries(graph.constants)) g.constants[p(k)] = t;
    g.nodes.push(...graph.nodes.map((n) => ({ ...n, name: p(n.name), inputs: n.inputs.map(p), outputs: n.outputs.map(p) })));
    inputs.push(...ins);
  });
  return { graph: g, inputs };
}

/** For each graph output: is it an f32 result of an APPROXIMATE_FLOAT_OPS node? */
export function approximateOutputs(g: Graph): boolean[] {
  const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n.op] as const)));
  return g.outputs.map((o) => g.values[o]?.dtype === 'f32' && APPROXIMATE_FLOAT_OPS.has(producer.get(o) ?? ''));
}

/**
 * Outputs that differ from the interpreter's: bit for bit, except outputs of the float ops the C
 * computes approximately (APPROXIMATE_FLOAT_OPS), which must be within FLOAT_TOLERANCE.
 */
export function mismatches(g: Graph, got: Tensor[], want: Tensor[]): string[] {
  const bad: string[] = [];
  const approx = approximateOutputs(g);
  want.forEach((w, i) => {
    const c = got[i];
    if (!c || c.dtype !== w.dtype || c.data.length !== w.data.length) return void bad.push(`${g.outputs[i]}: ${c?.dtype}[${c?.shape}] vs ${w.dtype}[${w.shape}]`);
    if (approx[i]) {
      const e = relErr(c, w);
      if (!(e <= FLOAT_TOLERANCE)) bad.push(`${g.outputs[i]}: relative error ${e} above ${FLOAT_TOLERANCE}`);
      return;
    }
    let n = 0, first = -1;
    for (let k = 0; k < w.data.length; k++) if (c.data[k] !== w.data[k] && !(Number.isNaN(c.data[k]) && Number.isNaN(w.data[k]))) (n++, first < 0 && (first = k));
    if (n) bad.push(`${g.outputs[i]}: ${n} of ${w.data.length} differ, first at ${first}: ${c.data[first]} vs ${w.data[first]}`);
  });
  return bad;
}

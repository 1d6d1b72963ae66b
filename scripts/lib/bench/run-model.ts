// One model through the whole comparison: quantize, export (float and QDQ ONNX), compile our int8
// and float C, check outputs (SQNR, bit-exactness), then time the four engines in interleaved
// rounds so that load from other processes falls on all of them alike.
import path from 'node:path';
import { isQuantized } from '../../../src/codegen/index.js';
import { run, type Graph, type Tensor } from '../../../src/ir/index.js';
import { exportOnnx } from '../../../src/ir/onnx/index.js';
import { foldedFloat, macsOf, nodeMacs, quantize, type BenchModel } from './models.js';
import { openOrt, ortOutputs, timeOrt, median, type OrtModel } from './ort.js';
import { compile, tempDir, timeOurs, type Compiled } from './ours.js';
import { profileOurs } from './profile.js';
import { ENGINES, perEngine, relDiff, sqnrDb, type Engine, type Row } from './report.js';

export interface RunOptions {
  target: string;
  quantizer: string;
  /** The host's int8 peak for `target` (measurePeak), for the %-of-peak column. */
  peakGmacs: number | null;
  /** Quantizer of the QDQ model onnxruntime int8 runs (default: `quantizer`); x86's u8 QDQ is the form
      onnxruntime fuses into QLinearConv, the xnnpack one (integer Clips after QuantizeLinear) mostly not. */
  ortQuantizer?: string;
  runs: number;
  rounds: number;
  /** Also time our int8 and onnxruntime int8 on this many threads (1: not). */
  threads: number;
  warmup: number;
  verify: boolean;
  /** Also profile our int8 and float C per step (probed build) and with perf. */
  profile: boolean;
  log: (s: string) => void;
}

/** What the device bundle needs from a model that was benchmarked here. */
export interface Prepared {
  model: BenchModel;
  int8: Graph | null;
  float: Graph;
  /** The QDQ model onnxruntime int8 ran. */
  qdqOnnx: string;
  floatOnnx: string;
  reference: Tensor[];
  ours: Tensor[] | null;
  row: Row;
}

/** onnxruntime's QDQ model per (model, quantizer), made once for all our quantizers' rows. */
const ortModels = new Map<string, string | null>();

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

export async function benchModel(m: BenchModel, o: RunOptions): Promise<Prepared> {
  const row: Row = {
    model: m.name, quantizer: o.quantizer, kind: m.kind, macs: macsOf(m), int8MacShare: 0, threads: o.threads, peakGmacs: o.peakGmacs,
    ms: perEngine(() => null), bestMs: perEngine(() => null), rounds: perEngine(() => []),
    sqnr: { oursInt8: null, ortInt8: null, ortFp32: null, oursFloat: null },
    vsInterpreter: null, notes: [], errors: [],
  };
  const tmp = tempDir(m.name);
  const step = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      row.errors.push(`${what}: ${msg(e)}`);
      o.log(`  ${what} failed: ${msg(e)}`);
      return null;
    }
  };
  let t = performance.now();
  const lap = (what: string) => {
    o.log(`  ${what} ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
  };

  let q = step('quantize', () => quantize(m, o.quantizer));
  if (q) row.int8MacShare = q.int8MacShare;
  if (q && !isQuantized(q.graph)) {
    row.notes.push(`quantizer ${o.quantizer} quantizes none of its ops: no int8 columns`);
    q = null;
  }
  const float = foldedFloat(m);
  const reference = run(m.float, [m.input]).outputs;
  lap(`quantized (${o.quantizer}; ${(row.int8MacShare * 100).toFixed(0)}% of MACs in integer ops), float reference`);
  const qdqOnnx = path.join(tmp, 'model.qdq.onnx');
  const floatOnnx = m.floatOnnx ?? path.join(tmp, 'model.onnx');
  const exported = q && step('export QDQ ONNX', () => exportOnnx(q.graph, qdqOnnx)) !== null;
  let ortQdq = exported ? qdqOnnx : null;
  if (o.ortQuantizer && o.ortQuantizer !== o.quantizer) {
    const key = `${m.name}\0${o.ortQuantizer}`;
    if (!ortModels.has(key)) {
      const file = path.join(tmp, `model.${o.ortQuantizer}.qdq.onnx`);
      ortModels.set(key, step(`quantize + export for onnxruntime (${o.ortQuantizer})`, () => exportOnnx(quantize(m, o.ortQuantizer!).graph, file)) === null ? null : file);
    }
    ortQdq = ortModels.get(key)!;
  }
  if (!m.floatOnnx) step('export float ONNX', () => exportOnnx(m.float, floatOnnx));

  const built: Partial<Record<'oursInt8' | 'oursFloat', Compiled>> = {};
  if (q) {
    const c = step(`int8 C (${o.target})`, () => compile(q.graph, o.target, false, `${m.name}-int8`));
    if (c) built.oursInt8 = c;
  }
  const cf = step(`float C (${o.target})`, () => compile(float, o.target, true, `${m.name}-float`));
  if (cf) built.oursFloat = cf;
  lap('compiled our C');

  const sessions: Partial<Record<'ortFp32' | 'ortInt8' | 'ortInt8Threads', OrtModel>> = {};
  const ortRuns = [['ortFp32', floatOnnx, 1], ['ortInt8', ortQdq, 1], ...(o.threads > 1 ? [['ortInt8Threads', ortQdq, o.threads] as const] : [])] as const;
  for (const [e, file, threads] of ortRuns) {
    if (!file) continue;
    try {
      sessions[e] = await openOrt(file, m.input, threads);
      if (e !== 'ortInt8Threads') row.sqnr[e] = sqnrDb(reference, await ortOutputs(sessions[e]!));
    } catch (e2) {
      row.errors.push(`onnxruntime ${e}: ${msg(e2)}`);
      o.log(`  onnxruntime ${e} failed: ${msg(e2)}`);
    }
  }
  let ours: Tensor[] | null = null;
  for (const e of ['oursInt8', 'oursFloat'] as const) {
    const c = built[e];
    if (!c) continue;
    const r = step(`run ${e}`, () => timeOurs(c, m.input, 1));
    if (!r) {
      delete built[e];
      continue;
    }
    row.sqnr[e] = sqnrDb(reference, r.outputs);
    if (e === 'oursInt8') ours = r.outputs;
  }
  if (o.verify && q && ours) row.vsInterpreter = relDiff(run(q.graph, [m.input]).outputs, ours);
  lap('outputs checked');

  for (let r = 0; r < o.rounds; r++) {
    for (const e of ENGINES) {
      const c = e === 'oursInt8' || e === 'oursFloat' ? built[e] : e === 'oursInt8Threads' && o.threads > 1 ? built.oursInt8 : undefined;
      const s = e === 'ortFp32' || e === 'ortInt8' || e === 'ortInt8Threads' ? sessions[e] : undefined;
      if (c) {
        const got = step(`time ${e}`, () => timeOurs(c, m.input, o.runs, e === 'oursInt8Threads' ? o.threads : 1).ms);
        if (got === null && e !== 'oursInt8Threads') delete built[e as 'oursInt8' | 'oursFloat'];
        else if (got !== null) row.rounds[e].push(got);
      } else if (s) row.rounds[e].push(await timeOrt(s, o.runs, r === 0 ? o.warmup : 0));
    }
  }
  for (const e of ENGINES) {
    const xs: number[] = row.rounds[e as Engine];
    row.ms[e] = xs.length ? median(xs) : null;
    row.bestMs[e] = xs.length ? Math.min(...xs) : null;
  }
  for (const s of Object.values(sessions)) await s.session.release();
  lap(`timed ${o.rounds} rounds x ${o.runs} runs`);
  if (o.profile && built.oursInt8) {
    const c = built.oursInt8;
    const g = q!.graph;
    const macs = new Map(g.nodes.map((n) => [n.name, nodeMacs(g, n.name)]));
    row.profile = step('profile', () => profileOurs(c, m.input, o.runs, (n) => macs.get(n) ?? 0, o.threads)) ?? undefined;
    lap('profiled');
  }
  if (o.profile && built.oursFloat) {
    const c = built.oursFloat;
    const macs = new Map(float.nodes.map((n) => [n.name, nodeMacs(float, n.name)]));
    row.floatProfile = step('profile float C', () => profileOurs(c, m.input, o.runs, (n) => macs.get(n) ?? 0)) ?? undefined;
    lap('profiled float C');
  }
  return { model: m, int8: q?.graph ?? null, float, qdqOnnx: ortQdq ?? qdqOnnx, floatOnnx, reference, ours, row };
}

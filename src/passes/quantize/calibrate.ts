// calibrate: runs the prepared graph over a dataset with the interpreter (the samples' forward
// passes spread over worker threads: sample-runner.ts, which feeds the observers in sample order,
// so the result does not depend on how many run at once). Observers live in a
// side table keyed by sharing group (one instance per group, fed by every observe node of the
// group, in execution order — as PT2E calls one shared module at several positions); at the end
// each observe node gets its group's scale/zero_point and observed range as attributes.
import { diag, fail, type Diagnostic } from '../../diagnostics/index.js';
import { lookup, type Attrs, type Graph, type Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import type { DType } from '../../ir/dtype.js';
import type { QuantParams } from '../../ir/types.js';
import { definePass } from '../manager/pass.js';
import { loadDataset, type Dataset } from './dataset.js';
import { derive } from './derive.js';
import { createObserver, type Observer, type ObserverConfig } from './observers.js';
import { makeRange, type QScheme } from './qparams.js';
import { runSamples } from './sample-runner.js';

export interface CalibrateOptions {
  /** Draw a progress bar on stderr (default: only when stderr is a TTY). */
  progress?: boolean;
  /**
   * Forward passes at once (worker threads plus this one); 1 runs every sample in this thread.
   * Default: the idle cores (cores minus the load average). The results do not depend on it.
   */
  jobs?: number;
}

export interface Calibrated {
  graph: Graph;
  /** Group id -> its observer (statistics groups only). */
  observers: Map<number, Observer>;
  samples: number;
  /** Threads that ran the forward passes (see CalibrateOptions.jobs). */
  threads: number;
  warnings: Diagnostic[];
}

/** The observers.ts config an observe node's attributes describe. */
export function observerConfig(n: Node, rank: number): ObserverConfig {
  const a = n.attrs;
  const kind = (a['observer'] as string | undefined) ?? 'minmax';
  const granularity = (a['granularity'] as string | undefined) ?? 'per-tensor';
  const range = makeRange(a['dtype'] as DType, ((a['scheme'] as string | undefined) ?? 'affine') as QScheme, {
    qmin: a['qmin'] as number | undefined,
    qmax: a['qmax'] as number | undefined,
    eps: a['eps'] as number | undefined,
  });
  const axis = a['axis'] as number | undefined;
  const cfg: ObserverConfig = { kind: 'minmax', range, ...(axis !== undefined ? { axis: axis < 0 ? axis + rank : axis } : {}) };
  if (a['group_size'] !== undefined) cfg.groupSize = a['group_size'] as number;
  if (a['bins'] !== undefined) cfg.bins = a['bins'] as number;
  if (a['upsample_rate'] !== undefined) cfg.upsampleRate = a['upsample_rate'] as number;
  if (a['averaging_constant'] !== undefined) cfg.averagingConstant = a['averaging_constant'] as number;
  if (a['percentile'] !== undefined) cfg.percentile = a['percentile'] as number;
  if (granularity === 'per-tensor') cfg.kind = kind as ObserverConfig['kind'];
  else if (kind === 'minmax') cfg.kind = granularity === 'per-channel' ? 'per-channel-minmax' : 'per-group-minmax';
  else fail('QUANT_SPEC', `the ${kind} observer has no ${granularity} form; use minmax`, { node: n });
  return cfg;
}

class Progress {
  private last = -1;
  constructor(
    private readonly total: number,
    private readonly on: boolean,
  ) {}
  tick(done: number): void {
    if (!this.on) return;
    const width = 30, filled = Math.round((done / this.total) * width);
    if (filled === this.last && done !== this.total) return;
    this.last = filled;
    process.stderr.write(`\rcalibrating [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${this.total}`);
    if (done === this.total) process.stderr.write('\n');
  }
}

export function calibrate(g: Graph, data: Dataset, opts: CalibrateOptions = {}): Calibrated {
  if (opts.jobs !== undefined && !(Number.isInteger(opts.jobs) && opts.jobs >= 1)) fail('QUANT_CONFIG', `calibration jobs must be a whole number ≥ 1, got ${opts.jobs}`);
  const warnings: Diagnostic[] = [];
  const obsNodes = g.nodes.filter((n) => n.op === 'observe');
  if (!obsNodes.length) warnings.push(diag('QUANT_UNCALIBRATED', `graph '${g.name}' has no observe nodes; run prepare first`));
  const observers = new Map<number, Observer>();
  const rankOf = (n: Node) => lookup(g.values, n.inputs[0]!)!.shape.length;
  for (const n of obsNodes) {
    const kind = n.attrs['observer'];
    const gid = n.attrs['group'] as number;
    if (kind === 'fixed' || kind === 'derived' || n.attrs['dynamic'] || observers.has(gid)) continue;
    observers.set(gid, createObserver(observerConfig(n, rankOf(n)), (n.attrs['tensor'] as string | undefined) ?? n.inputs[0]!));
  }
  const constantFed = new Set(obsNodes.filter((n) => lookup(g.constants, n.inputs[0]!) !== undefined).map((n) => n.name));
  const progress = new Progress(data.size, opts.progress ?? !!process.stderr.isTTY);
  const groupOf = (n: Node) => n.attrs['group'] as number;
  const fed = obsNodes.filter((n) => observers.has(groupOf(n)));
  // Constants are the same every run: observing them once keeps histograms from piling up.
  const later = fed.filter((n) => !constantFed.has(n.name));
  const threads = runSamples(g, data, new Set(fed), new Set(later), (n, out) => observers.get(groupOf(n))!.observe(out), {
    ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
    onSample: (done) => progress.tick(done),
  });

  // qparams per group: statistics first, then fixed, then derived from those.
  const results = new Map<number, { q: QuantParams; min?: number[]; max?: number[] }>();
  for (const [gid, o] of observers) {
    const r = o.observedRange();
    const seen = r.min.length > 0 && r.min.every(Number.isFinite);
    const n = obsNodes.find((x) => x.attrs['group'] === gid)!;
    const tensorName = (n.attrs['tensor'] as string | undefined) ?? n.inputs[0];
    if (!seen) warnings.push(diag('QUANT_UNCALIBRATED', `observer of '${tensorName}' saw no values; it gets scale 1, zero point 0 (as PyTorch)`, { node: n }));
    const q = o.qparams();
    if (![...q.scale, ...q.zeroPoint].every(Number.isFinite)) {
      // e.g. x · 3.4e38: every value is finite but max − min overflows float32.
      fail('QUANT_NONFINITE', `observer of '${tensorName}' saw the range [${r.min.join(', ')}] .. [${r.max.join(', ')}], too wide for float32 qparams (scale ${q.scale.join(', ')})`, {
        node: n,
        hint: 'leave this tensor unquantized (skip its node in the quantizer) or bound its values',
      });
    }
    // An activation that held one value over the whole data set (all zeros, a constant input) gets
    // a scale that says nothing about real inputs: quantizing goes through, but not silently.
    if (seen && !constantFed.has(n.name) && r.min.every((m, c) => m === r.max[c]))
      warnings.push(
        diag('QUANT_CALIB_DATA', `'${tensorName}' was ${r.min[0]} everywhere in all ${data.size} calibration sample${data.size === 1 ? '' : 's'}; its scale ${q.scale[0]} is a guess`, {
          node: n,
          hint: 'calibrate on representative inputs, not zeros or a constant',
        }),
      );
    results.set(gid, { q, ...(seen ? { min: r.min.map(fround), max: r.max.map(fround) } : {}) });
  }
  for (const n of obsNodes)
    if (n.attrs['observer'] === 'fixed') results.set(n.attrs['group'] as number, { q: { scale: n.attrs['scale'] as number[], zeroPoint: n.attrs['zero_point'] as number[] } });
  for (const n of obsNodes) {
    if (n.attrs['observer'] !== 'derived') continue;
    const from = (n.attrs['derived_from'] as number[]).map((gid) => results.get(gid)?.q);
    if (from.some((q) => !q)) fail('QUANT_UNCALIBRATED', 'a derived spec depends on a group without qparams (dynamic or derived)', { node: n });
    results.set(n.attrs['group'] as number, { q: derive(n, from as QuantParams[]) });
  }

  const nodes = g.nodes.map((n) => {
    const r = n.op === 'observe' ? results.get(n.attrs['group'] as number) : undefined;
    if (!r) return n;
    const attrs: Attrs = { ...n.attrs, scale: r.q.scale.map(fround), zero_point: [...r.q.zeroPoint] };
    if (r.q.axis !== undefined) attrs['axis'] = r.q.axis;
    if (r.min) [attrs['min'], attrs['max']] = [r.min, r.max!];
    return { ...n, attrs };
  });
  return { graph: { ...g, nodes }, observers, samples: data.size, threads, warnings };
}

export const calibratePass = definePass({
  kind: 'transform',
  name: 'calibrate',
  description: 'runs the prepared graph over calibration data (.npy with a leading sample axis, or a folder) and stores qparams in the observers',
  options: {
    data: { type: 'string', default: '', doc: 'calibration data: a .npy file (samples along axis 0) or a folder of .npy files' },
    progress: { type: 'bool', default: false, doc: 'draw a progress bar on stderr (only on a TTY)' },
    jobs: { type: 'int', default: 0, min: 0, doc: 'forward passes at once (worker threads plus the main one); 0: the idle cores' },
  },
  transform(ctx) {
    if (!ctx.options.data) fail('QUANT_CALIB_DATA', 'calibrate needs data=<file.npy or folder>');
    const c = calibrate(ctx.input, loadDataset(ctx.options.data, ctx.input), {
      progress: ctx.options.progress && !!process.stderr.isTTY,
      ...(ctx.options.jobs ? { jobs: ctx.options.jobs } : {}),
    });
    c.warnings.forEach((w) => ctx.warn(w));
    ctx.count('samples', c.samples);
    ctx.count('observers', c.observers.size);
    return c.graph;
  },
});

// Benchmark results: one row per model, SQNR against the float reference, speed ratios, and the
// table (Markdown, so it can go into the README as printed) plus the JSON form.
import type { Tensor } from '../../../src/ir/index.js';
import type { Profile } from './profile.js';

/** The *Threads engines run our int8 C on a ctx of `threads` threads and onnxruntime int8 at intraOp `threads`
    (only with --threads N > 1). */
export const ENGINES = ['oursInt8', 'oursFloat', 'ortFp32', 'ortInt8', 'oursInt8Threads', 'ortInt8Threads'] as const;
export type Engine = (typeof ENGINES)[number];

/** A record with one entry per engine. */
export const perEngine = <T>(v: () => T): Record<Engine, T> => Object.fromEntries(ENGINES.map((e) => [e, v()])) as Record<Engine, T>;

export interface Row {
  model: string;
  /** Our quantizer for this row (onnxruntime's int8 model is the same for every row of a model). */
  quantizer: string;
  kind: 'fixture' | 'zoo';
  macs: number;
  /** Share of the MACs in integer ops after lowering (1: the whole network runs in int8). */
  int8MacShare: number;
  /** Thread count of the *Threads engines (1: they were not run). */
  threads: number;
  /** Median over rounds of each round's median, ms; null where that engine failed. */
  ms: Record<Engine, number | null>;
  /** Fastest round's median, ms (the least disturbed by other load). */
  bestMs: Record<Engine, number | null>;
  /** Each round's median, ms. */
  rounds: Record<Engine, number[]>;
  /** dB against the float reference (our interpreter on the float model); Infinity: identical. */
  sqnr: { oursInt8: number | null; ortInt8: number | null; ortFp32: number | null; oursFloat: number | null };
  /** Our int8 C output against our interpreter on the lowered graph: largest |difference| relative to
      max(1, max |value|); 0 is bit-exact (nonzero only from ops the quantizer left in float). null: not checked. */
  vsInterpreter: number | null;
  /** The host's measured int8 peak, GMAC/s on one core (null: not measurable for this target here). */
  peakGmacs: number | null;
  /** Why a column is empty without a failure (e.g. the quantizer left the model in float). */
  notes: string[];
  errors: string[];
  profile?: Profile;
  /** The same per-step profile of our float C (--profile). */
  floatProfile?: Profile;
}

/** 10·log10(Σref² / Σ(ref − got)²) over all outputs; Infinity when they are identical. */
export function sqnrDb(ref: Tensor[], got: Tensor[]): number {
  let s = 0, n = 0;
  ref.forEach((r, k) => {
    const g = got[k];
    if (!g || g.data.length !== r.data.length) throw new Error(`output ${k}: ${g?.data.length ?? 'no'} values, expected ${r.data.length}`);
    for (let i = 0; i < r.data.length; i++) {
      const a = Number(r.data[i]), e = a - Number(g.data[i]);
      s += a * a;
      n += e * e;
    }
  });
  return n === 0 ? Infinity : 10 * Math.log10(s / n);
}

export const sameBits = (a: Tensor[], b: Tensor[]): boolean =>
  a.length === b.length && a.every((t, k) => t.data.length === b[k]!.data.length && t.data.every((v, i) => v === b[k]!.data[i]));

/** Largest |got − want| relative to max(1, max |want|) over all outputs (0: equal). */
export function relDiff(want: Tensor[], got: Tensor[]): number {
  let m = 0, s = 1;
  want.forEach((w, k) => {
    for (let i = 0; i < w.data.length; i++) {
      s = Math.max(s, Math.abs(Number(w.data[i])));
      m = Math.max(m, Math.abs(Number(w.data[i]) - Number(got[k]!.data[i])));
    }
  });
  return m / s;
}

const ratio = (num: number | null, den: number | null) => (num !== null && den !== null && den > 0 ? num / den : null);

/** onnxruntime's best single-thread configuration: the faster of fp32 and int8 (null if neither ran). */
const ortBest = (r: Row): number | null => {
  const xs = [r.ms.ortFp32, r.ms.ortInt8].filter((v): v is number => v !== null);
  return xs.length ? Math.min(...xs) : null;
};

export function derived(r: Row) {
  const i8 = r.ms.oursInt8;
  const gmacPerS = i8 ? r.macs / (i8 * 1e6) : null;
  return {
    ortBestMs: ortBest(r),
    /** >1: our int8 is faster than onnxruntime's best by that factor (the headline ratio). */
    vsOrtBest: ratio(ortBest(r), i8),
    /** Our int8 GMAC/s as a share of the host's measured int8 peak. */
    ofPeak: gmacPerS !== null && r.peakGmacs ? gmacPerS / r.peakGmacs : null,
    /** Our float C against onnxruntime fp32 (>1: ours faster). */
    floatVsOrtFp32: ratio(r.ms.ortFp32, r.ms.oursFloat),
    /** >1: our int8 is faster by that factor. */
    vsOrtInt8: ratio(r.ms.ortInt8, i8),
    vsOrtFp32: ratio(r.ms.ortFp32, i8),
    vsOursFloat: ratio(r.ms.oursFloat, i8),
    gmacPerS,
    /** Our int8 on `threads` threads against our int8 on one (>1: faster). */
    threadSpeedup: ratio(i8, r.ms.oursInt8Threads),
    vsOrtInt8Threads: ratio(r.ms.ortInt8Threads, r.ms.oursInt8Threads),
  };
}

const fmtMs = (v: number | null) => (v === null ? '–' : v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1));
const fmtX = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)}x`);
const fmtDb = (v: number | null) => (v === null ? '–' : v === Infinity ? 'exact' : v.toFixed(1));
function fmtMacs(m: number): string {
  if (m >= 1e9) return `${(m / 1e9).toFixed(2)} G`;
  if (m >= 1e6) return `${(m / 1e6).toFixed(1)} M`;
  return `${(m / 1e3).toFixed(1)} k`;
}

/** 100% only when every MAC is in an integer op. */
const share = (x: number) => (x === 1 ? '100%' : x >= 0.995 ? '>99%' : `${(x * 100).toFixed(0)}%`);

const HEADER = ['model', 'quantizer', 'MACs', 'int8 MACs', 'ours int8 ms', 'ours float ms', 'ort fp32 ms', 'ort int8 ms', 'vs ort best', 'vs ort int8', 'vs ort fp32', 'float vs ort fp32', 'int8 GMAC/s', '% of peak', 'SQNR ours int8 dB', 'SQNR ort int8 dB', 'ours vs interp.'];

/** Columns added by --threads N: our int8 and onnxruntime int8 on N threads, our speed-up over one thread. */
const threadHeader = (n: number) => [`ours int8 ms ${n}T`, `ort int8 ms ${n}T`, `${n}T speed-up`, `vs ort int8 ${n}T`];

export function table(rows: Row[]): string {
  const threads = Math.max(1, ...rows.map((r) => r.threads));
  const header = threads > 1 ? [...HEADER, ...threadHeader(threads)] : HEADER;
  const body = rows.map((r) => {
    const d = derived(r);
    const mt = threads > 1 ? [fmtMs(r.ms.oursInt8Threads), fmtMs(r.ms.ortInt8Threads), fmtX(d.threadSpeedup), fmtX(d.vsOrtInt8Threads)] : [];
    return [
      r.model, r.quantizer, fmtMacs(r.macs), share(r.int8MacShare),
      fmtMs(r.ms.oursInt8), fmtMs(r.ms.oursFloat), fmtMs(r.ms.ortFp32), fmtMs(r.ms.ortInt8),
      fmtX(d.vsOrtBest), fmtX(d.vsOrtInt8), fmtX(d.vsOrtFp32), fmtX(d.floatVsOrtFp32), d.gmacPerS === null ? '–' : d.gmacPerS.toFixed(1),
      d.ofPeak === null ? '–' : `${(d.ofPeak * 100).toFixed(0)}%`,
      fmtDb(r.sqnr.oursInt8), fmtDb(r.sqnr.ortInt8), r.vsInterpreter === null ? '–' : r.vsInterpreter === 0 ? 'exact' : r.vsInterpreter.toExponential(0),
      ...mt,
    ];
  });
  const all = [header, ...body];
  const w = header.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((s, c) => (c === 0 ? s.padEnd(w[c]!) : s.padStart(w[c]!))).join(' | ')} |`;
  return [line(header), `|${w.map((n, c) => (c === 0 ? ':' : '') + '-'.repeat(n + 1) + (c === 0 ? '' : ':')).join('|')}|`, ...body.map(line)].join('\n');
}

/** JSON-safe copy (Infinity SQNR becomes the string "exact"). */
export function jsonRows(rows: Row[]): unknown[] {
  return rows.map((r) => ({
    ...r,
    ...derived(r),
    sqnr: Object.fromEntries(Object.entries(r.sqnr).map(([k, v]) => [k, v === Infinity ? 'exact' : v])),
  }));
}

// --profile: where our int8 C (and float C) spends its time, layer by layer. The generated <name>_run_ctx opens each
// step of a node with a comment `/* node (op): what */` at the top level of the function; a
// profiling copy of the sources gets a clock read before each of them (and before the return),
// sums the time per step over the benchmark runs, and prints the sums at exit. The clock is the
// thread's CPU time, so other processes' load does not land on whichever step was preempted.
// With --threads N the probed build also runs on 1 and on N threads with a wall clock
// (QF_PROF_WALL): CPU time of the calling thread says nothing about work spread over N threads;
// the steps that lose most against a perfect 1/N are the ones that do not scale.
// Steps are grouped by what they do (im2col or implicit GEMM, pointwise GEMM, depthwise, layout remap...).
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildC, runC } from '../../../src/codegen/index.js';
import type { Tensor } from '../../../src/ir/index.js';
import { writeNpy } from '../../../src/ir/npy.js';
import { tempDir, type Compiled } from './ours.js';

export interface Step {
  node: string;
  op: string;
  what: string;
  /** Mean ms of thread CPU time per model run. */
  ms: number;
  /** int8 MACs of the node (0 for data movement and elementwise steps). */
  macs: number;
  /** Wall ms per run on 1 thread and on `Profile.threads` threads (only when profiled with threads > 1). */
  wall1?: number;
  wallN?: number;
}

export interface Profile {
  steps: Step[];
  /** ms per run by kind of step. */
  byKind: Record<string, { ms: number; macs: number }>;
  totalMs: number;
  /** Thread count of the wall-clock comparison (absent: none made). */
  threads?: number;
  /** perf's top symbols (% of samples), when perf is installed. */
  perf?: { symbol: string; pct: number }[];
}

const MARK = /^ {2}\/\* (.+?) \((\w+)\): (.*) \*\/$/;

/** The step's kind, from the op and the generator's description. */
export function kindOf(op: string, what: string): string {
  if (/im2col GEMM|implicit GEMM/.test(what)) return 'GEMM (KxK conv: im2col or implicit)';
  if (/pointwise GEMM/.test(what)) return 'GEMM (1x1 conv)';
  if (/depthwise/.test(what)) return 'depthwise conv';
  if (/NHWC|plain/.test(what) && /->/.test(what) && op !== 'quantize' && op !== 'requantize') return 'layout remap';
  if (op === 'qlinear' || op === 'qmatmul') return 'GEMM (linear)';
  return op;
}

/** Adds the probes to <dir>/<name>.c (the `<name>_run_ctx` function); returns the step labels. */
function instrument(file: string, fn: string): { node: string; op: string; what: string }[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`int ${fn}(`));
  if (start < 0) throw new Error(`${file}: no function ${fn}`);
  const labels: { node: string; op: string; what: string }[] = [];
  const out = lines.slice(0, start);
  out.push('static double qf_prof_ns[QF_PROF_N + 1]; static long qf_prof_runs; static int qf_prof_cur = -1; static struct timespec qf_prof_t;',
    'static void qf_prof(int k) { static int wall = -1; if (wall < 0) wall = getenv("QF_PROF_WALL") != NULL;',
    '  struct timespec t; clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &t);',
    '  if (qf_prof_cur >= 0) qf_prof_ns[qf_prof_cur] += (double)(t.tv_sec - qf_prof_t.tv_sec) * 1e9 + (double)(t.tv_nsec - qf_prof_t.tv_nsec);',
    '  qf_prof_cur = k; qf_prof_t = t; if (k == QF_PROF_N) { qf_prof_runs++; qf_prof_cur = -1; } }',
    '__attribute__((destructor)) static void qf_prof_dump(void) { const char *f = getenv("QF_PROF_OUT"); FILE *o = f ? fopen(f, "w") : NULL;',
    '  if (!o) return; for (int k = 0; k < QF_PROF_N; k++) fprintf(o, "%d %.1f %ld\\n", k, qf_prof_ns[k], qf_prof_runs); fclose(o); }');
  let i = start;
  for (; i < lines.length && lines[i] !== '}'; i++) {
    const l = lines[i]!, m = MARK.exec(l);
    if (m) {
      out.push(`  qf_prof(${labels.length});`);
      labels.push({ node: m[1]!, op: m[2]!, what: m[3]! });
    } else if (/^ {2}return\b/.test(l)) out.push('  qf_prof(QF_PROF_N);');
    out.push(l);
  }
  out.push(...lines.slice(i));
  // -std=c99 hides clock_gettime unless POSIX is asked for before the first include.
  const head = ['#define _POSIX_C_SOURCE 200809L', '#include <stdio.h>', '#include <stdlib.h>', '#include <time.h>', `#define QF_PROF_N ${labels.length}`];
  writeFileSync(file, [...head, ...out].join('\n'));
  return labels;
}

/** perf's top symbols over `runs` runs of the unprobed binary (undefined without a working perf). */
function perfSymbols(c: Compiled, input: Tensor, runs: number): Profile['perf'] {
  if (spawnSync('perf', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const dir = tempDir('perf'), data = path.join(dir, 'perf.data'), x = path.join(dir, 'input.npy');
  writeNpy(x, input);
  const rec = spawnSync('perf', ['record', '-q', '-o', data, '--', ...c.build.runner, c.build.exe, '-i', `x=${x}`, '-o', dir, '--bench', String(runs)], { encoding: 'utf8' });
  if (rec.status !== 0) return undefined;
  const rep = spawnSync('perf', ['report', '-i', data, '--stdio', '--sort', 'symbol'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return [...(rep.stdout ?? '').matchAll(/^\s+([\d.]+)%\s+\[\.\]\s+(\S+)/gm)].slice(0, 8).map((m) => ({ symbol: m[2]!, pct: Number(m[1]) }));
}

/** ms per run of each step of a probed build (wall: the monotonic clock instead of thread CPU time). */
function probedRun(build: ReturnType<typeof buildC>, dir: string, input: Tensor, runs: number, threads: number, wall: boolean): number[] {
  const out = path.join(dir, `profile-${threads}-${wall ? 'wall' : 'cpu'}.txt`);
  process.env['QF_PROF_OUT'] = out;
  if (wall) process.env['QF_PROF_WALL'] = '1';
  try {
    runC(build, { inputs: [input], bench: runs, threads });
  } finally {
    delete process.env['QF_PROF_OUT'];
    delete process.env['QF_PROF_WALL'];
  }
  return readFileSync(out, 'utf8').trim().split('\n').map((l) => {
    const [, ns, n] = l.split(' ').map(Number) as [number, number, number];
    return ns / n / 1e6;
  });
}

/** Builds a probed copy of the compiled (int8 or float) model, runs it `runs` times, and sums the time per step;
 *  with threads > 1 also the wall time per step on 1 and on `threads` threads. */
export function profileOurs(c: Compiled, input: Tensor, runs: number, macsOf: (node: string) => number, threads = 1): Profile {
  const dir = tempDir('profile');
  for (const f of readdirSync(c.dir)) if (/\.(c|h)$/.test(f)) copyFileSync(path.join(c.dir, f), path.join(dir, f));
  const labels = instrument(path.join(dir, 'model.c'), 'model_run_ctx');
  const build = buildC(dir, c.target, { name: 'model' });
  const cpu = probedRun(build, dir, input, runs, 1, false);
  const wall = threads > 1 ? [probedRun(build, dir, input, runs, 1, true), probedRun(build, dir, input, runs, threads, true)] : undefined;
  const steps: Step[] = cpu.map((ms, k) => {
    const lab = labels[k]!;
    // A node's layout remap and its GEMM are separate steps: the MACs belong to the compute step.
    const macs = kindOf(lab.op, lab.what) === 'layout remap' ? 0 : macsOf(lab.node);
    return { ...lab, ms, macs, ...(wall ? { wall1: wall[0]![k], wallN: wall[1]![k] } : {}) };
  });
  const byKind: Record<string, { ms: number; macs: number }> = {};
  for (const s of steps) {
    const k = (byKind[kindOf(s.op, s.what)] ??= { ms: 0, macs: 0 });
    k.ms += s.ms;
    k.macs += s.macs;
  }
  const perf = perfSymbols(c, input, runs);
  return { steps, byKind, totalMs: steps.reduce((a, s) => a + s.ms, 0), ...(wall ? { threads } : {}), ...(perf ? { perf } : {}) };
}

/** Text report: time by kind of step, the slowest steps, perf's symbols. */
export function formatProfile(model: string, p: Profile, top = 12): string {
  const pct = (ms: number) => `${((100 * ms) / p.totalMs).toFixed(1).padStart(5)}%`;
  const rate = (macs: number, ms: number) => (macs && ms ? `${(macs / (ms * 1e6)).toFixed(1).padStart(6)} GMAC/s` : ''.padStart(13));
  const kinds = Object.entries(p.byKind).sort((a, b) => b[1].ms - a[1].ms);
  const steps = [...p.steps].sort((a, b) => b.ms - a.ms).slice(0, top);
  return [
    `${model}: ${p.totalMs.toFixed(2)} ms of thread CPU time per run (probed build, mean)`,
    '  by kind of step:',
    ...kinds.map(([k, v]) => `    ${k.padEnd(28)} ${v.ms.toFixed(3).padStart(8)} ms ${pct(v.ms)} ${rate(v.macs, v.ms)}`),
    `  slowest ${steps.length} steps:`,
    ...steps.map((s) => `    ${s.ms.toFixed(3).padStart(8)} ms ${pct(s.ms)} ${rate(s.macs, s.ms)}  ${s.node} (${s.op}): ${s.what}`),
    ...(p.threads ? scaling(p, p.threads, top) : []),
    ...(p.perf ? ['  perf, top symbols:', ...p.perf.map((x) => `    ${x.pct.toFixed(1).padStart(5)}%  ${x.symbol}`)] : []),
  ].join('\n');
}

/** Wall time on 1 and N threads, in total and for the steps that lose most against a perfect 1/N. */
function scaling(p: Profile, n: number, top: number): string[] {
  const sum = (f: (s: Step) => number) => p.steps.reduce((a, s) => a + f(s), 0);
  const w1 = sum((s) => s.wall1 ?? 0), wn = sum((s) => s.wallN ?? 0);
  const lost = (s: Step) => (s.wallN ?? 0) - (s.wall1 ?? 0) / n;
  const worst = [...p.steps].sort((a, b) => lost(b) - lost(a)).slice(0, top);
  return [
    `  wall clock, 1 vs ${n} threads: ${w1.toFixed(3)} -> ${wn.toFixed(3)} ms (${(w1 / wn).toFixed(2)}x; the steps' sum, probes included)`,
    `  steps losing most against 1/${n} of their 1-thread time (1T ms, ${n}T ms, speed-up, lost ms):`,
    ...worst.map((s) => `    ${s.wall1!.toFixed(3).padStart(8)} ${s.wallN!.toFixed(3).padStart(8)} ${(s.wall1! / s.wallN!).toFixed(2).padStart(5)}x ${lost(s).toFixed(3).padStart(7)}  ${s.node} (${s.op}): ${s.what}`),
  ];
}

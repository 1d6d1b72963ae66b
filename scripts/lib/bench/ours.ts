// Our generated C, timed inside its own harness: `--bench N` runs the model once untimed (the
// warm-up: page faults on the constants, cold caches), then N timed runs, and prints their median;
// process startup is never timed. Every build happens in a folder under os.tmpdir().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildC, generateC, runC, type BuildResult } from '../../../src/codegen/index.js';
import type { Graph, Tensor } from '../../../src/ir/index.js';

export interface Compiled {
  /** The generated sources' folder (kept until cleanBuilds, for the device bundle's static builds). */
  dir: string;
  build: BuildResult;
  target: string;
  constBytes: number;
  buildMs: number;
}

const dirs: string[] = [];
/** A fresh folder under os.tmpdir(), removed by cleanTemp. */
export function tempDir(tag: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `qforge-bench-${tag}-`));
  dirs.push(dir);
  return dir;
}

/** Removes every folder made by tempDir in this process (called once at the end). */
export function cleanTemp(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function compile(g: Graph, target: string, float: boolean, tag: string): Compiled {
  const dir = tempDir(tag);
  const gen = generateC(g, { target, name: 'model', float });
  for (const [f, text] of gen.files) writeFileSync(path.join(dir, f), text);
  const t = performance.now();
  const build = buildC(dir, gen.target, { name: 'model' });
  return { dir, build, target: gen.target.name, constBytes: gen.constBytes, buildMs: performance.now() - t };
}

/** One harness process: the outputs of the untimed run and the median of `runs` timed ones (on a ctx of `threads`). */
export function timeOurs(c: Compiled, input: Tensor, runs: number, threads = 1): { ms: number; outputs: Tensor[] } {
  const r = runC(c.build, { inputs: [input], bench: runs, threads });
  if (r.medianMs === undefined) throw new Error(`${c.build.exe} printed no median_ms`);
  return { ms: r.medianMs, outputs: r.outputs };
}

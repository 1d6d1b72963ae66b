// Seeded, bounded mutation fuzzing for the test suite. Every case is a pure function of (seed,
// case index), so a failure names what replays it; QF_RUNS=N runs N cases per fuzzer instead of
// the default (QF_SEED=S picks another seed). A case passes when the code under test returns or
// throws a QforgeError (a clean diagnostic); any other exception (an internal error: a stack
// trace, exit 70 at the CLI) or a case that runs past its time budget (a hang) fails.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QforgeError } from '../../src/diagnostics/index.js';
import { expect } from 'vitest';
import { numel, run, tensor, verify, type Graph } from '../../src/ir/index.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { mulberry32 } from '../../src/util/prng.js';

export const runs = (fallback: number): number => Number(process.env.QF_RUNS) || fallback;
export const SEED = Number(process.env.QF_SEED) || 20261207;

export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  bool(p?: number): boolean;
}

export function rng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: (xs) => xs[int(0, xs.length - 1)]!, bool: (p = 0.5) => next() < p };
}

/** A case's time budget: far above any clean run, far below the test timeout. */
const BUDGET_MS = 5000;

/**
 * Runs `fn` on one fuzz case. A QforgeError is a pass; any other exception or an overlong run
 * fails with the case's name and the path of a file holding its input, for replay.
 */
export function expectClean(what: string, input: Uint8Array | string, fn: () => void): 'ok' | 'diagnostic' {
  const t0 = performance.now();
  let outcome: 'ok' | 'diagnostic' = 'ok';
  try {
    fn();
  } catch (e) {
    if (!(e instanceof QforgeError)) throw new Error(`${what}: internal error (${(e as Error)?.message}); input saved as ${save(what, input)}`, { cause: e });
    outcome = 'diagnostic';
  }
  const ms = performance.now() - t0;
  if (ms > BUDGET_MS) throw new Error(`${what}: took ${ms.toFixed(0)} ms (a hang?); input saved as ${save(what, input)}`);
  return outcome;
}

export interface Outcomes {
  ok: number;
  diagnostic: number;
}

/**
 * Runs `count` cases of one fuzzer: `make(i, r)` builds case i from the shared seeded stream (its
 * input, and a file name suffix such as `(model).onnx` for the saved reproducer), `check` tests it
 * (see expectClean). Returns how many ended cleanly and how many with a diagnostic.
 */
export function fuzz<T extends Uint8Array | string>(
  kind: string,
  seed: number,
  count: number,
  make: (i: number, r: Rng) => { input: T; suffix: string },
  check: (input: T, i: number) => void,
): Outcomes {
  const r = rng(seed);
  const outcomes: Outcomes = { ok: 0, diagnostic: 0 };
  for (let i = 0; i < count; i++) {
    const { input, suffix } = make(i, r);
    outcomes[expectClean(`${kind} seed ${seed} case ${i} ${suffix}`, input, () => check(input, i))]++;
  }
  return outcomes;
}

let saveDir: string | undefined;
function save(what: string, input: Uint8Array | string): string {
  saveDir ??= mkdtempSync(join(tmpdir(), 'qforge-fuzz-'));
  const file = join(saveDir, what.replace(/[^A-Za-z0-9._-]+/g, '_'));
  writeFileSync(file, input);
  return file;
}

/** Runs a graph that came through on zero inputs, when it is small enough to be quick. */
export function runSmall(g: Graph, maxElements = 1 << 16): void {
  const total = Object.values(g.values).reduce((s, t) => s + numel(t.shape), 0);
  if (!Number.isFinite(total) || total > maxElements) return;
  run(g, g.inputs.map((v) => tensor(g.values[v]!.dtype, g.values[v]!.shape)));
}

/** The ONNX fuzzers' check: what imports must verify and, when small, run. */
export function importChecked(bytes: Uint8Array): void {
  const g = importOnnx(bytes);
  expect(verify(g)).toEqual([]);
  runSmall(g);
}

/** Both outcomes occur, or the mutations are too tame (never a diagnostic) or too wild (never clean) to test anything. */
export function expectBothOutcomes(o: Outcomes): void {
  expect(o.ok).toBeGreaterThan(0);
  expect(o.diagnostic).toBeGreaterThan(0);
}

/** Byte-level mutations: flips, interesting values, insertions, deletions, copies, truncation. */
export function mutateBytes(src: Uint8Array, r: Rng, count = r.int(1, 4)): Uint8Array {
  let b: Uint8Array = Uint8Array.from(src);
  const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x08, 0x12, 0x1a, 0x22];
  for (let k = 0; k < count && b.length; k++) {
    const at = r.int(0, b.length - 1);
    switch (r.int(0, 5)) {
      case 0: b[at]! ^= 1 << r.int(0, 7); break;
      case 1: b[at] = r.pick(INTERESTING); break;
      case 2: b = concat(b.subarray(0, at), Uint8Array.from({ length: r.int(1, 8) }, () => r.int(0, 255)), b.subarray(at)); break;
      case 3: b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + r.int(1, 16)))); break;
      case 4: { const len = r.int(1, 32); b = concat(b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)); break; }
      default: b = b.subarray(0, at);
    }
  }
  return b;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

/** Token-level mutations of a token list (images): delete, duplicate, swap, replace from a vocabulary. */
export function mutateTokens(tokens: readonly string[], vocab: readonly string[], r: Rng, count = r.int(1, 3)): string[] {
  const t = [...tokens];
  for (let k = 0; k < count && t.length; k++) {
    const at = r.int(0, t.length - 1);
    switch (r.int(0, 4)) {
      case 0: t.splice(at, 1); break;
      case 1: t.splice(at, 0, t[at]!); break;
      case 2: if (at + 1 < t.length) [t[at], t[at + 1]] = [t[at + 1]!, t[at]!]; break;
      case 3: t[at] = r.pick(vocab); break;
      default: t[at] = r.pick(tokens);
    }
  }
  return t;
}

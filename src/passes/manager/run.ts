// The pass manager: runs resolved steps in order (a `transform` pass as a plain call, a `run`
// pass inside immer's produce) and records per pass its time, whether it changed the graph, the
// patches and its statistics.
// Instrumentations observe every step (the CLI's --print-ir-*, --dump-dir, --timing build on
// them); --verify-each runs the verifier after every transform and names the one that broke it.
import { Immer, enablePatches, freeze as deepFreeze, type Patch } from 'immer';
import { diag, QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { verify } from '../../ir/verify.js';
import type { PatternSet } from '../../patterns/engine/pattern-set.js';
import type { PassContext, PassDef, PassRecord, PipelineItem, PipelineStep } from './pass.js';
import { runToFixpoint } from './fixpoint.js';
import { resolvePipeline } from './resolve.js';

enablePatches();

/**
 * Immutability has two halves. Copy-on-write is structural and always on: a pass builds a new
 * graph (or edits an immer draft) and never its input, so every earlier graph stays as it was. Freezing is the tripwire
 * that turns a stray in-place edit (a pass writing to ctx.input, a caller editing a returned
 * graph) into a TypeError. Freezing walks every new object (and, once, the whole input graph):
 * scripts/bench-passes.ts measures it; it is on where bugs are looked for (tests, development,
 * QFORGE_FREEZE=1) and off by default for production runs (QFORGE_FREEZE=0 forces it off).
 */
function freezeDefault(env: NodeJS.ProcessEnv): boolean {
  if (env['QFORGE_FREEZE'] !== undefined) return env['QFORGE_FREEZE'] !== '0';
  return env['NODE_ENV'] === 'test' || env['NODE_ENV'] === 'development' || env['VITEST'] !== undefined;
}
export const FREEZE_BY_DEFAULT = freezeDefault(process.env);

// Immer's own auto-freeze is off: it would also walk every container a pass assigns. The
// runner freezes instead (deepFreeze stops at objects already frozen, i.e. shared ones).
const immer = new Immer({ autoFreeze: false });

export type StepKind = 'transform' | 'composite' | 'fixpoint';

export interface PassEvent {
  kind: StepKind;
  /** Pass name or `fixpoint`. */
  name: string;
  path: string;
  index: number;
  options: Readonly<Record<string, unknown>>;
  /** Nesting depth: 0 for top-level steps. */
  depth: number;
}

export interface Instrumentation {
  beforePass?(ev: PassEvent, graph: Graph): void;
  afterPass?(ev: PassEvent, before: Graph, after: Graph, record: PassRecord): void;
}

export interface PipelineOptions {
  instrumentations?: readonly Instrumentation[];
  /** Run `verifier` on the input and after every transform pass. */
  verifyEach?: boolean;
  /** The verifier verifyEach runs (default: src/ir/verify's). */
  verifier?: (g: Graph) => Diagnostic[];
  /** Keep immer patches in the records (default true). */
  recordPatches?: boolean;
  /** Deep-freeze pass results (default FREEZE_BY_DEFAULT). */
  freeze?: boolean;
  /** Patterns held in memory (loadPatterns(text), builtinPatterns(...)): the `patterns` pass applies them when given no file. */
  patterns?: PatternSet;
}

export interface PipelineResult {
  graph: Graph;
  records: PassRecord[];
}

function addStats(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

class Runner {
  private counter = 0;
  private readonly instr: readonly Instrumentation[];
  readonly freeze: boolean;

  constructor(private readonly opts: PipelineOptions) {
    this.freeze = opts.freeze ?? FREEZE_BY_DEFAULT;
    this.instr = opts.instrumentations ?? [];
  }

  steps(g: Graph, steps: readonly PipelineStep[], parent: string, depth: number): PipelineResult {
    const records: PassRecord[] = [];
    for (const s of steps) {
      const r = this.step(g, s, parent, depth);
      records.push(r.record);
      g = r.graph;
    }
    return { graph: g, records };
  }

  private step(g: Graph, s: PipelineStep, parent: string, depth: number): { graph: Graph; record: PassRecord } {
    const name = s.kind === 'fixpoint' ? 'fixpoint' : s.pass.name;
    const kind: StepKind = s.kind === 'fixpoint' ? 'fixpoint' : s.pass.kind;
    const options = s.kind === 'fixpoint' ? { 'max-iterations': s.maxIterations } : s.options;
    const ev: PassEvent = { kind, name, path: parent ? `${parent}/${name}` : name, index: ++this.counter, options, depth };
    for (const i of this.instr) i.beforePass?.(ev, g);
    const t0 = performance.now();
    let r: { graph: Graph; record: PassRecord };
    if (s.kind === 'fixpoint') r = this.fixpoint(g, s.steps, s.maxIterations, ev);
    else if (s.pass.kind === 'transform') r = this.transform(g, s.pass, ev);
    else {
      const inner = this.steps(g, s.expansion ?? [], ev.path, depth + 1);
      r = { graph: inner.graph, record: this.groupRecord(ev, g, inner.graph, inner.records) };
    }
    r.record.timeMs = performance.now() - t0;
    for (const i of this.instr) i.afterPass?.(ev, g, r.graph, r.record);
    return r;
  }

  private groupRecord(ev: PassEvent, before: Graph, after: Graph, children: PassRecord[]): PassRecord {
    const stats: Record<string, number> = {};
    const patches: Patch[] = [];
    for (const c of children) {
      addStats(stats, c.stats);
      for (const p of c.patches) patches.push(p);
    }
    return { name: ev.name, path: ev.path, index: ev.index, options: ev.options, timeMs: 0, changed: before !== after, patches, stats, warnings: [], children };
  }

  private transform(g: Graph, pass: PassDef & { kind: 'transform' }, ev: PassEvent): { graph: Graph; record: PassRecord } {
    const stats: Record<string, number> = {};
    const warnings: Diagnostic[] = [];
    const ctx: PassContext = {
      options: ev.options,
      input: g,
      count: (k, n = 1) => void (stats[k] = (stats[k] ?? 0) + n),
      warn: (d) => void warnings.push(d),
      ...(this.opts.patterns ? { patterns: this.opts.patterns } : {}),
    };
    let next: Graph, patches: Patch[] = [];
    const record = this.opts.recordPatches ?? true;
    try {
      if (!pass.transform === !pass.run) throw new Error('a transform pass gives exactly one of transform(ctx) and run(draft, ctx)');
      if (pass.transform) {
        next = pass.transform(ctx as never);
        if (record) patches = containerPatches(g, next);
      } else {
        const recipe = (d: Graph): void => void pass.run!(d, ctx as never);
        if (record) [next, patches] = immer.produceWithPatches(g, recipe);
        else next = immer.produce(g, recipe);
      }
    } catch (e) {
      if (e instanceof QforgeError) throw e;
      const err = new QforgeError(diag('PASS_FAILED', `pass '${ev.path}' (step ${ev.index}) failed: ${e instanceof Error ? e.message : String(e)}`));
      throw Object.assign(err, { cause: e });
    }
    if (this.freeze && next !== g) deepFreeze(next, true);
    if (this.opts.verifyEach) this.verify(next, `after pass '${ev.path}' (step ${ev.index})`);
    return {
      graph: next,
      record: { name: ev.name, path: ev.path, index: ev.index, options: ev.options, timeMs: 0, changed: next !== g, patches, stats, warnings },
    };
  }

  /**
   * Runs the group round after round until no member has anything left to do. A member needs a
   * run when the graph changed since its last run, except by itself when it is idempotent or by
   * passes it declares `unaffectedBy`; nested groups and composites always count as affected.
   */
  private fixpoint(g: Graph, steps: readonly PipelineStep[], max: number, ev: PassEvent): { graph: Graph; record: PassRecord } {
    const before = g;
    const children: PassRecord[] = [];
    const transform = (s: PipelineStep) => (s.kind === 'pass' && s.pass.kind === 'transform' ? s.pass : undefined);
    const { rounds, converged } = runToFixpoint(
      steps,
      max,
      {
        idempotent: (s) => !!transform(s)?.idempotent,
        affects: (by, s) => {
          const t = transform(s), b = transform(by);
          return !t || !b || !(t.unaffectedBy ?? []).includes(b.name);
        },
      },
      (s) => {
        const r = this.step(g, s, ev.path, ev.depth + 1);
        children.push(r.record);
        g = r.graph;
        return r.record.changed;
      },
    );
    const record = this.groupRecord(ev, before, g, children);
    record.iterations = rounds;
    record.converged = converged;
    if (!converged)
      record.warnings.push(
        diag('PASS_NO_FIXPOINT', `'${ev.path}' (step ${ev.index}) still changed the graph after ${max} round(s)`, { hint: 'raise max-iterations, or look for two passes undoing each other' }),
      );
    return { graph: g, record };
  }

  verify(g: Graph, when: string): void {
    const found = (this.opts.verifier ?? verify)(g);
    if (found.length) throw new QforgeError([diag('PASS_VERIFY', `graph is invalid ${when}: ${found.length} problem(s) follow`), ...found]);
  }
}

/** Patches replacing, adding or removing the top-level containers (nodes, values, …) that differ. */
function containerPatches(before: Graph, after: Graph): Patch[] {
  if (before === after) return [];
  const b = before as unknown as Record<string, unknown>, a = after as unknown as Record<string, unknown>;
  const patches: Patch[] = [];
  for (const k of Object.keys(a)) if (b[k] !== a[k]) patches.push({ op: Object.hasOwn(b, k) ? 'replace' : 'add', path: [k], value: a[k] });
  for (const k of Object.keys(b)) if (!Object.hasOwn(a, k)) patches.push({ op: 'remove', path: [k] });
  return patches;
}

/**
 * Runs passes over a graph. `pipeline` is a spec string (`"canonicalize,cse"`), or a list of
 * spec strings, pass names, PassDefs, `{pass, options}` and `{fixpoint: [...]}` items. The input
 * graph is not modified; the result shares every unchanged part with it.
 */
export function runPipeline(graph: Graph, pipeline: PipelineItem | readonly PipelineItem[], opts: PipelineOptions = {}): PipelineResult {
  const steps = resolvePipeline(Array.isArray(pipeline) ? pipeline : [pipeline as PipelineItem]);
  return runSteps(graph, steps, opts);
}

/** Runs already resolved steps (see resolvePipeline / parsePipeline). */
export function runSteps(graph: Graph, steps: readonly PipelineStep[], opts: PipelineOptions = {}): PipelineResult {
  const runner = new Runner(opts);
  // The input is frozen too: from here on it is shared with every graph the passes return.
  if (runner.freeze) deepFreeze(graph, true);
  if (opts.verifyEach) runner.verify(graph, 'before the first pass (the input is at fault, not a pass)');
  return runner.steps(graph, steps, '', 0);
}

/** Every record of a tree, depth first, parents before children. */
export function flattenRecords(records: readonly PassRecord[]): PassRecord[] {
  const out: PassRecord[] = [];
  const walk = (rs: readonly PassRecord[]) => {
    for (const r of rs) {
      out.push(r);
      if (r.children) walk(r.children);
    }
  };
  walk(records);
  return out;
}

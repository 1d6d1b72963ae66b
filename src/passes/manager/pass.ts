// What a pass is: a named transformation with an option schema and a description. A transform
// pass is a function from the input graph to the output graph (`transform`, what every built-in
// pass is), or, for small local edits, a recipe that edits an immer draft (`run`); a composite
// pass expands to a sub-pipeline (that is how `canonicalize` is a fixpoint of smaller passes while
// keeping one record per sub-pass). The contract in full: docs/passes-api.md.
import type { Patch } from 'immer';
import type { Diagnostic } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import type { PatternSet } from '../../patterns/engine/pattern-set.js';
import type { OptionSchema, OptionValues } from './options.js';

export interface PassContext<O = Readonly<Record<string, unknown>>> {
  /** Resolved options: every option present, defaults filled in. */
  readonly options: O;
  /**
   * The graph as it was when the pass started. It is immutable and plain, so reading it is
   * cheap (whereas every object read through a draft becomes a proxy): passes analyse `input`
   * and never edit it.
   */
  readonly input: Graph;
  /** Adds n (default 1) to a named statistic, e.g. `count('merged')`. */
  count(stat: string, n?: number): void;
  /** A non-fatal finding; it is kept in the pass record and printed by the CLI. */
  warn(d: Diagnostic): void;
  /** The pipeline's in-memory pattern set (PipelineOptions.patterns): what `patterns` applies without a file. */
  readonly patterns?: PatternSet;
}

interface PassCommon<S extends OptionSchema> {
  /** Kebab-case name used in pipeline specs. */
  name: string;
  /** One line for `qforge passes` and docs/passes.md. */
  description: string;
  options: S;
}

export interface TransformPass<S extends OptionSchema = OptionSchema> extends PassCommon<S> {
  kind: 'transform';
  /**
   * The pass as a function: returns the graph after it, `ctx.input` itself when nothing changes.
   * It never edits the input and shares every unchanged container, node, type and tensor with it
   * (the numbered graph's write-back does this). The record's patches replace the top-level
   * containers that changed. Give exactly one of `transform` and `run`.
   */
  transform?(ctx: PassContext<OptionValues<S>>): Graph;
  /**
   * The pass as an immer recipe, for small local edits: edits `draft` in place; the manager wraps
   * the call in immer's produce, which copies what was written and records it as patches.
   */
  run?(draft: Graph, ctx: PassContext<OptionValues<S>>): void;
  /**
   * Running it twice in a row never changes anything the second time. A fixpoint group does not
   * re-run an idempotent pass when it was the last one to change the graph.
   */
  idempotent?: boolean;
  /**
   * Passes whose changes can never give this one something new to do (dce only removes unused
   * things, which cannot make two nodes equal for cse). A fixpoint group does not re-run this
   * pass when only those changed the graph since its last run. When in doubt, leave it out.
   */
  unaffectedBy?: readonly string[];
}

export interface CompositePass<S extends OptionSchema = OptionSchema> extends PassCommon<S> {
  kind: 'composite';
  /** The sub-pipeline this pass stands for, given its options. */
  expand(options: OptionValues<S>): PipelineItem[];
}

export type PassDef<S extends OptionSchema = OptionSchema> = TransformPass<S> | CompositePass<S>;

/** Where a step came from in a spec string (0-based offset and length), for error messages. */
export interface SpecSpan {
  offset: number;
  length: number;
}

/** A resolved pipeline step: a pass with validated options, or a fixpoint group. */
export type PipelineStep =
  | {
      kind: 'pass';
      pass: PassDef;
      options: Readonly<Record<string, unknown>>;
      span?: SpecSpan;
      /** For composite passes: the resolved sub-pipeline. */
      expansion?: PipelineStep[];
    }
  | { kind: 'fixpoint'; steps: PipelineStep[]; maxIterations: number; span?: SpecSpan };

/**
 * What `runPipeline` accepts per item: a spec string (`"cse,dce"`), a pass name, a PassDef,
 * a pass with options, or a fixpoint group of items.
 */
export type PipelineItem =
  | string
  | PassDef
  | { pass: string | PassDef; options?: Readonly<Record<string, unknown>> }
  | { fixpoint: PipelineItem[]; maxIterations?: number };

/** What the manager recorded for one pass execution (or one group). */
export interface PassRecord {
  /** Pass name, or `fixpoint` for a group. */
  name: string;
  /** Position in the nesting, e.g. `canonicalize/cse`; equals `name` at top level. */
  path: string;
  /** Execution number, counting every pass and group in the order they started (from 1). */
  index: number;
  options: Readonly<Record<string, unknown>>;
  /** Wall time in milliseconds, including nested passes. */
  timeMs: number;
  changed: boolean;
  /**
   * Immer patches turning the input graph into the output (empty when unchanged or not recorded):
   * a `run` pass's edits as immer recorded them, a `transform` pass's changed top-level containers.
   */
  patches: Patch[];
  /** Counters the pass reported (summed over children for groups and composites). */
  stats: Record<string, number>;
  warnings: Diagnostic[];
  /** Nested records of a composite pass or a fixpoint group. */
  children?: PassRecord[];
  /** For groups: rounds run and whether the last round changed nothing. */
  iterations?: number;
  converged?: boolean;
}

/** Helper that keeps option types inferred from the schema literal. */
export function definePass<const S extends OptionSchema>(def: TransformPass<S>): TransformPass<S>;
export function definePass<const S extends OptionSchema>(def: CompositePass<S>): CompositePass<S>;
export function definePass(def: PassDef): PassDef {
  return def;
}

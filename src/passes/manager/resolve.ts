// Turns pipeline items (spec strings, pass objects, groups) into resolved steps: passes looked
// up, options parsed, validated and defaulted, composites expanded. All errors happen here,
// before any pass runs, and spec errors point at their column.
import { fail } from '../../diagnostics/index.js';
import {
  checkOptionValue,
  defaultOptions,
  describeOptionType,
  formatOptionValue,
  OptionValueError,
  parseOptionValue,
  type OptionSchema,
  type RawValue,
} from './options.js';
import type { PassDef, PipelineItem, PipelineStep } from './pass.js';
import { getPass, passNames, requirePass } from './registry.js';
import { parseSpec, specError, type SpecItem } from './pipeline-spec.js';
import { suggestion } from '../../util/suggest.js';

/** Options of a `fixpoint(...)` group. */
export const FIXPOINT_OPTIONS = {
  'max-iterations': { type: 'int', default: 10, min: 1, doc: 'rounds to run at most before giving up (with a warning)' },
} as const satisfies OptionSchema;

const MAX_DEPTH = 32;

function optionHint(owner: string, schema: OptionSchema, name: string): string {
  const names = Object.keys(schema);
  if (!names.length) return `${owner} takes no options`;
  return suggestion(name, names, `options of ${owner}`);
}

/** Parses and validates the `{...}` options of one spec item against a schema. */
function specOptions(spec: string, item: SpecItem, owner: string, schema: OptionSchema): Record<string, unknown> {
  const out = defaultOptions(schema);
  const seen = new Set<string>();
  for (const opt of item.options) {
    const os = schema[opt.name];
    if (!os) specError(spec, opt.offset, opt.length, `unknown option '${opt.name}' for ${owner}`, optionHint(owner, schema, opt.name), 'PASS_OPTION');
    if (seen.has(opt.name)) specError(spec, opt.offset, opt.length, `option '${opt.name}' is given twice`, undefined, 'PASS_OPTION');
    seen.add(opt.name);
    const raw: RawValue = opt.value ?? { kind: 'word', text: 'true', quoted: false, offset: opt.offset, length: opt.length };
    if (!opt.value && os.type !== 'bool')
      specError(spec, opt.offset, opt.length, `option '${opt.name}' of ${owner} needs a value (${describeOptionType(os)})`, `write ${opt.name}=<value>`, 'PASS_OPTION');
    let v: unknown;
    try {
      v = parseOptionValue(os, raw);
    } catch (e) {
      if (!(e instanceof OptionValueError)) throw e;
      const at = e.item !== undefined && raw.kind === 'list' ? raw.items[e.item]! : raw;
      specError(spec, at.offset, at.length, `option '${opt.name}' of ${owner}: ${e.message}`, `${opt.name} is a ${describeOptionType(os)}: ${os.doc}`, 'PASS_OPTION');
    }
    const bad = checkOptionValue(os, v);
    if (bad) specError(spec, raw.offset, raw.length, `option '${opt.name}' of ${owner} ${bad}`, undefined, 'PASS_OPTION');
    out[opt.name] = v;
  }
  return out;
}

function resolveSpecItems(spec: string, items: SpecItem[], depth: number): PipelineStep[] {
  return items.map((item): PipelineStep => {
    const span = { offset: item.offset, length: item.length };
    if (item.name === 'fixpoint') {
      const opts = specOptions(spec, item, 'fixpoint', FIXPOINT_OPTIONS);
      return { kind: 'fixpoint', steps: resolveSpecItems(spec, item.body ?? [], depth), maxIterations: opts['max-iterations'] as number, span };
    }
    const def = getPass(item.name);
    if (!def) specError(spec, item.offset, item.length, `unknown pass '${item.name}'`, suggestion(item.name, passNames(), 'passes'), 'PASS_UNKNOWN');
    return passStep(def, specOptions(spec, item, `pass '${def.name}'`, def.options), depth, span);
  });
}

function passStep(def: PassDef, options: Record<string, unknown>, depth: number, span?: { offset: number; length: number }): PipelineStep {
  const frozen = Object.freeze(options);
  if (def.kind === 'transform') return { kind: 'pass', pass: def, options: frozen, span };
  if (depth >= MAX_DEPTH) throw new Error(`composite pass ${def.name} expands into itself`);
  // biome-ignore lint/suspicious/noExplicitAny: options were validated against def.options
  const expansion = resolvePipeline(def.expand(frozen as any), depth + 1);
  return { kind: 'pass', pass: def, options: frozen, span, expansion };
}

/** Checks options given through the JS API (no spec text, so errors name the pass instead). */
function apiOptions(def: PassDef, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = defaultOptions(def.options);
  for (const [k, v] of Object.entries(given)) {
    const os = def.options[k];
    if (!os) fail('PASS_OPTION', `unknown option '${k}' for pass '${def.name}'`, { hint: optionHint(`pass '${def.name}'`, def.options, k) });
    const bad = checkOptionValue(os, v);
    if (bad) fail('PASS_OPTION', `option '${k}' of pass '${def.name}' ${bad}`, { hint: `${k} is a ${describeOptionType(os)}: ${os.doc}` });
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

/** Parses a spec string into resolved steps. */
export function parsePipeline(spec: string, depth = 0): PipelineStep[] {
  return resolveSpecItems(spec, parseSpec(spec), depth);
}

/** Resolves a mixed list of pipeline items. */
export function resolvePipeline(items: readonly PipelineItem[], depth = 0): PipelineStep[] {
  const steps: PipelineStep[] = [];
  for (const item of items) {
    if (typeof item === 'string') steps.push(...parsePipeline(item, depth));
    else if ('kind' in item) steps.push(passStep(item, defaultOptions(item.options), depth));
    else if ('fixpoint' in item) {
      const max = item.maxIterations ?? FIXPOINT_OPTIONS['max-iterations'].default;
      const bad = checkOptionValue(FIXPOINT_OPTIONS['max-iterations'], max);
      if (bad) fail('PASS_OPTION', `option 'max-iterations' of fixpoint ${bad}`);
      steps.push({ kind: 'fixpoint', steps: resolvePipeline(item.fixpoint, depth), maxIterations: max });
    } else {
      const def = typeof item.pass === 'string' ? requirePass(item.pass) : item.pass;
      steps.push(passStep(def, apiOptions(def, item.options ?? {}), depth));
    }
  }
  return steps;
}

/** The canonical spec text of resolved steps (options that differ from defaults only). */
export function formatPipeline(steps: readonly PipelineStep[]): string {
  return steps
    .map((s) => {
      if (s.kind === 'fixpoint') {
        const opt = s.maxIterations !== FIXPOINT_OPTIONS['max-iterations'].default ? `{max-iterations=${s.maxIterations}}` : '';
        return `fixpoint(${formatPipeline(s.steps)})${opt}`;
      }
      const defaults = defaultOptions(s.pass.options);
      // Compared as printed (so -0 is not taken for a default 0): only what the spec would read back differently is written.
      const isDefault = (k: string, v: unknown) => typeof v === typeof defaults[k] && formatOptionValue(v) === formatOptionValue(defaults[k]);
      const set = Object.entries(s.options).filter(([k, v]) => !isDefault(k, v));
      return s.pass.name + (set.length ? `{${set.map(([k, v]) => `${k}=${formatOptionValue(v)}`).join(',')}}` : '');
    })
    .join(',');
}

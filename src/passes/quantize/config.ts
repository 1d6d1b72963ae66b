// Reading quantizer configs: JSON shape checks (every error names the file and the JSON path),
// spec compilation, `extends` merging and operand selectors.
import { readFileSync } from 'node:fs';
import { fail, QforgeError } from '../../diagnostics/index.js';
import { dtypeRange, isDType } from '../../ir/dtype.js';
import { nearest } from '../../util/suggest.js';
import type { QuantizerConfig, SpecConfig } from './config-types.js';
import { checkSpec, FIXED_QPARAMS, quantSpec, STAT_OBSERVERS, type DerivedSpec, type FixedSpec, type QuantSpec } from './quant-spec.js';

/** An operand selector: `x`, `xs[0]`, `xs[1:]`, `add.other`, `*`. */
export interface Selector {
  member?: string;
  operand: string;
  index?: number;
  from?: number;
}

const SEL = /^(?:([a-z_0-9]+)\.)?([a-z_0-9]+|\*)(?:\[(\d+)(:)?\])?$/;

export function parseSelector(text: string, where: string, file: string): Selector {
  const m = SEL.exec(text);
  if (!m) fail('QUANT_CONFIG', `${file}: ${where}: '${text}' is not an operand selector (x, xs[0], xs[1:], add.other, *)`);
  const sel: Selector = { operand: m[2]! };
  if (m[1]) sel.member = m[1];
  if (m[3] !== undefined) {
    if (m[4]) sel.from = Number(m[3]);
    else sel.index = Number(m[3]);
  }
  return sel;
}

/** A compiled named spec: concrete, or a derived spec whose sources are selectors of the match. */
export type SpecTemplate = QuantSpec | FixedSpec | { kind: 'derived-template'; from: Selector[]; spec: Omit<DerivedSpec, 'from'> };

const SPEC_KEYS = ['dtype', 'qmin', 'qmax', 'scheme', 'granularity', 'axis', 'groupSize', 'dynamic', 'observer', 'eps', 'bins', 'upsampleRate', 'averagingConstant', 'percentile', 'fixed', 'derived'];

function bad(file: string, path: string, msg: string): never {
  fail('QUANT_CONFIG', `${file}: ${path}: ${msg}`);
}

function unknownKeys(o: object, known: readonly string[], file: string, path: string): void {
  for (const k of Object.keys(o))
    if (!known.includes(k)) {
      const near = nearest(k, known);
      bad(file, path, `unknown key '${k}'${near ? ` (did you mean '${near}'?)` : ''}; known: ${known.join(', ')}`);
    }
}

function compileSpec(name: string, c: SpecConfig, file: string): SpecTemplate {
  const path = `specs.${name}`;
  if (!c || typeof c !== 'object' || Array.isArray(c)) bad(file, path, 'must be an object');
  unknownKeys(c, SPEC_KEYS, file, path);
  if (c.derived) {
    const from = c.derived.from;
    if (!Array.isArray(from) || from.length !== 2) bad(file, `${path}.derived.from`, 'must list two operand selectors: the input and the weight, e.g. ["x", "w"]');
    const [qmin, qmax] = dtypeRange('i32');
    return { kind: 'derived-template', from: from.map((s, i) => parseSelector(s, `${path}.derived.from[${i}]`, file)), spec: { kind: 'derived', rule: 'bias', dtype: 'i32', qmin, qmax } };
  }
  const dtype = c.dtype ?? bad(file, path, 'needs a dtype (i8, u8, ...)');
  if (!isDType(dtype)) bad(file, `${path}.dtype`, `unknown dtype '${dtype}'`);
  const [lo, hi] = dtypeRange(dtype);
  let spec: QuantSpec | FixedSpec;
  if (c.fixed !== undefined) {
    let q: [number, number] | undefined;
    if (typeof c.fixed === 'string') {
      q = FIXED_QPARAMS[c.fixed]?.[dtype];
      if (!q) bad(file, `${path}.fixed`, `'${c.fixed}' has no qparams for ${dtype}; use "0to1" or "neg1to1" with u8/i8, or {"scale": s, "zeroPoint": z}`);
    } else q = [c.fixed.scale, c.fixed.zeroPoint];
    spec = { kind: 'fixed', dtype, qmin: c.qmin ?? lo, qmax: c.qmax ?? hi, scale: q[0], zeroPoint: q[1] };
  } else {
    if (c.observer !== undefined && !STAT_OBSERVERS.includes(c.observer)) bad(file, `${path}.observer`, `unknown observer '${c.observer}' (${STAT_OBSERVERS.join(', ')})`);
    if (c.axis !== undefined && c.axis !== 'out' && !Number.isInteger(c.axis)) bad(file, `${path}.axis`, `must be an integer or "out", got ${JSON.stringify(c.axis)}`);
    spec = quantSpec({
      dtype,
      qmin: c.qmin,
      qmax: c.qmax,
      scheme: c.scheme,
      granularity: c.granularity,
      axis: c.axis,
      groupSize: c.groupSize,
      dynamic: c.dynamic,
      observer: c.observer,
      eps: c.eps,
      observerOptions: { bins: c.bins, upsampleRate: c.upsampleRate, averagingConstant: c.averagingConstant, percentile: c.percentile },
    });
    for (const k of Object.keys(spec.observerOptions) as (keyof QuantSpec['observerOptions'])[]) if (spec.observerOptions[k] === undefined) delete spec.observerOptions[k];
  }
  try {
    checkSpec(spec, { name, op: 'spec' }, 'spec');
  } catch (e) {
    if (e instanceof QforgeError) bad(file, path, e.diagnostics[0]!.message.replace(/^spec: /, ''));
    throw e;
  }
  return spec;
}

export function compileSpecs(specs: Record<string, SpecConfig>, file: string): Map<string, SpecTemplate> {
  return new Map(Object.entries(specs).map(([name, c]) => [name, compileSpec(name, c, file)]));
}

const TOP_KEYS = ['name', 'description', 'extends', 'specs', 'rules', 'skip', 'scope', 'dropRules', '$schema', 'comment'];
const RULE_KEYS = ['match', 'when', 'inputs', 'output', 'implicitSharing', 'comment'];

/** Checks the JSON shape of a config (types and keys; op names and specs are checked on compile). */
export function checkConfigShape(json: unknown, file: string): QuantizerConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) bad(file, '$', 'a quantizer config must be a JSON object');
  const c = json as Record<string, unknown>;
  unknownKeys(c, TOP_KEYS, file, '$');
  if (typeof c['name'] !== 'string' || !c['name']) bad(file, 'name', 'must be a non-empty string');
  if (c['extends'] !== undefined && typeof c['extends'] !== 'string') bad(file, 'extends', 'must be the name of a built-in quantizer');
  if (c['specs'] !== undefined && (typeof c['specs'] !== 'object' || Array.isArray(c['specs']))) bad(file, 'specs', 'must be an object of named specs');
  if (c['rules'] !== undefined && !Array.isArray(c['rules'])) bad(file, 'rules', 'must be a list');
  ((c['rules'] as unknown[]) ?? []).forEach((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) bad(file, `rules[${i}]`, 'must be an object');
    unknownKeys(r, RULE_KEYS, file, `rules[${i}]`);
    const rule = r as Record<string, unknown>;
    if (!Array.isArray(rule['match']) || !rule['match'].length || !rule['match'].every((m) => typeof m === 'string'))
      bad(file, `rules[${i}].match`, 'must be a non-empty list of op names');
    if (rule['when'] !== undefined && !(Array.isArray(rule['when']) && rule['when'].every((w) => typeof w === 'string'))) bad(file, `rules[${i}].when`, 'must be a list of strings');
    const refs = [...Object.entries((rule['inputs'] as Record<string, unknown>) ?? {}), ['output', rule['output']] as [string, unknown]];
    for (const [k, v] of refs) {
      const ok = v === null || v === undefined || typeof v === 'string' || (typeof v === 'object' && typeof (v as { share?: unknown }).share === 'string' && Object.keys(v).length === 1);
      if (!ok) bad(file, `rules[${i}].${k === 'output' ? 'output' : `inputs.${k}`}`, `must be a spec name, {"share": "<operand>"} or null, got ${JSON.stringify(v)}`);
    }
  });
  const skip = c['skip'] as Record<string, unknown> | undefined;
  if (skip !== undefined) {
    if (typeof skip !== 'object' || Array.isArray(skip)) bad(file, 'skip', 'must be an object with "nodes" and/or "ops"');
    unknownKeys(skip, ['nodes', 'ops'], file, 'skip');
    for (const k of ['nodes', 'ops'])
      if (skip[k] !== undefined && !(Array.isArray(skip[k]) && (skip[k] as unknown[]).every((x) => typeof x === 'string'))) bad(file, `skip.${k}`, 'must be a list of strings');
  }
  const scope = c['scope'] as Record<string, unknown> | undefined;
  if (scope !== undefined) {
    if (typeof scope !== 'object' || Array.isArray(scope)) bad(file, 'scope', 'must be an object with "prefixes", "pattern" and/or "ops"');
    unknownKeys(scope, ['prefixes', 'pattern', 'ops'], file, 'scope');
    for (const k of ['prefixes', 'ops'])
      if (scope[k] !== undefined && !(Array.isArray(scope[k]) && (scope[k] as unknown[]).every((x) => typeof x === 'string'))) bad(file, `scope.${k}`, 'must be a list of strings');
    if (scope['pattern'] !== undefined) {
      if (typeof scope['pattern'] !== 'string') bad(file, 'scope.pattern', 'must be a regular expression (a string)');
      try {
        new RegExp(scope['pattern']);
      } catch (e) {
        bad(file, 'scope.pattern', `not a regular expression: ${(e as Error).message}`);
      }
    }
  }
  const drop = c['dropRules'];
  if (drop !== undefined && !(Array.isArray(drop) && drop.every((x) => typeof x === 'string'))) bad(file, 'dropRules', 'must be a list of op names (or "*")');
  if (drop !== undefined && c['extends'] === undefined) bad(file, 'dropRules', 'only applies with "extends" (it drops rules of the base quantizer)');
  return c as unknown as QuantizerConfig;
}

/**
 * A config with `extends` resolved: base specs overridden by name, our rules first, then the base
 * rules not dropped (dropRules), skips joined, our scope if we have one.
 */
export function mergeConfig(base: QuantizerConfig, ext: QuantizerConfig): QuantizerConfig {
  const drop = new Set(ext.dropRules ?? []);
  const kept = (base.rules ?? []).filter((r) => !drop.has('*') && !r.match[0]!.replace(/\?$/, '').split('|').some((op) => drop.has(op)));
  const scope = ext.scope ?? base.scope;
  return {
    name: ext.name,
    description: ext.description ?? base.description,
    specs: { ...base.specs, ...ext.specs },
    rules: [...(ext.rules ?? []), ...kept],
    ...(scope ? { scope } : {}),
    skip: {
      nodes: [...(base.skip?.nodes ?? []), ...(ext.skip?.nodes ?? [])],
      ops: [...(base.skip?.ops ?? []), ...(ext.skip?.ops ?? [])],
    },
  };
}

export function readConfigFile(path: string): QuantizerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    fail('QUANT_CONFIG', `cannot read quantizer config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail('QUANT_CONFIG', `${path}: not valid JSON: ${(e as Error).message}`);
  }
  return checkConfigShape(json, path);
}

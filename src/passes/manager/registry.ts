// The pass registry: every pass a pipeline spec can name. Built-in passes are registered by
// src/passes/builtin.ts; other layers add theirs with registerPass.
import { fail } from '../../diagnostics/index.js';
import type { PassDef } from './pass.js';
import { suggestion } from '../../util/suggest.js';

const PASSES = new Map<string, PassDef>();

/** Names that a spec reserves for its own syntax. */
const RESERVED = new Set(['fixpoint']);

export function registerPass(def: PassDef): void {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(def.name)) throw new Error(`pass name '${def.name}' must be kebab-case`);
  if (RESERVED.has(def.name)) throw new Error(`pass name '${def.name}' is reserved`);
  if (PASSES.has(def.name)) throw new Error(`pass ${def.name} registered twice`);
  for (const k of Object.keys(def.options))
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(k)) throw new Error(`option '${k}' of pass ${def.name} must be kebab-case`);
  PASSES.set(def.name, def);
}

export const getPass = (name: string): PassDef | undefined => PASSES.get(name);

/** Registered passes, sorted by name. */
export const listPasses = (): PassDef[] => [...PASSES.values()].sort((a, b) => a.name.localeCompare(b.name));

export const passNames = (): string[] => [...PASSES.keys()].sort();

/** The pass of that name, or a PASS_UNKNOWN error with a nearest-name hint. */
export function requirePass(name: string): PassDef {
  const def = PASSES.get(name);
  if (!def) fail('PASS_UNKNOWN', `unknown pass '${name}'`, { hint: suggestion(name, passNames(), 'passes') });
  return def;
}

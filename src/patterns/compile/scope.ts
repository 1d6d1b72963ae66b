// What names mean inside one variant of a pattern: node bindings that are present, input
// captures, optional nodes that are absent (and the value they stand for), shape symbols, and in
// the rewrite the `let` names. Guards such as `present(%b)` add to `known`.
import type { OpDef } from '../../ir/ops/index.js';
import type { HelperRegistry } from '../helpers/registry.js';
import type { Ty } from '../lang/types.js';

export interface NodeBinding {
  name: string;
  /** The ops this binding may match in this variant (an op set such as `conv2d | gemm` gives several). */
  defs: OpDef[];
}

export interface CaptureInfo {
  /** Some occurrence is optional (`%b?`), so the capture may be bound to no value. */
  maybe: boolean;
  /** Some occurrence has the `const` check. */
  isConst: boolean;
}

export interface Scope {
  helpers: HelperRegistry;
  nodes: Map<string, NodeBinding>;
  caps: Map<string, CaptureInfo>;
  /** Absent optional nodes -> the capture or binding they stand for (their first operand). */
  alias: Map<string, string>;
  syms: Set<string>;
  /** `%xs...` names -> the node binding and the operand index they start at. */
  rests: Map<string, { binding: string; from: number }>;
  lets?: Map<string, Ty>;
  /** Lets whose definition failed to check: uses are not reported again. */
  failedLets?: Set<string>;
  /** Let names read by some variant of the pattern (shared by its variants), for the unused-let warning. */
  usedLets?: Set<string>;
  known: Set<string>;
  /** Every capture name of the pattern, for "not bound in this variant" versus "unknown". */
  allNames: Set<string>;
}

export type Resolved = { kind: 'node'; name: string; b: NodeBinding } | { kind: 'cap'; name: string; info: CaptureInfo } | { kind: 'none' };

export function resolveCapture(s: Scope, name: string): Resolved {
  let n = name;
  for (let i = 0; s.alias.has(n) && i < 64; i++) n = s.alias.get(n)!;
  const b = s.nodes.get(n);
  if (b) return { kind: 'node', name: n, b };
  const info = s.caps.get(n);
  if (info) return { kind: 'cap', name: n, info };
  return { kind: 'none' };
}

export const withKnown = (s: Scope, names: readonly string[]): Scope => (names.length ? { ...s, known: new Set([...s.known, ...names]) } : s);

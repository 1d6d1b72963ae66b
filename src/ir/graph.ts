// The SSA graph: every value is defined once (graph input, constant, or node result) and nodes are
// kept in topological order. Plain data (records and arrays) so that passes can use immer on it.
import type { Tensor } from './tensor.js';
import type { TensorType } from './types.js';

export type AttrValue = number | string | boolean | number[] | string[];
export type Attrs = Record<string, AttrValue>;

export interface Node {
  /** Unique, stable node name (from ONNX when imported); used in every diagnostic. */
  name: string;
  op: string;
  /** Operand value names; '' marks an absent optional operand. */
  inputs: string[];
  /** Result value names. */
  outputs: string[];
  /** Only attributes that differ from the op's defaults need be present. */
  attrs: Attrs;
  /** Stable id of the float node this node came from, kept through passes for the numeric debugger. */
  debugHandle?: number;
}

export interface Graph {
  name: string;
  /** Graph input value names, in call order. */
  inputs: string[];
  /** Graph output value names, in call order. */
  outputs: string[];
  /** The type of every value: inputs, constants and node results. */
  values: Record<string, TensorType>;
  /** Constant (initializer) data by value name. */
  constants: Record<string, Tensor>;
  nodes: Node[];
}

export function emptyGraph(name = 'main'): Graph {
  return { name, inputs: [], outputs: [], values: {}, constants: {}, nodes: [] };
}

/** A name not yet used by any value or node of the graph, based on `base`. */
export function freshName(taken: { has(name: string): boolean }, base: string): string {
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) {
    const n = `${base}_${i}`;
    if (!taken.has(n)) return n;
  }
}

/** Names a plain object inherits: only for these can a plain read find something not its own. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Own-property lookup in values/constants: a value named `constructor` must not find Object.prototype's. */
export function lookup<T>(rec: Record<string, T>, key: string): T | undefined {
  // One probe in the common case: large records are hash tables where every probe is a cache miss.
  const v = rec[key];
  return v === undefined || (INHERITED.has(key) && !Object.hasOwn(rec, key)) ? undefined : v;
}

/** Own-property store: a value named `__proto__` must become an entry, not replace the prototype. */
export function define<T>(rec: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

/** rec[key] = value, also for a key named __proto__ (which plain assignment would not store). */
export function store<T>(rec: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') define(rec, key, value);
  else rec[key] = value;
}

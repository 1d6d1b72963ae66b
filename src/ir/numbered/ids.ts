// The numbered graph (numbered-graph.ts) numbers its values and nodes and keeps their fields in
// flat arrays indexed by those numbers.

/** A value of a numbered graph: an index into its per-value arrays. */
export type ValueId = number;
/** A node of a numbered graph: an index into its per-node arrays. */
export type NodeId = number;
/** No value (an absent operand) or no node (a value without a live producer). */
export const NONE = -1;

/** `a`, or a copy at least `need` long (doubling, so that appending stays amortised O(1)). */
export function grown<A extends Int32Array | Uint8Array>(a: A, need: number): A {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => A)(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}

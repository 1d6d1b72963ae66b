// The records of the rewrite driver's working graph (work-graph.ts): one per node and one per
// value. A value's users are kept inline while there is one (most values have one; an array per
// value is a cost on a 100k-node graph): read them with userCount / userAt.
import type { Attrs, Node } from '../../ir/graph.js';
import type { ResolvedAttrs } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';

export interface WValue {
  readonly name: string;
  /** The live node computing it, if any. */
  producer: WNode | null;
  /** Live users, one entry per operand slot: none, the only one, or (from a second on) an array. */
  users: WNode | WNode[] | null;
  readonly output: boolean;
  /** TYPE_READ, CONST_READ, REMOVED (its definition was removed: a dropped result, a constant that lost its last use). */
  state: number;
  /** The source graph's type and constant, each read on first use. */
  srcType: TensorType | undefined;
  srcConst: Tensor | undefined;
  /** What rewrites changed, once one has. */
  mod: Changes | null;
}

export interface Changes {
  /** They take precedence over the source's. */
  newType: TensorType | undefined;
  newConst: Tensor | undefined;
  /** Positions in the insertion-order lists of new types and constants (see toGraph). */
  typeSeq: number;
  constSeq: number;
}

export const TYPE_READ = 1, CONST_READ = 2, REMOVED = 4;

export const userCount = (w: WValue): number => (w.users === null ? 0 : Array.isArray(w.users) ? w.users.length : 1);
export const userAt = (w: WValue, i: number): WNode => (Array.isArray(w.users) ? w.users[i]! : w.users!);
export const userList = (w: WValue): WNode[] => (w.users === null ? [] : Array.isArray(w.users) ? w.users : [w.users]);

export function addUser(w: WValue, n: WNode): void {
  if (w.users === null) w.users = n;
  else if (Array.isArray(w.users)) w.users.push(n);
  else w.users = [w.users, n];
}

/** Removes the first entry of n; false when n is not a user. */
export function removeUser(w: WValue, n: WNode): boolean {
  const list = w.users;
  if (!Array.isArray(list)) {
    if (list !== n) return false;
    w.users = null;
    return true;
  }
  const i = list.indexOf(n);
  if (i < 0) return false;
  for (let j = i + 1; j < list.length; j++) list[j - 1] = list[j]!; // splice would allocate its result
  list.pop();
  if (!list.length) w.users = null;
  return true;
}

export interface WNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  /** Records of `inputs` (null for an absent operand) and of `outputs`. */
  ins: (WValue | null)[];
  outs: WValue[];
  attrs: Attrs;
  debugHandle: number | undefined;
  /** The original node while this one is unchanged. */
  orig: Node | undefined;
  alive: boolean;
  prev: WNode | null;
  next: WNode | null;
  /** On the driver's worklist. */
  queued: boolean;
  resolved: ResolvedAttrs | undefined;
}

export interface NewNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
  debugHandle?: number;
  /** The records of inputs and outputs, and the resolved attrs, when the caller has them already. */
  ins?: (WValue | null)[];
  outs?: WValue[];
  resolved?: ResolvedAttrs;
}

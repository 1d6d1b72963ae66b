// A mutable working copy of a Graph for the rewrite driver: nodes in a doubly linked list (kept
// in topological order, so inserting a replacement before its root is O(1)), the producer of
// each value, and each value's users (one entry per operand slot). Built once per pattern run,
// turned back into a plain Graph at the end; unchanged nodes keep their original objects.
import { freshName, type Attrs, type Graph, type Node } from '../../ir/graph.js';
import { getOp, resolveAttrs, type ResolvedAttrs } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';

export interface WNode {
  id: number;
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
  debugHandle?: number;
  /** The original node while this one is unchanged. */
  orig?: Node;
  alive: boolean;
  prev: WNode | null;
  next: WNode | null;
  /** On the driver's worklist. */
  queued: boolean;
  resolved?: ResolvedAttrs;
}

export interface NewNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
  debugHandle?: number;
}

export class WorkGraph {
  readonly types = new Map<string, TensorType>();
  readonly constants = new Map<string, Tensor>();
  readonly producer = new Map<string, WNode>();
  readonly users = new Map<string, WNode[]>();
  readonly outputs: Set<string>;
  private readonly takenValues = new Set<string>();
  private readonly takenNodes = new Set<string>();
  private readonly initiallyUnused = new Set<string>();
  private head: WNode | null = null;
  private tail: WNode | null = null;
  private nextId = 0;

  constructor(readonly source: Graph) {
    for (const [k, t] of Object.entries(source.values)) {
      this.types.set(k, t);
      this.takenValues.add(k);
    }
    for (const [k, t] of Object.entries(source.constants)) this.constants.set(k, t);
    this.outputs = new Set(source.outputs);
    for (const n of source.nodes) this.append({ ...n, attrs: n.attrs }, n);
    for (const k of this.constants.keys()) if (this.uses(k) === 0) this.initiallyUnused.add(k);
  }

  /** Use sites of a value: operand slots of live nodes, plus one if it is a graph output. */
  uses(v: string): number {
    return (this.users.get(v)?.length ?? 0) + (this.outputs.has(v) ? 1 : 0);
  }

  /** Distinct live nodes using v. */
  userNodes(v: string): WNode[] {
    return [...new Set(this.users.get(v) ?? [])];
  }

  attrs(n: WNode): ResolvedAttrs {
    if (!n.resolved) n.resolved = resolveAttrs(getOp(n.op)!, n.attrs);
    return n.resolved;
  }

  *nodes(): Generator<WNode> {
    for (let n = this.head; n; n = n.next) yield n;
  }

  freshValue(base: string): string {
    const v = freshName(this.takenValues, base);
    this.takenValues.add(v);
    return v;
  }

  freshNode(base: string): string {
    const v = freshName(this.takenNodes, base);
    this.takenNodes.add(v);
    return v;
  }

  addConstant(base: string, t: Tensor): string {
    const name = this.freshValue(base);
    this.constants.set(name, t);
    this.types.set(name, { dtype: t.dtype, shape: [...t.shape] });
    return name;
  }

  private link(n: WNode, before: WNode | null): void {
    const prev = before ? before.prev : this.tail;
    n.prev = prev;
    n.next = before;
    if (prev) prev.next = n;
    else this.head = n;
    if (before) before.prev = n;
    else this.tail = n;
  }

  private register(n: WNode): void {
    this.takenNodes.add(n.name);
    for (const o of n.outputs) {
      this.producer.set(o, n);
      this.takenValues.add(o);
    }
    for (const v of n.inputs) if (v) this.addUse(v, n);
  }

  private addUse(v: string, n: WNode): void {
    const list = this.users.get(v);
    if (list) list.push(n);
    else this.users.set(v, [n]);
  }

  private dropUse(v: string, n: WNode): void {
    const list = this.users.get(v);
    if (!list) return;
    const i = list.indexOf(n);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.users.delete(v);
  }

  private append(spec: NewNode, orig?: Node): WNode {
    const n: WNode = { ...spec, id: this.nextId++, orig, alive: true, prev: null, next: null, queued: false };
    this.link(n, null);
    this.register(n);
    return n;
  }

  /** Inserts a node right before `anchor` (its operands must already be defined there). */
  insertBefore(anchor: WNode, spec: NewNode, types: TensorType[]): WNode {
    const n: WNode = { ...spec, id: this.nextId++, alive: true, prev: null, next: null, queued: false };
    spec.outputs.forEach((o, i) => this.types.set(o, types[i]!));
    this.link(n, anchor);
    this.register(n);
    return n;
  }

  /** Unlinks a node and its uses; its result types stay unless `dropTypes` (they may be reused). */
  remove(n: WNode, dropTypes: boolean): void {
    if (!n.alive) return;
    n.alive = false;
    for (const v of n.inputs) if (v) this.dropUse(v, n);
    for (const o of n.outputs) {
      if (this.producer.get(o) === n) this.producer.delete(o);
      if (dropTypes) this.types.delete(o);
    }
    if (n.prev) n.prev.next = n.next;
    else this.head = n.next;
    if (n.next) n.next.prev = n.prev;
    else this.tail = n.prev;
    n.prev = n.next = null;
  }

  /** Points every use of `from` at `to`; returns the nodes whose operands changed. */
  replaceAllUses(from: string, to: string): WNode[] {
    const list = this.users.get(from) ?? [];
    this.users.delete(from);
    const changed = [...new Set(list)];
    for (const u of changed) {
      u.inputs = u.inputs.map((v) => (v === from ? to : v));
      u.orig = undefined;
      for (const v of u.inputs) if (v === to) this.addUse(to, u);
    }
    return changed;
  }

  toGraph(): Graph {
    const nodes: Node[] = [];
    const live = new Set<string>(this.source.inputs);
    for (let n = this.head; n; n = n.next) {
      nodes.push(
        n.orig ?? {
          name: n.name,
          op: n.op,
          inputs: [...n.inputs],
          outputs: [...n.outputs],
          attrs: n.attrs,
          ...(n.debugHandle !== undefined ? { debugHandle: n.debugHandle } : {}),
        },
      );
      for (const o of n.outputs) live.add(o);
    }
    const constants: Record<string, Tensor> = {};
    for (const [k, t] of this.constants) {
      if (this.uses(k) > 0 || this.initiallyUnused.has(k)) {
        constants[k] = t;
        live.add(k);
      }
    }
    const values: Record<string, TensorType> = {};
    for (const k of Object.keys(this.source.values)) if (live.has(k)) values[k] = this.types.get(k)!;
    for (const k of live) if (!(k in values)) values[k] = this.types.get(k)!;
    return { ...this.source, values, constants, nodes };
  }
}

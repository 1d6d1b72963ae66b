// A mutable working view of a Graph for the rewrite driver: nodes in a doubly linked list (kept
// in topological order, so inserting a replacement before its root is O(1)), the producer of
// each value, and each value's users (one entry per operand slot). Types and constants are read
// from the source graph through small overlays of what changed, so building the view costs one
// pass over the nodes; toGraph() writes a plain Graph back, reusing unchanged node objects.
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
}

export class WorkGraph {
  readonly producer = new Map<string, WNode>();
  readonly users = new Map<string, WNode[]>();
  readonly outputs: ReadonlySet<string>;
  /** Types and constants added or redefined by rewrites; everything else is the source's. */
  private readonly newTypes = new Map<string, TensorType>();
  private readonly newConstants = new Map<string, Tensor>();
  /** Values whose definition was removed (node results, constants that lost their last use). */
  private readonly removed = new Set<string>();
  private takenNodes: Set<string> | undefined;
  private readonly createdNames: string[] = [];
  private head: WNode | null = null;
  private tail: WNode | null = null;
  private nextId = 0;

  constructor(readonly source: Graph) {
    this.outputs = new Set(source.outputs);
    for (const n of source.nodes) this.append(n);
  }

  typeOf(v: string): TensorType | undefined {
    return this.newTypes.get(v) ?? (this.removed.has(v) ? undefined : this.source.values[v]);
  }

  constantOf(v: string): Tensor | undefined {
    return this.newConstants.get(v) ?? (this.removed.has(v) ? undefined : this.source.constants[v]);
  }

  isConst(v: string): boolean {
    return this.constantOf(v) !== undefined;
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

  private readonly valueTaken = { has: (k: string) => this.newTypes.has(k) || k in this.source.values };

  freshValue(base: string): string {
    return freshName(this.valueTaken, base);
  }

  freshNode(base: string): string {
    if (!this.takenNodes) this.takenNodes = new Set([...this.source.nodes.map((n) => n.name), ...this.createdNames]);
    const v = freshName(this.takenNodes, base);
    this.takenNodes.add(v);
    return v;
  }

  addConstant(base: string, t: Tensor): string {
    const name = this.freshValue(base);
    this.newConstants.set(name, t);
    this.newTypes.set(name, { dtype: t.dtype, shape: [...t.shape] });
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
    for (const o of n.outputs) this.producer.set(o, n);
    for (const v of n.inputs) {
      if (!v) continue;
      const list = this.users.get(v);
      if (list) list.push(n);
      else this.users.set(v, [n]);
    }
  }

  private dropUse(v: string, n: WNode): void {
    const list = this.users.get(v);
    if (!list) return;
    const i = list.indexOf(n);
    if (i >= 0) list.splice(i, 1);
    if (list.length) return;
    this.users.delete(v);
    // A constant that lost its last use goes with it (constants nobody used to begin with stay).
    if (!this.outputs.has(v) && this.isConst(v)) {
      this.newConstants.delete(v);
      this.newTypes.delete(v);
      this.removed.add(v);
    }
  }

  private make(spec: NewNode | Node, orig: Node | undefined): WNode {
    return {
      id: this.nextId++,
      name: spec.name,
      op: spec.op,
      inputs: spec.inputs,
      outputs: spec.outputs,
      attrs: spec.attrs,
      debugHandle: spec.debugHandle,
      orig,
      alive: true,
      prev: null,
      next: null,
      queued: false,
      resolved: undefined,
    };
  }

  private append(orig: Node): void {
    const n = this.make(orig, orig);
    this.link(n, null);
    this.register(n);
  }

  /** Inserts a node right before `anchor` (its operands must already be defined there). */
  insertBefore(anchor: WNode, spec: NewNode, types: TensorType[]): WNode {
    const n = this.make(spec, undefined);
    spec.outputs.forEach((o, i) => {
      this.newTypes.set(o, types[i]!);
      this.removed.delete(o);
    });
    this.createdNames.push(spec.name);
    this.takenNodes?.add(spec.name);
    this.link(n, anchor);
    this.register(n);
    return n;
  }

  /** Unlinks a node and its uses; its results stay defined unless `dropResults` (a new root may reuse them). */
  remove(n: WNode, dropResults: boolean): void {
    if (!n.alive) return;
    n.alive = false;
    for (const v of n.inputs) if (v) this.dropUse(v, n);
    for (const o of n.outputs) {
      if (this.producer.get(o) === n) this.producer.delete(o);
      if (dropResults) {
        this.newTypes.delete(o);
        this.removed.add(o);
      }
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
      for (const v of u.inputs) {
        if (v !== to) continue;
        const l = this.users.get(to);
        if (l) l.push(u);
        else this.users.set(to, [u]);
      }
    }
    return changed;
  }

  toGraph(): Graph {
    const nodes: Node[] = [];
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
    }
    const values: Record<string, TensorType> = {};
    for (const k in this.source.values) if (!this.removed.has(k)) values[k] = this.source.values[k]!;
    for (const [k, t] of this.newTypes) values[k] = t;
    const constants: Record<string, Tensor> = {};
    for (const k in this.source.constants) if (!this.removed.has(k)) constants[k] = this.source.constants[k]!;
    for (const [k, t] of this.newConstants) constants[k] = t;
    return { ...this.source, values, constants, nodes };
  }
}

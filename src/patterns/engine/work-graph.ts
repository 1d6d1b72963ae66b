// A mutable working view of a Graph for the rewrite driver: nodes in a doubly linked list (kept
// in topological order, so inserting a replacement before its root is O(1)) and one record per
// value (WValue) holding its producer, its users (one entry per operand slot) and what rewrites
// changed about its type and constant. Nodes point at the records of their operands and results,
// so the matcher and the driver follow references instead of looking names up in maps of the
// whole graph (on a 100k-node graph those lookups were most of the time). Types and constants are
// read from the source graph on first use, so building the view costs one pass over the nodes;
// toGraph() writes a plain Graph back, reusing unchanged node objects.
import { freshName, type Graph, type Node } from '../../ir/graph.js';
import { getOp, resolveAttrs, type ResolvedAttrs } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';
import { addUser, CONST_READ, REMOVED, removeUser, TYPE_READ, userCount, userList, type NewNode, type WNode, type WValue } from './records.js';

export { userAt, userCount, type NewNode, type WNode, type WValue } from './records.js';

/** Property names `in` finds on o's prototype chain. */
function protoNames(o: object): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(o); p; p = Object.getPrototypeOf(p)) names.push(...Object.getOwnPropertyNames(p));
  return names;
}

export class WorkGraph {
  private readonly vals = new Map<string, WValue>();
  readonly outputs: ReadonlySet<string>;
  /** Values given a new type / constant, in the order a Map of them would keep (toGraph appends them in it). */
  private readonly typeOrder: WValue[] = [];
  private readonly constOrder: WValue[] = [];
  private takenNodes: Set<string> | undefined;
  private readonly createdNames: string[] = [];
  private head: WNode | null = null;
  private tail: WNode | null = null;

  constructor(readonly source: Graph) {
    this.outputs = new Set(source.outputs);
    for (const o of source.outputs) this.vals.set(o, this.record(o, true));
    for (const n of source.nodes) this.append(n);
  }

  /** The record of a value, created on first reference (graph outputs have theirs from the start). */
  val(name: string): WValue {
    let w = this.vals.get(name);
    if (!w) {
      w = this.record(name, false);
      this.vals.set(name, w);
    }
    return w;
  }

  private record(name: string, output: boolean): WValue {
    return { name, producer: null, users: null, output, state: 0, srcType: undefined, srcConst: undefined, mod: null };
  }

  type(w: WValue): TensorType | undefined {
    if (!(w.state & TYPE_READ)) {
      w.state |= TYPE_READ;
      w.srcType = this.source.values[w.name];
    }
    return w.mod?.newType ?? (w.state & REMOVED ? undefined : w.srcType);
  }

  constant(w: WValue): Tensor | undefined {
    if (!(w.state & CONST_READ)) {
      w.state |= CONST_READ;
      w.srcConst = this.source.constants[w.name];
    }
    return w.mod?.newConst ?? (w.state & REMOVED ? undefined : w.srcConst);
  }

  // Name-based access (expressions and intrinsics name values); a name no node refers to was
  // never changed, so it is the source's.
  typeOf(v: string): TensorType | undefined {
    const w = this.vals.get(v);
    return w ? this.type(w) : this.source.values[v];
  }

  constantOf(v: string): Tensor | undefined {
    const w = this.vals.get(v);
    return w ? this.constant(w) : this.source.constants[v];
  }

  isConst(v: string): boolean {
    return this.constantOf(v) !== undefined;
  }

  producerOf(v: string): WNode | undefined {
    return this.vals.get(v)?.producer ?? undefined;
  }

  usersOf(v: string): readonly WNode[] {
    const w = this.vals.get(v);
    return w ? userList(w) : [];
  }

  /** Use sites of a value: operand slots of live nodes, plus one if it is a graph output. */
  uses(v: string): number {
    const w = this.vals.get(v);
    return w ? userCount(w) + (w.output ? 1 : 0) : 0;
  }

  /** Distinct live nodes using v. */
  userNodes(v: string): WNode[] {
    return [...new Set(this.usersOf(v))];
  }

  attrs(n: WNode): ResolvedAttrs {
    if (!n.resolved) n.resolved = resolveAttrs(getOp(n.op)!, n.attrs);
    return n.resolved;
  }

  /** The live nodes in order, as an array (a generator costs more per node on big graphs). */
  nodes(): WNode[] {
    const out: WNode[] = [];
    for (let n = this.head; n; n = n.next) out.push(n);
    return out;
  }

  private readonly valueTaken = { has: (k: string) => this.vals.get(k)?.mod?.newType !== undefined || this.inSource(k) };

  /** `k in source.values`, in two steps: Object.hasOwn is twice as fast on a new string, and inherited names are few. */
  private inSource(k: string): boolean {
    if (Object.hasOwn(this.source.values, k)) return true;
    this.inherited ??= new Set(protoNames(this.source.values));
    return this.inherited.has(k);
  }
  private inherited: Set<string> | undefined;

  freshValue(base: string): string {
    return freshName(this.valueTaken, base);
  }

  freshNode(base: string): string {
    if (!this.takenNodes) this.takenNodes = new Set([...this.source.nodes.map((n) => n.name), ...this.createdNames]);
    const v = freshName(this.takenNodes, base);
    this.takenNodes.add(v);
    return v;
  }

  private setType(w: WValue, t: TensorType | undefined): void {
    if (t === undefined && !w.mod) return;
    const m = (w.mod ??= { newType: undefined, newConst: undefined, typeSeq: -1, constSeq: -1 });
    if (t !== undefined && m.newType === undefined) {
      m.typeSeq = this.typeOrder.length;
      this.typeOrder.push(w);
    }
    m.newType = t;
  }

  private setConst(w: WValue, t: Tensor | undefined): void {
    if (t === undefined && !w.mod) return;
    const m = (w.mod ??= { newType: undefined, newConst: undefined, typeSeq: -1, constSeq: -1 });
    if (t !== undefined && m.newConst === undefined) {
      m.constSeq = this.constOrder.length;
      this.constOrder.push(w);
    }
    m.newConst = t;
  }

  /** A new constant named after `base` (as freshValue names it); returns its record. */
  addConstant(base: string, t: Tensor): WValue {
    // freshValue inlined, so that the record lookup of the chosen name is not repeated.
    let name = base, w = this.vals.get(name);
    for (let i = 1; w?.mod?.newType !== undefined || this.inSource(name); i++) w = this.vals.get((name = `${base}_${i}`));
    if (!w) this.vals.set(name, (w = this.record(name, false)));
    this.setConst(w, t);
    this.setType(w, { dtype: t.dtype, shape: [...t.shape] });
    return w;
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

  private make(spec: NewNode, orig: Node | undefined): WNode {
    let ins = spec.ins, outs = spec.outs;
    if (!ins) {
      ins = new Array<WValue | null>(spec.inputs.length);
      for (let i = 0; i < ins.length; i++) ins[i] = spec.inputs[i] ? this.val(spec.inputs[i]!) : null;
    }
    if (!outs) {
      outs = new Array<WValue>(spec.outputs.length);
      for (let i = 0; i < outs.length; i++) outs[i] = this.val(spec.outputs[i]!);
    }
    const n: WNode = {
      name: spec.name,
      op: spec.op,
      inputs: spec.inputs,
      outputs: spec.outputs,
      ins,
      outs,
      attrs: spec.attrs,
      debugHandle: spec.debugHandle,
      orig,
      alive: true,
      prev: null,
      next: null,
      queued: false,
      resolved: spec.resolved,
    };
    for (const w of outs) w.producer = n;
    for (const w of ins) if (w) addUser(w, n);
    return n;
  }

  private dropUse(w: WValue, n: WNode): void {
    if (!removeUser(w, n) || w.users !== null) return;
    // A constant that lost its last use goes with it (constants nobody used to begin with stay).
    if (!w.output && this.constant(w) !== undefined) {
      this.setConst(w, undefined);
      this.setType(w, undefined);
      w.state |= REMOVED;
    }
  }

  private append(orig: Node): void {
    this.link(this.make(orig, orig), null);
  }

  /** Inserts a node right before `anchor` (its operands must already be defined there). */
  insertBefore(anchor: WNode, spec: NewNode, types: TensorType[]): WNode {
    const n = this.make(spec, undefined);
    n.outs.forEach((w, i) => {
      this.setType(w, types[i]!);
      w.state &= ~REMOVED;
    });
    this.createdNames.push(spec.name);
    this.takenNodes?.add(spec.name);
    this.link(n, anchor);
    return n;
  }

  /**
   * Gives `n` a new definition where it stands, with its name and results: what inserting the
   * new node before n and removing n would do (uses, types), without a new node.
   */
  redefine(n: WNode, spec: NewNode & { ins: (WValue | null)[] }, types: TensorType[]): void {
    const old = n.ins;
    n.op = spec.op;
    n.inputs = spec.inputs;
    n.ins = spec.ins;
    n.attrs = spec.attrs;
    n.resolved = spec.resolved;
    n.orig = undefined;
    // The new uses first, then the old ones go: a constant used by both stays.
    for (const w of spec.ins) if (w) addUser(w, n);
    for (const w of old) if (w) this.dropUse(w, n);
    n.outs.forEach((w, i) => {
      // Recording the type it has already would change nothing (and cost a record per rewrite).
      if (w.state & REMOVED || this.type(w) !== types[i]) this.setType(w, types[i]!);
      w.state &= ~REMOVED;
    });
    this.createdNames.push(spec.name);
    this.takenNodes?.add(spec.name);
  }

  /** Unlinks a node and its uses; its results stay defined unless `dropResults` (a new root may reuse them). */
  remove(n: WNode, dropResults: boolean): void {
    if (!n.alive) return;
    n.alive = false;
    for (const w of n.ins) if (w) this.dropUse(w, n);
    for (const w of n.outs) {
      if (w.producer === n) w.producer = null;
      if (dropResults) {
        this.setType(w, undefined);
        w.state |= REMOVED;
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
    const f = this.val(from), t = to ? this.val(to) : null;
    const changed = [...new Set(userList(f))];
    f.users = null;
    for (const u of changed) {
      // Only the slots that held `from` become uses of `to`; those that held `to` already are registered.
      if (t) for (const w of u.ins) if (w === f) addUser(t, u);
      u.inputs = u.inputs.map((v) => (v === from ? to : v));
      u.ins = u.ins.map((w) => (w === f ? t : w));
      u.orig = undefined;
    }
    return changed;
  }

  toGraph(): Graph {
    const nodes: Node[] = [];
    // A changed node's operand list is its own (rewrites build a new one); its result list may
    // be the source node's, which the result shares as it shares unchanged nodes.
    for (let n = this.head; n; n = n.next) {
      if (n.orig) nodes.push(n.orig);
      else {
        const node: Node = { name: n.name, op: n.op, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs };
        if (n.debugHandle !== undefined) node.debugHandle = n.debugHandle;
        nodes.push(node);
      }
    }
    // The source's entries in their order, then the new ones in the order they were (last) added.
    const { vals, typeOrder, constOrder } = this;
    const values: Record<string, TensorType> = {};
    for (const k in this.source.values) if (!((vals.get(k)?.state ?? 0) & REMOVED)) values[k] = this.source.values[k]!;
    for (let i = 0; i < typeOrder.length; i++) {
      const m = typeOrder[i]!.mod!;
      if (m.typeSeq === i && m.newType !== undefined) values[typeOrder[i]!.name] = m.newType;
    }
    const constants: Record<string, Tensor> = {};
    for (const k in this.source.constants) if (!((vals.get(k)?.state ?? 0) & REMOVED)) constants[k] = this.source.constants[k]!;
    for (let i = 0; i < constOrder.length; i++) {
      const m = constOrder[i]!.mod!;
      if (m.constSeq === i && m.newConst !== undefined) constants[constOrder[i]!.name] = m.newConst;
    }
    return { ...this.source, values, constants, nodes };
  }
}

// The numbered graph: the one mutable, integer-indexed view of a Graph that the pattern engine,
// the passes' analyses, the quantizer and codegen work on (the string-keyed Graph stays the
// text/ONNX/API form). Values and nodes are numbered densely (ValueId, NodeId, see ids.ts) and
// their fields live in flat arrays indexed by those numbers: users index arrays instead of
// looking names up (a node's id is its index in the source's node list), and building the view
// allocates no object per node or value (on a 100k-node graph, string-keyed lookups, per-value
// records and the garbage collection they caused were most of the time). Names are resolved
// once, by valueIds (value-ids.ts: inputs, constants, then results, with cache locality in mind
// for graphs of millions of values). Nodes stay in topological order in a doubly linked list, so
// inserting a replacement before its root is O(1); operands are slots of the values' use lists
// (use-lists.ts). A node's definition is a plain Node: the source's while it is unchanged, a new
// one from the rewrite that changed it; toGraph() writes them back (edit-batch.ts writes back
// the passes' batched edits, keeping output names).
import { freshName, type Attrs, type Graph, type Node } from '../graph.js';
import { getOp, resolveAttrs, type OpDef, type ResolvedAttrs } from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { grown, NONE, type NodeId, type ValueId } from './ids.js';
import { UseLists } from './use-lists.js';
import { ValueTable } from './value-table.js';
import { valueIds, type ValueIds } from './value-ids.js';

/** A node to add or a new definition of one; `ins` are the operand ids (NONE: absent), matching `inputs`. */
export interface NewNode extends Node {
  ins: ValueId[];
  resolved?: ResolvedAttrs;
}

// Node flags. MARK: scratch, for deduplicating. STALE: operand or result names changed (see def).
const ALIVE = 1, QUEUED = 2, MARK = 4, STALE = 8;

const defaultsOf = new WeakMap<OpDef, ResolvedAttrs>();

/**
 * resolveAttrs, with one shared result per op for nodes that set no attribute (most nodes, and
 * most replacements): resolved attributes are only read.
 */
export function resolvedAttrs(def: OpDef, attrs: Attrs): ResolvedAttrs {
  if (!isEmpty(attrs)) return resolveAttrs(def, attrs);
  let r = defaultsOf.get(def);
  if (!r) defaultsOf.set(def, (r = resolveAttrs(def, attrs)));
  return r;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** The Node a rewrite builds; like the source's, it carries debugHandle only when there is one. */
function nodeOf(name: string, op: string, inputs: string[], outputs: string[], attrs: Attrs, debugHandle: number | undefined): Node {
  const node: Node = { name, op, inputs, outputs, attrs };
  if (debugHandle !== undefined) node.debugHandle = debugHandle;
  return node;
}

/** Operand and result counts of the source's n nodes, from valueIds' layout. */
function counts(ids: ValueIds, n: number): [Int32Array, Int32Array] {
  const { inStart, outStart } = ids;
  const operandLen = new Int32Array(n), resultLen = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    operandLen[i] = inStart[i + 1]! - inStart[i]!;
    resultLen[i] = outStart[i + 1]! - outStart[i]!;
  }
  return [operandLen, resultLen];
}

export class NumberedGraph {
  private readonly values: ValueTable;
  private readonly uses: UseLists;
  /** The definitions: the source's own node list until the first one changes (see ownDefs), then a copy. */
  private defs: Node[];
  private defsCopied = false;
  /** defs[n].op is opNames[opCodes[n]], at hand for the matcher without reading the node. */
  private opCodes: Int32Array;
  private readonly opNames: string[];
  private readonly opIndex = new Map<string, number>();
  /** The graph outputs' ids, in order. */
  private readonly outs: ValueId[];
  /** Ids [0, inputCount) are the graph inputs (each numbered, used or not). */
  readonly inputCount: number;
  /**
   * Every attribute of a definition, defaults included, resolved on first use (preallocated like
   * flags: holes read as undefined). Allocated on first need: the passes never ask, and on large
   * graphs every big array the collector has to scan costs.
   */
  private resolved: (ResolvedAttrs | undefined)[] | undefined;
  private flags: Uint8Array;
  /**
   * The node order as a doubly linked list, built on the first insertion: until then it is the
   * ids' order (the passes never insert). Like the other per-node arrays, allocated only as
   * large as needed: on large graphs, typed arrays count towards the collector's limits too.
   */
  private prevs: Int32Array | undefined;
  private nexts: Int32Array | undefined;
  private head: NodeId = NONE;
  private tail: NodeId = NONE;
  /**
   * Operands: operandLen[n] use slots from operandFrom[n]. Results: resultLen[n] ids; from
   * f = resultFrom[n] on if f >= 0 (the source's nodes: valueIds' layout), else in resultIds from -1 - f.
   */
  private operandFrom: Int32Array;
  private operandLen: Int32Array;
  private resultFrom: Int32Array;
  private resultLen: Int32Array;
  private resultIds = new Int32Array(16);
  private resultTop = 0;
  private takenNodes: Set<string> | undefined;
  private readonly createdNames: string[] = [];

  constructor(readonly source: Graph) {
    const src = source.nodes, n = src.length;
    // The names first, in a loop of their own: name lookups are most of the cost, and they are
    // much faster when nothing else competes for the cache.
    const ids = valueIds(source);
    this.values = new ValueTable(source, ids, 16);
    this.inputCount = ids.inputs;
    this.opNames = ids.ops;
    ids.ops.forEach((op, k) => this.opIndex.set(op, k));
    this.opCodes = ids.opCode;
    // The source's nodes in bulk, in the layout valueIds gives them: node i's operand slots are
    // its operands' positions in ids.inIds, its results the ids outStart[i] ...
    this.uses = new UseLists(0);
    this.uses.adopt(ids.inIds, ids.inStart, n);
    this.defs = src as Node[];
    this.flags = new Uint8Array(n).fill(ALIVE);
    this.operandFrom = ids.inStart;
    this.resultFrom = ids.outStart;
    // The loop in a function of its own, on locals: in this constructor it ran several times
    // slower (field loads of an object whose shape is still changing).
    [this.operandLen, this.resultLen] = counts(ids, n);
    this.values.setProducers(ids.outStart, n);
    this.outs = Array.from(ids.outputs);
    for (const o of this.outs) this.values.markOutput(o);
  }

  // ---- values ----

  /** Values numbered so far: ids are 0 .. valueCount - 1 (a removed value keeps its id). */
  get valueCount(): number {
    return this.values.size;
  }

  isInput(v: ValueId): boolean {
    return v < this.inputCount;
  }

  /** The graph outputs' ids, in order (a renamed output is its new value, see takeName). */
  outputs(): readonly ValueId[] {
    return this.outs;
  }

  /** The values defined as constants: the source's in record order, then new ones in the order they were set. */
  constantIds(): ValueId[] {
    return this.values.constantIds();
  }

  /** The id of a value name; NONE for one that no node or graph output refers to. */
  find(name: string): ValueId {
    return this.values.find(name);
  }

  /** The live node computing the named value, NONE for an input, a constant or an unknown name. */
  producerOf(name: string): NodeId {
    const v = this.values.find(name);
    return v === NONE ? NONE : this.values.producer(v);
  }

  /** The definition of the live node computing the named value (undefined: see producerOf). */
  definingNode(name: string): Node | undefined {
    const n = this.producerOf(name);
    return n === NONE ? undefined : this.def(n);
  }

  /** Distinct live nodes using the named value, in node order on an unedited graph. */
  usersOf(name: string): NodeId[] {
    const v = this.values.find(name);
    return v === NONE ? [] : this.userNodes(v);
  }

  valueName(v: ValueId): string {
    return this.values.name(v);
  }

  type(v: ValueId): TensorType | undefined {
    return this.values.type(v);
  }

  constant(v: ValueId): Tensor | undefined {
    return this.values.constant(v);
  }

  isOutput(v: ValueId): boolean {
    return this.values.isOutput(v);
  }

  /** The live node computing v, NONE if none. */
  producer(v: ValueId): NodeId {
    return this.values.producer(v);
  }

  /** Use sites of v: operand slots of live nodes, plus one if it is a graph output. */
  useSites(v: ValueId): number {
    return this.uses.count(v) + (this.values.isOutput(v) ? 1 : 0);
  }

  /** The first use slot of v (NONE: unused); `nextUse` walks on, `useNode` is the slot's node. */
  firstUse(v: ValueId): number {
    return this.uses.first(v);
  }

  nextUse(s: number): number {
    return this.uses.next(s);
  }

  useNode(s: number): NodeId {
    return this.uses.nodeAt(s);
  }

  /** Distinct live nodes using v, in the order of their first use. */
  userNodes(v: ValueId): NodeId[] {
    const out: NodeId[] = [];
    for (let s = this.uses.first(v); s !== NONE; s = this.uses.next(s)) {
      const u = this.uses.nodeAt(s);
      if (this.flags[u]! & MARK) continue;
      this.flags[u]! |= MARK;
      out.push(u);
    }
    for (const u of out) this.flags[u]! &= ~MARK;
    return out;
  }

  // ---- nodes ----

  /** Nodes numbered so far, live or not: ids are 0 .. nodeCount - 1 (the source's first, in its order). */
  get nodeCount(): number {
    return this.defs.length;
  }

  /** The code of n's op: an index into opTable's result. */
  opCode(n: NodeId): number {
    return this.opCodes[n]!;
  }

  /** `f` of every op seen so far, indexed by op code (to test ops without reading nodes). */
  opTable<T>(f: (op: string) => T): T[] {
    return this.opNames.map(f);
  }

  /** The definition of n as a plain Node (the source's own object while n is unchanged); read only. */
  node(n: NodeId): Node {
    return this.def(n);
  }

  nodeName(n: NodeId): string {
    return this.defs[n]!.name;
  }

  op(n: NodeId): string {
    return this.opNames[this.opCodes[n]!]!;
  }

  /** The operand names ('' for an absent one) and result names of n. */
  inputNames(n: NodeId): string[] {
    return this.def(n).inputs;
  }

  outputNames(n: NodeId): string[] {
    return this.def(n).outputs;
  }

  /**
   * n's definition with its operand and result names up to date. Edits that only move uses or
   * names mark a node stale instead of copying its definition each time; it is renamed here, on
   * the next read, once — back to the source's own object when the edits cancelled out.
   */
  private def(n: NodeId): Node {
    if (!(this.flags[n]! & STALE)) return this.defs[n]!;
    this.flags[n]! &= ~STALE;
    const d = this.defs[n]!, src = this.source.nodes[n];
    // Plain loops, no closures: this runs for every node an edit touched.
    const inputs = new Array<string>(this.operandLen[n]!), from = this.operandFrom[n]!;
    for (let i = 0; i < inputs.length; i++) {
      const v = this.uses.valueAt(from + i);
      inputs[i] = v === NONE ? '' : this.values.name(v);
    }
    const outputs = new Array<string>(d.outputs.length);
    for (let i = 0; i < outputs.length; i++) outputs[i] = this.values.name(this.result(n, i));
    // (d !== src: the definitions were copied already when d was written.)
    if (src && src !== d && src.op === d.op && src.attrs === d.attrs && src.name === d.name && src.debugHandle === d.debugHandle && sameNames(inputs, src.inputs) && sameNames(outputs, src.outputs))
      this.defs[n] = src;
    else if (!sameNames(inputs, d.inputs) || !sameNames(outputs, d.outputs)) this.ownDefs()[n] = nodeOf(d.name, d.op, inputs, outputs, d.attrs, d.debugHandle);
    return this.defs[n]!;
  }

  operandCount(n: NodeId): number {
    return this.operandLen[n]!;
  }

  /** Operand i of n, NONE when absent or beyond its operands. */
  operand(n: NodeId, i: number): ValueId {
    return i < this.operandLen[n]! ? this.uses.valueAt(this.operandFrom[n]! + i) : NONE;
  }

  /** The operands of n, NONE for absent ones. */
  operands(n: NodeId): ValueId[] {
    const out = new Array<ValueId>(this.operandLen[n]!), s = this.operandFrom[n]!;
    for (let i = 0; i < out.length; i++) out[i] = this.uses.valueAt(s + i);
    return out;
  }

  resultCount(n: NodeId): number {
    return this.resultLen[n]!;
  }

  /** Result i of n, NONE beyond its results. */
  result(n: NodeId, i: number): ValueId {
    if (i >= this.resultLen[n]!) return NONE;
    const f = this.resultFrom[n]!;
    return f >= 0 ? f + i : this.resultIds[-1 - f + i]!;
  }

  /** The attributes as stored (only those that differ from the op's defaults). */
  rawAttrs(n: NodeId): Attrs {
    return this.defs[n]!.attrs;
  }

  /** Every attribute, defaults included (resolved once per definition). */
  attrs(n: NodeId): ResolvedAttrs {
    return (this.resolvedAll()[n] ??= resolvedAttrs(getOp(this.defs[n]!.op)!, this.defs[n]!.attrs));
  }

  private resolvedAll(): (ResolvedAttrs | undefined)[] {
    return (this.resolved ??= new Array<ResolvedAttrs | undefined>(this.flags.length));
  }

  /** The definitions, to write to: the source's list is copied first (it is only read). */
  private ownDefs(): Node[] {
    if (!this.defsCopied) {
      this.defs = this.defs.slice();
      this.defsCopied = true;
    }
    return this.defs;
  }

  debugHandle(n: NodeId): number | undefined {
    return this.defs[n]!.debugHandle;
  }

  isAlive(n: NodeId): boolean {
    return (this.flags[n]! & ALIVE) !== 0;
  }

  /** The driver's worklist mark. */
  isQueued(n: NodeId): boolean {
    return (this.flags[n]! & QUEUED) !== 0;
  }

  setQueued(n: NodeId, on: boolean): void {
    if (on) this.flags[n]! |= QUEUED;
    else this.flags[n]! &= ~QUEUED;
  }

  /** The live nodes in order. */
  nodes(): NodeId[] {
    const out: NodeId[] = [];
    if (!this.nexts) {
      for (let n = 0; n < this.defs.length; n++) if (this.flags[n]! & ALIVE) out.push(n);
      return out;
    }
    for (let n = this.head; n !== NONE; n = this.nexts[n]!) out.push(n);
    return out;
  }

  // ---- names for new values and nodes ----

  private readonly valueTaken = { has: (k: string) => !this.values.isFree(k) };

  freshValue(base: string): string {
    return freshName(this.valueTaken, base);
  }

  freshNode(base: string): string {
    if (!this.takenNodes) this.takenNodes = new Set([...this.source.nodes.map((n) => n.name), ...this.createdNames]);
    const v = freshName(this.takenNodes, base);
    this.takenNodes.add(v);
    return v;
  }

  /** A new constant named after `base` (as freshValue names it); returns its id. */
  addConstant(base: string, t: Tensor): ValueId {
    let v = this.values.freeId(base);
    for (let i = 1; v === undefined; i++) v = this.values.freeId(`${base}_${i}`);
    this.values.setConstant(v, t);
    this.values.define(v, { dtype: t.dtype, shape: [...t.shape] });
    return v;
  }

  // ---- structure ----

  /** Builds the linked list of the live nodes, in id order. */
  private order(): [Int32Array, Int32Array] {
    if (this.prevs && this.nexts) return [this.prevs, this.nexts];
    const prevs = (this.prevs = new Int32Array(this.flags.length)), nexts = (this.nexts = new Int32Array(this.flags.length));
    let last = NONE;
    for (let n = 0; n < this.defs.length; n++) {
      if (!(this.flags[n]! & ALIVE)) continue;
      prevs[n] = last;
      if (last !== NONE) nexts[last] = n;
      else this.head = n;
      last = n;
    }
    if (last !== NONE) nexts[last] = NONE;
    this.tail = last;
    return [prevs, nexts];
  }

  private link(n: NodeId, before: NodeId): void {
    const [prevs, nexts] = this.order();
    const prev = before !== NONE ? prevs[before]! : this.tail;
    prevs[n] = prev;
    nexts[n] = before;
    if (prev !== NONE) nexts[prev] = n;
    else this.head = n;
    if (before !== NONE) prevs[before] = n;
    else this.tail = n;
  }

  private codeOf(op: string): number {
    let code = this.opIndex.get(op);
    if (code === undefined) this.opIndex.set(op, (code = this.opNames.push(op) - 1));
    return code;
  }

  /**
   * Numbers a node with definition `def` and op code `code`, whose operands are ins[inAt…] and
   * results outs[outAt…] (as many as def names), and links them; it is not in the order yet.
   */
  private make(def: Node, code: number, ins: ArrayLike<ValueId>, inAt: number, outs: ArrayLike<ValueId>, outAt: number, resolved: ResolvedAttrs | undefined): NodeId {
    const n = this.defs.length;
    this.ownDefs().push(def);
    if (n >= this.flags.length) this.growNodes(n + 1);
    this.opCodes[n] = code;
    if (resolved) this.resolvedAll()[n] = resolved;
    this.flags[n] = ALIVE;
    this.setOperands(n, ins, inAt, def.inputs.length);
    const r = def.outputs.length;
    this.resultIds = grown(this.resultIds, this.resultTop + r);
    this.resultFrom[n] = -1 - this.resultTop;
    this.resultLen[n] = r;
    for (let i = 0; i < r; i++) {
      const v = outs[outAt + i]!;
      this.resultIds[this.resultTop++] = v;
      this.values.setProducer(v, n);
    }
    return n;
  }

  /** Gives n fresh operand slots reading ins[at…at+k]. */
  private setOperands(n: NodeId, ins: ArrayLike<ValueId>, at: number, k: number): void {
    const start = this.uses.allocate(n, k);
    for (let i = 0; i < k; i++) this.uses.link(start + i, ins[at + i]!);
    this.operandFrom[n] = start;
    this.operandLen[n] = k;
  }

  /** Every per-node array to the flags' new capacity (some start out longer than others, e.g. valueIds' n + 1 starts). */
  private growNodes(need: number): void {
    this.flags = grown(this.flags, need);
    const cap = this.flags.length;
    this.opCodes = grown(this.opCodes, cap);
    if (this.prevs) this.prevs = grown(this.prevs, cap);
    if (this.nexts) this.nexts = grown(this.nexts, cap);
    this.operandFrom = grown(this.operandFrom, cap);
    this.operandLen = grown(this.operandLen, cap);
    this.resultFrom = grown(this.resultFrom, cap);
    this.resultLen = grown(this.resultLen, cap);
    if (this.resolved) this.resolved.length = this.flags.length;
  }

  /**
   * Unlinks use slot s; with `dropConstant`, a constant that lost its last use goes with it
   * (constants nobody used to begin with stay). A node's result is not a constant (every value
   * has one definition), so its constant is not looked up.
   */
  private dropUse(s: number, dropConstant = true): void {
    const v = this.uses.unlink(s);
    if (!dropConstant || v === NONE || this.uses.count(v) !== 0 || this.values.producer(v) !== NONE) return;
    if (!this.values.isOutput(v) && this.values.constant(v) !== undefined) this.values.remove(v, true);
  }

  private noteCreated(name: string): void {
    this.createdNames.push(name);
    this.takenNodes?.add(name);
  }

  /** Inserts a node right before `anchor` (its operands must already be defined there). */
  insertBefore(anchor: NodeId, spec: NewNode, types: TensorType[]): NodeId {
    const def = nodeOf(spec.name, spec.op, spec.inputs, spec.outputs, spec.attrs, spec.debugHandle);
    this.order(); // of the nodes so far, before n is one
    const n = this.make(def, this.codeOf(spec.op), spec.ins, 0, spec.outputs.map((o) => this.values.id(o)), 0, spec.resolved);
    for (let i = 0; i < types.length; i++) this.values.define(this.result(n, i), types[i]!);
    this.noteCreated(spec.name);
    this.link(n, anchor);
    return n;
  }

  /**
   * Gives `n` a new definition where it stands, with its name and results: what inserting the
   * new node before n and removing n would do (uses, types), without a new node.
   */
  redefine(n: NodeId, spec: NewNode, types: TensorType[]): void {
    const oldFrom = this.operandFrom[n]!, oldLen = this.operandLen[n]!;
    const old = this.def(n);
    this.ownDefs()[n] = nodeOf(old.name, spec.op, spec.inputs, old.outputs, spec.attrs, spec.debugHandle);
    this.opCodes[n] = this.codeOf(spec.op);
    if (this.resolved || spec.resolved) this.resolvedAll()[n] = spec.resolved;
    // The new uses first, then the old ones go: a constant used by both stays.
    this.setOperands(n, spec.ins, 0, spec.ins.length);
    for (let i = 0; i < oldLen; i++) this.dropUse(oldFrom + i);
    for (let i = 0; i < types.length; i++) {
      const v = this.result(n, i);
      // Recording the type it has already would change nothing (and cost an entry per rewrite).
      if (this.values.isRemoved(v) || this.values.type(v) !== types[i]) this.values.define(v, types[i]!);
    }
    this.noteCreated(spec.name);
  }

  /**
   * Unlinks a node and its uses; its results stay defined unless `dropResults` (a new root may
   * reuse them). Constants that lose their last use go too, unless `dropUnusedConstants` is false
   * (the passes leave that to dce).
   */
  remove(n: NodeId, dropResults: boolean, dropUnusedConstants = true): void {
    if (!(this.flags[n]! & ALIVE)) return;
    this.flags[n]! &= ~ALIVE;
    for (let i = 0, s = this.operandFrom[n]!, k = this.operandLen[n]!; i < k; i++) this.dropUse(s + i, dropUnusedConstants);
    for (let i = 0, k = this.resultLen[n]!; i < k; i++) {
      const v = this.result(n, i);
      if (this.values.producer(v) === n) this.values.setProducer(v, NONE);
      if (dropResults) this.values.remove(v, false);
    }
    const { prevs, nexts } = this;
    if (!prevs || !nexts) return; // no list yet: the order is the live ids'
    const prev = prevs[n]!, next = nexts[n]!;
    if (prev !== NONE) nexts[prev] = next;
    else this.head = next;
    if (next !== NONE) prevs[next] = prev;
    else this.tail = prev;
    prevs[n] = nexts[n] = NONE;
  }

  /** Points every use of `from` at `to` (NONE: the operands become absent); returns the nodes whose operands changed. */
  replaceAllUses(from: ValueId, to: ValueId): NodeId[] {
    if (from === to) return this.userNodes(from);
    const changed: NodeId[] = [];
    for (let s = this.uses.first(from); s !== NONE; s = this.uses.first(from)) {
      const u = this.uses.nodeAt(s);
      this.uses.unlink(s);
      this.uses.link(s, to);
      if (this.flags[u]! & MARK) continue;
      this.flags[u]! |= MARK | STALE;
      changed.push(u);
    }
    for (const u of changed) this.flags[u]! &= ~MARK;
    return changed;
  }

  /**
   * replaceAllUses for a batch: every use of a value v of `from` becomes a use of to[v] (which must
   * not be in `from` itself). Returns whether any operand changed. Unlike replaceAllUses, it needs
   * no use lists (see use-lists.ts), so the passes' edits never build them.
   */
  replaceUses(from: readonly ValueId[], to: Int32Array): boolean {
    let changed = false;
    this.uses.redirect(from, to, (u) => {
      this.flags[u]! |= STALE;
      changed = true;
    });
    return changed;
  }

  /**
   * v takes over w's name: its definition and its users name it so, it takes w's place among the
   * graph outputs, and its type and constant are written back under that name. w's definition
   * must be gone (no live producer, no constant, no users); w keeps no name. This is how an edit
   * that replaces a graph output keeps the output's name.
   */
  takeName(v: ValueId, w: ValueId): void {
    if (this.values.producer(w) !== NONE || this.uses.count(w) || this.values.constant(w) !== undefined) throw new Error(`'${this.values.name(w)}' is still defined`);
    this.values.remove(w, true);
    this.values.takeName(v, w);
    for (let i = 0; i < this.outs.length; i++) if (this.outs[i] === w) this.outs[i] = v;
    const p = this.values.producer(v);
    if (p !== NONE) this.flags[p]! |= STALE;
    for (let s = this.uses.first(v); s !== NONE; s = this.uses.next(s)) this.flags[this.uses.nodeAt(s)]! |= STALE;
  }

  /** v, which has no live producer, becomes a constant (keeping its type). */
  defineConstant(v: ValueId, t: Tensor): void {
    if (this.values.producer(v) !== NONE) throw new Error(`'${this.values.name(v)}' is a node's result`);
    this.values.setConstant(v, t);
  }

  /** v is no longer defined: its type and constant go (a constant's definition, a result of a removed node). */
  undefine(v: ValueId): void {
    this.values.remove(v, true);
  }

  /** A plain Graph: the nodes in order (unchanged ones are the source's objects), values and constants (see ValueTable.write). */
  toGraph(): Graph {
    const nodes: Node[] = [];
    for (const n of this.nodes()) nodes.push(this.def(n));
    return { ...this.source, ...this.values.write(), nodes };
  }
}

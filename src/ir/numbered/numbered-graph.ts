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
import { valueIds } from './value-ids.js';

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

export class NumberedGraph {
  private readonly values: ValueTable;
  private readonly uses: UseLists;
  private readonly defs: Node[];
  /** defs[n].op is opNames[opCodes[n]], at hand for the matcher without reading the node. */
  private opCodes: Int32Array;
  private readonly opNames: string[];
  private readonly opIndex = new Map<string, number>();
  /** The graph outputs' ids, in order. */
  private readonly outs: ValueId[];
  /** Ids [0, inputCount) are the graph inputs (each numbered, used or not). */
  readonly inputCount: number;
  /** Every attribute of a definition, defaults included, resolved on first use (preallocated like flags: holes read as undefined). */
  private readonly resolved: (ResolvedAttrs | undefined)[];
  private flags: Uint8Array;
  private prevs: Int32Array;
  private nexts: Int32Array;
  private head: NodeId = NONE;
  private tail: NodeId = NONE;
  /** Operands: operandLen[n] use slots from operandFrom[n]. Results: resultLen[n] ids from resultFrom[n] in resultIds. */
  private operandFrom: Int32Array;
  private operandLen: Int32Array;
  private resultFrom: Int32Array;
  private resultLen: Int32Array;
  private resultIds: Int32Array;
  private resultTop = 0;
  private takenNodes: Set<string> | undefined;
  private readonly createdNames: string[] = [];

  constructor(readonly source: Graph) {
    const src = source.nodes, n = src.length, nodes = n + 16;
    // The names first, in a loop of their own: name lookups are most of the cost, and they are
    // much faster when nothing else competes for the cache.
    const ids = valueIds(source);
    const operands = ids.inIds.length;
    this.values = new ValueTable(source, ids, 16);
    this.inputCount = ids.inputs;
    this.opNames = ids.ops;
    ids.ops.forEach((op, k) => this.opIndex.set(op, k));
    this.opCodes = grown(ids.opCode, nodes);
    // The source's nodes in bulk, in the layout valueIds gives them: node i's operand slots are
    // its operands' positions in ids.inIds, its results the ids outStart[i] ...
    this.uses = new UseLists(operands + 16);
    this.uses.adopt(ids.inIds, ids.inStart, n);
    this.defs = src.slice();
    this.resolved = new Array<ResolvedAttrs | undefined>(nodes);
    this.flags = new Uint8Array(nodes).fill(ALIVE, 0, n);
    this.prevs = new Int32Array(nodes);
    this.nexts = new Int32Array(nodes);
    this.operandFrom = grown(ids.inStart, nodes);
    this.operandLen = new Int32Array(nodes);
    this.resultFrom = new Int32Array(nodes);
    this.resultLen = new Int32Array(nodes);
    const first = ids.outStart[0]!, results = ids.outStart[n]! - first;
    this.resultIds = new Int32Array(results + 16);
    this.resultTop = results;
    for (let r = 0; r < results; r++) this.resultIds[r] = first + r;
    for (let i = 0; i < n; i++) {
      this.operandLen[i] = ids.inStart[i + 1]! - ids.inStart[i]!;
      const from = ids.outStart[i]!, to = ids.outStart[i + 1]!;
      this.resultFrom[i] = from - first;
      this.resultLen[i] = to - from;
      for (let v = from; v < to; v++) this.values.setProducer(v, i);
      this.prevs[i] = i - 1;
      this.nexts[i] = i + 1 < n ? i + 1 : NONE;
    }
    if (n) [this.head, this.tail] = [0, n - 1];
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
    if (src && src !== d && src.op === d.op && src.attrs === d.attrs && src.name === d.name && src.debugHandle === d.debugHandle && sameNames(inputs, src.inputs) && sameNames(outputs, src.outputs))
      this.defs[n] = src;
    else if (!sameNames(inputs, d.inputs) || !sameNames(outputs, d.outputs)) this.defs[n] = nodeOf(d.name, d.op, inputs, outputs, d.attrs, d.debugHandle);
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
    return i < this.resultLen[n]! ? this.resultIds[this.resultFrom[n]! + i]! : NONE;
  }

  /** The attributes as stored (only those that differ from the op's defaults). */
  rawAttrs(n: NodeId): Attrs {
    return this.defs[n]!.attrs;
  }

  /** Every attribute, defaults included (resolved once per definition). */
  attrs(n: NodeId): ResolvedAttrs {
    return (this.resolved[n] ??= resolvedAttrs(getOp(this.defs[n]!.op)!, this.defs[n]!.attrs));
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

  private link(n: NodeId, before: NodeId): void {
    const prev = before !== NONE ? this.prevs[before]! : this.tail;
    this.prevs[n] = prev;
    this.nexts[n] = before;
    if (prev !== NONE) this.nexts[prev] = n;
    else this.head = n;
    if (before !== NONE) this.prevs[before] = n;
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
    this.defs.push(def);
    if (n >= this.flags.length) this.growNodes(n + 1);
    this.opCodes[n] = code;
    if (resolved) this.resolved[n] = resolved;
    this.flags[n] = ALIVE;
    this.setOperands(n, ins, inAt, def.inputs.length);
    const r = def.outputs.length;
    this.resultIds = grown(this.resultIds, this.resultTop + r);
    this.resultFrom[n] = this.resultTop;
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

  private growNodes(need: number): void {
    this.flags = grown(this.flags, need);
    this.opCodes = grown(this.opCodes, need);
    this.prevs = grown(this.prevs, need);
    this.nexts = grown(this.nexts, need);
    this.operandFrom = grown(this.operandFrom, need);
    this.operandLen = grown(this.operandLen, need);
    this.resultFrom = grown(this.resultFrom, need);
    this.resultLen = grown(this.resultLen, need);
    this.resolved.length = this.flags.length;
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
    this.defs[n] = nodeOf(old.name, spec.op, spec.inputs, old.outputs, spec.attrs, spec.debugHandle);
    this.opCodes[n] = this.codeOf(spec.op);
    this.resolved[n] = spec.resolved;
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
      const v = this.resultIds[this.resultFrom[n]! + i]!;
      if (this.values.producer(v) === n) this.values.setProducer(v, NONE);
      if (dropResults) this.values.remove(v, false);
    }
    const prev = this.prevs[n]!, next = this.nexts[n]!;
    if (prev !== NONE) this.nexts[prev] = next;
    else this.head = next;
    if (next !== NONE) this.prevs[next] = prev;
    else this.tail = prev;
    this.prevs[n] = this.nexts[n] = NONE;
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
    for (let n = this.head; n !== NONE; n = this.nexts[n]!) nodes.push(this.def(n));
    return { ...this.source, ...this.values.write(), nodes };
  }
}

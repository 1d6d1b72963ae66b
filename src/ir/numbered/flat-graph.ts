// The working form of the canonicalisation passes: a graph's values numbered densely (see
// value-ids.ts), operands as an Int32Array, node and constant state as flags. Rewrites read it and
// record edits; `apply` settles a batch of edits in place (nodes removed, operands redirected,
// constants added, outputs kept), and `result` writes the net change back as new graph
// containers once. Every lookup on the way is an array index, so a pass costs a walk over arrays
// instead of a hash lookup per operand; canonicalize runs its four rewrites on one FlatGraph.
//
// The subtle part of every rewrite lives here too: graph outputs keep their names. When an edit
// replaces an output, the replacement's definition takes the output's name, or, where it cannot
// (the replacement is a graph input or another output), the output's definition stays for it.
import { lookup, store, type Graph, type Node } from '../graph.js';
import type { Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { valueIds } from './value-ids.js';

export interface EditSummary {
  nodesRemoved: number;
  /** Constants whose definition went (renamed constants do not count). */
  constantsRemoved: number;
  /** Ids of replaced graph outputs whose definition had to stay to keep the output's name. */
  kept: ReadonlySet<number>;
  /** Whether the graph changed at all (edits can cancel out, e.g. when every output is kept). */
  changed: boolean;
}

/** JS objects list integer-like keys first, ascending: constants are iterated in that order too. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

export class FlatGraph {
  /** Current name of each value (a definition that takes over an output's name is renamed). */
  readonly names: string[];
  readonly inputCount: number;
  readonly nodes: readonly Node[];
  readonly inStart: Int32Array;
  /** Operand ids, redirected in place as edits are applied; -1 is an absent operand. */
  readonly inIds: Int32Array;
  /** Results of node i are the ids outStart[i] .. outStart[i + 1] - 1. */
  readonly outStart: Int32Array;
  /** Graph output ids. */
  readonly outputs: Int32Array;
  /** The op of node i is ops[opCode[i]] (see opTable, to test ops without reading node objects). */
  readonly opCode: Int32Array;
  readonly ops: readonly string[];
  private readonly alive: Uint8Array;
  private readonly isConst: Uint8Array;
  private readonly tensors: (Tensor | undefined)[];
  /** Constants in record insertion order; an entry counts only while constSlot points at it. */
  private constOrder: number[];
  private readonly constSlot: Int32Array;
  /** Original names of renamed values: the keys of their types in the input's value record. */
  private readonly renamedFrom = new Map<number, string>();
  private readonly typeCache: (TensorType | null | undefined)[];
  private nodesDirty = false;
  private valuesDirty = false;
  private constsDirty = false;

  // The pending batch of edits.
  private readonly repl: Int32Array;
  private readonly dropped: Uint8Array;
  private replaced: number[] = [];
  private droppedList: number[] = [];
  private newConst: number[] = [];
  private readonly pending: (Tensor | undefined)[];
  private touched: number[] = [];

  constructor(private readonly input: Graph) {
    const ids = valueIds(input);
    this.names = ids.names;
    this.inputCount = ids.inputs;
    this.nodes = input.nodes;
    this.inStart = ids.inStart;
    this.inIds = ids.inIds;
    this.outStart = ids.outStart;
    this.outputs = ids.outputs;
    this.opCode = ids.opCode;
    this.ops = ids.ops;
    const count = ids.names.length;
    this.alive = new Uint8Array(input.nodes.length).fill(1);
    this.isConst = new Uint8Array(count);
    this.tensors = new Array<Tensor | undefined>(count);
    this.typeCache = new Array<TensorType | null | undefined>(count);
    this.constOrder = [];
    this.constSlot = new Int32Array(count).fill(-1);
    // Reads by key: Object.values of a large dictionary-mode object sorts it first (~10x slower).
    for (let k = 0; k < ids.constants; k++) {
      const id = ids.inputs + k;
      this.isConst[id] = 1;
      this.tensors[id] = lookup(input.constants, ids.names[id]!);
      this.constSlot[id] = k;
      this.constOrder.push(id);
    }
    this.repl = new Int32Array(count).fill(-1);
    // Preallocated: writing far past the end of an empty array turns it into a slow dictionary.
    this.pending = new Array<Tensor | undefined>(count);
    this.dropped = new Uint8Array(count);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  isAlive(node: number): boolean {
    return this.alive[node] === 1;
  }

  /** `f` of every op of the graph, indexed by op code. */
  opTable<T>(f: (op: string) => T): T[] {
    return this.ops.map(f);
  }

  /** Number of results of node i. */
  resultCount(node: number): number {
    return this.outStart[node + 1]! - this.outStart[node]!;
  }

  isInput(v: number): boolean {
    return v < this.inputCount;
  }

  /** The tensor of a constant value (undefined for everything else). */
  constant(v: number): Tensor | undefined {
    return this.isConst[v] ? this.tensors[v] : undefined;
  }

  /** The declared type of a value (undefined when the graph declares none). */
  type(v: number): TensorType | undefined {
    let t = this.typeCache[v];
    if (t === undefined) this.typeCache[v] = t = lookup(this.input.values, (this.renamedFrom.size && this.renamedFrom.get(v)) || this.names[v]!) ?? null;
    return t ?? undefined;
  }

  /** Constant ids in the order of the constants record (integer-like names first, as in JS). */
  constantIds(): number[] {
    const live = this.constOrder.filter((id, k) => this.isConst[id] && this.constSlot[id] === k);
    live.forEach((id, k) => (this.constSlot[id] = k));
    this.constOrder = live;
    const index = live.filter((id) => isArrayIndex(this.names[id]!));
    if (!index.length) return live;
    index.sort((a, b) => Number(this.names[a]) - Number(this.names[b]));
    return [...index, ...live.filter((id) => !isArrayIndex(this.names[id]!))];
  }

  // --- Recording edits -------------------------------------------------------------------------

  /**
   * Every use of `from` becomes a use of `to`, and `from`'s definition goes. `to` must have the
   * same type and be defined before every use of `from`. `node` is the node defining `from`
   * (leave it out for a constant).
   */
  replaceValue(from: number, to: number, node?: number): void {
    if (from === to) return;
    if (this.isInput(from)) throw new Error(`cannot replace graph input '${this.names[from]}'`);
    this.definedAt(from, node);
    if (this.repl[from]! < 0) this.replaced.push(from);
    this.repl[from] = to;
  }

  /** Removes the definition of an unused value (a result of node `node`, or a constant). */
  dropValue(v: number, node?: number): void {
    this.definedAt(v, node);
    if (!this.dropped[v]) this.droppedList.push(v);
    this.dropped[v] = 1;
  }

  /** Turns a result of node `node` into a constant; the node goes once all its results are gone. */
  defineConstant(v: number, t: Tensor, node: number): void {
    this.definedAt(v, node);
    if (this.pending[v] === undefined) this.newConst.push(v);
    this.pending[v] = t;
  }

  /** The tensor a pending defineConstant gives `v`. */
  pendingConstant(v: number): Tensor | undefined {
    return this.pending[v];
  }

  /** The value `v` stands for once the pending edits are applied. */
  resolve(v: number): number {
    let r = v;
    for (let next = this.repl[r]!; next >= 0; next = this.repl[r]!) r = next;
    return r;
  }

  /** Notes the node an edit touches; only touched nodes can go, so nothing else is scanned. */
  private definedAt(v: number, node: number | undefined): void {
    if (node === undefined) {
      if (!this.isConst[v]) throw new Error(`'${this.names[v]}' is not a constant: pass the index of the node defining it`);
    } else {
      if (!(v >= this.outStart[node]! && v < this.outStart[node + 1]!) || !this.alive[node]) throw new Error(`node ${node} does not define '${this.names[v]}'`);
      this.touched.push(node);
    }
  }

  // --- Applying them --------------------------------------------------------------------------

  /** Settles the pending edits in place and says what they did. */
  apply(): EditSummary {
    const kept = new Set<number>();
    const summary: EditSummary = { nodesRemoved: 0, constantsRemoved: 0, kept, changed: false };
    if (!this.replaced.length && !this.droppedList.length && !this.newConst.length) return summary;
    const { repl, dropped, pending, outputs } = this;
    const isOutput = new Set(outputs);
    // Output protection: the root of a replaced output takes its name, unless it cannot.
    const rename = new Map<number, number>();
    for (const o of outputs) {
      if (repl[o]! < 0) continue;
      const root = this.resolve(o);
      if (this.isInput(root) || isOutput.has(root) || rename.has(root) || dropped[root]) kept.add(o);
      else rename.set(root, o);
    }
    // A node goes when all its results go. One that stays keeps defining all of them: those
    // replaced just lose their users, and none of them may take over an output name.
    const edited = (v: number) => repl[v]! >= 0 || dropped[v] === 1 || pending[v] !== undefined;
    const staying = new Set<number>(kept);
    for (const i of this.touched) {
      if (!this.alive[i]) continue; // touched twice
      const end = this.outStart[i + 1]!;
      let any = false;
      for (let v = this.outStart[i]!; v < end && !any; v++) any = kept.has(v) || !edited(v);
      if (!any) {
        this.alive[i] = 0;
        summary.nodesRemoved++;
        continue;
      }
      for (let v = this.outStart[i]!; v < end; v++) {
        if (repl[v]! < 0 && !dropped[v]) continue;
        staying.add(v);
        if (isOutput.has(v) && repl[v]! >= 0 && !kept.has(v)) {
          kept.add(v);
          for (const [root, o] of rename) if (o === v) rename.delete(root);
        }
      }
    }
    // The set of defined values changes when a node goes, a constant goes or comes, or a name moves.
    let valuesChanged = summary.nodesRemoved > 0 || rename.size > 0;
    let changed = valuesChanged;
    // Uses follow the replacements (a kept output's other users too).
    if (this.replaced.length) {
      const ids = this.inIds;
      for (let i = 0; i < this.nodes.length; i++) {
        if (!this.alive[i]) continue;
        for (let k = this.inStart[i]!, end = this.inStart[i + 1]!; k < end; k++) {
          const v = ids[k]!;
          if (v >= 0 && repl[v]! >= 0) {
            ids[k] = this.resolve(v);
            changed = true;
          }
        }
      }
    }
    // Constants: removals first, then the renamed and the new ones, in that order (as a record's
    // keys would be).
    for (const v of [...this.replaced, ...this.droppedList]) {
      if (staying.has(v) || !this.isConst[v]) continue;
      this.isConst[v] = 0;
      summary.constantsRemoved++;
      valuesChanged = changed = this.constsDirty = true;
    }
    for (const [root, o] of rename) {
      if (!this.renamedFrom.has(root)) this.renamedFrom.set(root, this.names[root]!);
      this.names[root] = this.names[o]!;
      for (let j = 0; j < outputs.length; j++) if (outputs[j] === o) outputs[j] = root;
      const t = pending[root] ?? this.constant(root);
      if (t) this.addConstant(root, t); // under its new name, at the end of the record
    }
    for (const v of this.newConst) {
      if (rename.has(v)) continue;
      this.addConstant(v, pending[v]!);
      valuesChanged = changed = true;
    }
    summary.changed = changed;
    this.valuesDirty ||= valuesChanged;
    this.nodesDirty ||= changed && (summary.nodesRemoved > 0 || this.replaced.length > 0 || rename.size > 0);
    this.clearPending();
    return summary;
  }

  private addConstant(v: number, t: Tensor): void {
    this.isConst[v] = 1;
    this.tensors[v] = t;
    this.constSlot[v] = this.constOrder.length;
    this.constOrder.push(v);
    this.constsDirty = true;
  }

  private clearPending(): void {
    for (const v of this.replaced) this.repl[v] = -1;
    for (const v of this.droppedList) this.dropped[v] = 0;
    for (const v of this.newConst) this.pending[v] = undefined;
    this.replaced = [];
    this.droppedList = [];
    this.newConst = [];
    this.touched = [];
  }

  // --- Writing the result back ----------------------------------------------------------------

  /**
   * The graph's containers that changed, rebuilt (none when nothing changed). Unchanged nodes, types and
   * tensors are the input's own objects.
   */
  result(): Partial<Pick<Graph, 'nodes' | 'values' | 'constants'>> {
    const out: Partial<Pick<Graph, 'nodes' | 'values' | 'constants'>> = {};
    const name = (v: number) => (v < 0 ? '' : this.names[v]!);
    if (this.nodesDirty) {
      const nodes: Node[] = [];
      for (let i = 0; i < this.nodes.length; i++) {
        if (!this.alive[i]) continue;
        const n = this.nodes[i]!;
        const s = this.inStart[i]!, outs = this.outStart[i]!;
        let same = true;
        for (let k = 0; k < n.inputs.length && same; k++) same = name(this.inIds[s + k]!) === n.inputs[k];
        for (let k = 0; k < n.outputs.length && same; k++) same = this.names[outs + k] === n.outputs[k];
        if (same) nodes.push(n);
        else
          nodes.push({
            ...n,
            inputs: Array.from(this.inIds.subarray(s, s + n.inputs.length), name),
            outputs: n.outputs.map((_, k) => this.names[outs + k]!),
          });
      }
      if (nodes.length !== this.input.nodes.length || nodes.some((n, i) => n !== this.input.nodes[i])) out.nodes = nodes;
    }
    if (this.constsDirty) {
      const constants: Record<string, Tensor> = {};
      for (const v of this.constantIds()) store(constants, this.names[v]!, this.tensors[v]!);
      out.constants = constants;
    }
    if (this.valuesDirty) {
      // Exactly what the graph still defines: inputs, constants, node results.
      const values: Record<string, TensorType> = {};
      const setType = (v: number) => {
        const t = this.type(v);
        if (t) store(values, this.names[v]!, t);
      };
      for (let v = 0; v < this.inputCount; v++) setType(v);
      for (const v of this.constantIds()) setType(v);
      for (let i = 0; i < this.nodes.length; i++) if (this.alive[i]) for (let v = this.outStart[i]!; v < this.outStart[i + 1]!; v++) setType(v);
      out.values = values;
    }
    return out;
  }

  /** The graph after the applied edits: the input itself when nothing changed, else a copy with the changed containers. */
  writeBack(): Graph {
    const r = this.result();
    return r.nodes || r.values || r.constants ? { ...this.input, ...r } : this.input;
  }
}

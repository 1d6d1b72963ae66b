// Batched edits on a NumberedGraph, as the canonicalisation passes make them: a rewrite reads the
// graph and records edits (replace a value, drop one, turn a result into a constant), `apply`
// settles the batch in place with the graph's primitives, and `writeBack` writes the net change
// back as new graph containers once. canonicalize runs its four rewrites on one graph this way.
//
// The subtle part of every rewrite lives here too: graph outputs keep their names. When an edit
// replaces an output, the replacement's definition takes the output's name (takeName), or, where
// it cannot (the replacement is a graph input or another output), the output's definition stays
// for it.
import { store, type Graph, type Node } from '../graph.js';
import type { Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import type { NodeId, ValueId } from './ids.js';
import type { NumberedGraph } from './numbered-graph.js';

export interface EditSummary {
  nodesRemoved: number;
  /** Constants whose definition went (renamed constants do not count). */
  constantsRemoved: number;
  /** Ids of replaced graph outputs whose definition had to stay to keep the output's name. */
  kept: ReadonlySet<ValueId>;
  /** Whether the graph changed at all (edits can cancel out, e.g. when every output is kept). */
  changed: boolean;
}

export class EditBatch {
  private readonly repl: Int32Array;
  private readonly dropped: Uint8Array;
  /** Empty until the first defineConstant (only fold-constants makes any): reads past its end are undefined. */
  private pending: (Tensor | undefined)[] = [];
  private replaced: ValueId[] = [];
  private droppedList: ValueId[] = [];
  private newConst: ValueId[] = [];
  private touched: NodeId[] = [];
  // What the applied edits changed, for writeBack.
  private nodesDirty = false;
  private valuesDirty = false;
  private constsDirty = false;

  constructor(readonly g: NumberedGraph) {
    const count = g.valueCount;
    this.repl = new Int32Array(count).fill(-1);
    this.dropped = new Uint8Array(count);
  }

  // --- Recording edits -------------------------------------------------------------------------

  /**
   * Every use of `from` becomes a use of `to`, and `from`'s definition goes. `to` must have the
   * same type and be defined before every use of `from`. `node` is the node defining `from`
   * (leave it out for a constant).
   */
  replaceValue(from: ValueId, to: ValueId, node?: NodeId): void {
    if (from === to) return;
    if (this.g.isInput(from)) throw new Error(`cannot replace graph input '${this.g.valueName(from)}'`);
    this.definedAt(from, node);
    if (this.repl[from]! < 0) this.replaced.push(from);
    this.repl[from] = to;
  }

  /** Removes the definition of an unused value (a result of node `node`, or a constant). */
  dropValue(v: ValueId, node?: NodeId): void {
    this.definedAt(v, node);
    if (!this.dropped[v]) this.droppedList.push(v);
    this.dropped[v] = 1;
  }

  /** Turns a result of node `node` into a constant; the node goes once all its results are gone. */
  defineConstant(v: ValueId, t: Tensor, node: NodeId): void {
    this.definedAt(v, node);
    // Preallocated: writing far past the end of an empty array turns it into a slow dictionary.
    if (!this.pending.length) this.pending = new Array<Tensor | undefined>(this.repl.length);
    if (this.pending[v] === undefined) this.newConst.push(v);
    this.pending[v] = t;
  }

  /** The tensor a pending defineConstant gives `v`. */
  pendingConstant(v: ValueId): Tensor | undefined {
    return this.pending[v];
  }

  /** The value `v` stands for once the pending edits are applied. */
  resolve(v: ValueId): ValueId {
    let r = v;
    for (let next = this.repl[r]!; next >= 0; next = this.repl[r]!) r = next;
    return r;
  }

  /** Notes the node an edit touches; only touched nodes can go, so nothing else is scanned. */
  private definedAt(v: ValueId, node: NodeId | undefined): void {
    if (node === undefined) {
      if (this.g.constant(v) === undefined) throw new Error(`'${this.g.valueName(v)}' is not a constant: pass the index of the node defining it`);
    } else {
      if (this.g.producer(v) !== node) throw new Error(`node ${node} does not define '${this.g.valueName(v)}'`);
      this.touched.push(node);
    }
  }

  // --- Applying them --------------------------------------------------------------------------

  /** Settles the pending edits in place and says what they did. */
  apply(): EditSummary {
    const kept = new Set<ValueId>();
    const summary: EditSummary = { nodesRemoved: 0, constantsRemoved: 0, kept, changed: false };
    if (!this.replaced.length && !this.droppedList.length && !this.newConst.length) return summary;
    const { g, repl, dropped, pending } = this;
    // Output protection: the root of a replaced output takes its name, unless it cannot.
    const rename = new Map<ValueId, ValueId>();
    for (const o of g.outputs()) {
      if (repl[o]! < 0) continue;
      const root = this.resolve(o);
      if (g.isInput(root) || g.isOutput(root) || rename.has(root) || dropped[root]) kept.add(o);
      else rename.set(root, o);
    }
    // A node goes when all its results go. One that stays keeps defining all of them: those
    // replaced just lose their users, and none of them may take over an output name.
    const edited = (v: ValueId) => repl[v]! >= 0 || dropped[v] === 1 || pending[v] !== undefined;
    const staying = new Set<ValueId>(kept);
    const gone: ValueId[] = [];
    for (const i of this.touched) {
      if (!g.isAlive(i)) continue; // touched twice
      const count = g.resultCount(i);
      let any = false;
      for (let k = 0; k < count && !any; k++) any = kept.has(g.result(i, k)) || !edited(g.result(i, k));
      if (!any) {
        for (let k = 0; k < count; k++) if (pending[g.result(i, k)] === undefined) gone.push(g.result(i, k));
        g.remove(i, false, false); // unused constants are dce's to remove
        summary.nodesRemoved++;
        continue;
      }
      for (let k = 0; k < count; k++) {
        const v = g.result(i, k);
        if (repl[v]! < 0 && !dropped[v]) continue;
        staying.add(v);
        if (g.isOutput(v) && repl[v]! >= 0 && !kept.has(v)) {
          kept.add(v);
          for (const [root, o] of rename) if (o === v) rename.delete(root);
        }
      }
    }
    for (const v of gone) g.undefine(v);
    // The set of defined values changes when a node goes, a constant goes or comes, or a name moves.
    let valuesChanged = summary.nodesRemoved > 0 || rename.size > 0;
    let changed = valuesChanged;
    // Uses follow the replacements (a kept output's other users too).
    // Each replaced value points straight at its final replacement first (repl holds chains).
    const roots = this.replaced.map((v) => this.resolve(v));
    this.replaced.forEach((v, i) => (repl[v] = roots[i]!));
    if (g.replaceUses(this.replaced, repl)) changed = true;
    // Constants: removals first, then the renamed and the new ones, in that order (as a record's
    // keys would be).
    for (const v of [...this.replaced, ...this.droppedList]) {
      if (staying.has(v) || g.constant(v) === undefined) continue;
      g.undefine(v);
      summary.constantsRemoved++;
      valuesChanged = changed = this.constsDirty = true;
    }
    for (const [root, o] of rename) {
      const wasConstant = g.constant(root) !== undefined;
      g.takeName(root, o);
      if (pending[root]) g.defineConstant(root, pending[root]);
      if (wasConstant || pending[root]) this.constsDirty = true; // under its new name, at the end of the record
    }
    for (const v of this.newConst) {
      if (rename.has(v)) continue;
      g.defineConstant(v, pending[v]!);
      valuesChanged = changed = this.constsDirty = true;
    }
    summary.changed = changed;
    this.valuesDirty ||= valuesChanged;
    this.nodesDirty ||= changed && (summary.nodesRemoved > 0 || this.replaced.length > 0 || rename.size > 0);
    this.clearPending();
    return summary;
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
   * The graph's containers that changed, rebuilt (none when nothing changed): the live nodes in
   * order, the constants, and exactly the values the graph still defines (inputs, constants,
   * node results, in that order). Unchanged nodes, types and tensors are the source's own objects.
   */
  result(): Partial<Pick<Graph, 'nodes' | 'values' | 'constants'>> {
    const { g } = this, src = g.source;
    const out: Partial<Pick<Graph, 'nodes' | 'values' | 'constants'>> = {};
    // Plain loops, no closures or intermediate arrays: this walks every node and value.
    const live = g.nodes();
    if (this.nodesDirty) {
      const nodes = new Array<Node>(live.length);
      let same = live.length === src.nodes.length;
      for (let i = 0; i < live.length; i++) {
        const n = g.node(live[i]!);
        nodes[i] = n;
        if (same && n !== src.nodes[i]) same = false;
      }
      if (!same) out.nodes = nodes;
    }
    const constantIds = this.constsDirty || this.valuesDirty ? g.constantIds() : [];
    if (this.constsDirty) {
      const constants: Record<string, Tensor> = {};
      for (const v of constantIds) store(constants, g.valueName(v), g.constant(v)!);
      out.constants = constants;
    }
    if (this.valuesDirty) {
      const values: Record<string, TensorType> = {};
      for (let v = 0; v < g.inputCount; v++) setType(g, values, v);
      for (const v of constantIds) setType(g, values, v);
      for (const n of live) for (let k = 0, count = g.resultCount(n); k < count; k++) setType(g, values, g.result(n, k));
      out.values = values;
    }
    return out;
  }

  /** The graph after the applied edits: the source itself when nothing changed, else a copy with the changed containers. */
  writeBack(): Graph {
    const r = this.result();
    return r.nodes || r.values || r.constants ? { ...this.g.source, ...r } : this.g.source;
  }
}

/** Writes v's type into `values` under its name, if it has one. */
function setType(g: NumberedGraph, values: Record<string, TensorType>, v: ValueId): void {
  const t = g.type(v);
  if (t) store(values, g.valueName(v), t);
}

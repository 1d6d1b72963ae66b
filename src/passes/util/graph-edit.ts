// A batch of graph edits, decided by reading the pass's immutable input and written into the
// immer draft in one go, one root-level assignment per changed container. Reading through a
// draft makes a proxy per object touched and editing a large record makes immer copy and later
// walk it; building the new containers here costs one copy and nothing else. One place also
// handles the subtle part of every rewrite: graph outputs keep their names.
import { define, type Graph, type Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';

export class GraphEdit {
  /** value -> the value that replaces it (its definition goes away). */
  private readonly replace = new Map<string, string>();
  /** Values whose definition goes away with no replacement (they must be unused). */
  private readonly dropped = new Set<string>();
  /** Values that become constants (their defining node goes away, the name and type stay). */
  private readonly newConst = new Map<string, Tensor>();
  /** Indices of the nodes whose results are edited. */
  private readonly touched = new Set<number>();

  constructor(private readonly base: Graph) {}

  get empty(): boolean {
    return this.replace.size === 0 && this.dropped.size === 0 && this.newConst.size === 0;
  }

  /**
   * Every use of `from` becomes a use of `to`, and `from`'s definition goes. `to` must have the
   * same type and be defined before every use of `from`. `node` is the index of the node whose
   * result `from` is (leave it out for a constant). When `from` is a graph output, the output
   * keeps its name: `to`'s definition is renamed to it, or, where that is impossible (`to` is a
   * graph input or another output), `from`'s definition stays.
   */
  replaceValue(from: string, to: string, node?: number): void {
    if (from === to) return;
    if (this.base.inputs.includes(from)) throw new Error(`cannot replace graph input '${from}'`);
    this.definedAt(from, node);
    this.replace.set(from, to);
  }

  /** Removes the definition of an unused value (a result of node `node`, or a constant). */
  dropValue(name: string, node?: number): void {
    this.definedAt(name, node);
    this.dropped.add(name);
  }

  /** Turns a result of node `node` into a constant; the node goes once all its results are gone. */
  defineConstant(name: string, t: Tensor, node: number): void {
    this.definedAt(name, node);
    this.newConst.set(name, t);
  }

  /** Notes the node an edit touches; only touched nodes can go, so nothing else is scanned. */
  private definedAt(v: string, node: number | undefined): void {
    if (node === undefined) {
      if (!Object.hasOwn(this.base.constants, v)) throw new Error(`'${v}' is not a constant: pass the index of the node defining it`);
    } else if (!this.base.nodes[node]?.outputs.includes(v)) throw new Error(`node ${node} does not define '${v}'`);
    else this.touched.add(node);
  }

  private resolveRaw(v: string): string {
    let r = v;
    for (let next = this.replace.get(r); next !== undefined; next = this.replace.get(r)) r = next;
    return r;
  }

  /** The net effect of the edits on the base graph's containers. */
  private plan(): Plan {
    const kept = new Set<string>();
    const summary: EditSummary = { nodesRemoved: 0, constantsRemoved: 0, kept, changed: false };
    const delValues = new Set<string>(), setValues = new Map<string, TensorType>();
    const delConsts = new Set<string>(), setConsts = new Map<string, Tensor>();
    if (this.empty) return { summary, delValues, setValues, delConsts, setConsts };
    const base = this.base;
    const inputs = new Set(base.inputs), outputs = new Set(base.outputs);
    // Output protection: the output's name moves onto the value that replaces it, or its
    // definition stays for the output alone (every other use still goes to the replacement).
    const rename = new Map<string, string>();
    for (const o of base.outputs) {
      if (!this.replace.has(o)) continue;
      const root = this.resolveRaw(o);
      if (inputs.has(root) || outputs.has(root) || rename.has(root) || this.dropped.has(root)) kept.add(o);
      else rename.set(root, o);
    }
    // A node goes when all its results go. One that stays (a kept result, or a result nobody
    // replaced) keeps defining all of them: those replaced just lose their users, and none of
    // them may take over an output name (that name is still defined here).
    const { replace, dropped, newConst } = this;
    const stays = (v: string) => kept.has(v) || !(replace.has(v) || dropped.has(v) || newConst.has(v));
    const gone = new Uint8Array(base.nodes.length);
    const staying = new Set<string>(kept);
    for (const i of this.touched) {
      const outs = base.nodes[i]!.outputs;
      let any = false;
      for (let k = 0; k < outs.length && !any; k++) any = stays(outs[k]!);
      if (!any) {
        gone[i] = 1;
        continue;
      }
      for (const o of outs) {
        if (!replace.has(o) && !dropped.has(o)) continue;
        staying.add(o);
        if (outputs.has(o) && replace.has(o) && !kept.has(o)) {
          kept.add(o);
          for (const [root, target] of rename) if (target === o) rename.delete(root);
        }
      }
    }
    // Every name a use must change to, resolved once: one lookup per operand below.
    const subst = new Map<string, string>();
    for (const v of replace.keys()) {
      const r = this.resolveRaw(v);
      subst.set(v, rename.get(r) ?? r);
    }
    for (const [root, o] of rename) subst.set(root, o);

    const remap = subst.size > 0;
    const nodes: Node[] = [];
    let nodesChanged = false;
    for (let i = 0; i < base.nodes.length; i++) {
      const n = base.nodes[i]!;
      if (gone[i]) {
        nodesChanged = true;
        summary.nodesRemoved++;
        for (const o of n.outputs) if (!newConst.has(o)) delValues.add(o);
        continue;
      }
      let node = n;
      if (remap) {
        let ins: string[] | undefined, outs: string[] | undefined;
        for (let k = 0; k < n.inputs.length; k++) {
          const f = subst.get(n.inputs[k]!);
          if (f !== undefined && f !== n.inputs[k]) (ins ??= [...n.inputs])[k] = f;
        }
        if (rename.size)
          for (let k = 0; k < n.outputs.length; k++) {
            const f = rename.get(n.outputs[k]!);
            if (f !== undefined) (outs ??= [...n.outputs])[k] = f;
          }
        if (ins || outs) {
          node = { ...n, inputs: ins ?? n.inputs, outputs: outs ?? n.outputs };
          nodesChanged = true;
        }
      }
      nodes.push(node);
    }
    for (const v of [...this.replace.keys(), ...this.dropped]) {
      if (staying.has(v)) continue;
      delValues.add(v);
      if (Object.hasOwn(base.constants, v)) delConsts.add(v);
    }
    for (const [root, o] of rename) {
      setValues.set(o, base.values[root]!);
      delValues.add(root);
      const c = this.newConst.get(root) ?? (Object.hasOwn(base.constants, root) ? base.constants[root] : undefined);
      if (c) {
        setConsts.set(o, c);
        delConsts.add(root);
        if (Object.hasOwn(base.constants, root)) summary.constantsRemoved--; // moved, not removed
      }
    }
    for (const [name, t] of this.newConst) if (!rename.has(name)) setConsts.set(name, t);

    for (const c of delConsts) if (!setConsts.has(c) && Object.hasOwn(base.constants, c)) summary.constantsRemoved++;
    const plan: Plan = { summary, delValues, setValues, delConsts, setConsts, nodes: nodesChanged ? nodes : undefined };
    summary.changed = nodesChanged || changes(base.values, delValues, setValues) || changes(base.constants, delConsts, setConsts);
    return plan;
  }

  /** Writes the net edits into the draft (nothing when they cancel out) and says what happened. */
  commit(draft: Graph): EditSummary {
    const plan = this.plan();
    // Whole containers are assigned at the root: no nested drafts, so immer neither copies nor
    // walks the large records; every unchanged node, type and tensor is shared with the input.
    if (plan.nodes) draft.nodes = plan.nodes;
    if (changes(this.base.values, plan.delValues, plan.setValues)) draft.values = rebuilt(this.base.values, plan.delValues, plan.setValues);
    if (changes(this.base.constants, plan.delConsts, plan.setConsts)) draft.constants = rebuilt(this.base.constants, plan.delConsts, plan.setConsts);
    return plan.summary;
  }

  /**
   * Applies the edits to `work`, the base graph itself, in place: for a pass that runs several
   * rewrites on a private working graph and commits once. A record still shared with `original`
   * (the pass's immutable input) is copied on its first change, so `original` stays untouched.
   */
  applyInPlace(work: Graph, original: Graph, opts: { staleValues?: boolean } = {}): EditSummary {
    if (work !== this.base) throw new Error('applyInPlace: edits were made against another graph');
    const plan = this.plan();
    if (plan.nodes) work.nodes = plan.nodes;
    // Stale values: entries of removed values stay until definedValues() rebuilds the record.
    if (!opts.staleValues && changes(work.values, plan.delValues, plan.setValues)) {
      if (work.values === original.values) work.values = rebuilt(original.values, new Set(), new Map());
      mutate(work.values, plan.delValues, plan.setValues);
    }
    if (changes(work.constants, plan.delConsts, plan.setConsts)) {
      if (work.constants === original.constants) work.constants = rebuilt(original.constants, new Set(), new Map());
      mutate(work.constants, plan.delConsts, plan.setConsts);
    }
    return plan.summary;
  }
}

interface Plan {
  summary: EditSummary;
  /** The new node list, when it differs. */
  nodes?: Node[];
  delValues: Set<string>;
  setValues: Map<string, TensorType>;
  delConsts: Set<string>;
  setConsts: Map<string, Tensor>;
}

export interface EditSummary {
  nodesRemoved: number;
  /** Constants whose definition went (renamed constants do not count). */
  constantsRemoved: number;
  /** Replaced graph outputs whose definition had to stay to keep the output's name. */
  kept: ReadonlySet<string>;
  /** Whether the graph changed at all (edits can cancel out, e.g. when every output is kept). */
  changed: boolean;
}

/** Whether deleting `del` and setting `set` changes the record. */
function changes<T>(base: Record<string, T>, del: Set<string>, set: Map<string, T>): boolean {
  for (const k of del) if (!set.has(k) && Object.hasOwn(base, k)) return true;
  for (const [k, v] of set) if (!Object.hasOwn(base, k) || base[k] !== v) return true;
  return false;
}

/** A copy of the record without `del` and with `set`. */
function rebuilt<T>(base: Record<string, T>, del: Set<string>, set: Map<string, T>): Record<string, T> {
  // A keys loop is the fastest copy of a large dictionary-mode object (about twice spread's speed).
  const out: Record<string, T> = {};
  const keys = Object.keys(base);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (del.has(k) && !set.has(k)) continue;
    put(out, k, base[k]!);
  }
  for (const [k, v] of set) put(out, k, v);
  return out;
}

/** rec[k] = v, also for a value named __proto__ (which plain assignment would not store). */
function put<T>(rec: Record<string, T>, k: string, v: T): void {
  if (k === '__proto__') define(rec, k, v);
  else rec[k] = v;
}

/**
 * The type record holding exactly the names `g` defines (inputs, constants, node results), typed
 * from `types`: rebuilds a record left stale by applyInPlace, at the cost of the graph's size
 * (not the stale record's).
 */
export function definedValues(g: Graph, types: Record<string, TensorType>): Record<string, TensorType> {
  const out: Record<string, TensorType> = {};
  for (const v of g.inputs) put(out, v, types[v]!);
  for (const v of Object.keys(g.constants)) put(out, v, types[v]!);
  for (const n of g.nodes) for (const v of n.outputs) put(out, v, types[v]!);
  return out;
}

function mutate<T>(rec: Record<string, T>, del: Set<string>, set: Map<string, T>): void {
  for (const k of del) if (!set.has(k)) delete rec[k];
  for (const [k, v] of set) put(rec, k, v);
}

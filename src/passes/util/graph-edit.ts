// A batch of graph edits, decided by reading the pass's immutable input and written into the
// immer draft in one go. Writing only the net changes keeps immer's cost proportional to what
// changed (reading a draft makes a proxy per object touched), and one place handles the subtle
// part of every rewrite: graph outputs keep their names.
import type { Graph, Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TensorType } from '../../ir/types.js';

export class GraphEdit {
  /** value -> the value that replaces it (its definition goes away). */
  private readonly replace = new Map<string, string>();
  /** Values whose definition goes away with no replacement (they must be unused). */
  private readonly dropped = new Set<string>();
  /** Values that become constants (their defining node goes away, the name and type stay). */
  private readonly newConst = new Map<string, Tensor>();

  constructor(private readonly base: Graph) {}

  get empty(): boolean {
    return this.replace.size === 0 && this.dropped.size === 0 && this.newConst.size === 0;
  }

  /**
   * Every use of `from` becomes a use of `to`, and `from`'s definition goes. `to` must have the
   * same type and be defined before every use of `from`. When `from` is a graph output, the
   * output keeps its name: `to`'s definition is renamed to it, or, where that is impossible
   * (`to` is a graph input or another output), `from`'s definition stays.
   */
  replaceValue(from: string, to: string): void {
    if (from === to) return;
    if (this.base.inputs.includes(from)) throw new Error(`cannot replace graph input '${from}'`);
    this.replace.set(from, to);
  }

  /** Removes the definition of an unused value (a node result or a constant). */
  dropValue(name: string): void {
    this.dropped.add(name);
  }

  /** Turns a node result into a constant; the node goes once all its results are gone. */
  defineConstant(name: string, t: Tensor): void {
    this.newConst.set(name, t);
  }

  private resolveRaw(v: string): string {
    let r = v;
    for (let next = this.replace.get(r); next !== undefined; next = this.replace.get(r)) r = next;
    return r;
  }

  /** Writes the net edits into the draft (nothing when they cancel out) and says what happened. */
  commit(draft: Graph): EditSummary {
    const kept = new Set<string>();
    const summary: EditSummary = { nodesRemoved: 0, constantsRemoved: 0, kept };
    if (this.empty) return summary;
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
    const stays = (v: string) => kept.has(v) || !(this.replace.has(v) || this.dropped.has(v) || this.newConst.has(v));
    const goneNodes = new Set<Node>();
    const staying = new Set<string>(kept);
    for (const n of base.nodes) {
      if (!n.outputs.some(stays)) {
        goneNodes.add(n);
        continue;
      }
      for (const o of n.outputs) {
        if (!this.replace.has(o) && !this.dropped.has(o)) continue;
        staying.add(o);
        if (outputs.has(o) && this.replace.has(o) && !kept.has(o)) {
          kept.add(o);
          for (const [root, target] of rename) if (target === o) rename.delete(root);
        }
      }
    }
    const memo = new Map<string, string>();
    const final = (v: string): string => {
      if (!v || (!this.replace.has(v) && !rename.has(v))) return v;
      let f = memo.get(v);
      if (f === undefined) {
        const r = this.resolveRaw(v);
        f = rename.get(r) ?? r;
        memo.set(v, f);
      }
      return f;
    };

    const delValues = new Set<string>(), setValues = new Map<string, TensorType>();
    const delConsts = new Set<string>(), setConsts = new Map<string, Tensor>();
    const remap = this.replace.size > 0;
    const nodes: Node[] = [];
    let nodesChanged = false;
    for (const n of base.nodes) {
      if (goneNodes.has(n)) {
        nodesChanged = true;
        summary.nodesRemoved++;
        for (const o of n.outputs) if (!this.newConst.has(o)) delValues.add(o);
        continue;
      }
      let node = n;
      if (remap) {
        let ins: string[] | undefined, outs: string[] | undefined;
        n.inputs.forEach((v, k) => {
          const f = final(v);
          if (f !== v) (ins ??= [...n.inputs])[k] = f;
        });
        n.outputs.forEach((v, k) => {
          const f = rename.get(v);
          if (f !== undefined) (outs ??= [...n.outputs])[k] = f;
        });
        if (ins || outs) node = { ...n, inputs: ins ?? n.inputs, outputs: outs ?? n.outputs };
      }
      if (node !== n) nodesChanged = true;
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

    if (nodesChanged) writeNodes(draft, base.nodes, nodes);
    writeRecord(draft.values, base.values, delValues, setValues);
    writeRecord(draft.constants, base.constants, delConsts, setConsts);
    for (const c of delConsts) if (!setConsts.has(c) && Object.hasOwn(base.constants, c)) summary.constantsRemoved++;
    return summary;
  }
}

export interface EditSummary {
  nodesRemoved: number;
  /** Constants whose definition went (renamed constants do not count). */
  constantsRemoved: number;
  /** Replaced graph outputs whose definition had to stay to keep the output's name. */
  kept: ReadonlySet<string>;
}

/** In-place edits stay one patch per node; a change in length replaces the array (one patch). */
function writeNodes(draft: Graph, before: readonly Node[], after: Node[]): void {
  if (after.length !== before.length) {
    draft.nodes = after;
    return;
  }
  const dn = draft.nodes;
  for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) dn[i] = after[i]!;
}

function writeRecord<T>(draft: Record<string, T>, base: Record<string, T>, del: Set<string>, set: Map<string, T>): void {
  for (const k of del) if (!set.has(k) && Object.hasOwn(base, k)) delete draft[k];
  for (const [k, v] of set) if (!Object.hasOwn(base, k) || base[k] !== v) draft[k] = v;
}

// Sharing resolution (PT2E prepare.py, pt2e-semantics.md §1.3): union-find over annotated input edges and
// outputs. Explicit SharedSpecs join their target's set; then, implicitly, an input edge joins
// other annotated edges from the same producer and the producer's own output when their specs
// are equal. Each resulting set is one observer group: one observer, one set of qparams.
import { fail } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { NumberedGraph } from '../../ir/numbered/index.js';
import type { AnnotationTable } from './quantizer.js';
import { describeKey, sameSpec, type ConcreteSpec, type EdgeOrNode, type Spec } from './quant-spec.js';

export const keyOf = (k: EdgeOrNode): string => (k.input === undefined ? `o\u0000${k.node}` : `e\u0000${k.node}\u0000${k.input}`);

export interface Sharing {
  /** Key (keyOf) -> group id. Group ids count from 0 in annotation order. */
  groupOf: Map<string, number>;
  /** Group id -> the spec its observer is made from (the first concrete spec of the set, in annotation order). */
  specs: ConcreteSpec[];
}

class UnionFind {
  private parent = new Map<string, string>();
  find(k: string): string {
    let r = k;
    for (let p = this.parent.get(r); p !== undefined && p !== r; p = this.parent.get(r)) r = p;
    for (let c = k; c !== r; ) {
      const next = this.parent.get(c)!;
      this.parent.set(c, r);
      c = next;
    }
    return r;
  }
  /** Joins b's set into a's. */
  union(a: string, b: string): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/** Resolves sharing for a validated annotation table. */
export function resolveSharing(g: Graph, table: AnnotationTable): Sharing {
  const order: string[] = [];
  const spec = new Map<string, Spec>();
  const where = new Map<string, EdgeOrNode>();
  for (const [node, ann] of table) {
    for (const [k, s] of Object.entries(ann.inputs)) {
      if (!s) continue;
      const e = { node, input: Number(k) };
      order.push(keyOf(e));
      spec.set(keyOf(e), s);
      where.set(keyOf(e), e);
    }
    if (ann.output) {
      const o = { node };
      order.push(keyOf(o));
      spec.set(keyOf(o), ann.output);
      where.set(keyOf(o), o);
    }
  }
  const rank = new Map(order.map((k, i) => [k, i]));
  const uf = new UnionFind();
  for (const k of order) {
    const s = spec.get(k)!;
    if (s.kind === 'shared') uf.union(keyOf(s.with), k);
  }

  // The concrete spec of every set: its first concrete member in annotation order.
  const rootSpec = new Map<string, ConcreteSpec>();
  const rootFirst = new Map<string, number>();
  for (const k of order) {
    const r = uf.find(k), s = spec.get(k)!;
    if (!rootFirst.has(r)) rootFirst.set(r, rank.get(k)!);
    if (s.kind !== 'shared' && !rootSpec.has(r)) rootSpec.set(r, s);
  }
  for (const k of order) {
    if (!rootSpec.has(uf.find(k))) {
      const e = where.get(k)!;
      fail('QUANT_SHARING', `${describeKey(e)} only shares with other shared specs (a cycle with no concrete spec)`, {
        node: { name: e.node, op: g.nodes.find((n) => n.name === e.node)?.op ?? '?' },
        hint: 'give one member of the sharing chain a quantization spec of its own',
      });
    }
  }

  // Implicit sharing, edge by edge in annotation order.
  const byName = new Map(g.nodes.map((n) => [n.name, n] as const));
  const ng = new NumberedGraph(g);
  const join = (a: string, b: string) => {
    const ra = uf.find(a), rb = uf.find(b);
    if (ra === rb) return;
    // The specs are equal; the merged set keeps the one that comes first in annotation order.
    const earlier = rootFirst.get(ra)! <= rootFirst.get(rb)! ? ra : rb;
    const s = rootSpec.get(earlier)!, first = rootFirst.get(earlier)!;
    uf.union(a, b);
    rootSpec.set(ra, s);
    rootFirst.set(ra, first);
  };
  for (const k of order) {
    const e = where.get(k)!;
    if (e.input === undefined || table.get(e.node)!.allowImplicitSharing === false) continue;
    const v = byName.get(e.node)!.inputs[e.input]!;
    for (const ui of ng.usersOf(v)) {
      const u = ng.node(ui);
      u.inputs.forEach((x, j) => {
        const other = keyOf({ node: u.name, input: j });
        if (x !== v || other === k || !spec.has(other)) return;
        if (sameSpec(rootSpec.get(uf.find(k))!, rootSpec.get(uf.find(other))!)) join(other, k);
      });
    }
    const p = ng.definingNode(v);
    if (!p) continue;
    const out = keyOf({ node: p.name });
    if (spec.has(out) && sameSpec(rootSpec.get(uf.find(k))!, rootSpec.get(uf.find(out))!)) join(out, k);
  }

  const groupOf = new Map<string, number>();
  const ids = new Map<string, number>();
  const specs: ConcreteSpec[] = [];
  for (const k of order) {
    const r = uf.find(k);
    let id = ids.get(r);
    if (id === undefined) {
      id = specs.length;
      ids.set(r, id);
      specs.push(rootSpec.get(r)!);
    }
    groupOf.set(k, id);
  }
  return { groupOf, specs };
}

/** How tests and tools name an observed place: [node, operand] for an input edge, [node] for its output. */
export type ObservedAt = readonly [node: string, operand?: number];

const at = ([node, input]: ObservedAt): EdgeOrNode => (input === undefined ? { node } : { node, input });

/** The observer (sharing group id) of an input edge or a node's output; undefined where nothing is observed. */
export const observerOf = (s: Sharing, ...place: ObservedAt): number | undefined => s.groupOf.get(keyOf(at(place)));

/** Whether two observed places share one observer (hence one set of qparams); false if either is not observed. */
export function sameObserver(s: Sharing, a: ObservedAt, b: ObservedAt): boolean {
  const ga = observerOf(s, ...a);
  return ga !== undefined && ga === observerOf(s, ...b);
}

/** Every place an observer watches, in annotation order. */
export function observedBy(s: Sharing, group: number): EdgeOrNode[] {
  return [...s.groupOf].filter(([, g]) => g === group).map(([k]) => {
    const [kind, node, input] = k.split('\u0000') as [string, string, string?];
    return kind === 'o' ? { node } : { node, input: Number(input) };
  });
}

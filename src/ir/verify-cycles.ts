// Cycle detection for the verifier: strongly connected components of the "uses a result of"
// relation between nodes (Tarjan's algorithm, iterative so deep graphs do not overflow the stack).
import type { Graph } from './graph.js';

/** Each true cycle as a path of node indices, starting at its first node; empty when acyclic. */
export function cyclicComponents(g: Graph, producer: Map<string, number>): number[][] {
  const deps = g.nodes.map((n) => [...new Set(n.inputs.filter((v) => producer.has(v)).map((v) => producer.get(v)!))]);
  // Fast path: with no use of a later (or the same) node there is no cycle.
  if (deps.every((ds, i) => ds.every((p) => p < i))) return [];

  const index = new Array<number>(deps.length).fill(-1);
  const low = new Array<number>(deps.length).fill(0);
  const onStack = new Array<boolean>(deps.length).fill(false);
  const stack: number[] = [];
  const comps: number[][] = [];
  let counter = 0;
  for (let root = 0; root < deps.length; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, k] = top;
      if (k < deps[v]!.length) {
        top[1]++;
        const w = deps[v]![k]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1 || deps[v]!.includes(v)) comps.push(cyclePath(comp, deps));
      }
    }
  }
  return comps.sort((a, b) => a[0]! - b[0]!);
}

/** A simple cycle through the component's first node (breadth-first, so the shortest one). */
function cyclePath(comp: number[], deps: number[][]): number[] {
  const members = new Set(comp);
  const start = Math.min(...comp);
  const prev = new Map<number, number>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    for (const w of deps[v]!) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
        return path;
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

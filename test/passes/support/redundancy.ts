// Random graphs with something for the canonicalisation passes to do. arbGraph's graphs have no
// dead code and few duplicates, so this injects, by a shrinkable recipe: duplicated nodes and
// constants, identity-like ops, dead nodes, constant subexpressions, and extra graph outputs
// (so rewrites meet outputs they must keep). Every injection leaves a valid graph.
import fc from 'fast-check';
import { freshName, tensor, type Graph, type Node, type TensorType } from '../../../src/ir/index.js';
import { verify } from '../../../src/ir/verify.js';
import { arbGraph, type GraphGenOptions } from '../../../src/testing/index.js';

const KINDS = ['dup', 'identity', 'dup-const', 'dead', 'foldable', 'alias-output'] as const;
export interface Injection {
  kind: (typeof KINDS)[number];
  pick: number;
  seed: number;
}

export const arbInjection: fc.Arbitrary<Injection> = fc.record({ kind: fc.constantFrom(...KINDS), pick: fc.nat(1000), seed: fc.nat() });

/** Identity-like wrappers of a value of type t: [op, attrs] (each must return its operand). */
function wrappers(t: TensorType): [string, Record<string, unknown>][] {
  const r = t.shape.length;
  const w: [string, Record<string, unknown>][] = [
    ['identity', {}],
    ['dropout', { ratio: 0.25 }],
    ['reshape', { shape: t.shape }],
    ['transpose', { perm: t.shape.map((_, i) => i) }],
    ['cast', { to: t.dtype }],
  ];
  if (r >= 1) w.push(['concat', { axis: r - 1 }], ['slice', { starts: [0], ends: [1 << 30], axes: [0] }], ['pad', { pads: Array(2 * r).fill(0) }]);
  if (r === 2) w.push(['flatten', {}]);
  if (r >= 1) w.push(['split', { axis: 0, split: [t.shape[0]] }]);
  return w;
}

export function inject(g0: Graph, steps: readonly Injection[]): Graph {
  const g: Graph = {
    ...g0,
    inputs: [...g0.inputs],
    outputs: [...g0.outputs],
    values: { ...g0.values },
    constants: { ...g0.constants },
    nodes: g0.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
  };
  const names = new Set([...Object.keys(g.values), ...g.nodes.map((n) => n.name)]);
  const fresh = (base: string) => {
    const n = freshName(names, base);
    names.add(n);
    return n;
  };
  /** Point some uses of `from` in nodes from index `start` on at `to` (chosen by the seed's bits). */
  const redirect = (from: string, to: string, start: number, seed: number) => {
    let bit = 0;
    for (let j = start; j < g.nodes.length; j++)
      g.nodes[j]!.inputs.forEach((v, k, ins) => {
        if (v === from && (seed >> bit++ % 30) & 1) ins[k] = to;
      });
  };
  const defIndex = (v: string) => g.nodes.findIndex((n) => n.outputs.includes(v));
  const f32Values = () => [...g.inputs, ...g.nodes.flatMap((n) => n.outputs)].filter((v) => g.values[v]!.dtype === 'f32');

  for (const { kind, pick, seed } of steps) {
    if (kind === 'dup' && g.nodes.length) {
      const i = pick % g.nodes.length, n = g.nodes[i]!;
      const copy: Node = { ...n, name: fresh(`${n.name}_dup`), outputs: n.outputs.map((o) => fresh(`${o}_dup`)), inputs: [...n.inputs], attrs: { ...n.attrs } };
      copy.outputs.forEach((o, k) => (g.values[o] = g.values[n.outputs[k]!]!));
      g.nodes.splice(i + 1, 0, copy);
      n.outputs.forEach((o, k) => redirect(o, copy.outputs[k]!, i + 2, seed));
    } else if (kind === 'identity') {
      const vs = [...g.inputs, ...g.nodes.flatMap((n) => n.outputs)];
      const v = vs[pick % vs.length]!, t = g.values[v]!;
      const ws = wrappers(t), [op, attrs] = ws[seed % ws.length]!;
      const at = defIndex(v) + 1;
      const y = fresh(`${v}_${op}`);
      g.values[y] = t;
      g.nodes.splice(at, 0, { name: fresh(`${op}_inj`), op, inputs: [v], outputs: [y], attrs: attrs as Node['attrs'] });
      redirect(v, y, at + 1, seed >> 4);
    } else if (kind === 'dup-const') {
      const cs = Object.keys(g.constants);
      if (!cs.length) continue;
      const c = cs[pick % cs.length]!, t = g.constants[c]!;
      const copy = fresh(`${c}_copy`);
      g.constants[copy] = tensor(t.dtype, t.shape, t.data.slice());
      g.values[copy] = g.values[c]!;
      redirect(c, copy, 0, seed);
    } else if (kind === 'dead') {
      const vs = f32Values();
      const v = vs[pick % vs.length]!;
      const y = fresh('dead');
      g.values[y] = g.values[v]!;
      g.nodes.push({ name: fresh('dead_mul'), op: 'mul', inputs: [v, v], outputs: [y], attrs: {} });
    } else if (kind === 'foldable') {
      // c * 1 is c bit for bit (even -0 and NaN), computed by a node that folding removes.
      const cs = Object.keys(g.constants).filter((c) => g.values[c]!.dtype === 'f32' && !g.values[c]!.quant);
      if (!cs.length) continue;
      const c = cs[pick % cs.length]!;
      const one = fresh('one'), y = fresh(`${c}_times_one`);
      g.constants[one] = tensor('f32', [], [1]);
      g.values[one] = { dtype: 'f32', shape: [] };
      g.values[y] = g.values[c]!;
      g.nodes.unshift({ name: fresh('fold_mul'), op: 'mul', inputs: [c, one], outputs: [y], attrs: {} });
      redirect(c, y, 1, seed | 1);
    } else if (kind === 'alias-output') {
      const vs = g.nodes.flatMap((n) => n.outputs).filter((v) => !g.outputs.includes(v));
      if (vs.length) g.outputs.push(vs[pick % vs.length]!);
    }
  }
  const problems = verify(g);
  if (problems.length) throw new Error(`injection broke the graph: ${problems.map((d) => d.message).join('; ')}`);
  return g;
}

/** arbGraph plus up to `max` injections. */
export const arbRedundantGraph = (opts: GraphGenOptions = {}, max = 8): fc.Arbitrary<Graph> =>
  fc.tuple(arbGraph(opts), fc.array(arbInjection, { maxLength: max })).map(([g, steps]) => inject(g, steps));

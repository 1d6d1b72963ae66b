// The locality-aware name table must resolve every operand exactly as a plain name -> id Map
// would, whatever the distance between definition and use: graphs here span many blocks (4096
// results each), with near, far, reversed and undefined references.
import { describe, expect } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { tensor, type Graph } from '../../src/ir/index.js';
import { valueIds } from '../../src/ir/numbered/value-ids.js';

const T = { dtype: 'f32' as const, shape: [1] };

/** The reference: first definition wins, inputs then constants then node results. */
function naive(g: Graph): { inIds: number[]; outputs: number[]; names: string[] } {
  const names = [...g.inputs, ...Object.keys(g.constants), ...g.nodes.flatMap((n) => n.outputs)];
  const ids = new Map<string, number>();
  names.forEach((v, id) => ids.has(v) || ids.set(v, id));
  const resolve = (v: string) => {
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = names.push(v) - 1));
    return id;
  };
  return { inIds: g.nodes.flatMap((n) => n.inputs.map((v) => (v ? resolve(v) : -1))), outputs: g.outputs.map(resolve), names };
}

interface Shape {
  nodes: number;
  constants: number;
  /** Per node: [distance back to the operand's definition, or a constant pick]. */
  refs: { kind: 'near' | 'far' | 'const' | 'undefined' | 'absent'; x: number }[];
  reverseConstants: boolean;
}

function build(s: Shape): Graph {
  const g: Graph = { name: 'g', inputs: ['in'], outputs: [], values: { in: T }, constants: {}, nodes: [] };
  const order = Array.from({ length: s.constants }, (_, k) => k);
  if (s.reverseConstants) order.reverse();
  for (const k of order) {
    g.constants[`c${k}`] = tensor('f32', [1], [k]);
    g.values[`c${k}`] = T;
  }
  for (let i = 0; i < s.nodes; i++) {
    const r = s.refs[i % s.refs.length]!;
    const back = (d: number) => (i - d >= 0 ? `v${i - d}` : 'in');
    const operand = {
      near: back(1 + (r.x % 5)),
      far: back(1 + ((r.x * 7919) % (i + 1))),
      const: s.constants ? `c${(i + r.x) % s.constants}` : 'in',
      undefined: `nowhere${r.x % 3}`,
      absent: '',
    }[r.kind];
    g.nodes.push({ name: `n${i}`, op: 'add', inputs: [back(1), operand], outputs: [`v${i}`], attrs: {} });
    g.values[`v${i}`] = T;
  }
  g.outputs.push(`v${s.nodes - 1}`, 'v0', 'in');
  return g;
}

const arbShape: fc.Arbitrary<Shape> = fc.record({
  nodes: fc.integer({ min: 1, max: 20_000 }),
  constants: fc.integer({ min: 0, max: 9000 }),
  refs: fc.array(fc.record({ kind: fc.constantFrom('near', 'far', 'const', 'undefined', 'absent'), x: fc.nat(1 << 20) }), { minLength: 1, maxLength: 40 }),
  reverseConstants: fc.boolean(),
});

describe('valueIds', () => {
  fcTest.prop([arbShape], { numRuns: 25 })('resolves every operand as a plain Map would', (shape) => {
    const g = build(shape);
    const ids = valueIds(g);
    const ref = naive(g);
    expect(ids.names).toEqual(ref.names);
    expect(Array.from(ids.inIds)).toEqual(ref.inIds);
    expect(Array.from(ids.outputs)).toEqual(ref.outputs);
  });

  fcTest.prop([fc.integer({ min: 1, max: 40_000 })], { numRuns: 6, examples: [[40_000]] })('uses far from their definitions: walking, then the whole-range fallback', (n) => {
    // The second half reads the first half mirrored: every read is far, and past ~20k nodes the
    // walks exhaust their budget and the whole-range Map takes over.
    const g: Graph = { name: 'g', inputs: ['in'], outputs: [], values: { in: T }, constants: {}, nodes: [] };
    const half = n >> 1;
    for (let i = 0; i < n; i++) {
      const from = i === 0 ? 'in' : i < half ? `v${i - 1}` : `v${n - 1 - i}`;
      g.nodes.push({ name: `n${i}`, op: 'relu', inputs: [from], outputs: [`v${i}`], attrs: {} });
      g.values[`v${i}`] = T;
    }
    g.outputs.push(`v${n - 1}`);
    expect(Array.from(valueIds(g).inIds)).toEqual(naive(g).inIds);
  });

  fcTest.prop([fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty')])('names that objects inherit are plain names', (name) => {
    const g: Graph = { name: 'g', inputs: [name], outputs: [], values: {}, constants: {}, nodes: [] };
    g.nodes.push({ name: 'n', op: 'relu', inputs: [name], outputs: ['y'], attrs: {} });
    g.outputs.push('y', name);
    const ids = valueIds(g);
    expect(Array.from(ids.inIds)).toEqual([0]);
    expect(Array.from(ids.outputs)).toEqual([1, 0]);
  });
});

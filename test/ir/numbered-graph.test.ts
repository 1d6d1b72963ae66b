// The numbered graph (src/ir/numbered) against a naive model: random graphs take random edits
// (replace all uses, erase with or without the constants it leaves unused, insert before,
// redefine, add a constant, replace an output keeping its name) both on a NumberedGraph and on a
// plain Graph edited the obvious way; after every edit the queries (producer, users, use sites,
// node order, constants, outputs, fresh names) must agree, and at the end toGraph() must be the
// model exactly, key order of values and constants included.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { GraphBuilder, tensor, type Graph, type Node } from '../../src/ir/index.js';
import { NONE, NumberedGraph, type ValueId } from '../../src/ir/numbered/index.js';
import type { TensorType } from '../../src/ir/types.js';

const T: TensorType = { dtype: 'f32', shape: [2] };
const UNARY = ['relu', 'neg'];

interface Shape {
  inputs: number;
  consts: number;
  /** Per node: unary or binary, and picks for its operands among the values defined before it. */
  nodes: { binary: boolean; a: number; b: number }[];
  extraOutput: number;
}

const arbShape: fc.Arbitrary<Shape> = fc.record({
  inputs: fc.integer({ min: 1, max: 2 }),
  consts: fc.integer({ min: 0, max: 3 }),
  // Up to 24 nodes: more than 16 operands, so that new nodes' operand slots outgrow the source's and their spare.
  nodes: fc.array(fc.record({ binary: fc.boolean(), a: fc.nat(), b: fc.nat() }), { minLength: 1, maxLength: 24 }),
  extraOutput: fc.nat(),
});

function build(s: Shape): Graph {
  const b = new GraphBuilder('g');
  const defined: string[] = [];
  for (let i = 0; i < s.inputs; i++) defined.push(b.input(`x${i}`, T));
  for (let i = 0; i < s.consts; i++) defined.push(b.constant(`c${i}`, tensor('f32', [2], [i, -i])));
  s.nodes.forEach((n, i) => {
    const a = defined[n.a % defined.length]!, c = defined[n.b % defined.length]!;
    const out = `v${i}`;
    b.node(n.binary ? 'add' : UNARY[n.a % 2]!, n.binary ? [a, c] : [a], {}, { name: `n${i}`, outputs: [out], types: [T] });
    defined.push(out);
  });
  const last = `v${s.nodes.length - 1}`, extra = `v${s.extraOutput % s.nodes.length}`;
  b.output(...(extra === last ? [last] : [last, extra]));
  return b.build();
}

/** The naive model: a plain Graph, edited by array and record operations. */
class Model {
  readonly g: Graph;
  private readonly sourceValues: Set<string>;
  private readonly nodeNames: Set<string>;

  constructor(src: Graph) {
    this.g = { ...src, values: { ...src.values }, constants: { ...src.constants }, nodes: [...src.nodes] };
    this.sourceValues = new Set(Object.keys(src.values));
    this.nodeNames = new Set(src.nodes.map((n) => n.name));
  }

  index(name: string): number {
    return this.g.nodes.findIndex((n) => n.name === name);
  }
  producer(v: string): string | undefined {
    return this.g.nodes.find((n) => n.outputs.includes(v))?.name;
  }
  users(v: string): string[] {
    return this.g.nodes.filter((n) => n.inputs.includes(v)).map((n) => n.name);
  }
  useSites(v: string): number {
    return this.g.nodes.reduce((k, n) => k + n.inputs.filter((i) => i === v).length, 0) + (this.g.outputs.includes(v) ? 1 : 0);
  }
  /** Values defined before node i (inputs, constants, earlier results). */
  definedBefore(i: number): string[] {
    return [...this.g.inputs, ...Object.keys(this.g.constants), ...this.g.nodes.slice(0, i).flatMap((n) => n.outputs)];
  }
  fresh(base: string): string {
    const taken = (k: string) => Object.hasOwn(this.g.values, k) || this.sourceValues.has(k);
    if (!taken(base)) return base;
    for (let i = 1; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
  }
  freshNode(base: string): string {
    let name = base;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${base}_${i}`;
    this.nodeNames.add(name);
    return name;
  }

  replaceAllUses(from: string, to: string): void {
    this.g.nodes = this.g.nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((v) => (v === from ? to : v)) } : n));
  }
  /** A constant that lost its last use goes (one that was never used stays). */
  private dropUses(operands: string[]): void {
    for (const v of operands)
      if (Object.hasOwn(this.g.constants, v) && this.useSites(v) === 0) {
        delete this.g.constants[v];
        delete this.g.values[v];
      }
  }
  erase(i: number, dropConstants: boolean): void {
    const [n] = this.g.nodes.splice(i, 1);
    if (dropConstants) this.dropUses(n!.inputs);
    for (const o of n!.outputs) delete this.g.values[o];
  }
  /** `v` is renamed `name` (an output whose definition went): its old entries go, new ones come last. */
  takeName(v: string, name: string): void {
    const rename = (x: string) => (x === v ? name : x);
    this.g.nodes = this.g.nodes.map((n) => (n.inputs.includes(v) || n.outputs.includes(v) ? { ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) } : n));
    const t = this.g.values[v]!, c = this.g.constants[v];
    delete this.g.values[v];
    delete this.g.values[name];
    this.g.values[name] = t;
    if (c) {
      delete this.g.constants[v];
      this.g.constants[name] = c;
    }
  }
  insert(i: number, node: Node): void {
    this.g.nodes.splice(i, 0, node);
    this.g.values[node.outputs[0]!] = T;
  }
  redefine(i: number, op: string, inputs: string[], type: TensorType): void {
    const old = this.g.nodes[i]!;
    this.g.nodes[i] = { ...old, op, inputs, attrs: {} };
    this.dropUses(old.inputs);
    this.g.values[old.outputs[0]!] = type;
  }
  addConstant(name: string): void {
    this.g.constants[name] = tensor('f32', [2], [7, 8]);
    this.g.values[name] = { dtype: 'f32', shape: [2] };
  }
}

type Edit = { kind: number; a: number; b: number; c: number };
const arbEdits = fc.array(fc.record({ kind: fc.nat(5), a: fc.nat(), b: fc.nat(), c: fc.nat() }), { maxLength: 40 });

function check(g: NumberedGraph, m: Model): void {
  expect(g.nodes().map((n) => g.nodeName(n))).toEqual(m.g.nodes.map((n) => n.name));
  for (const v of Object.keys(m.g.values)) {
    const id = g.find(v);
    const p = g.producerOf(v);
    expect(p === NONE ? undefined : g.nodeName(p)).toBe(m.producer(v));
    expect(g.usersOf(v).map((n) => g.nodeName(n)).sort()).toEqual(m.users(v).sort());
    if (id !== NONE) expect(g.useSites(id)).toBe(m.useSites(v));
  }
  // Every input and constant is numbered, used or not; constants in the record's order.
  expect(m.g.inputs.every((v) => g.isInput(g.find(v)))).toBe(true);
  expect(g.constantIds().map((v) => g.valueName(v))).toEqual(Object.keys(m.g.constants));
  expect(g.outputs().map((v) => g.valueName(v))).toEqual(m.g.outputs);
}

/** Applies one edit to both; edits that do not apply to the current graph are skipped. */
function edit(g: NumberedGraph, m: Model, e: Edit): void {
  const live = g.nodes();
  const id = (v: string): ValueId => (v === '' ? NONE : g.find(v));
  if (!live.length && (e.kind === 2 || e.kind === 3)) return; // every node was replaced
  if (e.kind === 0) {
    // Replace all uses of a used value by one defined before its first user (or by nothing).
    const used = Object.keys(m.g.values).filter((v) => m.users(v).length);
    if (!used.length) return;
    const from = used[e.a % used.length]!;
    const first = Math.min(...m.users(from).map((n) => m.index(n)));
    const choices = [...m.definedBefore(first).filter((v) => v !== from), ''];
    const to = choices[e.b % choices.length]!;
    g.replaceAllUses(id(from), id(to));
    m.replaceAllUses(from, to);
  } else if (e.kind === 1) {
    // Erase a node none of whose results is used or an output.
    const dead = live.filter((n) => m.useSites(g.outputNames(n)[0]!) === 0);
    if (!dead.length) return;
    const n = dead[e.a % dead.length]!, dropConstants = e.b % 2 === 0;
    m.erase(m.index(g.nodeName(n)), dropConstants);
    g.remove(n, true, dropConstants);
    expect(g.producer(g.result(n, 0))).toBe(NONE);
    expect(g.isAlive(n)).toBe(false);
  } else if (e.kind === 2) {
    // Insert a node before another, reading values defined before it.
    const anchor = live[e.a % live.length]!, at = m.index(g.nodeName(anchor));
    const before = m.definedBefore(at).filter((v) => id(v) !== NONE);
    const binary = e.c % 2 === 0;
    const inputs = binary ? [before[e.b % before.length]!, before[e.c % before.length]!] : [before[e.b % before.length]!];
    const name = g.freshNode('new');
    expect(name).toBe(m.freshNode('new'));
    const out = g.freshValue('t');
    expect(out).toBe(m.fresh('t'));
    const node: Node = { name, op: binary ? 'add' : 'relu', inputs, outputs: [out], attrs: {} };
    g.insertBefore(anchor, { ...node, ins: inputs.map(id) }, [T]);
    m.insert(at, node);
  } else if (e.kind === 3) {
    // Redefine a node in place: a new op and operands, the same or a new result type.
    const n = live[e.a % live.length]!, at = m.index(g.nodeName(n));
    const before = m.definedBefore(at).filter((v) => id(v) !== NONE);
    const inputs = [before[e.b % before.length]!];
    const type = e.c % 2 ? g.type(g.result(n, 0))! : { ...T };
    g.redefine(n, { name: g.nodeName(n), op: 'neg', inputs, outputs: g.outputNames(n), attrs: {}, ins: inputs.map(id) }, [type]);
    m.redefine(at, 'neg', inputs, type);
  } else if (e.kind === 5) {
    // Replace a graph output computed by a node of its own by an earlier value, which takes the
    // output's name (neither an input nor an output itself: their names are the graph's interface).
    const outs = live.filter((n) => g.resultCount(n) === 1 && m.g.outputs.includes(g.outputNames(n)[0]!));
    if (!outs.length) return;
    const n = outs[e.a % outs.length]!, w = g.outputNames(n)[0]!, at = m.index(g.nodeName(n));
    const users = m.users(w).map((u) => m.index(u));
    const choices = m.definedBefore(Math.min(at, ...users)).filter((v) => !m.g.inputs.includes(v) && !m.g.outputs.includes(v));
    if (!choices.length) return;
    const v = choices[e.b % choices.length]!;
    g.replaceAllUses(id(w), id(v));
    m.replaceAllUses(w, v);
    g.remove(n, true, false);
    m.erase(at, false);
    g.takeName(id(v), id(w));
    m.takeName(v, w);
    expect(g.find(w)).toBe(g.outputs()[m.g.outputs.indexOf(w)]);
  } else {
    const name = m.fresh('k');
    expect(g.valueName(g.addConstant('k', tensor('f32', [2], [7, 8])))).toBe(name);
    m.addConstant(name);
  }
}

describe('NumberedGraph', () => {
  // Queried after every edit, or only at the end: use lists are built on the first question about
  // uses, so the second way builds them after the edits.
  fcTest.prop([arbShape, arbEdits, fc.boolean()], { numRuns: Number(process.env.QF_RUNS ?? 150) })('edits agree with a naive model; toGraph writes the model back', (shape, edits, eager) => {
    const src = build(shape);
    const g = new NumberedGraph(src), m = new Model(src);
    if (eager) check(g, m);
    for (const e of edits) {
      edit(g, m, e);
      if (eager) check(g, m);
    }
    check(g, m);
    const out = g.toGraph();
    expect(out.nodes).toEqual(m.g.nodes);
    expect(Object.keys(out.values)).toEqual(Object.keys(m.g.values));
    expect(out.values).toEqual(m.g.values);
    expect(Object.keys(out.constants)).toEqual(Object.keys(m.g.constants));
    expect(out.constants).toEqual(m.g.constants);
    expect(out.outputs).toEqual(src.outputs);
  });

  it('gives nodes inserted past the source operands and their spare slots their own use sites', () => {
    // 20 source operands; 40 inserted binary nodes need 80 more slots.
    const src = build({ inputs: 1, consts: 0, nodes: Array.from({ length: 20 }, () => ({ binary: false, a: 0, b: 0 })), extraOutput: 0 });
    const g = new NumberedGraph(src), m = new Model(src);
    for (let i = 0; i < 40; i++) {
      const name = g.freshNode('new'), out = g.freshValue('t');
      const node: Node = { name, op: 'add', inputs: ['x0', `v${i % 20}`], outputs: [out], attrs: {} };
      g.insertBefore(g.nodes().at(-1)!, { ...node, ins: node.inputs.map((v) => g.find(v)) }, [T]);
      m.freshNode('new');
      m.insert(m.g.nodes.length - 1, node);
    }
    check(g, m);
  });

  it('numbers nodes as the source lists them and keeps unchanged nodes as the source objects', () => {
    const src = build({ inputs: 1, consts: 1, nodes: [{ binary: true, a: 0, b: 1 }, { binary: false, a: 2, b: 0 }], extraOutput: 0 });
    const g = new NumberedGraph(src);
    expect(g.nodes()).toEqual([0, 1]);
    expect(g.node(1)).toBe(src.nodes[1]);
    expect(g.producerOf('v0')).toBe(0);
    expect(g.usersOf('x0')).toEqual([0]);
    expect(g.producerOf('x0')).toBe(NONE);
    expect(g.find('nowhere')).toBe(NONE);
    expect(g.usersOf('nowhere')).toEqual([]);
    expect(g.toGraph().nodes[0]).toBe(src.nodes[0]);
  });

  it('keeps a key named like an Object.prototype member as a value of its own', () => {
    const b = new GraphBuilder('g');
    const x = b.input('constructor', T);
    b.output(b.node('relu', [x], {}, { name: '__proto__', outputs: ['toString'], types: [T] })[0]!);
    const g = new NumberedGraph(b.build());
    expect(g.usersOf('constructor')).toEqual([0]);
    expect(g.producerOf('toString')).toBe(0);
    expect(g.producerOf('hasOwnProperty')).toBe(NONE);
    // Inherited names are never handed out (a record read of them could find the prototype's).
    expect(g.freshValue('valueOf')).toBe('valueOf_1');
  });
});

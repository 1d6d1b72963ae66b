// Random valid f32 graphs for property tests (the test suite's and users', via qforge/testing).
//
//   arbGraph(opts)   fast-check arbitrary of Graphs that verify and run: random DAGs with fan-out
//                    (a value used by several nodes, or twice by one), constants, absent optional
//                    operands, multi-result nodes, several outputs. Built only from ops that are
//                    registered (see GENERATORS), so it grows with the op table.
//   arbInputs(g)     matching input tensors (f32, uniform in [-4, 4] unless told otherwise).
//   arbGraphText(o)  the graph's .qir text.
//
// A graph is a deterministic function of a small recipe (input shapes, one op choice and seed per
// step), so fast-check shrinks failures to few nodes. Sizes stay small: every graph runs in the
// interpreter in well under 10 ms.
import fc from 'fast-check';
import { GraphBuilder, getOp, numel, tensor, type Graph, type Tensor, type TensorType } from '../ir/index.js';
import { printGraph } from '../ir/text/index.js';
import { verify } from '../ir/verify.js';
import { mulberry32 } from '../util/prng.js';
import { GENERATORS, type GenContext, type Rng } from './random-graph-ops.js';

export interface GraphGenOptions {
  /** Graph inputs: 1 to maxInputs (default 2). Each is [N,C,H,W] or [N,F]. */
  maxInputs?: number;
  /** Steps, 1 to maxNodes (default 8); a step adds one op (a quantize/dequantize pair adds two). */
  maxNodes?: number;
  /** Only these generator ops (default: all of GENERATORS whose op is registered). */
  ops?: readonly string[];
  /** Largest channel count and spatial size of 4-D inputs (defaults 4 and 6). */
  maxChannels?: number;
  maxSpatial?: number;
  /** Constants may hold NaN, ±inf, -0, subnormals and f32 extremes (default false: uniform in [-1, 1]). */
  specialFloats?: boolean;
  /** ONNX-style names ('/conv_2/Conv', '/conv_2/Conv_output_0', 'onnx::Conv_7') that need quoting in text; default: either, at random. */
  onnxNames?: boolean;
  /** Give nodes debug handles; default: at random. */
  debugHandles?: boolean;
}

/** Names of the generator ops that can be used now (registered in the op table). */
export function availableGeneratorOps(opts: GraphGenOptions = {}): string[] {
  return Object.keys(GENERATORS).filter((k) => GENERATORS[k]!.needs.every((op) => getOp(op)) && (!opts.ops || opts.ops.includes(k)));
}

function seeded(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, bool: (p = 0.5) => next() < p, pick: <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]! };
}

const SPECIALS = [NaN, Infinity, -Infinity, -0, 1e-45, -1.1754942e-38, 3.4028234663852886e38, 0];

export interface Recipe {
  inputs: { rank4: boolean; dims: number[] }[];
  steps: { op: number; seed: number }[];
  seed: number;
  onnxNames: boolean;
  handles: boolean;
}

export function buildGraph(r: Recipe, opts: GraphGenOptions = {}): Graph {
  const ops = availableGeneratorOps(opts);
  if (!ops.length) throw new Error(`no generator op is registered (wanted ${opts.ops?.join(', ') ?? 'any'})`);
  const maxC = opts.maxChannels ?? 4, maxS = opts.maxSpatial ?? 6;
  const b = new GraphBuilder('random');
  const pool: { name: string; type: TensorType }[] = [];
  r.inputs.forEach((inp, i) => {
    const [n, c, h, w] = inp.dims as [number, number, number, number];
    const shape = inp.rank4 ? [1 + (n % 2), 1 + (c % maxC), 1 + (h % maxS), 1 + (w % maxS)] : [1 + (n % 3), 1 + (c % 8)];
    const type: TensorType = { dtype: 'f32', shape };
    pool.push({ name: b.input(r.onnxNames ? `input.${i}` : `x${i}`, type), type });
  });
  const g0 = b.build(); // the builder's graph, live: generators read value types from it
  let nodeCount = 0, constCount = 0;
  const rng0 = seeded(r.seed);

  for (const step of r.steps) {
    const opName = ops[step.op % ops.length]!;
    const rnd = seeded(step.seed);
    const ctx: GenContext = {
      rnd,
      pick: (pred = () => true) => {
        const ok = pool.filter((v) => pred(v.type));
        return ok.length ? ok[rnd.int(0, ok.length - 1)] : undefined;
      },
      pool: () => pool,
      constant: (shape, kind = 'any') => {
        const data = new Float32Array(numel(shape));
        for (let i = 0; i < data.length; i++) {
          if (opts.specialFloats && kind === 'any' && rnd.bool(0.15)) data[i] = rnd.pick(SPECIALS);
          else data[i] = kind === 'positive' ? 0.5 + rnd.next() : rnd.next() * 2 - 1;
        }
        const i = constCount++;
        return b.constant(r.onnxNames ? rnd.pick([`onnx::Op_${i}`, `layer${i}.weight`]) : `c${i}`, tensor('f32', shape, data));
      },
      node: (op, inputs, attrs, nResults = 1) => {
        const i = nodeCount++;
        const name = r.onnxNames ? `/${op}_${i}/${op[0]!.toUpperCase()}${op.slice(1)}` : `${op}_${i}`;
        const outputs = r.onnxNames ? Array.from({ length: nResults }, (_, k) => `${name}_output_${k}`) : undefined;
        return b.node(op, inputs, attrs, { name, ...(outputs ? { outputs } : {}) });
      },
      typeOf: (v) => g0.values[v]!,
    };
    const before = g0.nodes.length;
    let results: string[] | undefined;
    try {
      results = GENERATORS[opName]!.build(ctx);
    } catch {
      // The op rejected these random parameters (its inference is the judge); drop what the step added.
      g0.nodes.length = before;
      results = undefined;
    }
    for (const v of results ?? []) if (g0.values[v]!.dtype === 'f32') pool.push({ name: v, type: g0.values[v]! });
  }
  if (!g0.nodes.length) pool.push({ name: b.op('add', [pool[0]!.name, pool[0]!.name]), type: pool[0]!.type });

  // Every result nothing uses is an output (no dead code), plus sometimes an intermediate one.
  const used = new Set(g0.nodes.flatMap((n) => n.inputs));
  const results = g0.nodes.flatMap((n) => n.outputs);
  const outputs = results.filter((v) => !used.has(v));
  if (rng0.bool(0.3)) outputs.push(rng0.pick(results));
  b.output(...new Set(outputs));
  const g = b.build();
  dropUnused(g);
  if (r.handles) g.nodes.forEach((n, i) => rng0.bool(0.6) && (n.debugHandle = i + 1));
  const problems = verify(g);
  if (problems.length) throw new Error(`random graph does not verify:\n${problems.map((d) => d.message).join('\n')}\n${printGraph(g)}`);
  return g;
}

/** Values of failed steps (constants, result types) that nothing refers to. */
function dropUnused(g: Graph): void {
  const live = new Set([...g.inputs, ...g.outputs, ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  for (const v of Object.keys(g.values)) if (!live.has(v)) delete g.values[v];
  for (const v of Object.keys(g.constants)) if (!live.has(v)) delete g.constants[v];
}

export function arbGraph(opts: GraphGenOptions = {}): fc.Arbitrary<Graph> {
  const recipe = fc.record({
    inputs: fc.array(fc.record({ rank4: fc.boolean(), dims: fc.array(fc.nat(64), { minLength: 4, maxLength: 4 }) }), {
      minLength: 1,
      maxLength: opts.maxInputs ?? 2,
    }),
    steps: fc.array(fc.record({ op: fc.nat(1000), seed: fc.integer() }), { minLength: 1, maxLength: opts.maxNodes ?? 8 }),
    seed: fc.integer(),
    onnxNames: opts.onnxNames === undefined ? fc.boolean() : fc.constant(opts.onnxNames),
    handles: opts.debugHandles === undefined ? fc.boolean() : fc.constant(opts.debugHandles),
  });
  return recipe.map((r) => buildGraph(r, opts));
}

export interface InputGenOptions {
  min?: number;
  max?: number;
}

/** One f32 tensor per graph input, in order. */
export function arbInputs(g: Graph, opts: InputGenOptions = {}): fc.Arbitrary<Tensor[]> {
  const { min = -4, max = 4 } = opts;
  return fc.tuple(
    ...g.inputs.map((v) => {
      const t = g.values[v]!;
      const n = numel(t.shape);
      const el = fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true });
      return fc.array(el, { minLength: n, maxLength: n }).map((xs) => tensor(t.dtype, t.shape, xs));
    }),
  );
}

/** A graph together with inputs for it. */
export const arbGraphWithInputs = (opts: GraphGenOptions = {}, inputs: InputGenOptions = {}): fc.Arbitrary<{ g: Graph; inputs: Tensor[] }> =>
  arbGraph(opts).chain((g) => arbInputs(g, inputs).map((xs) => ({ g, inputs: xs })));

/** The .qir text of a random graph. */
export const arbGraphText = (opts: GraphGenOptions = {}): fc.Arbitrary<string> => arbGraph(opts).map((g) => printGraph(g));

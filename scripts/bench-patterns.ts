// Benchmark of the pattern engine: applies the built-in library (fold-batchnorm and
// fuse-activation) to a graph of ~100k nodes made of residual blocks
// conv2d → batch_norm → relu → add (every block folds and fuses), and to a graph of the same
// size where nothing matches (every conv already has a clamp); once as one pattern set
// (applyPatterns) and once as the two registered passes (runPipeline). Each figure is the best
// of N runs (median in brackets), each on a freshly built graph. Prints wall and CPU time (CPU
// includes the garbage collector's helper threads), and a calibration figure (1M string-keyed
// Map set+get) to compare machines: on a loaded shared machine both grow together. Run with
// `npx tsx scripts/bench-patterns.ts [nodes] [runs]` (not a test).
import { GraphBuilder } from '../src/ir/builder.js';
import type { Graph } from '../src/ir/graph.js';
import { tensor } from '../src/ir/tensor.js';
import { runPipeline } from '../src/passes/index.js';
import { applyPatterns, builtinPatterns } from '../src/patterns/index.js';

const target = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 5);
const C = 2;
const vec = (v: number) => tensor('f32', [C], Array.from({ length: C }, (_, i) => v + i / 10));

/** Residual blocks of 4 nodes; with `foldable` false each conv has a fused clamp, so no pattern applies. */
function build(nodes: number, foldable: boolean): Graph {
  const b = new GraphBuilder('bench');
  let x = b.input('x', { dtype: 'f32', shape: [1, C, 2, 2] });
  for (let i = 0; i < nodes / 4; i++) {
    const w = b.constant(`w${i}`, tensor('f32', [C, C, 1, 1], [1, 0.5, -0.25, 1]));
    const c = b.op('conv2d', [x, w], foldable ? {} : { clamp_min: -10 }, `conv${i}`);
    const stats = [vec(1), vec(0), vec(0.1), vec(2)].map((t, k) => b.constant(`bn${i}.${k}`, t));
    const bn = b.op('batch_norm', [c, ...stats], {}, `bn${i}`);
    x = b.op('add', [b.op('relu', [bn], {}, `relu${i}`), x], {}, `add${i}`);
  }
  b.output(x);
  return b.build();
}

function measure<T>(f: () => T): { result: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const result = f();
  const c = process.cpuUsage(c0);
  return { result, wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const figure = (xs: number[]): string => `${Math.min(...xs).toFixed(0)} ms (${median(xs).toFixed(0)})`;

/** Runs `apply` on `runs` fresh graphs; prints the best and median wall and CPU time and what `describe` says of the last result. */
function bench<T>(label: string, foldable: boolean, apply: (g: Graph) => T, describe: (r: T, g: Graph) => string): void {
  apply(build(2000, foldable)); // warm-up, so the JIT has compiled the engine
  const walls: number[] = [], cpus: number[] = [];
  let last = '';
  for (let i = 0; i < runs; i++) {
    const g = build(target, foldable);
    const { result, wall, cpu } = measure(() => apply(g));
    walls.push(wall);
    cpus.push(cpu);
    last = describe(result, g);
  }
  console.log(`${label}: ${last} in ${figure(walls)} wall, ${figure(cpus)} CPU`);
}

const cal = measure(() => {
  const m = new Map<string, number>();
  for (let i = 0; i < 1e6; i++) m.set(`k${i}`, i);
  let s = 0;
  for (let i = 0; i < 1e6; i++) s += m.get(`k${i}`)!;
  return s;
});
console.log(`calibration: 1M string-keyed Map set+get in ${cal.wall.toFixed(0)} ms (the engine scales with this figure)`);

const load = measure(() => builtinPatterns('fold-batchnorm', 'fuse-activation'));
const set = load.result;
console.log(`compile fold-batchnorm + fuse-activation: ${load.wall.toFixed(1)} ms (${set.size} patterns)`);
console.log(`best of ${runs} runs (median):`);
for (const foldable of [true, false]) {
  bench(
    `applyPatterns, ${foldable ? 'foldable' : 'no match'}`,
    foldable,
    (g) => applyPatterns(g, set),
    (res, g) => `${g.nodes.length} nodes -> ${res.graph.nodes.length}, ${Object.values(res.rewrites).reduce((a, b) => a + b, 0)} rewrites ${JSON.stringify(res.rewrites)}`,
  );
  bench(
    `pipeline fold-batchnorm,fuse-activation, ${foldable ? 'foldable' : 'no match'}`,
    foldable,
    (g) => runPipeline(g, 'fold-batchnorm,fuse-activation'),
    (res, g) => `${g.nodes.length} nodes -> ${res.graph.nodes.length}, ${res.records.map((r) => `${r.name} ${JSON.stringify(r.stats)}`).join(', ')}`,
  );
}

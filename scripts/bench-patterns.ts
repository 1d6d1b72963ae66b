// Benchmark of the pattern engine: applies the built-in library (fold-batchnorm and
// fuse-activation) to a graph of ~100k nodes made of residual blocks
// conv2d → batch_norm → relu → add (every block folds and fuses), and to a graph of the same
// size where nothing matches (every conv already has a clamp). Prints wall and CPU time, and a
// calibration figure (1M string-keyed Map set+get) to compare machines: on a loaded shared
// machine both grow together. Run with `npx tsx scripts/bench-patterns.ts [nodes]` (not a test).
import { GraphBuilder } from '../src/ir/builder.js';
import type { Graph } from '../src/ir/graph.js';
import { tensor } from '../src/ir/tensor.js';
import { applyPatterns, builtinPatterns } from '../src/patterns/index.js';

const target = Number(process.argv[2] ?? 100_000);
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
for (const foldable of [true, false]) {
  applyPatterns(build(2000, foldable), set); // warm-up, so the JIT has compiled the engine
  const g = build(target, foldable);
  const { result: res, wall, cpu } = measure(() => applyPatterns(g, set));
  const rewrites = Object.values(res.rewrites).reduce((a, b) => a + b, 0);
  console.log(
    `${foldable ? 'foldable' : 'no match'}: ${g.nodes.length} nodes -> ${res.graph.nodes.length} in ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU; ` +
      `${rewrites} rewrites ${JSON.stringify(res.rewrites)}`,
  );
}

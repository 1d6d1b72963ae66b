// Times `canonicalize,cse` on synthetic graphs of 10k, 100k and 1M nodes (or the sizes given),
// and breaks the time down per pass. Not a test: run it with
//   npx tsx scripts/bench-passes.ts [sizes...] [--repeat=N] [--quick]
// (1M nodes needs a larger heap: NODE_OPTIONS=--max-old-space-size=8192.) It reports the best
// of N runs in wall time and in process CPU time, which a busy machine distorts less.
// Each block of 8 nodes holds one of everything canonicalize removes: a commutative duplicate
// (cse), an identity and a same-shape reshape (remove-identity), a constant subexpression over
// constants repeated across blocks (fold-constants, then cse of constants) and a dead node (dce).
import { cpus, loadavg } from 'node:os';
import { tensor, type Graph, type Node, type TensorType } from '../src/ir/index.js';
import { verify } from '../src/ir/verify.js';
import { flattenRecords, runPipeline, type PassRecord } from '../src/passes/index.js';

const T: TensorType = { dtype: 'f32', shape: [4] };

function synthetic(nodes: number): Graph {
  const g: Graph = { name: 'bench', inputs: ['x'], outputs: [], values: { x: T, w: T }, constants: {}, nodes: [] };
  g.constants['w'] = tensor('f32', [4], [0.5, -1, 2, 0.25]);
  const push = (op: string, inputs: string[], out: string, attrs: Node['attrs'] = {}) => {
    g.nodes.push({ name: out, op, inputs, outputs: [out], attrs });
    g.values[out] = T;
  };
  let h = 'x';
  for (let k = 0; g.nodes.length + 8 <= nodes; k++) {
    const ca = `ca${k}`, cb = `cb${k}`;
    g.constants[ca] = tensor('f32', [4], [k % 7, 1, 2, 3]);
    g.constants[cb] = tensor('f32', [4], [1, k % 5, 0, -1]);
    g.values[ca] = g.values[cb] = T;
    push('mul', [h, 'w'], `m1_${k}`);
    push('mul', ['w', h], `m2_${k}`);
    push('add', [`m1_${k}`, `m2_${k}`], `s${k}`);
    push('add', [ca, cb], `ck${k}`);
    push('identity', [`s${k}`], `i${k}`);
    push('reshape', [`i${k}`], `r${k}`, { shape: [4] });
    push('div', [h, 'w'], `dead${k}`);
    push('sub', [`r${k}`, `ck${k}`], `h${k}`);
    h = `h${k}`;
  }
  g.outputs.push(h);
  return g;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

function perPass(records: PassRecord[]): string {
  const by = new Map<string, number>();
  for (const r of flattenRecords(records)) if (!r.children) by.set(r.name, (by.get(r.name) ?? 0) + r.timeMs);
  return [...by].map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
}

interface Sample {
  wall: number;
  /** CPU time of the process (all threads, GC included): less sensitive to a busy machine. */
  cpu: number;
}

function timed(f: () => void): Sample {
  const c0 = process.cpuUsage(), t0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

const best = (xs: Sample[]): Sample => ({ wall: Math.min(...xs.map((x) => x.wall)), cpu: Math.min(...xs.map((x) => x.cpu)) });
const show = (x: Sample) => `${fmt(x.wall).padStart(8)} wall, ${fmt(x.cpu).padStart(8)} cpu`;

const SPEC = 'canonicalize,cse';
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);

/**
 * A reference for how this machine scales plain O(n) work on graphs of these sizes: a liveness
 * walk (one Set insert per operand) and a copy of the value-type record. A ratio near theirs
 * means the memory system, not the passes' algorithms, sets the pipeline's ratio.
 */
function floor(g: Graph): Sample {
  return timed(() => {
    const live = new Set<string>();
    for (let i = g.nodes.length - 1; i >= 0; i--) for (const v of g.nodes[i]!.inputs) live.add(v);
    const copy: Record<string, TensorType> = {};
    for (const k of Object.keys(g.values)) copy[k] = g.values[k]!;
  });
}

interface Result {
  nodes: number;
  after: number;
  runs: Sample[];
  floors: Sample[];
  /** Per-pass times of the last run (not its records: their patches would keep that run's graphs alive). */
  perPass: string;
}

function once(n: number, r: Result): void {
  const g = synthetic(n);
  r.nodes = g.nodes.length;
  r.floors.push(floor(g));
  // The production setting: no freezing (see src/passes/manager/run.ts), patches recorded.
  let out: ReturnType<typeof runPipeline> | undefined;
  r.runs.push(timed(() => void (out = runPipeline(g, SPEC, { freeze: false }))));
  r.perPass = perPass(out!.records);
  r.after = out!.graph.nodes.length;
}

const sizes = args.filter((a) => !a.startsWith('-')).map(Number);
const list = sizes.length ? sizes : [10_000, 100_000, 1_000_000];
const repeat = flag('repeat', 5);
console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores; best of ${repeat} runs, sizes interleaved`);
const small = synthetic(10_000);
const problems = verify(small);
if (problems.length) throw new Error(`synthetic graph does not verify: ${problems[0]!.message}`);
runPipeline(synthetic(8000), SPEC, { freeze: false }); // warm up the JIT
const results = list.map((): Result => ({ nodes: 0, after: 0, runs: [], floors: [], perPass: '' }));
// Interleaved, so that every size sees the same spells of load on a shared machine.
for (let k = 0; k < repeat; k++) list.forEach((n, i) => once(n, results[i]!));
for (const r of results) {
  console.log(`${String(r.nodes).padStart(8)} nodes: ${SPEC} ${show(best(r.runs))} -> ${r.after} nodes`);
  console.log(`           per pass: ${r.perPass}; reference walk+copy ${show(best(r.floors))}`);
}
for (let i = 1; i < results.length; i++) {
  const [a, b] = [results[i - 1]!, results[i]!];
  const [ra, rb, fa, fb] = [best(a.runs), best(b.runs), best(a.floors), best(b.floors)];
  console.log(
    `time(${b.nodes})/time(${a.nodes}) = ${(rb.wall / ra.wall).toFixed(1)} wall, ${(rb.cpu / ra.cpu).toFixed(1)} cpu` +
      ` (reference: ${(fb.wall / fa.wall).toFixed(1)} wall, ${(fb.cpu / fa.cpu).toFixed(1)} cpu) for ${(b.nodes / a.nodes).toFixed(0)}x the nodes`,
  );
}
if (!args.includes('--quick')) {
  // Immutability's price: deep freezing (the tests/dev setting) and patch recording.
  const n = list.includes(100_000) ? 100_000 : list[0]!;
  const plain = timed(() => runPipeline(synthetic(n), SPEC, { freeze: false }));
  const frozen = timed(() => runPipeline(synthetic(n), SPEC, { freeze: true }));
  const bare = timed(() => runPipeline(synthetic(n), SPEC, { freeze: false, recordPatches: false }));
  console.log(`${n} nodes once more: production ${show(plain)}; frozen ${show(frozen)}; without patches ${show(bare)}`);
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

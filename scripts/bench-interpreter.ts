// Times the reference interpreter on the full-size zoo models: median of a few runs, in ms.
// Usage: npx tsx scripts/bench-interpreter.ts [runs=5] [size=224]
import { run, type Graph, type Node, type Tensor } from '../src/ir/index.js';
import { mobilenetV2, randomInput, resnet18 } from './lib/model-zoo.js';

const runs = Number(process.argv[2] ?? 5), size = Number(process.argv[3] ?? 224);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function bench(name: string, g: Graph): void {
  const input = randomInput(size);
  const times: number[] = [];
  let out: Tensor | undefined;
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    out = run(g, [input]).outputs[0];
    if (i > 0) times.push(performance.now() - t0); // the first run warms up the JIT
  }
  // Per-op time of one extra run shows where the time goes.
  const perOp = new Map<string, number>();
  let last = performance.now();
  run(g, [input], {
    onNode: (node: Node) => {
      const now = performance.now();
      perOp.set(node.op, (perOp.get(node.op) ?? 0) + now - last);
      last = now;
    },
  });
  const d = out!.data as Float32Array;
  const finite = d.every(Number.isFinite), maxAbs = d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const ops = [...perOp].sort((a, b) => b[1] - a[1]).map(([op, ms]) => `${op} ${ms.toFixed(0)}`).join(', ');
  console.log(
    `${name.padEnd(13)} 1x3x${size}x${size}: median ${median(times).toFixed(0)} ms over ${runs} runs ` +
      `(min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}); ${g.nodes.length} nodes; ` +
      `output ${finite ? 'finite' : 'NOT FINITE'}, max |y| ${maxAbs.toPrecision(3)}\n  per op (ms): ${ops}`,
  );
}

bench('resnet18', resnet18({ size }));
bench('mobilenet_v2', mobilenetV2({ size }));

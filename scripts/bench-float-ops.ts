// Time per element of the float fallback's hot ops in generated C (one thread): gelu, sigmoid,
// tanh, exp, softmax and layer_norm on a 256x1024 f32 tensor, each compiled alone for the target
// and timed inside its harness (median of --runs runs). The figures in docs/codegen.md came from it.
//
//   npx tsx scripts/bench-float-ops.ts [--target T] [--runs N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildC, generateC, nativeTarget, runC, writeGenerated } from '../src/codegen/index.js';
import { GraphBuilder, tensor } from '../src/ir/index.js';

const { values: a } = parseArgs({ options: { target: { type: 'string' }, runs: { type: 'string', default: '30' } } });
const target = a.target ?? nativeTarget().name, runs = Number(a.runs);
const shape = [256, 1024], n = shape[0]! * shape[1]!;
const x = tensor('f32', shape, Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 6));

console.log(`float ops, ${target}, ${shape.join('x')} f32, median of ${runs} runs`);
for (const op of ['gelu', 'sigmoid', 'tanh', 'exp', 'softmax', 'layer_norm']) {
  const b = new GraphBuilder(op);
  const xi = b.input('x', { dtype: 'f32', shape });
  const ins = op === 'layer_norm' ? [xi, b.constant('g', tensor('f32', [shape[1]!], new Float32Array(shape[1]!).fill(1)))] : [xi];
  b.output(b.op(op, ins, op === 'softmax' ? { axis: -1 } : {}, 'y'));
  const dir = mkdtempSync(path.join(tmpdir(), 'qforge-fops-'));
  try {
    const gen = generateC(b.build(), { target, name: 'm', float: true });
    writeGenerated(dir, gen);
    const r = runC(buildC(dir, gen.target), { inputs: [x], bench: runs });
    console.log(`${op.padEnd(11)} ${((r.medianMs! * 1e6) / n).toFixed(2)} ns/element`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

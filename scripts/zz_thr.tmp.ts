// temporary: build resnet18/mobilenet int8 once, time 1 and 2 threads
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { buildC, generateC, runC } from '../src/codegen/index.js';
import { zooModel, quantize } from './lib/bench/models.js';
const name = process.argv[2]!, dir = `/tmp/thr/${name}`;
const m = zooModel(name, 1);
if (!existsSync(`${dir}/model.h`)) {
  const q = quantize(m, 'x86');
  const gen = generateC(q.graph, { target: 'native', name: 'model' });
  mkdirSync(dir, { recursive: true });
  for (const [f, t] of gen.files) writeFileSync(`${dir}/${f}`, t);
}
const b = buildC(dir, 'native', { name: 'model' });
for (let round = 0; round < 3; round++)
  for (const threads of [1, 2]) {
    const r = runC(b, { inputs: [m.input], threads, bench: 20 });
    console.log(name, 'threads', threads, r.medianMs?.toFixed(2), 'ms');
  }

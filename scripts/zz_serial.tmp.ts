// temporary: single-thread CPU time per step (profiled) split into parallel (qf_par_*) and serial steps
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { zooModel, quantize } from './lib/bench/models.js';
import { compile, cleanTemp } from './lib/bench/ours.js';
import { profileOurs } from './lib/bench/profile.js';
const MARK = /^ {2}\/\* (.+?) \((\w+)\): (.*) \*\/$/;
for (const name of process.argv.slice(3)) {
  const m = zooModel(name, 1);
  const q = quantize(m, process.argv[2]!);
  const c = compile(q.graph, 'native', false, name);
  const src = readFileSync(path.join(c.dir, 'model.c'), 'utf8').split('\n');
  const start = src.findIndex((l) => l.startsWith('int model_run_ctx('));
  const par: boolean[] = [];
  for (let i = start; src[i] !== '}'; i++) {
    if (MARK.test(src[i]!)) par.push(false);
    else if (par.length && /qf_par_/.test(src[i]!)) par[par.length - 1] = true;
  }
  const p = profileOurs(c, m.input, 5, () => 0);
  let ps = 0, ss = 0;
  const serial: string[] = [];
  p.steps.forEach((s, k) => { if (par[k]) ps += s.ms; else { ss += s.ms; serial.push(`${s.ms.toFixed(3)} ${s.node} ${s.op} ${s.what}`); } });
  console.log(`${name} ${process.argv[2]}: parallel steps ${ps.toFixed(2)} ms, serial ${ss.toFixed(2)} ms (${(100 * ss / (ps + ss)).toFixed(1)}%), Amdahl bound at 2 threads ${((ps + ss) / (ss + ps / 2)).toFixed(2)}x`);
  console.log(serial.sort().reverse().slice(0, 6).join('\n'));
}
cleanTemp();

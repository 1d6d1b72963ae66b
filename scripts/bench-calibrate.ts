// npm run bench:calibrate: how long the quantize flow (prepare, calibrate, convert, lower) takes on
// ResNet-18 (scripts/lib/model-zoo.ts) from the API, for a number of random calibration samples and
// calibration jobs. A script, not a test; issue #11's target is 16 samples in < 15 s.
//
//   npx tsx scripts/bench-calibrate.ts [--samples 16] [--quantizer x86] [--jobs 1,2]
import { parseArgs } from 'node:util';
import { datasetFromTensors, quantizeGraph, tensor } from '../src/index.js';
import { resnet18 } from './lib/model-zoo.js';

const { values: a } = parseArgs({ options: { samples: { type: 'string', default: '16' }, quantizer: { type: 'string', default: 'x86' }, jobs: { type: 'string', default: '1,2' } } });
const n = Number(a.samples), g = resnet18();
const x = new Float32Array(n * 3 * 224 * 224);
let s = 1;
for (let i = 0; i < x.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0; // a fixed LCG: the same samples every run
  x[i] = (s / 2 ** 32) * 2 - 1;
}
const data = datasetFromTensors(g, [tensor('f32', [n, 1, 3, 224, 224], x)], 'random');
for (const jobs of a.jobs.split(',').map(Number)) {
  const t0 = performance.now();
  quantizeGraph(g, { quantizer: a.quantizer, calib: data, jobs });
  console.log(`resnet18, ${a.quantizer}, ${n} samples, jobs ${jobs}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

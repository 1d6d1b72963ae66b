// npm run bench: our int8 C and float C against onnxruntime-node, single thread, on the fixture
// models and the zoo (ResNet-18, MobileNetV2, an SE/ceil-pool net, a DCGAN generator, a
// transformer encoder, a DenseNet, a Swin transformer). onnxruntime runs fp32 on the float ONNX and int8 on a QDQ export with u8
// activations and per-channel s8 weights (the form it fuses into QLinearConv), and the headline
// ratio is against the faster of the two. One row per model and quantizer of ours; % of peak is
// against the host's int8 MAC peak measured in the same run. --threads N adds our int8 on N threads
// and onnxruntime int8 at intraOp N (docs/threads.md).
//
//   npm run bench -- [--target T] [--threads N] [--quantizer Q[,Q...]] [--ort-quantizer Q] [--runs N] [--rounds R] [--models a,b] [--json out.json]
//                    [--no-fixtures] [--no-zoo] [--calib-samples N] [--no-verify] [--profile] [--device-bundle DIR]
//                    [--write-docs docs/benchmarks.md]   (the run's table replaces that file's generated section)
//   npm run bench -- --mca        llvm-mca-19 inner-loop estimates (avx512-vnni, neon-dot)
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getTarget, nativeTarget } from '../src/codegen/index.js';
import { fail, QforgeError } from '../src/diagnostics/index.js';
import { resolveQuantizer } from '../src/passes/quantize/index.js';
import { writeBundle } from './lib/bench/device.js';
import { checkDocsSection, writeDocsSection } from './lib/bench/docs.js';
import { printMca } from './lib/bench/mca.js';
import { measurePeak } from './lib/bench/peak.js';
import { formatProfile } from './lib/bench/profile.js';
import { fixtureModel, fixtureNames, zooModel, ZOO_NAMES, type BenchModel } from './lib/bench/models.js';
import { cleanTemp } from './lib/bench/ours.js';
import { jsonRows, table, type Row } from './lib/bench/report.js';
import { benchModel, type Prepared } from './lib/bench/run-model.js';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
const { values: a } = parseArgs({
  options: {
    target: { type: 'string' },
    quantizer: { type: 'string', default: 'x86,xnnpack' },
    'ort-quantizer': { type: 'string', default: 'pytorch-fx' },
    runs: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '3' },
    models: { type: 'string' },
    fixtures: { type: 'string', default: path.join(ROOT, '../shared/fixtures') },
    'no-fixtures': { type: 'boolean', default: false },
    'no-zoo': { type: 'boolean', default: false },
    'calib-samples': { type: 'string', default: '3' },
    'no-verify': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
    'device-bundle': { type: 'string' },
    'write-docs': { type: 'string' },
    mca: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail('CLI_USAGE', `--${name} expects an integer >= ${min}, got '${v}'`);
  return n;
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  if (a.help) {
    console.log(readHeader());
    return;
  }
  if (a.mca) return printMca(ROOT);
  const target = getTarget(a.target ?? nativeTarget().name).name;
  const quantizers = a.quantizer.split(',').map((q) => q.trim()).filter(Boolean);
  for (const q of [...quantizers, a['ort-quantizer']]) resolveQuantizer(q); // a bad name fails before any model work
  if (a['write-docs'] !== undefined) checkDocsSection(a['write-docs']);
  const peakGmacs = measurePeak(target);
  const opts = {
    target, quantizer: quantizers[0]!, ortQuantizer: a['ort-quantizer'], peakGmacs, runs: int('runs', a.runs, 1), rounds: int('rounds', a.rounds, 1), warmup: int('warmup', a.warmup, 0), threads: int('threads', a.threads, 1),
    verify: !a['no-verify'], profile: a.profile, log: (s: string) => console.error(s),
  };
  const wanted = a.models?.split(',').map((s) => s.trim()).filter(Boolean);
  const fixtures = a['no-fixtures'] ? [] : fixtureNames(a.fixtures);
  if (!a['no-fixtures'] && !fixtures.length) console.error(`note: no fixtures at ${a.fixtures} (../shared missing?): skipping them`);
  const names = [...fixtures, ...(a['no-zoo'] ? [] : ZOO_NAMES)].filter((n) => !wanted || wanted.includes(n));
  for (const w of wanted ?? []) if (!names.includes(w)) fail('CLI_USAGE', `--models: no model '${w}' (available: ${[...fixtures, ...ZOO_NAMES].join(', ')})`);
  const samples = int('calib-samples', a['calib-samples'], 1);

  const started = { load: loadavg(), at: new Date().toISOString() };
  console.error(`qforge bench: target ${target} (int8 peak ${peakGmacs === null ? 'not measured' : `${peakGmacs.toFixed(0)} GMAC/s`}), quantizers ${quantizers.join(', ')}, ${opts.rounds} rounds x ${opts.runs} runs, load ${load()}`);
  const done: Prepared[] = [];
  try {
    for (const name of names) {
      const m: BenchModel = ZOO_NAMES.includes(name) && !fixtures.includes(name) ? zooModel(name, samples) : fixtureModel(a.fixtures, name);
      for (const quantizer of quantizers) {
        console.error(`${name} (${quantizer}):`);
        done.push(await benchModel(m, { ...opts, quantizer }));
      }
    }
    const rows: Row[] = done.map((p) => p.row);
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const ortQ = a['ort-quantizer'];
    const th = opts.threads > 1 ? `single thread and ${opts.threads} threads (${cpus().length} CPUs)` : 'single thread';
    const header = `qforge ${target} vs onnxruntime-node (its best of fp32 and int8; int8 on our QDQ export by quantizer ${ortQ}: u8 activations, per-channel s8 weights), ${th}, ${cpu}, ` +
      `host int8 peak ${peakGmacs === null ? 'not measured' : `${peakGmacs.toFixed(0)} GMAC/s`}, ` +
      `median over ${opts.rounds} rounds of the median of ${opts.runs} runs; ${started.at.slice(0, 10)}, load average ${started.load.map((x) => x.toFixed(2)).join(' ')} at start, ${load()} at end`;
    const notes = rows.flatMap((r) => [...r.notes, ...r.errors].map((e) => `- ${r.model} (${r.quantizer}): ${e}`));
    console.log(`\n${header}\n`);
    console.log(table(rows));
    for (const n of notes) console.log(`  ${n.slice(2)}`);
    if (a['write-docs'] !== undefined) {
      const file = a['write-docs'];
      const command = process.argv.slice(2).filter((x) => !x.startsWith('--write-docs') && x !== a['write-docs']).join(' ');
      writeDocsSection(file, command, `${header}.\n\n${table(rows)}\n\n${notes.join('\n')}`);
      console.error(`wrote the results into ${file}`);
    }
    for (const r of rows) if (r.profile) console.log(`\n${formatProfile(r.model, r.profile)}`);
    for (const r of rows) if (r.floatProfile) console.log(`\n${formatProfile(`${r.model} float C`, r.floatProfile)}`);
    if (a.json) {
      const out = { started, finished: { load: loadavg(), at: new Date().toISOString() }, cpu, target, quantizers, ortQuantizer: ortQ, peakGmacs, runs: opts.runs, rounds: opts.rounds, threads: opts.threads, rows: jsonRows(rows) };
      writeFileSync(a.json, JSON.stringify(out, null, 1) + '\n');
      console.error(`wrote ${a.json}`);
    }
    if (a['device-bundle']) writeBundle(a['device-bundle'], done, { quantizer: quantizers.join(','), ortQuantizer: ortQ, log: opts.log });
  } finally {
    cleanTemp();
  }
}

function readHeader(): string {
  return 'usage: npm run bench -- [--target T] [--threads N] [--quantizer Q[,Q...] (default x86,xnnpack)] [--ort-quantizer Q (default pytorch-fx)] [--runs N] [--rounds R] [--warmup N] [--models a,b]\n' +
    '  [--fixtures DIR] [--no-fixtures] [--no-zoo] [--calib-samples N] [--no-verify] [--profile] [--json out.json] [--device-bundle DIR] [--write-docs FILE]\n' +
    '  npm run bench -- --mca   (llvm-mca-19 estimates of the avx512-vnni and neon-dot inner loops)';
}

main().catch((e: unknown) => {
  if (e instanceof QforgeError) console.error(e.message);
  else console.error(e);
  process.exitCode = 1;
});

// --device-bundle DIR: what scripts/device-bench.sh needs on a machine with neither node nor clang
// (the lent Xeon: AVX-512 VNNI, python onnxruntime): static binaries of our int8 C for avx512-vnni
// and avx2 (clang-19 -static, so no libc mismatch), float C where it is small, the QDQ ONNX,
// the float ONNX where it is small (device_bench.py rebuilds a float model from the QDQ one
// otherwise: the whole bundle must travel in under 64 MiB), the input, the float reference output,
// our int8 output (the device checks its binaries give the same bits), and manifest.json.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { compileCommand } from '../../../src/codegen/build.js';
import { buildC, generateC, getTarget, runC } from '../../../src/codegen/index.js';
import { fail } from '../../../src/diagnostics/index.js';
import type { Graph } from '../../../src/ir/index.js';
import { writeNpy } from '../../../src/ir/npy.js';
import { tempDir } from './ours.js';
import { derived, sameBits } from './report.js';
import type { Prepared } from './run-model.js';

export const DEVICE_TARGETS = ['avx512-vnni', 'avx2'];
/** Float ONNX files and float C binaries above this size stay behind (the bundle travels in under 64 MiB). */
const SMALL = 4 << 20;

/** Generates the model for `target` and links it statically with the target's native ISA flags. */
function staticBuild(g: Graph, target: string, float: boolean, exe: string): number {
  const t = getTarget(target);
  const dir = tempDir(`static-${target}`);
  const gen = generateC(g, { target: t, name: 'model', float });
  for (const [f, text] of gen.files) writeFileSync(path.join(dir, f), text);
  // Pretend the host has the ISA so the native (not SIMDe) flags are chosen: the binary runs elsewhere.
  const { cc, args } = compileCommand(t, {}, new Set(t.toolchain.hostFlags ?? []));
  const sources = [...gen.files.keys()].filter((f) => f.endsWith('.c')).sort().map((f) => path.join(dir, f));
  // -s: no symbol tables, a smaller bundle (every byte travels).
  const r = spawnSync(cc, [...args, '-static', '-s', '-o', exe, ...sources, '-lm'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) fail('CODEGEN_BUILD', `static ${target} build failed:\n${(r.stderr || r.error?.message || '').slice(0, 2000)}`);
  return gen.constBytes;
}

/** The avx512-vnni source, built against SIMDe here, must give our int8 output bit for bit. */
function checkEmulated(p: Prepared): boolean | null {
  if (!p.int8 || !p.ours) return null;
  const dir = tempDir('simde');
  const gen = generateC(p.int8, { target: 'avx512-vnni', name: 'model' });
  for (const [f, text] of gen.files) writeFileSync(path.join(dir, f), text);
  const out = runC(buildC(dir, gen.target, { name: 'model', emulate: true }), { inputs: [p.model.input] }).outputs;
  return sameBits(out, p.ours);
}

export function writeBundle(dir: string, done: Prepared[], o: { quantizer: string; ortQuantizer: string; log: (s: string) => void }): void {
  mkdirSync(dir, { recursive: true });
  const models = [];
  for (const p of done) {
    const name = p.model.name, sub = path.join(dir, name);
    if (!p.int8 || !p.ours) {
      o.log(`device bundle: skipping ${name} (no int8 build here)`);
      continue;
    }
    mkdirSync(sub, { recursive: true });
    o.log(`device bundle: ${name}`);
    const files: Record<string, string> = {};
    const rel = (f: string) => path.relative(dir, f);
    for (const t of DEVICE_TARGETS) {
      const exe = path.join(sub, `int8-${t}`);
      staticBuild(p.int8, t, false, exe);
      files[`int8-${t}`] = rel(exe);
      const fexe = path.join(sub, `float-${t}`);
      if (staticBuild(p.float, t, true, fexe) <= SMALL) files[`float-${t}`] = rel(fexe);
      else spawnSync('rm', ['-f', fexe]);
    }
    copyFileSync(p.qdqOnnx, path.join(sub, 'model.qdq.onnx'));
    files['qdq'] = `${name}/model.qdq.onnx`;
    if (statSync(p.floatOnnx).size <= SMALL) {
      copyFileSync(p.floatOnnx, path.join(sub, 'model.onnx'));
      files['float'] = `${name}/model.onnx`;
    }
    writeNpy(path.join(sub, 'input.npy'), p.model.input);
    p.reference.forEach((t, k) => writeNpy(path.join(sub, `reference_fp32_${k}.npy`), t));
    p.ours.forEach((t, k) => writeNpy(path.join(sub, `ours_int8_${k}.npy`), t));
    const simde = checkEmulated(p);
    const d = derived(p.row);
    models.push({
      name, macs: p.row.macs, int8MacShare: p.row.int8MacShare, inputName: p.model.float.inputs[0], outputs: p.reference.length, files,
      avx512VnniExactUnderSimde: simde,
      here: { ms: p.row.ms, sqnr: p.row.sqnr, vsInterpreter: p.row.vsInterpreter, ...d },
    });
  }
  const manifest = {
    created: new Date().toISOString(), quantizer: o.quantizer, ortQuantizer: o.ortQuantizer, builtOn: { cpu: cpus()[0]?.model ?? '', load: loadavg() },
    targets: DEVICE_TARGETS, models,
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, (_k, v: unknown) => (v === Infinity ? 'exact' : v), 1) + '\n');
  const du = spawnSync('du', ['-sh', dir], { encoding: 'utf8' }).stdout.split('\t')[0];
  o.log(`device bundle: ${dir} (${du}); run: scripts/device-bench.sh ${dir}`);
}

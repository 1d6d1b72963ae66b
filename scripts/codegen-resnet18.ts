// Measures the C code generator on a synthetic int8 ResNet-18 (224x224, random weights, the
// real layer shapes): generation time, source and constant sizes, clang build time and peak
// memory, arena vs live-tensor peak, and the median run time per target.
// Usage: npx tsx scripts/codegen-resnet18.ts [target ...] [--runs N] [--keep DIR]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildC, generateC, runC } from '../src/codegen/index.js';
import { GraphBuilder, tensor } from '../src/ir/index.js';
import { fround } from '../src/ir/quant-math.js';

function rng(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

export function resnet18() {
  const r = rng(1), b = new GraphBuilder('resnet18');
  const x = b.input('input', { dtype: 'f32', shape: [1, 3, 224, 224] });
  let cur = b.op('quantize', [x], { scale: [0.02], zero_point: [0], dtype: 'i8' }, 'quant');
  let n = 0;
  const conv = (inp: string, cin: number, cout: number, k: number, s: number, relu: boolean) => {
    const K = cin * k * k;
    const w = b.constant(`w${n}`, tensor('i8', [cout, cin, k, k], Int8Array.from({ length: cout * K }, () => Math.round((r() * 2 - 1) * 127))));
    const bias = b.constant(`b${n}`, tensor('i32', [cout], Int32Array.from({ length: cout }, () => Math.round((r() * 2 - 1) * 2000))));
    return b.op('qconv2d', [inp, w, bias], {
      strides: [s, s], pads: [k >> 1, k >> 1, k >> 1, k >> 1], requant_scale: Array.from({ length: cout }, () => fround(0.3 / (Math.sqrt(K) * 127))),
      y_scale: 0.05, y_zero_point: 0, dtype: 'i8', ...(relu ? { qmin: 0 } : {}),
    }, `conv${n++}`);
  };
  cur = conv(cur, 3, 64, 7, 2, true);
  cur = b.op('maxpool2d', [cur], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool');
  let c = 64;
  for (const [width, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const)
    for (let blk = 0; blk < 2; blk++) {
      const s = blk === 0 ? stride : 1;
      const y = conv(conv(cur, c, width, 3, s, true), width, width, 3, 1, false);
      const id = s !== 1 || c !== width ? conv(cur, c, width, 1, s, false) : cur;
      cur = b.op('qadd', [y, id], { a_scale: 0.05, b_scale: 0.05, y_scale: 0.05, dtype: 'i8', qmin: 0 }, `add${n++}`);
      c = width;
    }
  cur = b.op('qglobal_avgpool', [cur], { requant_scale: 1, y_scale: 0.05, dtype: 'i8' }, 'gap');
  cur = b.op('flatten', [cur], {}, 'flatten');
  const fw = b.constant('fc_w', tensor('i8', [1000, 512], Int8Array.from({ length: 512000 }, () => Math.round((r() * 2 - 1) * 127))));
  cur = b.op('qlinear', [cur, fw], { requant_scale: Array(1000).fill(fround(0.3 / (Math.sqrt(512) * 127))), y_scale: 0.1, dtype: 'i8' }, 'fc');
  b.output(b.op('dequantize', [cur], { scale: [0.1], zero_point: [0] }, 'logits'));
  return b.build();
}

if (process.argv[1]?.endsWith("codegen-resnet18.ts")) main();
function main() {
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
const keep = args.includes('--keep') ? args[args.indexOf('--keep') + 1] : undefined;
const targets = args.filter((a, i) => !a.startsWith('--') && !['--runs', '--keep'].includes(args[i - 1] ?? ''));
const g = resnet18();
const x = tensor('f32', [1, 3, 224, 224], Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.37)));
for (const target of targets.length ? targets : ['c', 'avx2']) {
  const dir = keep ? path.join(keep, target) : mkdtempSync(path.join(tmpdir(), 'qforge-r18-'));
  spawnSync('mkdir', ['-p', dir]);
  let t = performance.now();
  const gen = generateC(g, { target, name: 'resnet18' });
  const genMs = performance.now() - t;
  for (const [f, text] of gen.files) writeFileSync(path.join(dir, f), text);
  const srcMb = statSync(path.join(dir, 'resnet18.c')).size / 2 ** 20;
  t = performance.now();
  const built = buildC(dir, target);
  const buildMs = performance.now() - t;
  const mem = spawnSync('/usr/bin/time', ['-f', '%M', ...built.command], { encoding: 'utf8' }).stderr.trim().split('\n').pop();
  const res = runC(built, { inputs: { input: x }, bench: runs });
  console.log(`${target}: generate ${genMs.toFixed(0)} ms, resnet18.c ${srcMb.toFixed(1)} MiB (constants ${(gen.constBytes / 2 ** 20).toFixed(1)} MiB), ` +
    `build ${(buildMs / 1000).toFixed(1)} s (clang peak RSS ${(Number(mem) / 1024).toFixed(0)} MiB), arena ${(gen.arenaBytes / 2 ** 20).toFixed(2)} MiB ` +
    `(live peak ${(gen.arenaLowerBound / 2 ** 20).toFixed(2)} MiB), run median ${res.medianMs?.toFixed(1)} ms over ${runs}`);
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
}

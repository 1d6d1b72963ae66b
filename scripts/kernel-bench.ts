// Microbenchmark of a target's qf_qgemm on ResNet-18-like GEMM shapes (batch 1, 224x224; 3x3 convs as
// im2col GEMMs), single thread, against the measured single-core int8 peak of the dev machine.
// Weights: 'int8' = full-range per-channel int8 (the avx2 packer proves nothing, exact vpmaddwd path);
// '7bit' = weights in [-64, 64] (every pair proven safe: vpmaddubsw path).
// Usage: npx tsx scripts/kernel-bench.ts [target=avx2] [seconds-per-rep=0.15] [peak-GMACs=79]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTarget } from '../src/codegen/targets/index.js';

const target = getTarget(process.argv[2] ?? 'avx2');
const minS = Number(process.argv[3] ?? 0.15), peak = Number(process.argv[4] ?? 79);
const ROOT = new URL('../', import.meta.url).pathname, KDIR = join(ROOT, 'src/codegen/kernels');

const SHAPES: [string, number, number, number][] = [
  ['conv1-7x7', 12544, 64, 147],
  ['l1-3x3', 3136, 64, 576],
  ['l2-3x3', 784, 128, 1152],
  ['l2-down1x1', 784, 128, 64],
  ['l3-3x3', 196, 256, 2304],
  ['l4-3x3', 49, 512, 4608],
  ['fc', 1, 1000, 512],
];

function weights(n: number, bits: 7 | 8, seed: number): Int8Array {
  const w = new Int8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    w[i] = bits === 8 ? ((s >>> 8) & 255) - 128 : ((s >>> 8) % 129) - 64;
  }
  return w;
}

const dir = mkdtempSync(join(tmpdir(), 'qf-bench-'));
writeFileSync(join(dir, 'qforge_config.h'), target.provides.map((k) => `#define QF_HAVE_${k.toUpperCase()} 1`).join('\n') + '\n');
const files = [join(ROOT, 'scripts/lib/kernel-bench.c'), join(KDIR, 'qforge_kernels_ref.c'), ...(target.kernelFile ? [join(KDIR, target.kernelFile)] : [])];
const bin = join(dir, 'bench');
// clang-19 misreads some Xeons under -march=native (avx10.1-256 promoted to -512) and warns on every build
execFileSync('clang-19', ['-O2', '-std=c11', '-ffp-contract=off', '-march=native', '-Wno-invalid-feature-combination', ...target.toolchain.cflags, '-I', dir, '-I', KDIR, ...files, '-o', bin]);

const parts: Buffer[] = [];
for (const bits of [8, 7] as const)
  for (const [name, M, N, K] of SHAPES) {
    const w = weights(N * K, bits, M + N + K);
    const packed = target.packGemm(w, N, K);
    const nm = Buffer.alloc(32);
    nm.write(`${name}/${bits === 8 ? 'int8' : '7bit'}`);
    const hdr = Buffer.alloc(20);
    [M, N, K, packed.length, name === 'l4-3x3' && bits === 8 ? 1 : 0].forEach((v, i) => hdr.writeUInt32LE(v, 4 * i));
    parts.push(nm, hdr, Buffer.from(w.buffer, w.byteOffset, w.byteLength), Buffer.from(packed));
  }
writeFileSync(join(dir, 'shapes.bin'), Buffer.concat(parts));
const out = execFileSync(bin, [join(dir, 'shapes.bin'), String(minS)], { encoding: 'utf8' });

const lines = out.trim().split('\n').map((l) => l.replace(/\0/g, '').split(' '));
console.log(`qf_qgemm, target ${target.name}, single thread; nominal peak ${peak} G int8 MAC/s`);
console.log('MAC/cycle is estimated from register-only vpmaddubsw loops (32 MAC/cycle) timed in alternation with');
console.log('each shape, so a moving clock or a busy machine cancels out; "% path" compares with the register-only');
console.log('loop of the same instruction mix (exact vpmaddwd for int8 weights, vpmaddubsw for 7-bit weights).');
console.log('shape              M     N     K   GMAC/s  vs 79G  MAC/cycle  % path  (reference kernel GMAC/s)');
let macs = 0, secs = 0, cycles = 0;
for (const [name, M, N, K, g, r, ub, wd] of lines) {
  const gm = Number(g), mac = Number(M) * Number(N) * Number(K), ghz = Number(ub) / 32;
  if (name!.endsWith('int8')) { macs += mac; secs += mac / (gm * 1e9); cycles += ghz ? (mac / gm) * ghz : 0; }
  const pathPeak = name!.endsWith('int8') ? Number(wd) : Number(ub);
  const perCycle = ghz ? (gm / ghz).toFixed(1).padStart(9) : '        -';
  const path = pathPeak ? `${((100 * gm) / pathPeak).toFixed(0).padStart(6)}%` : '      -';
  const ref = Number(r) > 0 ? `  (${Number(r).toFixed(2)})` : '';
  console.log(`${name!.padEnd(16)} ${M!.padStart(5)} ${N!.padStart(5)} ${K!.padStart(5)} ${gm.toFixed(1).padStart(8)} ${((100 * gm) / peak).toFixed(0).padStart(6)}% ${perCycle} ${path}${ref}`);
}
console.log(`int8 weights, all shapes (time-weighted): ${(macs / secs / 1e9).toFixed(1)} GMAC/s${cycles ? `, ${(macs / cycles).toFixed(1)} MAC/cycle` : ''}`);

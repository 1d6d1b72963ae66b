// llvm-mca-19 estimates of the SIMD kernels' inner loops: compiles each target's kernel file to
// assembly (its ISA flags, tuned for the modelled core), cuts out every innermost loop that does int8
// multiply-accumulates, and reports int8 MACs per cycle against the model's instruction-throughput
// peak (a block of independent MAC instructions of the same kind, no loads or loop overhead).
// Usage: npx tsx scripts/kernel-mca.ts [target ...]   (default: avx2 avx512-vnni neon neon-dot)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTarget } from '../src/codegen/targets/index.js';

interface Model {
  target: string;
  mcpu: string;
  /** clang flags besides the target's ISA flags (tuning for the modelled core). */
  tune: string[];
  triple: string;
  /** Synthetic peak blocks: name -> instructions (independent accumulators). */
  peaks: Record<string, string[]>;
}

const x86 = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
const MODELS: Model[] = [
  {
    target: 'avx2', mcpu: 'znver3', tune: ['-mtune=znver3'], triple: 'x86_64',
    peaks: {
      'vpmaddubsw+vpmaddwd+vpaddd': x86(8, (i) => [`vpmaddubsw %ymm14, %ymm15, %ymm${8 + (i % 4)}`, `vpmaddwd %ymm13, %ymm${8 + (i % 4)}, %ymm${8 + (i % 4)}`, `vpaddd %ymm${8 + (i % 4)}, %ymm${i}, %ymm${i}`]),
      'vpmaddwd+vpaddd': x86(8, (i) => [`vpmaddwd %ymm14, %ymm15, %ymm${8 + (i % 4)}`, `vpaddd %ymm${8 + (i % 4)}, %ymm${i}, %ymm${i}`]),
    },
  },
  {
    target: 'avx512-vnni', mcpu: 'icelake-server', tune: ['-mtune=icelake-server'], triple: 'x86_64',
    peaks: { 'vpdpbusd zmm': x86(16, (i) => [`vpdpbusd %zmm30, %zmm31, %zmm${i}`]) },
  },
  {
    target: 'neon', mcpu: 'neoverse-n1', tune: ['-mtune=neoverse-n1'], triple: 'aarch64',
    // by-element .h operands must sit in v0-v15: 14 accumulators, v14 data, v15 the element
    peaks: {
      'smull/smull2 .8b + sadalp': x86(12, (i) => [`smull${i % 2 ? '2' : ''} v${16 + (i % 4)}.8h, v30.${i % 2 ? '16b' : '8b'}, v31.${i % 2 ? '16b' : '8b'}`, `sadalp v${i}.4s, v${16 + (i % 4)}.8h`]),
      'smlal/smlal2 (by element)': x86(14, (i) => [`smlal${i % 2 ? '2' : ''} v${i}.4s, v14.${i % 2 ? '8h' : '4h'}, v15.h[0]`]),
    },
  },
  {
    target: 'neon-dot', mcpu: 'neoverse-n1', tune: ['-mtune=neoverse-n1'], triple: 'aarch64',
    peaks: { 'sdot (by element)': x86(16, (i) => [`sdot v${i}.4s, v30.16b, v31.4b[0]`]) },
  },
];

/** int8 MACs of one instruction (0 for everything else); `wdIsMac`: vpmaddwd multiplies data (exact path)
    rather than reducing vpmaddubsw pairs with a vector of ones. */
function macs(line: string, wdIsMac: boolean): number {
  const t = line.trim();
  if (/^vpmaddubsw\b.*%ymm/.test(t)) return 32;
  if (/^vpmaddwd\b.*%ymm/.test(t)) return wdIsMac ? 16 : 0;
  if (/^vpdpbusds?\b.*%zmm/.test(t)) return 64;
  if (/^vpdpbusds?\b.*%ymm/.test(t)) return 32;
  if (/^[su]dot\s+v\d+\.4s/.test(t)) return 16;
  if (/^[su]mlal2?\s+v\d+\.4s/.test(t)) return 4;
  if (/^[su]mull2?\s+v\d+\.8h/.test(t)) return 8;
  return 0;
}

interface Loop {
  label: string;
  /** The C function the loop was compiled into (after inlining). */
  fn: string;
  body: string[];
}

/** Innermost loops: from a label clang marks as "Inner Loop Header" to the branch back to it. */
function innerLoops(asm: string): Loop[] {
  const lines = asm.split('\n'), loops: Loop[] = [];
  let fn = '';
  for (let i = 0; i < lines.length; i++) {
    fn = /^([A-Za-z_]\w*):/.exec(lines[i]!)?.[1] ?? fn;
    const m = /^(\.LBB\w+):/.exec(lines[i]!);
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && /^\s*(\/\/|#)/.test(lines[j]!)) j++;
    if (!lines.slice(i, j).some((l) => l.includes('Inner Loop Header'))) continue;
    const end = lines.findIndex((l, k) => k > i && new RegExp(`^\\s*(j\\w+|b\\.\\w+|cbn?z|tbn?z)\\s(.*\\s)?${m[1]!.replace('.', '\\.')}$`).test(l.replace(/\s+$/, '')));
    if (end < 0) continue;
    const body = lines.slice(j, end + 1).filter((l) => !/^\s*(\/\/|#|\.p2align)/.test(l) && l.trim() !== '');
    if (!body.some((l) => /^\.LBB/.test(l))) loops.push({ label: m[1]!, fn, body });
  }
  return loops;
}

function mca(m: Model, body: string[], dir: string, name: string): number {
  const file = join(dir, `${name}.s`);
  writeFileSync(file, body.join('\n') + '\n');
  const out = execFileSync('llvm-mca-19', [`-mtriple=${m.triple}`, `-mcpu=${m.mcpu}`, '-iterations=400', file], { encoding: 'utf8' });
  const cyc = Number(/Total Cycles:\s+(\d+)/.exec(out)![1]), it = Number(/Iterations:\s+(\d+)/.exec(out)![1]);
  return cyc / it;
}

const ROOT = new URL('../', import.meta.url).pathname, KDIR = join(ROOT, 'src/codegen/kernels');
const wanted = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'qf-mca-'));
for (const m of MODELS.filter((x) => !wanted.length || wanted.includes(x.target))) {
  const t = getTarget(m.target);
  writeFileSync(join(dir, 'qforge_config.h'), t.provides.map((k) => `#define QF_HAVE_${k.toUpperCase()} 1`).join('\n') + '\n');
  const cross = t.toolchain.triple ? [`--target=${t.toolchain.triple}`] : [];
  const asmFile = join(dir, `${m.target}.s`);
  execFileSync('clang-19', ['-O2', '-S', '-ffp-contract=off', ...cross, ...t.toolchain.cflags, ...m.tune, '-I', dir, '-I', KDIR, join(KDIR, t.kernelFile!), '-o', asmFile]);
  console.log(`\n== ${m.target}: ${t.kernelFile}, llvm-mca-19 -mcpu=${m.mcpu}`);
  for (const [name, block] of Object.entries(m.peaks)) {
    const cyc = mca(m, block, dir, 'peak'), mac = block.reduce((s, l) => s + macs(l, !name.includes('maddubs')), 0);
    console.log(`  peak  ${name.padEnd(34)} ${(mac / cyc).toFixed(1).padStart(6)} MAC/cycle`);
  }
  const loops = innerLoops(readFileSync(asmFile, 'utf8'))
    .map((l) => {
      const wd = !l.body.some((x) => /vpmaddubsw/.test(x));
      return { ...l, mac: l.body.reduce((s, x) => s + macs(x, wd), 0), n: l.body.filter((x) => macs(x, wd) > 0).length };
    })
    .filter((l) => l.mac > 0)
    .sort((a, b) => b.mac - a.mac);
  // The widest instance of each instruction mix in GEMM and depthwise code: the full register tile.
  const seen = new Set<string>();
  for (const l of loops) {
    const wd = !l.body.some((x) => /vpmaddubsw/.test(x));
    const kind = [...new Set(l.body.filter((x) => macs(x, wd) > 0).map((x) => x.trim().split(/\s+/)[0]!))].sort().join('+');
    const key = `${kind}/${/dw/.test(l.fn) ? 'dw' : 'gemm'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const cyc = mca(m, l.body, dir, l.label.slice(1));
    const what = key.endsWith('/dw') ? 'depthwise tap loop' : 'GEMM tile loop';
    console.log(`  ${what.padEnd(20)} ${kind.padEnd(18)} ${String(l.body.length).padStart(3)} instr, ${l.mac.toString().padStart(5)} MAC in ${cyc.toFixed(2).padStart(6)} cycles = ${(l.mac / cyc).toFixed(1).padStart(5)} MAC/cycle`);
  }
}

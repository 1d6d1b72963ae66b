// npm run bench -- --mca: the llvm-mca-19 estimates of the int8 inner loops of the targets this
// machine cannot time (avx512-vnni modelled as icelake-server, neon-dot as neoverse-n1), as MACs
// per cycle against the instruction-throughput peak. scripts/kernel-mca.ts does the measuring;
// this runs it and puts its lines into one table.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fail } from '../../../src/diagnostics/index.js';

export const MCA_TARGETS = ['avx512-vnni', 'neon-dot'];

interface Loop {
  target: string;
  mcpu: string;
  loop: string;
  instr: string;
  macPerCycle: number;
  peak: number;
}

/** Parses kernel-mca.ts output: "== target: file, llvm-mca-19 -mcpu=X", "peak NAME v MAC/cycle", "<loop> <instr> ... = v MAC/cycle". */
export function parseMca(text: string): Loop[] {
  const loops: Loop[] = [];
  let target = '', mcpu = '', peak = 0;
  for (const line of text.split('\n')) {
    const head = /^== (\S+): .*-mcpu=(\S+)/.exec(line);
    if (head) [target, mcpu, peak] = [head[1]!, head[2]!, 0];
    const p = /^\s+peak\s+.*?([\d.]+) MAC\/cycle$/.exec(line);
    if (p) peak = Math.max(peak, Number(p[1]));
    const l = /^\s+(GEMM tile loop|depthwise tap loop)\s+(\S+)\s.*=\s+([\d.]+) MAC\/cycle$/.exec(line);
    if (l) loops.push({ target, mcpu, loop: l[1]!, instr: l[2]!, macPerCycle: Number(l[3]), peak });
  }
  return loops;
}

export function printMca(root: string): void {
  const script = path.join(root, 'scripts/kernel-mca.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...MCA_TARGETS], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) fail('CLI_USAGE', `scripts/kernel-mca.ts failed (needs clang-19 and llvm-mca-19):\n${(r.stderr || r.error?.message || '').slice(0, 2000)}`);
  const loops = parseMca(r.stdout);
  if (!loops.length) fail('CLI_USAGE', `scripts/kernel-mca.ts printed no inner loops:\n${r.stdout.slice(0, 2000)}`);
  console.log('llvm-mca-19 estimates of the int8 inner loops (steady state, operands in L1), int8 MACs per cycle:\n');
  const rows = [['target', 'model CPU', 'loop', 'MAC instr', 'MAC/cycle', 'peak', 'of peak'],
    ...loops.map((l) => [l.target, l.mcpu, l.loop, l.instr, l.macPerCycle.toFixed(1), l.peak.toFixed(1), `${((100 * l.macPerCycle) / l.peak).toFixed(0)}%`])];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((x) => x[c]!.length)));
  const line = (x: string[]) => `| ${x.map((s, c) => (c < 4 ? s.padEnd(w[c]!) : s.padStart(w[c]!))).join(' | ')} |`;
  console.log([line(rows[0]!), `|${w.map((n, c) => '-'.repeat(n + 1) + (c < 4 ? '-' : ':')).join('|')}|`, ...rows.slice(1).map(line)].join('\n'));
  console.log('\npeak: a block of independent MAC instructions of the same kind (no loads, no loop overhead); at 3 GHz, ' +
    loops.filter((l) => l.loop.startsWith('GEMM')).map((l) => `${l.target} GEMM ≈ ${((l.macPerCycle * 3e9) / 1e9).toFixed(0)} G MAC/s per core`).join(', '));
}

// The --timing table of `qforge opt`: one row per pass run (nested runs indented under their
// group), its wall time, whether it changed the graph, and the statistics it reported.
import type { PassRecord } from '../passes/index.js';

const ms = (t: number) => (t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2));

export function timingTable(records: readonly PassRecord[], totalMs: number): string {
  const rows: string[][] = [['step', 'pass', 'ms', '%', 'changed', 'statistics']];
  const walk = (rs: readonly PassRecord[], depth: number) => {
    for (const r of rs) {
      const stats = Object.entries(r.stats).map(([k, v]) => `${k}=${v}`);
      if (r.iterations !== undefined) stats.unshift(`rounds=${r.iterations}${r.converged ? '' : ' (not converged)'}`);
      const share = totalMs > 0 ? ((100 * r.timeMs) / totalMs).toFixed(1) : '-';
      rows.push([String(r.index), `${'  '.repeat(depth)}${r.name}`, ms(r.timeMs), share, r.changed ? 'yes' : 'no', stats.join(' ')]);
      if (r.children) walk(r.children, depth + 1);
    }
  };
  walk(records, 0);
  rows.push(['', 'total', ms(totalMs), '100.0', '', '']);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const right = new Set([0, 2, 3]);
  return rows.map((r) => '  ' + r.map((cell, c) => (c === r.length - 1 ? cell : right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n') + '\n';
}

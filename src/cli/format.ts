// Human-readable numbers for CLI summaries.
import type { Tensor } from '../ir/tensor.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** 1234567 -> "1,234,567". */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Short form of large counts: 1.2M, 3.4G. */
export function formatShort(n: number): string {
  for (const [div, s] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (n >= div) return `${(n / div).toFixed(n / div < 10 ? 2 : 1)}${s}`;
  return String(n);
}

/** The first `k` values of a tensor, e.g. "[0.125, -3, 7.5e-05, ...]". */
export function firstValues(t: Tensor, k = 6): string {
  const n = Math.min(k, t.data.length);
  const vals: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = t.data[i]!;
    vals.push(typeof v === 'bigint' ? v.toString() : Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString());
  }
  return `[${vals.join(', ')}${t.data.length > n ? ', ...' : ''}]`;
}

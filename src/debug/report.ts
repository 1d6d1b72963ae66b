// The debugger's report as text (a table, worst layer first) and as JSON. JSON cannot hold
// infinities: `sqnrDb` is null there, with `identical` telling an exact match (+∞) from a
// float value of all zeros that the quantized graph got wrong (−∞).
import type { DebugReport, LayerStats, OutputStats } from './compare.js';
import { worstFirst } from './compare.js';

export function formatSqnr(db: number): string {
  if (db === Infinity) return 'exact';
  if (db === -Infinity) return '-inf';
  return db.toFixed(2);
}

export const formatError = (e: number): string => (e === 0 ? '0' : e >= 1e-3 && e < 1e5 ? Number(e.toPrecision(4)).toString() : e.toExponential(3));

const layerName = (l: LayerStats, value: 'float' | 'quant'): string => {
  const node = value === 'float' ? l.floatNode : l.quantNode;
  return l.result ? `${node}[${l.result}]` : node;
};

export interface TableOptions {
  /** Rows to print (default all). */
  top?: number;
}

/** A summary line per graph output, then the layers worst first as an aligned table. */
export function formatTable(r: DebugReport, opts: TableOptions = {}): string {
  const lines: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(
    `numeric debugger: ${r.quant} vs ${r.float} on ${plural(r.samples, 'sample')}: ${plural(r.layers.length, 'value')} compared` +
      ` (${r.floatOnly.length} float-only, ${r.quantOnly.length} quantized-only handles)`,
  );
  for (const o of r.outputs) lines.push(`  output ${o.name}: SQNR ${formatSqnr(o.sqnrDb)}${o.sqnrDb === Infinity ? '' : ' dB'}, max |err| ${formatError(o.maxAbsError)}`);
  const rows = worstFirst(r.layers);
  const shown = opts.top === undefined ? rows : rows.slice(0, opts.top);
  const header = ['rank', 'handle', 'op', 'float node', 'quantized node', 'SQNR dB', 'max |err|'];
  const cells = shown.map((l, i) => [String(i + 1), String(l.handle), l.op, layerName(l, 'float'), `${layerName(l, 'quant')} (${l.quantOp})`, formatSqnr(l.sqnrDb), formatError(l.maxAbsError)]);
  const width = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const right = new Set([0, 1, 5, 6]);
  const fmt = (row: string[]) => row.map((s, c) => (right.has(c) ? s.padStart(width[c]!) : s.padEnd(width[c]!))).join('  ').trimEnd();
  lines.push('', fmt(header), fmt(width.map((w) => '-'.repeat(w))), ...cells.map(fmt));
  if (shown.length < rows.length) lines.push(`  ... ${rows.length - shown.length} more (--top ${rows.length} shows all)`);
  return lines.join('\n') + '\n';
}

const jsonDb = (db: number): { sqnrDb: number | null; identical: boolean } => ({ sqnrDb: Number.isFinite(db) ? db : null, identical: db === Infinity });

export interface JsonLayer extends Omit<LayerStats, 'sqnrDb'> {
  rank: number;
  sqnrDb: number | null;
  identical: boolean;
}

export interface JsonReport {
  float: string;
  quantized: string;
  samples: number;
  outputs: (Omit<OutputStats, 'sqnrDb'> & { sqnrDb: number | null; identical: boolean })[];
  /** Worst first. */
  layers: JsonLayer[];
  floatOnlyHandles: number[];
  quantizedOnlyHandles: number[];
}

export function toJson(r: DebugReport): JsonReport {
  return {
    float: r.float,
    quantized: r.quant,
    samples: r.samples,
    outputs: r.outputs.map((o) => ({ ...o, ...jsonDb(o.sqnrDb) })),
    layers: worstFirst(r.layers).map((l, i) => ({ rank: i + 1, ...l, ...jsonDb(l.sqnrDb) })),
    floatOnlyHandles: r.floatOnly,
    quantizedOnlyHandles: r.quantOnly,
  };
}

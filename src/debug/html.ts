// The debugger's report as one self-contained HTML page: an inline SVG bar chart of the SQNR
// of every compared value in float graph order (hover a bar for its numbers: SVG <title>, no
// script), then the table worst first. No external scripts, styles or fonts.
import type { DebugReport, LayerStats } from './compare.js';
import { worstFirst } from './compare.js';
import { formatError, formatSqnr } from './report.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Bar colour by SQNR: the lower, the redder. */
function colour(db: number): string {
  if (db === Infinity) return '#4c9a2a';
  if (db < 10) return '#c0392b';
  if (db < 20) return '#e67e22';
  if (db < 30) return '#d4ac0d';
  return '#4c9a2a';
}

function chart(layers: readonly LayerStats[]): string {
  const finite = layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const top = Math.max(10, Math.ceil(Math.max(0, ...finite) / 10) * 10);
  const bottom = Math.min(0, Math.floor(Math.min(0, ...finite) / 10) * 10);
  const bar = 16, gap = 6, left = 48, plotH = 240, labelH = 120, topPad = 16;
  const width = left + layers.length * (bar + gap) + gap + 16;
  const height = topPad + plotH + labelH;
  const y = (db: number) => topPad + ((top - db) / (top - bottom)) * plotH;
  const parts: string[] = [];
  for (let t = bottom; t <= top; t += 10) {
    parts.push(`<line x1="${left}" x2="${width - 8}" y1="${y(t)}" y2="${y(t)}" stroke="${t === 0 ? '#555' : '#ddd'}"/>`);
    parts.push(`<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`);
  }
  parts.push(`<text x="12" y="${topPad + plotH / 2}" font-size="11" transform="rotate(-90 12 ${topPad + plotH / 2})" text-anchor="middle">SQNR (dB)</text>`);
  layers.forEach((l, i) => {
    const x = left + gap + i * (bar + gap);
    // Exact results reach the top of the chart; −∞ is a red mark on the zero line.
    const v = l.sqnrDb === Infinity ? top : l.sqnrDb === -Infinity ? bottom : l.sqnrDb;
    const y0 = y(Math.max(0, v)), y1 = y(Math.min(0, v));
    const tip = `#${l.handle} ${l.op} ${l.floatNode} → ${l.quantNode}: SQNR ${formatSqnr(l.sqnrDb)}${Number.isFinite(l.sqnrDb) ? ' dB' : ''}, max |err| ${formatError(l.maxAbsError)}`;
    parts.push(`<rect x="${x}" y="${y0}" width="${bar}" height="${Math.max(1, y1 - y0)}" fill="${colour(l.sqnrDb)}"><title>${esc(tip)}</title></rect>`);
    const lx = x + bar / 2, ly = topPad + plotH + 8;
    parts.push(`<text x="${lx}" y="${ly}" font-size="10" text-anchor="end" transform="rotate(-60 ${lx} ${ly})">${esc(`${l.op} #${l.handle}`)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="SQNR per layer in graph order">${parts.join('')}</svg>`;
}

export function toHtml(r: DebugReport): string {
  const rows = worstFirst(r.layers)
    .map((l, i) =>
      `<tr><td>${i + 1}</td><td>${l.handle}</td><td>${esc(l.op)}</td><td>${esc(l.floatNode)}</td><td>${esc(l.quantNode)} <small>(${esc(l.quantOp)})</small></td>` +
      `<td>[${l.shape.join(',')}]</td><td style="color:${colour(l.sqnrDb)}">${formatSqnr(l.sqnrDb)}</td><td>${formatError(l.maxAbsError)}</td></tr>`,
    )
    .join('\n');
  const outputs = r.outputs.map((o) => `<li>output <code>${esc(o.name)}</code>: SQNR ${formatSqnr(o.sqnrDb)}${Number.isFinite(o.sqnrDb) ? ' dB' : ''}, max |err| ${formatError(o.maxAbsError)}</li>`).join('');
  const title = `qforge numeric debugger: ${r.quant} vs ${r.float}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:13px}
td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
td:nth-child(1),td:nth-child(2),td:nth-child(7),td:nth-child(8){text-align:right;font-variant-numeric:tabular-nums}
.chart{overflow-x:auto;margin:12px 0 24px}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${r.samples} sample${r.samples === 1 ? '' : 's'}; ${r.layers.length} values compared by debug handle; ${r.floatOnly.length} float-only and ${r.quantOnly.length} quantized-only handles.
SQNR = 10·log10(Σ float² / Σ (float − quantized)²), accumulated over all samples.</p>
<ul>${outputs}</ul>
<h2>SQNR per layer, in graph order</h2>
<div class="chart">${chart(r.layers)}</div>
<h2>Layers, worst first</h2>
<table><thead><tr><th>rank</th><th>handle</th><th>op</th><th>float node</th><th>quantized node</th><th>shape</th><th>SQNR (dB)</th><th>max |err|</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}

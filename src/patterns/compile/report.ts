// Collects the diagnostics of one pattern file (deduplicated: a mistake shared by several
// variants of a pattern is reported once) and finds nearest names for hints.
import { diag, locate, type Diagnostic, type DiagKey } from '../../diagnostics/index.js';
import type { Span } from '../syntax/ast.js';

export class Reporter {
  readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  /** Appended to messages of errors found while checking one variant of a pattern. */
  context = '';

  constructor(
    readonly text: string,
    readonly file?: string,
  ) {}

  error(key: DiagKey, span: Span, message: string, hint?: string): void {
    const id = `${key}@${span.offset}:${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const msg = this.context ? `${message} (${this.context})` : message;
    this.list.push(diag(key, msg, { loc: locate(this.text, span.offset, this.file, Math.max(1, span.length)), ...(hint ? { hint } : {}) }));
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** `did you mean 'x'?` for the nearest candidate within a third of the name's length, else a list. */
export function nearest(name: string, candidates: readonly string[], what: string): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const dist = distance(name.toLowerCase(), c.toLowerCase());
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3))) return `did you mean '${best}'?`;
  if (!candidates.length) return undefined;
  const shown = candidates.slice(0, 12).join(', ');
  return `known ${what}: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}

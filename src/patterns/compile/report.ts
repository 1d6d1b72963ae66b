// Collects the diagnostics of one pattern file (deduplicated: a mistake shared by several
// variants of a pattern is reported once) and finds nearest names for hints.
import { diag, locate, type Diagnostic, type DiagKey } from '../../diagnostics/index.js';
import type { Span } from '../syntax/ast.js';

export class Reporter {
  readonly list: Diagnostic[] = [];
  /** Findings that do not stop the file from loading (a let that is never used). */
  readonly warnings: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  /** Appended to messages of errors found while checking one variant of a pattern. */
  context = '';

  constructor(
    readonly text: string,
    readonly file?: string,
  ) {}

  error(key: DiagKey, span: Span, message: string, hint?: string): void {
    this.add(this.list, key, span, message, hint);
  }

  /** Runs f with `what` added to the context of its errors. */
  within<T>(what: string, f: () => T): T {
    const saved = this.context;
    this.context = saved ? `${what}, ${saved}` : what;
    try {
      return f();
    } finally {
      this.context = saved;
    }
  }

  lineCol(span: Span): string {
    const l = locate(this.text, span.offset);
    return `${l.line}:${l.column}`;
  }

  warn(key: DiagKey, span: Span, message: string, hint?: string): void {
    this.add(this.warnings, key, span, message, hint);
  }

  private add(to: Diagnostic[], key: DiagKey, span: Span, message: string, hint?: string): void {
    const id = `${key}@${span.offset}:${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const msg = this.context ? `${message} (${this.context})` : message;
    to.push(diag(key, msg, { loc: locate(this.text, span.offset, this.file, Math.max(1, span.length)), ...(hint ? { hint } : {}) }));
  }
}

/** Edit distance counting an adjacent transposition as one edit (rnak -> rank). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** `did you mean 'x'?` for the nearest candidate within a third of the name's length (at least one edit, never the whole name), else a list. */
export function nearest(name: string, candidates: readonly string[], what: string): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const dist = distance(name.toLowerCase(), c.toLowerCase());
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) && bestD < name.length) return `did you mean '${best}'?`;
  if (!candidates.length) return undefined;
  const shown = candidates.slice(0, 12).join(', ');
  return `known ${what}: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}

// One catalog of user-facing diagnostics: every error has a stable code, a title, and a location
// kind. Layers add their codes in their own file under this folder; this module merges them.
import { IR_CODES } from './codes-ir.js';
import { QUANT_CODES } from './codes-quant.js';
import { PASS_CODES } from './codes-passes.js';
import { PATTERN_CODES } from './codes-patterns.js';
import { CODEGEN_CODES } from './codes-codegen.js';
import { ONNX_TEST_CODES } from './codes-onnx-test.js';
import { DEBUG_CODES } from './codes-debug.js';
import { TRAIN_CODES } from './codes-train.js';

export type LocationKind = 'source' | 'node' | 'pipeline' | 'file' | 'none';

export interface CodeInfo {
  code: string;
  title: string;
  location: LocationKind;
}

export const CATALOG = { ...IR_CODES, ...QUANT_CODES, ...PASS_CODES, ...PATTERN_CODES, ...CODEGEN_CODES, ...ONNX_TEST_CODES, ...DEBUG_CODES, ...TRAIN_CODES } as const satisfies Record<string, CodeInfo>;
export type DiagKey = keyof typeof CATALOG;

export interface SourceLoc {
  file?: string;
  line: number; // 1-based
  column: number; // 1-based
  length?: number;
  sourceLine?: string;
}

export interface Diagnostic {
  key: DiagKey;
  message: string;
  loc?: SourceLoc;
  node?: { name: string; op: string };
  hint?: string;
}

export function diag(key: DiagKey, message: string, extra: Omit<Diagnostic, 'key' | 'message'> = {}): Diagnostic {
  return { key, message, ...extra };
}

/** An error carrying one or more diagnostics; the CLI prints them and exits non-zero. */
export class QforgeError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic | Diagnostic[]) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map(formatDiagnostic).join('\n'));
    this.name = 'QforgeError';
    this.diagnostics = list;
  }
}

export function fail(key: DiagKey, message: string, extra: Omit<Diagnostic, 'key' | 'message'> = {}): never {
  throw new QforgeError(diag(key, message, extra));
}

/** `file:line:col: error QF0101: message`, then the source line with a caret under the column, then a hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const info = CATALOG[d.key];
  let where = '';
  if (d.loc) where = `${d.loc.file ?? '<input>'}:${d.loc.line}:${d.loc.column}: `;
  else if (d.node) where = `node '${d.node.name}' (${d.node.op}): `;
  let out = `${where}error ${info.code}: ${d.message}`;
  if (d.loc?.sourceLine !== undefined) {
    const caretLen = Math.max(1, Math.min(d.loc.length ?? 1, d.loc.sourceLine.length - d.loc.column + 1));
    out += `\n  ${d.loc.sourceLine}\n  ${' '.repeat(Math.max(0, d.loc.column - 1))}${'^'.repeat(caretLen)}`;
  }
  if (d.hint) out += `\n  hint: ${d.hint}`;
  return out;
}

/** A diagnostic that does not stop anything, printed as `… warning QFxxxx: …`. */
export const formatWarning = (d: Diagnostic): string => formatDiagnostic(d).replace(/\berror (QF\d+)/, 'warning $1');

/** Location of a 0-based character offset in a text, with its line for the caret. */
export function locate(text: string, offset: number, file?: string, length?: number): SourceLoc {
  let line = 1, lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  return { file, line, column: offset - lineStart + 1, length, sourceLine: text.slice(lineStart, lineEnd).replace(/\r$/, '') };
}

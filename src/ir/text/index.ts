// The .qir text format: printGraph/parseGraph and the file helpers. See printer.ts for the
// output, parser.ts for the grammar, lower.ts for CST -> Graph.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IToken } from 'chevrotain';
import { diag, fail, locate, QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import type { Graph } from '../graph.js';
import { verifyIssues, type VerifyIssue } from '../verify.js';
import { qirLexer } from './lexer.js';
import { lower, type Lowered } from './lower.js';
import { qirParser } from './parser.js';
import { printGraphSidecar, type PrintOptions } from './printer.js';

export { printGraph, printGraphSidecar, formatTensorType, formatAttrValue, formatName, type PrintOptions, type PrintedGraph } from './printer.js';

export interface ParseOptions {
  /** File name for diagnostics. */
  file?: string;
  /** Bytes of the sidecar file, for constants written as `sidecar[offset, length]`. */
  sidecar?: Uint8Array;
  /** Run the verifier and report its findings at their source positions (default true). */
  verify?: boolean;
}

/** Parses .qir text; throws one QforgeError listing every syntax, semantic and (by default) verifier error. */
export function parseGraph(text: string, opts: ParseOptions = {}): Graph {
  const { file } = opts;
  const at = (offset: number, length: number) => locate(text, Number.isFinite(offset) ? offset : text.length, file, length);
  const lexed = qirLexer.tokenize(text);
  const errors: Diagnostic[] = lexed.errors.map((e) => diag('IR_PARSE', e.message, { loc: at(e.offset, e.length) }));
  qirParser.input = lexed.tokens;
  const cst = qirParser.graph();
  const seen = new Set<number>();
  for (const e of qirParser.errors) {
    const offset = Number.isFinite(e.token.startOffset) ? e.token.startOffset : text.length;
    if (seen.has(offset)) continue; // recovery can report one spot twice
    seen.add(offset);
    errors.push(diag('IR_PARSE', e.message, { loc: at(offset, e.token.image.length || 1) }));
  }
  if (errors.length) throw new QforgeError(sortByPosition(errors));

  const low = lower(cst, text, file, opts.sidecar);
  const found = [...low.errors];
  if (opts.verify !== false || low.untyped.size) found.push(...verifierFindings(low, text, file));
  if (found.length) throw new QforgeError(sortByPosition(found));
  return low.graph;
}

/** Verifier issues placed at the token they concern; unknown ops become source errors. */
function verifierFindings(low: Lowered, text: string, file: string | undefined): Diagnostic[] {
  const { graph: g, map } = low;
  const out: Diagnostic[] = [];
  const explained = new Set<number>();
  const place = (tok: IToken | undefined) => (tok ? { loc: locate(text, tok.startOffset, file, tok.image.length) } : {});
  for (const issue of verifyIssues(g)) {
    if (skip(issue, low)) continue;
    const { diag: d } = issue;
    if (issue.nodeIndex !== undefined) {
      explained.add(issue.nodeIndex);
      const src = map.nodes[issue.nodeIndex]!;
      const tok = issue.operand !== undefined ? src.operands[issue.operand] : issue.result !== undefined ? src.results[issue.result] : src.op;
      out.push(d.key === 'VERIFY_UNKNOWN_OP' ? { ...d, key: 'IR_UNKNOWN_OP', ...place(src.op) } : { ...d, ...place(tok) });
    } else if (issue.output !== undefined) out.push({ ...d, ...place(map.outputs[issue.output]) });
    else if (issue.input !== undefined) out.push({ ...d, ...place(map.inputs[issue.input]) });
    else out.push({ ...d, ...place(issue.value === undefined ? undefined : map.values.get(issue.value)) });
  }
  // A left-out result type that inference could not supply, with no other finding on its node
  // and no untyped operand (whose own node explains it).
  g.nodes.forEach((n, i) => {
    const k = n.outputs.findIndex((o) => low.untyped.has(o));
    if (k >= 0 && !explained.has(i) && !n.inputs.some((v) => low.untyped.has(v))) {
      out.push({ ...diag('IR_PARSE', `cannot infer the type of '${n.outputs[k]}'; write it out`), ...place(map.nodes[i]!.results[k]) });
    }
  });
  return out;
}

/** Findings that only echo a problem already reported (a type the text left out or got wrong). */
function skip(issue: VerifyIssue, low: Lowered): boolean {
  if (issue.value !== undefined && low.suppressed.has(issue.value)) return true;
  if (issue.nodeIndex === undefined || issue.result === undefined) return false;
  const o = low.graph.nodes[issue.nodeIndex]!.outputs[issue.result]!;
  return issue.diag.key === 'VERIFY_BAD_TYPE' && (low.untyped.has(o) || low.suppressed.has(o));
}

function sortByPosition(ds: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => (d.loc ? d.loc.line * 1e6 + d.loc.column : Infinity);
  return ds.map((d, i) => [d, i] as const).sort((a, b) => key(a[0]) - key(b[0]) || a[1] - b[1]).map(([d]) => d);
}

/** The sidecar file that goes with a .qir file. */
export const sidecarPath = (path: string): string => `${path}.bin`;

/** Writes `path` and, when some constant is large, `path.bin`; a stale `path.bin` is removed. */
export function writeQir(path: string, g: Graph, opts: PrintOptions = {}): void {
  const { text, sidecar } = printGraphSidecar(g, opts);
  try {
    writeFileSync(path, text);
    if (sidecar) writeFileSync(sidecarPath(path), sidecar);
    else rmSync(sidecarPath(path), { force: true });
  } catch (e) {
    fail('IO', `cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Reads a .qir file and its sidecar (if there is one), then parses and verifies it. */
export function readQir(path: string, opts: Omit<ParseOptions, 'file' | 'sidecar'> = {}): Graph {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    fail('IO', `cannot read ${path}: ${(e as Error).message}`);
  }
  const side = sidecarPath(path);
  const sidecar = existsSync(side) ? new Uint8Array(readFileSync(side)) : undefined;
  return parseGraph(text, { ...opts, file: path, ...(sidecar ? { sidecar } : {}) });
}

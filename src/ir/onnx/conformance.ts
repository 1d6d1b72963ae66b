// ONNX backend-test conformance: runs the suite's test folders (model.onnx + test_data_set_*/
// input_k.pb, output_k.pb) through import and the reference interpreter and compares with the
// expected outputs. Tolerances follow onnx's backend test runner: floats |ours - ref| <= atol +
// rtol·|ref| (rtol 1e-3, atol 1e-7, NaN equals NaN); integers and bools exactly.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import { isFloatDType } from '../dtype.js';
import type { Graph } from '../graph.js';
import { run } from '../interpreter.js';
import type { Tensor } from '../tensor.js';
import { converters } from './converters.js';
import { decodeModel, importOnnx } from './import.js';
import { TensorProtoType, type OnnxModel, type OnnxTensor } from './schema.js';
import { tensorFromProto } from './tensors.js';

export const TOLERANCE = { rtol: 1e-3, atol: 1e-7 } as const;

export type Status = 'pass' | 'fail' | 'unsupported';

export interface CaseResult {
  /** The test folder's name, e.g. test_conv_with_padding. */
  name: string;
  dir: string;
  status: Status;
  /** fail: the largest |ours - ref| over the compared elements (Infinity for a dtype/shape mismatch). */
  maxError?: number;
  /** unsupported: the ONNX op types (or features) that stopped it. */
  ops?: string[];
  /** fail/unsupported: why, in one line. */
  message?: string;
  /** Graph inputs frozen as constants (shape operands that qforge needs at import). */
  frozen?: string[];
}

/** Test folders under the given paths: a folder with model.onnx is a test, any other is searched. */
export function findTests(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, 'model.onnx'))) return void out.push(dir);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) if (statSync(join(dir, n)).isDirectory()) walk(join(dir, n));
  };
  paths.forEach(walk);
  return out;
}

interface DataSet {
  inputs: Map<string, Tensor>;
  outputs: Tensor[];
}

/** Decodes a .pb tensor keeping its name (the suite names inputs after the graph's). */
function readPb(path: string): { name: string; t: Tensor } {
  const p = TensorProtoType.decode(readFileSync(path)) as unknown as OnnxTensor;
  return { name: p.name, t: tensorFromProto(p, { what: path }) };
}

function dataSets(dir: string, model: OnnxModel): DataSet[] {
  const g = model.graph!;
  const inits = new Set(g.initializer.map((t) => t.name));
  const graphInputs = g.input.map((v) => v.name).filter((n) => !inits.has(n));
  const files = (d: string, prefix: string) =>
    readdirSync(d).filter((f) => f.startsWith(prefix) && f.endsWith('.pb')).sort((a, b) => parseInt(a.slice(prefix.length), 10) - parseInt(b.slice(prefix.length), 10));
  return readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort().map((d) => {
    const ds = join(dir, d);
    const inputs = new Map<string, Tensor>();
    files(ds, 'input_').forEach((f, k) => {
      const { name, t } = readPb(join(ds, f));
      // Named after a graph input when the file says so, else by position.
      inputs.set(name && graphInputs.includes(name) ? name : graphInputs[k] ?? name, t);
    });
    return { inputs, outputs: files(ds, 'output_').map((f) => readPb(join(ds, f)).t) };
  });
}

/** Max |a - b| of two tensors, or a reason they cannot match; undefined when they agree. */
export function compare(ours: Tensor, ref: Tensor): { maxError: number; detail: string } | undefined {
  if (ours.dtype !== ref.dtype || ours.shape.join() !== ref.shape.join())
    return { maxError: Infinity, detail: `got ${ours.dtype}[${ours.shape}], expected ${ref.dtype}[${ref.shape}]` };
  const float = isFloatDType(ref.dtype);
  let maxError = 0, bad = -1;
  for (let i = 0; i < ref.data.length; i++) {
    const a = Number(ours.data[i]), b = Number(ref.data[i]);
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    const err = Math.abs(a - b);
    if (!(err <= maxError)) maxError = err;
    const ok = float && err <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(b);
    if (!ok && bad < 0) bad = i;
  }
  if (bad < 0) return undefined;
  return { maxError, detail: `element ${bad}: ${Number(ours.data[bad])} vs ${Number(ref.data[bad])}` };
}

/** ONNX op types of the model that have no converter (other domains included). */
export function missingOps(model: OnnxModel): string[] {
  const out = new Set<string>();
  for (const n of model.graph!.node) {
    const std = n.domain === '' || n.domain === 'ai.onnx';
    if (!std || !Object.hasOwn(converters(), n.opType)) out.add(std ? n.opType : `${n.domain}.${n.opType}`);
  }
  return [...out].sort();
}

/** Non-tensor graph inputs and outputs (sequences, maps, optionals), which qforge does not hold. */
function nonTensorIo(model: OnnxModel): string[] {
  const kinds = new Set<string>();
  for (const vi of [...model.graph!.input, ...model.graph!.output]) {
    const t = vi.type;
    if (!t || t.tensorType) continue;
    // Decoded messages inherit empty defaults: only own fields were in the file.
    const kind = (['sequenceType', 'mapType', 'optionalType', 'sparseTensorType'] as const).find((k) => Object.hasOwn(t, k)) ?? 'unknownType';
    kinds.add(`type ${kind.replace('Type', '').replace('sparseTensor', 'sparse tensor')}`);
  }
  return [...kinds];
}

const CONSTANT_NEEDED = /input '([^']+)' \([^)]*\) must be a constant/;

/**
 * Imports with the data set's input shapes. Inputs the importer needs as constants are frozen one
 * by one, as the error names them; a computed operand freezes every integer input at once.
 */
function importCase(bytes: Uint8Array, dir: string, feeds: Map<string, Tensor>) {
  const frozen = new Map<string, Tensor>();
  for (;;) {
    const inputShapes = Object.fromEntries([...feeds].filter(([n]) => !frozen.has(n)).map(([n, t]) => [n, t.shape]));
    try {
      return { g: importOnnx(bytes, { name: basename(dir), baseDir: dir, inputShapes, constantInputs: Object.fromEntries(frozen) }), frozen };
    } catch (e) {
      const d = e instanceof QforgeError ? e.diagnostics[0] : undefined;
      const m = d?.key === 'ONNX_UNSUPPORTED' ? CONSTANT_NEEDED.exec(d.message) : null;
      if (!m) throw e;
      const before = frozen.size;
      if (feeds.has(m[1]!)) frozen.set(m[1]!, feeds.get(m[1]!)!);
      else for (const [n, t] of feeds) if (!isFloatDType(t.dtype)) frozen.set(n, t);
      if (frozen.size === before) throw e;
    }
  }
}

/** A test's model imported with its first data set's input shapes (and constants where needed). */
export function importTest(dir: string): Graph {
  const bytes = readFileSync(join(dir, 'model.onnx'));
  const first = dataSets(dir, decodeModel(bytes, join(dir, 'model.onnx')))[0];
  return importCase(bytes, dir, first?.inputs ?? new Map()).g;
}

/** What stopped an unsupported test: `type T` for an element type, `Op: limit` for a limit of a supported op. */
function unsupportedFrom(d: Diagnostic | undefined): string[] | undefined {
  if (d?.key !== 'ONNX_UNSUPPORTED' && !(d?.key === 'ONNX_INVALID' && /element type/.test(d.message))) return undefined;
  const type = /element type (\w+)/.exec(d.message);
  if (type) return [`type ${type[1]}`];
  if (!d.node) return ['model'];
  const limit = d.message
    .replace(/input '[^']*' \(([\w ]+)\) must be a constant.*/, '$1 computed at run time')
    .replace(/ \(.*$/, '')
    .replace(/ is not supported$/, '');
  return [`${d.node.op}: ${limit}`];
}

/** Runs one test folder (every data set). */
export function runCase(dir: string): CaseResult {
  const name = basename(dir);
  let model: OnnxModel, bytes: Uint8Array;
  try {
    bytes = readFileSync(join(dir, 'model.onnx'));
    model = decodeModel(bytes, join(dir, 'model.onnx'));
  } catch (e) {
    return { name, dir, status: 'fail', message: oneLine(e) };
  }
  const missing = missingOps(model);
  if (missing.length) return { name, dir, status: 'unsupported', ops: missing };
  const io = nonTensorIo(model);
  if (io.length) return { name, dir, status: 'unsupported', ops: io, message: 'graph inputs or outputs that are not tensors' };
  let frozenNames: string[] = [];
  try {
    for (const [k, ds] of dataSets(dir, model).entries()) {
      const { g, frozen } = importCase(bytes, dir, ds.inputs);
      frozenNames = [...frozen.keys()];
      const feed = Object.fromEntries([...ds.inputs].filter(([n]) => g.inputs.includes(n)));
      const got = run(g, feed).outputs;
      if (got.length !== ds.outputs.length) return { name, dir, status: 'fail', maxError: Infinity, message: `${got.length} outputs, expected ${ds.outputs.length}` };
      for (let i = 0; i < got.length; i++) {
        const bad = compare(got[i]!, ds.outputs[i]!);
        if (bad) return { name, dir, status: 'fail', maxError: bad.maxError, message: `data set ${k}, output ${i} '${g.outputs[i]}': ${bad.detail}`, frozen: frozenNames };
      }
    }
  } catch (e) {
    const ops = unsupportedFrom(e instanceof QforgeError ? e.diagnostics[0] : undefined);
    if (ops) return { name, dir, status: 'unsupported', ops, message: oneLine(e) };
    return { name, dir, status: 'fail', message: oneLine(e) };
  }
  return { name, dir, status: 'pass', ...(frozenNames.length ? { frozen: frozenNames } : {}) };
}

const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

export interface Summary {
  passed: number;
  failed: number;
  unsupported: number;
  /** Unsupported op (or feature) -> the tests it stopped. */
  byOp: Map<string, string[]>;
}

export function summarize(results: readonly CaseResult[]): Summary {
  const byOp = new Map<string, string[]>();
  for (const r of results) for (const op of r.ops ?? []) byOp.set(op, [...(byOp.get(op) ?? []), r.name]);
  const count = (s: Status) => results.filter((r) => r.status === s).length;
  return { passed: count('pass'), failed: count('fail'), unsupported: count('unsupported'), byOp };
}

/** One line per result, as `qforge onnx-test` prints it. */
export function formatResult(r: CaseResult, label = r.name): string {
  if (r.status === 'pass') return `pass         ${label}`;
  if (r.status === 'unsupported') return `unsupported  ${label}  (${r.ops!.join(', ')})${r.message ? `: ${r.message}` : ''}`;
  const err = r.maxError === undefined ? '' : `max error ${r.maxError === Infinity ? 'inf' : r.maxError.toPrecision(3)}: `;
  return `FAIL         ${label}  ${err}${r.message ?? ''}`;
}

export const formatSummary = (s: Summary): string => `${s.passed} passed, ${s.failed} failed, ${s.unsupported} unsupported`;

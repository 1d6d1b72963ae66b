// ONNX model -> qforge graph. Decodes the protobuf, binds static input shapes, converts each node
// with the converter table (folding everything computable at import), then drops dead values.
import { readFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { diag, fail, QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import { verify } from '../verify.js';
import type { Graph, Node } from '../graph.js';
import { freshName, store } from '../graph.js';
import type { Tensor } from '../tensor.js';
import { formatType, type TensorType } from '../types.js';
import { ImportState, NodeContext } from './context.js';
import { converters } from './converters.js';
import { onnxDebugHandles } from './handle-metadata.js';
import { int64ToNumber, ModelProto, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './schema.js';
import { dtypeFromOnnx, onnxTypeName, tensorFromProto } from './tensors.js';
import { describeIoError } from '../../util/fs-error.js';

// Older opsets differ in ways the converters handle: attributes that later became inputs, and
// before opset 7 the `broadcast`/`axis` attributes of elementwise ops.
export const MIN_OPSET = 1;
export const MAX_OPSET = 21;

export interface ImportOptions {
  /** Graph name (default: the file name without extension, else the ONNX graph name). */
  name?: string;
  /** Values of symbolic dimensions, e.g. `{ batch_size: 1 }`. */
  dims?: Record<string, number>;
  /** Static shapes for graph inputs, replacing the model's. */
  inputShapes?: Record<string, number[]>;
  /** Graph inputs to freeze as constants (e.g. shape operands that ONNX passes as inputs). */
  constantInputs?: Record<string, Tensor>;
  /** Folder for external tensor data when importing from bytes. */
  baseDir?: string;
}

/** Imports an ONNX model from a file path or its bytes. */
export function importOnnx(src: string | Uint8Array, opts: ImportOptions = {}): Graph {
  const file = typeof src === 'string' ? src : '<bytes>';
  let bytes: Uint8Array;
  if (typeof src === 'string') {
    try {
      bytes = readFileSync(src);
    } catch (e) {
      fail('IO', `cannot read ${src}: ${describeIoError(e)}`);
    }
  } else bytes = src;
  const model = decodeModel(bytes, file);
  const baseDir = opts.baseDir ?? (typeof src === 'string' ? dirname(src) : undefined);
  const name = opts.name ?? graphName(typeof src === 'string' ? src : undefined, model.graph!.name);
  return convertModel(model, { ...opts, baseDir, name }, file);
}

/** The file name without extension ("model.onnx" says little: then its folder), as an identifier. */
function graphName(path: string | undefined, onnxName: string): string {
  let base = onnxName || 'main';
  if (path) {
    base = basename(path, extname(path));
    if (base === 'model' && basename(dirname(path))) base = basename(dirname(path));
  }
  const id = base.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

export function decodeModel(bytes: Uint8Array, file: string): OnnxModel {
  let model: OnnxModel;
  try {
    model = ModelProto.decode(bytes) as unknown as OnnxModel;
  } catch (e) {
    const why = (e as Error).message.replace(/^index out of range.*/, 'the file ends in the middle of a message (truncated?)');
    fail('ONNX_PARSE', `${file}: not a valid ONNX model: ${why}`);
  }
  if (!model.graph) fail('ONNX_PARSE', `${file}: not a valid ONNX model: it has no graph`);
  return model;
}

function opsetOf(model: OnnxModel, file: string): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  // IR version 2 models had no opset_import and meant opset 1.
  const opset = entry ? int64ToNumber(entry.version) : 1;
  if (opset < MIN_OPSET || opset > MAX_OPSET)
    fail('ONNX_UNSUPPORTED', `${file}: opset ${opset} is not supported (qforge imports opsets ${MIN_OPSET} to ${MAX_OPSET})`, {
      hint: 'convert the model with onnx.version_converter.convert_version(model, 13)',
    });
  return opset;
}

/** One error naming every unsupported op type, with counts and node names. */
function checkSupported(nodes: OnnxNode[], names: string[], file: string): void {
  const missing = new Map<string, string[]>();
  nodes.forEach((n, i) => {
    const known = (n.domain === '' || n.domain === 'ai.onnx') && Object.hasOwn(converters(), n.opType);
    if (known) return;
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    missing.set(key, [...(missing.get(key) ?? []), names[i]!]);
  });
  if (!missing.size) return;
  const list = [...missing.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([op, ns]) => `${op} ×${ns.length} (${ns.slice(0, 3).join(', ')}${ns.length > 3 ? `, +${ns.length - 3} more` : ''})`);
  fail('ONNX_UNSUPPORTED', `${file}: ${missing.size} unsupported ONNX op type${missing.size > 1 ? 's' : ''}: ${list.join('; ')}`, {
    hint: 'docs/onnx.md lists the ONNX ops qforge imports',
  });
}

/** ONNX requires topological order, but some exporters do not keep it: sort stably. */
function topoSort(nodes: OnnxNode[], defined: Set<string>): number[] {
  const order: number[] = [];
  const done = new Array<boolean>(nodes.length).fill(false);
  const ready = (n: OnnxNode) => n.input.every((v) => !v || defined.has(v));
  for (let progress = true; progress && order.length < nodes.length; ) {
    progress = false;
    nodes.forEach((n, i) => {
      if (done[i] || !ready(n)) return;
      done[i] = true;
      order.push(i);
      n.output.forEach((o) => o && defined.add(o));
      progress = true;
    });
  }
  // Nodes left over use undefined values; converting them reports which.
  nodes.forEach((_, i) => !done[i] && order.push(i));
  return order;
}

function convertModel(model: OnnxModel, opts: ImportOptions & { name: string }, file: string): Graph {
  const g: OnnxGraph = model.graph!;
  const opset = opsetOf(model, file);
  // ONNX names first (a repeated one gets a suffix), then `<OpType>_<i>` for unnamed nodes.
  const nodeNames: string[] = [];
  const taken = new Set<string>();
  const name = (i: number, base: string) => {
    nodeNames[i] = freshName(taken, base);
    taken.add(nodeNames[i]);
  };
  g.node.forEach((n, i) => n.name && name(i, n.name));
  g.node.forEach((n, i) => !n.name && name(i, `${n.opType}_${i}`));
  checkSupported(g.node, nodeNames, file);
  if (g.sparseInitializer.length) fail('ONNX_UNSUPPORTED', `${file}: sparse initializers are not supported`);

  const st = new ImportState(opset, opts.baseDir);
  for (const init of g.initializer) st.defineConstant(init.name, tensorFromProto(init, { what: `initializer '${init.name}'`, baseDir: opts.baseDir }));
  for (const [n, t] of Object.entries(opts.constantInputs ?? {})) st.defineConstant(n, t);
  const inputs: string[] = [];
  const problems: Diagnostic[] = [];
  for (const vi of g.input) {
    if (st.constants.has(vi.name)) continue; // an initializer listed as input (IR < 4) is a constant
    const t = inputType(vi, opts, file);
    if (inputs.includes(vi.name)) problems.push(diag('ONNX_INVALID', `${file}: graph input '${vi.name}' is listed twice`));
    else if (t.shape.some((d) => d < 0)) problems.push(diag('ONNX_INVALID', `${file}: graph input '${vi.name}' has a negative dimension [${t.shape.join(',')}]`));
    st.values[vi.name] = t;
    inputs.push(vi.name);
  }
  if (problems.length) throw new QforgeError(problems);

  // Names the importer invents for intermediate values must not take a name the model uses later.
  for (const n of g.node) for (const o of n.output) if (o) st.tempNames.add(o);
  const defined = new Set([...Object.keys(st.values)]);
  const handles = onnxDebugHandles(g.node);
  let nextHandle = Math.max(0, ...handles);
  for (const i of topoSort(g.node, defined)) {
    const n = g.node[i]!;
    const ctx = new NodeContext(st, n, nodeNames[i]!);
    for (const v of n.input) if (v && !Object.hasOwn(st.values, st.resolve(v))) ctx.invalid(`input '${v}' is not defined by a graph input, initializer or node`);
    for (const o of n.output) if (o && (Object.hasOwn(st.values, o) || st.aliases.has(o))) ctx.invalid(`output '${o}' is defined more than once`);
    const first = st.nodes.length;
    converters()[n.opType]!(ctx);
    for (let k = first; k < st.nodes.length; k++) st.nodes[k]!.debugHandle = handles[i];
    n.output.forEach((o) => {
      if (o && !Object.hasOwn(st.values, o) && !st.aliases.has(o)) ctx.unsupported(`output '${o}' is not produced (this optional output is not supported)`);
    });
  }

  const outputs = g.output.map((vi) => {
    const r = st.resolve(vi.name);
    if (!Object.hasOwn(st.values, r)) fail('ONNX_INVALID', `${file}: graph output '${vi.name}' is not computed by any node`);
    if (r !== vi.name) {
      // A graph output that is a folded Identity keeps its name through an explicit identity.
      const nm = freshName(st.nodeNames, `${vi.name}/identity`);
      st.nodeNames.add(nm);
      st.nodes.push({ name: nm, op: 'identity', inputs: [r], outputs: [vi.name], attrs: {}, debugHandle: ++nextHandle });
    }
    return vi.name;
  });
  checkDeclaredTypes([...g.valueInfo, ...g.output], st, file);
  const graph = assemble(st, opts.name, inputs, outputs);
  // What the importer returns must read back: anything the checks above missed is reported here,
  // all at once, rather than in a .qir that fails to load later.
  const invalid = verify(graph);
  if (invalid.length) throw new QforgeError(invalid.map((d) => ({ ...d, message: `${file}: ${d.message}`, hint: d.hint ?? 'the ONNX model is malformed here; qforge cannot represent it' })));
  return graph;
}

function inputType(vi: OnnxValueInfo, opts: ImportOptions, file: string): TensorType {
  const tt = vi.type?.tensorType;
  if (!tt) fail('ONNX_UNSUPPORTED', `${file}: graph input '${vi.name}' is not a tensor (sequences, maps and optionals are not supported)`);
  const dtype = dtypeFromOnnx(tt.elemType);
  if (!dtype) fail('ONNX_UNSUPPORTED', `${file}: graph input '${vi.name}' has element type ${onnxTypeName(tt.elemType)}, which qforge does not support`);
  const given = opts.inputShapes?.[vi.name];
  if (given) return { dtype, shape: [...given] };
  if (!tt.shape) fail('ONNX_INVALID', `${file}: graph input '${vi.name}' has no shape`, { hint: `give one with --shape ${vi.name}=1,3,224,224` });
  const symbolic: string[] = [];
  const shape = tt.shape.dim.map((d) => {
    if (Object.hasOwn(d, 'dimValue')) return int64ToNumber(d.dimValue!);
    const v = d.dimParam ? opts.dims?.[d.dimParam] : undefined;
    if (v === undefined) symbolic.push(d.dimParam || '?');
    return v ?? -1;
  });
  if (symbolic.length)
    fail('ONNX_UNSUPPORTED', `${file}: graph input '${vi.name}' has dynamic dimensions (${symbolic.join(', ')}); qforge needs static shapes`, {
      hint: symbolic[0] !== '?' ? `fix them, e.g. --dim ${symbolic[0]}=1` : `give the shape, e.g. --shape ${vi.name}=1,3,224,224`,
    });
  return { dtype, shape };
}

/** The model's own type annotations must agree with what we inferred (where they are static). */
function checkDeclaredTypes(infos: OnnxValueInfo[], st: ImportState, file: string): void {
  for (const vi of infos) {
    const ours = st.values[st.resolve(vi.name)];
    const tt = vi.type?.tensorType;
    if (!ours || !tt) continue;
    const dtype = dtypeFromOnnx(tt.elemType);
    const dims = tt.shape?.dim.map((d) => (Object.hasOwn(d, 'dimValue') ? int64ToNumber(d.dimValue!) : undefined));
    const dtypeBad = tt.elemType !== 0 && dtype !== ours.dtype;
    const shapeBad = dims && (dims.length !== ours.shape.length || dims.some((d, i) => d !== undefined && d !== ours.shape[i]));
    if (dtypeBad || shapeBad) {
      const theirs = `${dtype ?? onnxTypeName(tt.elemType)}[${(dims ?? []).map((d) => d ?? '?').join(',')}]`;
      fail('ONNX_INVALID', `${file}: value '${vi.name}' is declared ${theirs} but computes to ${formatType(ours)}`);
    }
  }
}

/** Keeps the nodes and constants that outputs depend on. */
function assemble(st: ImportState, name: string, inputs: string[], outputs: string[]): Graph {
  const live = new Set(outputs);
  const kept: Node[] = [];
  for (let i = st.nodes.length - 1; i >= 0; i--) {
    const n = st.nodes[i]!;
    if (!n.outputs.some((o) => live.has(o))) continue;
    kept.push(n);
    n.inputs.forEach((v) => v && live.add(v));
  }
  kept.reverse();
  const values: Record<string, TensorType> = {};
  const constants: Record<string, Tensor> = {};
  for (const v of inputs) store(values, v, st.values[v]!);
  for (const n of kept) for (const v of [...n.inputs, ...n.outputs]) if (v) store(values, v, st.values[v]!);
  for (const v of outputs) store(values, v, st.values[v]!);
  for (const v of Object.keys(values)) {
    const t = st.constants.get(v);
    if (t) store(constants, v, t);
  }
  return { name, inputs, outputs, values, constants, nodes: kept };
}

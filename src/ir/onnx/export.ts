// qforge graph -> ONNX model (QDQ format for quantized graphs). Each node becomes one or a few
// ONNX nodes (export-ops.ts for float ops, export-quant.ts for quantize/dequantize and the
// integer ops); constants become initializers with raw_data. The opset is the lowest one from 13
// up that has every op used (each op's OnnxFacts.since: HardSwish 14, LayerNormalization 17 (also
// qlayernorm's composite), Gelu 20; 16- and 4-bit QuantizeLinear 21). Each ONNX node keeps its source node's debug handle in metadata_props
// (IR version 10), so a re-imported file can still be compared with its float model.
import { fail } from '../../diagnostics/index.js';
import type { DType } from '../dtype.js';
import { inheritQdqHandles } from '../debug-handles.js';
import { lookup, type Graph } from '../graph.js';
import { getOp, resolveAttrs, type OpDef } from '../ops/index.js';
import type { TensorType } from '../types.js';
import { writeFileOrFail } from '../../util/fs-error.js';
import { ExportContext, type Exporter } from './export-context.js';
import { FLOAT_EXPORTERS, same } from './export-ops.js';
import { QUANT_EXPORTERS } from './export-quant.js';
import { ModelProto } from './schema.js';
import { tensorToProto, TO_ONNX } from './tensors.js';

export { ExportContext, float, floats, type AttrIn, type Exporter } from './export-context.js';

export const EXPORT_MIN_OPSET = 13;
const IR_VERSION = 10;

export interface ExportOptions {
  /** ONNX opset (default: the lowest from 13 that has every op used). */
  opset?: number;
  /** Write value_info for intermediate values (default true). */
  valueInfo?: boolean;
}

const EXPORTERS: Record<string, Exporter> = { ...FLOAT_EXPORTERS, ...QUANT_EXPORTERS };

/** An op's exporter: its own, or for an op that is one ONNX node with no attributes, its OnnxFacts alone. */
export function exporterFor(def: OpDef): Exporter | undefined {
  if (Object.hasOwn(EXPORTERS, def.name)) return EXPORTERS[def.name];
  return def.onnx?.opType && Object.keys(def.attrs).length === 0 ? same : undefined;
}

/** The lowest opset (from 13) that has what a node needs. */
function opsetFor(g: Graph): number {
  let v = EXPORT_MIN_OPSET;
  const needs = (o: number) => void (v = Math.max(v, o));
  const wide: DType[] = ['i16', 'u16', 'i4', 'u4'];
  for (const n of g.nodes) {
    needs(getOp(n.op)?.onnx?.since ?? v);
    for (const v of [...n.inputs, ...n.outputs]) if (v && wide.includes(lookup(g.values, v)!.dtype)) needs(21);
  }
  return v;
}

const valueInfo = (name: string, t: TensorType) => ({
  name,
  type: { tensorType: { elemType: TO_ONNX[t.dtype], shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } },
});

/** The ONNX ModelProto (as protobufjs encodes it) for a graph. */
export function toOnnxModel(graph: Graph, opts: ExportOptions = {}): Uint8Array {
  // q/dq nodes a pass left without a handle carry the one of the node they serve.
  const g = inheritQdqHandles(graph);
  const opset = opts.opset ?? opsetFor(g);
  if (opset < EXPORT_MIN_OPSET) fail('EXPORT_UNSUPPORTED', `opset ${opset} is too old: QDQ export needs opset ${EXPORT_MIN_OPSET} or later`);
  const c = new ExportContext(g, opset);
  for (const n of g.nodes) {
    c.begin(n);
    const def = getOp(n.op);
    const ex = def && exporterFor(def);
    if (!ex) return c.unsupported(`op '${n.op}' has no ONNX export${n.op === 'observe' ? ' (observe nodes are calibration markers: export the converted graph)' : ''}`);
    ex(c, n, resolveAttrs(def, n.attrs), def.onnx?.opType ?? '');
  }
  const io = new Set([...g.inputs, ...g.outputs]);
  const used = new Set(g.nodes.flatMap((n) => n.inputs).concat(g.outputs));
  const initializers = [
    ...Object.entries(g.constants).filter(([name]) => used.has(name)).map(([name, t]) => tensorToProto(t, name)),
    ...c.initializers,
  ];
  const inner = opts.valueInfo === false ? [] : Object.entries(g.values).filter(([v]) => !io.has(v) && !Object.hasOwn(g.constants, v) && used.has(v));
  const msg = ModelProto.fromObject({
    irVersion: IR_VERSION,
    producerName: 'qforge',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: g.name,
      node: c.nodes,
      initializer: initializers,
      input: g.inputs.map((v) => valueInfo(v, lookup(g.values, v)!)),
      output: g.outputs.map((v) => valueInfo(v, lookup(g.values, v)!)),
      valueInfo: inner.map(([v, t]) => valueInfo(v, t)),
    },
  });
  return ModelProto.encode(msg).finish();
}

/** Writes a graph as an ONNX file (QDQ format when it holds quantize/dequantize or integer ops). */
export function exportOnnx(g: Graph, path: string, opts: ExportOptions = {}): void {
  const bytes = toOnnxModel(g, opts);
  writeFileOrFail(path, bytes);
}

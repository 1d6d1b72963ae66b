// The whole quantization flow as one call — what `qforge quantize` runs — for API users:
// static (prepare → calibrate → convert → fold-qdq → lower-quantized), dynamic or weight-only.
import { fail, type Diagnostic } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { flattenRecords, runPipeline, type PassRecord, type PipelineItem } from '../manager/index.js';
import { calibrate } from './calibrate.js';
import { loadDataset, type Dataset } from './dataset.js';
import { preparePassFor } from './prepare.js';
import type { Quantizer } from './quantizer.js';

export const QUANT_MODES = ['static', 'dynamic', 'weight-only'] as const;
export type QuantMode = (typeof QUANT_MODES)[number];

export interface QuantizeOptions {
  mode?: QuantMode;
  /** Built-in quantizer name (xnnpack, x86, x86-dynamic, pytorch-fx, pytorch-fx-histogram), a JSON config path, or a Quantizer object (no registration needed). */
  quantizer?: string | Quantizer;
  /** Calibration data (static: required): a Dataset, or a .npy file / folder path. */
  calib?: Dataset | string;
  /** Activation observer overriding the quantizer's (minmax, histogram, percentile, moving-average). */
  observer?: string;
  /** 'int8' lowers to integer ops (what codegen compiles); 'qdq' keeps the convert output (static) or the dequantize → gemm/matmul form (weight-only). */
  emit?: 'int8' | 'qdq';
  /** weight-only: 8 (int8 per output channel) or 4 (int4 per group of `groupSize` inputs). */
  bits?: 8 | 4;
  groupSize?: number;
  /** static: calibration forward passes at once (see CalibrateOptions.jobs; default: the idle cores). */
  jobs?: number;
}

export interface QuantizeResult {
  /** The quantized graph (lowered unless emit = 'qdq'). */
  graph: Graph;
  /** The q/dq form before lowering (static and weight-only modes): what the QDQ ONNX export writes. */
  qdq?: Graph;
  /** The calibrated graph (static mode), whose observe nodes hold every tensor's qparams. */
  calibrated?: Graph;
  data?: Dataset;
  records: PassRecord[];
  warnings: Diagnostic[];
}

const warningsOf = (records: PassRecord[]): Diagnostic[] => flattenRecords(records).flatMap((r) => r.warnings);

const dataset = (calib: Dataset | string, model: Graph): Dataset => (typeof calib === 'string' ? loadDataset(calib, model) : calib);

export function quantizeGraph(model: Graph, opts: QuantizeOptions = {}): QuantizeResult {
  const mode = opts.mode ?? 'static';
  if (!(QUANT_MODES as readonly string[]).includes(mode)) fail('QUANT_CONFIG', `mode '${mode}' is not available (modes: ${QUANT_MODES.join(', ')})`);
  const data = opts.calib === undefined ? undefined : dataset(opts.calib, model);
  if (mode === 'dynamic') {
    const r = runPipeline(model, ['quantize-dynamic']);
    return { graph: r.graph, ...(data ? { data } : {}), records: r.records, warnings: warningsOf(r.records) };
  }
  if (mode === 'weight-only') {
    // The dequantize → gemm/matmul form is the reference (and what the ONNX export writes);
    // lower-weight-only makes the op codegen compiles, with the same results bit for bit.
    const q = runPipeline(model, [{ pass: 'quantize-weight-only', options: { bits: String(opts.bits ?? 8), 'group-size': opts.groupSize ?? 32 } }]);
    const lowered = opts.emit === 'qdq' ? undefined : runPipeline(q.graph, ['lower-weight-only']);
    const records = [...q.records, ...(lowered?.records ?? [])];
    return { graph: (lowered ?? q).graph, qdq: q.graph, ...(data ? { data } : {}), records, warnings: warningsOf(records) };
  }
  if (!data) fail('CLI_USAGE', 'static quantization needs calibration data (--calib file.npy|folder)');
  const q = opts.quantizer ?? 'xnnpack';
  const observer = opts.observer ?? 'default';
  const prepare: PipelineItem = typeof q === 'string' ? { pass: 'prepare', options: { quantizer: q, observer } } : { pass: preparePassFor(q), options: { observer } };
  const prepared = runPipeline(model, [prepare]);
  const cal = calibrate(prepared.graph, data, opts.jobs !== undefined ? { jobs: opts.jobs } : {});
  const converted = runPipeline(cal.graph, ['convert']);
  const lowered = opts.emit === 'qdq' ? undefined : runPipeline(converted.graph, ['fold-qdq', 'lower-quantized']);
  const records = [...prepared.records, ...converted.records, ...(lowered?.records ?? [])];
  return {
    graph: (lowered ?? converted).graph,
    qdq: converted.graph,
    calibrated: cal.graph,
    data,
    records,
    warnings: [...warningsOf(records), ...cal.warnings],
  };
}

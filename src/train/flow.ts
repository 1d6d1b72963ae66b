// The QAT flow as one call — what `qforge qat` runs: prepare-qat with a quantizer, train on labeled
// data, convert (BN folded, fake quants to q/dq, lowered to integer ops), with accuracies on the
// validation set before and after.
import type { Diagnostic } from '../diagnostics/index.js';
import type { Graph } from '../ir/graph.js';
import { convertQat } from '../passes/quantize/convert-qat.js';
import { prepareQat } from '../passes/quantize/prepare-qat.js';
import { accuracy, evaluate, train, type EpochStats, type Labeled, type TrainOptions } from './train.js';

export interface QatOptions extends TrainOptions {
  /** Built-in quantizer name or JSON config path (default xnnpack). */
  quantizer?: string;
}

export interface QatResult {
  /** The trained graph with fake quantizers (before convert). */
  trained: Graph;
  /** The converted model lowered to integer ops. */
  graph: Graph;
  /** The q/dq form (what the QDQ ONNX export writes). */
  qdq: Graph;
  history: EpochStats[];
  fakeQuantizers: number;
  foldedConvBn: number;
  /** With validation data: float model, trained QAT model (fake quant) and converted model accuracy. */
  accuracy?: { fp32: number; qat: number; converted: number };
  warnings: Diagnostic[];
}

export function qatGraph(model: Graph, set: Labeled, opts: QatOptions = {}): QatResult {
  const prepared = prepareQat(model, opts.quantizer ?? 'xnnpack');
  const trained = train(prepared.graph, set, opts);
  const c = convertQat(trained.graph);
  const val = opts.val;
  return {
    trained: trained.graph,
    graph: c.graph,
    qdq: c.qdq,
    history: trained.history,
    fakeQuantizers: prepared.observers,
    foldedConvBn: c.foldedConvBn,
    ...(val ? { accuracy: { fp32: evaluate(model, val).accuracy, qat: evaluate(trained.graph, val).accuracy, converted: accuracy(c.graph, val) } } : {}),
    warnings: c.warnings,
  };
}

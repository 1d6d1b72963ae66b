// qforge qat model.onnx --data x.npy --labels y.npy --quantizer NAME|config.json -o model.q.qir:
// quantization-aware training — prepare-qat, mini-batch training with a line per epoch (loss,
// accuracy), convert and lowering to integer ops — and optionally a JSON report and a QDQ ONNX file.
import { basename, dirname, extname, join } from 'node:path';
import { fail, formatDiagnostic } from '../../diagnostics/index.js';
import { readNpy } from '../../ir/npy.js';
import { exportOnnx } from '../../ir/onnx/index.js';
import { writeQir } from '../../ir/text/index.js';
import { loadDataset } from '../../passes/quantize/dataset.js';
import { qatGraph } from '../../train/flow.js';
import { OPTIMIZERS, type OptimizerName } from '../../train/optim.js';
import { labelsFrom, type Labeled } from '../../train/train.js';
import type { Io, RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';
import type { Graph } from '../../ir/graph.js';
import { writeFileOrFail } from '../../util/fs-error.js';

export interface QatCliOpts extends ShapeOptions {
  data?: string;
  labels?: string;
  valData?: string;
  valLabels?: string;
  quantizer: string;
  epochs: string;
  lr: string;
  batch: string;
  optimizer: string;
  seed: string;
  freezeBnFrom?: string;
  freezeObserversFrom?: string;
  output?: string;
  report?: string;
  exportOnnx?: string;
}

function number(flag: string, s: string, integer: boolean): number {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) fail('CLI_USAGE', `${flag}: '${s}' is not a positive ${integer ? 'integer' : 'number'}`);
  return v;
}

function labeled(model: Graph, data: string, labels: string): Labeled {
  const set = loadDataset(data, model);
  return { data: set, labels: labelsFrom(readNpy(labels), set.size, labels) };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function qatModel(modelPath: string, opts: QatCliOpts, io: Io): void {
  if (!opts.data || !opts.labels) fail('CLI_USAGE', 'qat needs training data and labels: --data train.npy --labels labels.npy');
  if (!!opts.valData !== !!opts.valLabels) fail('CLI_USAGE', '--val-data and --val-labels go together');
  if (!(OPTIMIZERS as readonly string[]).includes(opts.optimizer)) fail('CLI_USAGE', `--optimizer ${opts.optimizer}: expected one of ${OPTIMIZERS.join(', ')}`);
  const epochs = number('--epochs', opts.epochs, true);
  const model = loadModel(modelPath, opts);
  const set = labeled(model, opts.data, opts.labels);
  const val = opts.valData && opts.valLabels ? labeled(model, opts.valData, opts.valLabels) : undefined;
  const tty = !!process.stderr.isTTY;
  const r = qatGraph(model, set, {
    quantizer: opts.quantizer,
    epochs,
    lr: number('--lr', opts.lr, false),
    batch: number('--batch', opts.batch, true),
    optimizer: opts.optimizer as OptimizerName,
    seed: number('--seed', opts.seed, true),
    ...(opts.freezeBnFrom ? { freezeBnFrom: number('--freeze-bn-from', opts.freezeBnFrom, true) } : {}),
    ...(opts.freezeObserversFrom ? { freezeObserversFrom: number('--freeze-observers-from', opts.freezeObserversFrom, true) } : {}),
    ...(val ? { val } : {}),
    onBatch: ({ epoch, batch, batches, loss }) => {
      if (!tty) return;
      const width = 30, filled = Math.round((batch / batches) * width);
      io.err(`\repoch ${epoch}/${epochs} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${batch}/${batches} loss ${loss.toFixed(4)}`);
    },
    onEpoch: (s) => {
      if (tty) io.err('\r\x1b[K');
      io.out(`epoch ${s.epoch}/${epochs}: loss ${s.loss.toFixed(4)}, accuracy ${pct(s.accuracy)}${s.valAccuracy !== undefined ? `, val accuracy ${pct(s.valAccuracy)}` : ''} (${s.seconds.toFixed(1)} s)\n`);
    },
  });
  for (const w of r.warnings) io.err(formatDiagnostic(w).replace(/\berror (QF\d+)/, 'warning $1') + '\n');
  const out = opts.output ?? join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.q.qir`);
  writeQir(out, r.graph);
  if (opts.exportOnnx) exportOnnx(r.qdq, opts.exportOnnx);
  io.out(
    `trained ${model.name} (${opts.quantizer}): ${r.fakeQuantizers} fake quantizers, ${r.foldedConvBn} conv+BN folded\n` +
      (r.accuracy ? `  val accuracy: fp32 ${pct(r.accuracy.fp32)}, QAT ${pct(r.accuracy.qat)}, converted ${pct(r.accuracy.converted)}\n` : '') +
      `  wrote ${out}\n` +
      (opts.exportOnnx ? `  wrote ${opts.exportOnnx} (QDQ ONNX)\n` : ''),
  );
  if (opts.report) {
    const report = { model: modelPath, quantizer: opts.quantizer, samples: set.data.size, options: { epochs, lr: Number(opts.lr), batch: Number(opts.batch), optimizer: opts.optimizer, seed: Number(opts.seed) }, history: r.history, ...(r.accuracy ? { accuracy: r.accuracy } : {}) };
    writeFileOrFail(opts.report, JSON.stringify(report, null, 1) + '\n');
    io.out(`  report ${opts.report}\n`);
  }
}

export const registerQat: RegisterVerb = (program, io) => {
  const cmd = program
    .command('qat')
    .description('quantization-aware training: prepare with fake quantizers, train on labeled data, convert to int8')
    .argument('<model>', 'a .onnx or .qir float model')
    .option('--data <file.npy|dir>', 'training inputs: samples along the leading axis')
    .option('--labels <file.npy>', 'training labels: int64/int32 class indices, one per sample')
    .option('--val-data <file.npy|dir>', 'validation inputs (accuracy per epoch and after convert)')
    .option('--val-labels <file.npy>', 'validation labels')
    .option('--quantizer <name|config.json>', 'xnnpack, x86, pytorch-fx, or a JSON quantizer config', 'xnnpack')
    .option('--epochs <n>', 'training epochs', '3')
    .option('--lr <x>', 'learning rate', '0.005')
    .option('--batch <n>', 'mini-batch size', '32')
    .option('--optimizer <name>', `optimizer (${OPTIMIZERS.join(', ')}; sgd has momentum 0.9)`, 'sgd')
    .option('--seed <n>', 'shuffling seed', '7')
    .option('--freeze-bn-from <epoch>', 'from this epoch on, batch norms use and keep their running statistics')
    .option('--freeze-observers-from <epoch>', 'from this epoch on, fake quantizers keep their qparams')
    .option('-o, --output <file.qir>', 'where to write the quantized graph (default: <model>.q.qir)')
    .option('--report <file.json>', 'write the training history and accuracies as JSON')
    .option('--export-onnx <file.onnx>', 'also write the quantized graph as a QDQ ONNX file');
  withShapeOptions(cmd).action((model: string, opts: QatCliOpts) => qatModel(model, opts, io));
};

// qforge quantize model.(onnx|qir) --calib data --quantizer NAME|config.json -o model.q.qir:
// the PT2E-style flow — prepare (BN folding + observers), calibrate, convert — writing the q/dq
// graph, lowered to integer ops (fold-qdq, lower-quantized) unless --emit qdq, and optionally a
// JSON report (qparams per tensor, output SQNR on the calibration data).
// Modes are a table: `static` is here; `dynamic` and `weight-only` plug in as more entries.
import { basename, extname, join, dirname } from 'node:path';
import { fail, formatDiagnostic } from '../../diagnostics/index.js';
import { writeQir } from '../../ir/text/index.js';
import { exportOnnx } from '../../ir/onnx/index.js';
import { STAT_OBSERVERS } from '../../passes/quantize/index.js';
import { quantizeGraph, QUANT_MODES, type QuantMode } from '../../passes/quantize/flow.js';
import { outputSqnr, tensorReports, type QuantReport } from '../../passes/quantize/report.js';
import type { Io, RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';
import { writeFileOrFail } from '../../util/fs-error.js';

export interface QuantizeOpts extends ShapeOptions {
  calib?: string;
  quantizer: string;
  mode: string;
  observer?: string;
  output?: string;
  report?: string;
  /** Also write the result as a QDQ ONNX file. */
  exportOnnx?: string;
  /** weight-only: 8 (int8 per channel) or 4 (int4 per group). */
  bits?: string;
  groupSize?: string;
  /** static: 'int8' (lowered integer ops, what `compile` wants) or 'qdq' (the convert output). */
  emit?: string;
  /** Calibration forward passes at once. */
  jobs?: string;
  /** Samples of the output SQNR check: a count or 'all' (default 8). */
  sqnrSamples?: string;
}

/** --sqnr-samples: 'all' or a count (validated before quantizing); default 8. */
const SQNR_SAMPLES_DEFAULT = 8;
const requestedSqnrSamples = (v: string | undefined): number => (v === undefined ? SQNR_SAMPLES_DEFAULT : v === 'all' ? Infinity : Number(v));

const MODE_NAMES: readonly string[] = QUANT_MODES;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

const defaultOutput = (model: string) => join(dirname(model), `${basename(model, extname(model))}.q.qir`);

export function quantizeModel(modelPath: string, opts: QuantizeOpts, io: Io): void {
  if (!MODE_NAMES.includes(opts.mode)) fail('CLI_USAGE', `--mode ${opts.mode} is not available (modes: ${QUANT_MODES.join(', ')})`);
  if (opts.observer !== undefined && !(STAT_OBSERVERS as readonly string[]).includes(opts.observer))
    fail('CLI_USAGE', `--observer ${opts.observer}: expected one of ${STAT_OBSERVERS.join(', ')}`);
  if (opts.emit !== undefined && opts.emit !== 'int8' && opts.emit !== 'qdq') fail('CLI_USAGE', `--emit ${opts.emit}: expected int8 or qdq`);
  if (opts.jobs !== undefined && !/^[1-9]\d*$/.test(opts.jobs)) fail('CLI_USAGE', `--jobs ${opts.jobs}: expected a whole number ≥ 1`);
  if (opts.sqnrSamples !== undefined && !/^(\d+|all)$/.test(opts.sqnrSamples)) fail('CLI_USAGE', `--sqnr-samples ${opts.sqnrSamples}: expected a whole number or 'all'`);
  if (opts.mode === 'static' && !opts.calib) fail('CLI_USAGE', 'static quantization needs calibration data: --calib file.npy|folder');
  const model = loadModel(modelPath, opts);
  const r = quantizeGraph(model, {
    mode: opts.mode as QuantMode,
    quantizer: opts.quantizer,
    ...(opts.calib ? { calib: opts.calib } : {}),
    ...(opts.observer ? { observer: opts.observer } : {}),
    emit: opts.emit === 'qdq' ? 'qdq' : 'int8',
    bits: Number(opts.bits ?? 8) as 8 | 4,
    groupSize: Number(opts.groupSize ?? 32),
    ...(opts.jobs ? { jobs: Number(opts.jobs) } : {}),
  });
  const stat = (k: string) => r.records.reduce((n, x) => n + (x.stats[k] ?? 0), 0);
  const runTime = r.graph.nodes.filter((n) => n.op === 'qlinear_dynamic').length;
  const summary =
    opts.mode === 'static'
      ? undefined
      : `${stat('quantized-weights')} weights quantized${stat('skipped-weights') ? `, ${stat('skipped-weights')} left float` : ''}${opts.mode === 'dynamic' ? `; ${plural(runTime, 'linear layer input')} quantized at run time` : ''}`;
  const warnings = r.warnings.map((w) => formatDiagnostic(w).replace(/\berror (QF\d+)/, 'warning $1'));
  for (const w of warnings) io.err(w + '\n');
  const out = opts.output ?? defaultOutput(modelPath);
  writeQir(out, r.graph);
  if (opts.exportOnnx) exportOnnx(r.qdq ?? r.graph, opts.exportOnnx);
  const tensors = r.calibrated ? tensorReports(r.calibrated) : [];
  // The SQNR check runs both models in the interpreter, twice a calibration pass per sample: on a
  // few samples by default, so that it does not dominate quantize's time on large models.
  const sqnrSamples = r.data ? Math.min(r.data.size, requestedSqnrSamples(opts.sqnrSamples)) : 0;
  const outputs = r.data && sqnrSamples > 0 ? outputSqnr(model, r.graph, r.data, sqnrSamples) : [];
  const count = (role: string) => tensors.filter((t) => t.role === role && !t.dynamic).length;
  const dynamic = tensors.filter((t) => t.dynamic).length;
  // Dynamic specs (x86-dynamic) have no calibrated activation qparams: say what is quantized at run time.
  const activations = !dynamic
    ? `${count('activation')} activations`
    : `${count('activation') ? `${count('activation')} activations + ` : ''}${plural(dynamic, 'activation')} quantized at run time (dynamic)`;
  io.out(
    (summary ? `quantized ${model.name} (${opts.mode}): ${summary}` : `quantized ${model.name} (${opts.mode}, ${opts.quantizer}): ${count('weight')} weights, ${count('bias')} biases, ${activations}`) +
      (r.data ? `; ${summary ? 'SQNR over' : 'calibrated on'} ${plural(summary ? sqnrSamples : r.data.size, 'sample')}` : '') +
      (r.data && !summary && outputs.length ? `, SQNR over ${sqnrSamples === r.data.size ? 'all' : `the first ${sqnrSamples}`}` : '') +
      `\n  wrote ${out}\n` +
      (opts.exportOnnx ? `  wrote ${opts.exportOnnx} (QDQ ONNX)\n` : ''),
  );
  for (const o of outputs) io.out(`  output ${o.name}: SQNR ${o.sqnrDb === null ? 'exact' : `${o.sqnrDb.toFixed(2)} dB`} vs fp32\n`);
  if (opts.report) {
    const report: QuantReport = {
      model: modelPath,
      quantizer: opts.quantizer,
      mode: opts.mode,
      calibration: { source: r.data?.source ?? '', samples: r.data?.size ?? 0 },
      sqnrSamples,
      tensors,
      outputs,
      warnings,
    };
    writeFileOrFail(opts.report, JSON.stringify(report, null, 1) + '\n');
    io.out(`  report ${opts.report}\n`);
  }
}

export const registerQuantize: RegisterVerb = (program, io) => {
  const cmd = program
    .command('quantize')
    .description('quantize a float model to int8: prepare, calibrate, convert, then lower to integer ops')
    .argument('<model>', 'a .onnx or .qir model')
    .option('--calib <file.npy|dir>', 'calibration data: samples along the leading axis, or a folder of .npy files')
    .option('--quantizer <name|config.json>', 'xnnpack, x86, x86-dynamic, pytorch-fx, pytorch-fx-histogram, or a JSON quantizer config', 'xnnpack')
    .option('--mode <mode>', `quantization mode (${QUANT_MODES.join(', ')})`, 'static')
    .option('--bits <8|4>', 'weight-only: 8 (int8 per output channel) or 4 (int4 per group)', '8')
    .option('--group-size <n>', 'weight-only, 4 bits: input features per scale', '32')
    .option('--sqnr-samples <n|all>', 'calibration samples the output SQNR check runs on, from the first (both models in the interpreter; 0: no check; default 8)')
    .option('--jobs <n>', 'calibration forward passes at once, in worker threads (default: the idle cores; results do not depend on it)')
    .option('--observer <kind>', `activation observer overriding the quantizer's (${STAT_OBSERVERS.join(', ')})`)
    .option('-o, --output <file.qir>', 'where to write the quantized graph (default: <model>.q.qir)')
    .option('--report <file.json>', 'write qparams per tensor and output SQNR vs fp32 as JSON')
    .option('--emit <form>', 'int8 (integer ops, for compile) or qdq (static: quantize/dequantize around float ops; weight-only: dequantize → gemm/matmul)', 'int8')
    .option('--export-onnx <file.onnx>', 'also write the quantized graph as a QDQ ONNX file (onnxruntime runs it)');
  withShapeOptions(cmd).action((model: string, opts: QuantizeOpts) => quantizeModel(model, opts, io));
};

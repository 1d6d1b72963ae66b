// qforge debug float.(qir|onnx) quantized.qir -i NAME=file.npy ... [--json out.json] [--html out.html]
// [--top N]: the numeric debugger. Pairs the quantized graph's nodes with the float ones by debug
// handle, runs both on the inputs (a stacked input runs once per sample) and prints per layer
// the SQNR and largest error, worst first.
import { fail } from '../../diagnostics/index.js';
import { debugNumerics, formatTable, toHtml, toJson } from '../../debug/index.js';
import type { Tensor } from '../../ir/tensor.js';
import { writeFileOrFail } from '../../util/fs-error.js';
import { collect, type RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';
import { bindInputs, entry } from './run.js';

interface DebugOpts extends ShapeOptions {
  input: string[];
  json?: string;
  html?: string;
  top?: string;
}

export const registerDebug: RegisterVerb = (program, io) => {
  const cmd = program
    .command('debug')
    .description('numeric debugger: per-layer SQNR of a quantized model against its float model, matched by debug handle')
    .argument('<float>', 'the float model (.onnx or .qir)')
    .argument('<quantized>', 'the quantized model (.qir, or a QDQ .onnx written by qforge)')
    .option('-i, --input <name=file.npy>', "a model input (repeatable; a stack along a leading axis runs once per sample); 'NAME=' may be left out when the model has one input", collect, [])
    .option('--json <file>', 'write the report as JSON (layers worst first)')
    .option('--html <file>', 'write a self-contained HTML page with an SQNR bar chart in graph order')
    .option('--top <n>', 'print only the n worst layers');
  withShapeOptions(cmd).action((floatPath: string, quantPath: string, opts: DebugOpts) => {
    let top: number | undefined;
    if (opts.top !== undefined) {
      if (!/^\d+$/.test(opts.top)) fail('CLI_USAGE', `--top: '${opts.top}' is not a non-negative integer`);
      top = Number(opts.top);
    }
    const float = loadModel(floatPath, opts), quant = loadModel(quantPath, opts);
    const { feeds, batch } = bindInputs(float, opts.input);
    const samples = Array.from({ length: batch ?? 1 }, (_, i): Record<string, Tensor> =>
      Object.fromEntries(Object.entries(feeds).map(([n, f]) => [n, f.stacked ? entry(f.t, i) : f.t])),
    );
    const report = debugNumerics(float, quant, samples);
    io.out(formatTable(report, top === undefined ? {} : { top }));
    if (opts.json) {
      writeFileOrFail(opts.json, JSON.stringify(toJson(report), null, 1) + '\n');
      io.out(`  wrote ${opts.json}\n`);
    }
    if (opts.html) {
      writeFileOrFail(opts.html, toHtml(report));
      io.out(`  wrote ${opts.html}\n`);
    }
  });
};

// qforge run model.(onnx|qir) -i NAME=file.npy ... -o outdir/: runs the reference interpreter.
// An input file may hold a stack of inputs (one extra leading dimension): the model then runs
// once per entry and each output is stacked the same way.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { run } from '../../ir/interpreter.js';
import { readNpy, writeNpy } from '../../ir/npy.js';
import type { Tensor } from '../../ir/tensor.js';
import { makeArray } from '../../ir/dtype.js';
import { formatType, numel, sameShape } from '../../ir/types.js';
import { firstValues } from '../format.js';
import { collect, type RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';
import { makeDir } from '../../util/fs-error.js';

interface RunOpts extends ShapeOptions {
  input: string[];
  output?: string;
}

export const registerRun: RegisterVerb = (program, io) => {
  const cmd = program
    .command('run')
    .description('run a model in the reference interpreter on .npy inputs')
    .argument('<model>', 'a .onnx or .qir model')
    .option('-i, --input <name=file.npy>', "a model input (repeatable); 'NAME=' may be left out when the model has one input", collect, [])
    .option('-o, --output <dir>', 'write each output to <dir>/<output name>.npy');
  withShapeOptions(cmd).action((model: string, opts: RunOpts) => {
    const g = loadModel(model, opts);
    const { feeds, batch } = bindInputs(g, opts.input);
    const t0 = performance.now();
    const outputs = runAll(g, feeds, batch);
    const ms = performance.now() - t0;
    const files = opts.output ? writeOutputs(opts.output, g.outputs, outputs) : [];
    const n = batch ?? 1;
    io.out(`ran ${g.name} on ${n} sample${n > 1 ? 's' : ''} in ${ms.toFixed(1)} ms${n > 1 ? ` (${(ms / n).toFixed(2)} ms each)` : ''}\n`);
    g.outputs.forEach((name, k) => {
      const t = outputs[k]!;
      io.out(`  ${name}: ${formatType(t)} ${firstValues(t)}${files[k] ? ` -> ${files[k]}` : ''}\n`);
    });
  });
};

export interface Bound {
  feeds: Record<string, { t: Tensor; stacked: boolean }>;
  batch?: number;
}

export function bindInputs(g: Graph, specs: string[]): Bound {
  const files: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    let name: string, path: string;
    if (eq > 0 && g.inputs.includes(spec.slice(0, eq))) [name, path] = [spec.slice(0, eq), spec.slice(eq + 1)];
    // A bare file name (which may itself contain '=') is the only input.
    else if (g.inputs.length === 1 && (eq < 0 || existsSync(spec))) [name, path] = [g.inputs[0]!, spec];
    else if (eq > 0) fail('CLI_USAGE', `-i ${spec}: the model has no input '${spec.slice(0, eq)}' (inputs: ${g.inputs.join(', ')})`);
    else fail('CLI_USAGE', `-i ${spec}: the model has ${g.inputs.length} inputs; name it as NAME=file.npy (inputs: ${g.inputs.join(', ')})`);
    if (files[name]) fail('CLI_USAGE', `input '${name}' is given twice`);
    files[name] = path;
  }
  const missing = g.inputs.filter((n) => !files[n]);
  if (missing.length)
    fail('CLI_USAGE', `missing input${missing.length > 1 ? 's' : ''}: ${missing.map((n) => `${n} (${formatType(g.values[n]!)})`).join(', ')}`, {
      hint: `pass -i ${missing[0]}=file.npy`,
    });

  const feeds: Bound['feeds'] = {};
  let batch: number | undefined, batchFrom = '';
  for (const name of g.inputs) {
    const want = g.values[name]!, path = files[name]!;
    const t = readNpy(path);
    const stacked = !sameShape(t.shape, want.shape);
    if (t.dtype !== want.dtype || (stacked && !sameShape(t.shape.slice(1), want.shape)))
      fail('RUN_INPUT', `input '${name}' must be ${formatType(want)} (or a stack ${want.dtype}[N,${want.shape.join(',')}]); ${path} holds ${formatType(t)}`);
    if (stacked) {
      if (batch !== undefined && batch !== t.shape[0])
        fail('RUN_INPUT', `stacked inputs disagree: ${batchFrom} holds ${batch} samples, ${path} holds ${t.shape[0]}`);
      batch = t.shape[0]!;
      batchFrom = path;
    }
    feeds[name] = { t, stacked };
  }
  return { feeds, ...(batch !== undefined ? { batch } : {}) };
}

/** Entry i of a stacked tensor (a view, no copy). */
export function entry(t: Tensor, i: number): Tensor {
  const per = numel(t.shape.slice(1));
  return { dtype: t.dtype, shape: t.shape.slice(1), data: t.data.subarray(i * per, (i + 1) * per) as Tensor['data'] };
}

function runAll(g: Graph, feeds: Bound['feeds'], batch: number | undefined): Tensor[] {
  const pick = (i: number) => Object.fromEntries(Object.entries(feeds).map(([n, f]) => [n, f.stacked ? entry(f.t, i) : f.t]));
  if (batch === undefined) return run(g, pick(0)).outputs;
  const per = Array.from({ length: batch }, (_, i) => run(g, pick(i)).outputs);
  return g.outputs.map((_, k) => {
    const first = per[0]?.[k] ?? { dtype: g.values[g.outputs[k]!]!.dtype, shape: g.values[g.outputs[k]!]!.shape };
    const n = numel(first.shape);
    const data = makeArray(first.dtype, batch * n);
    per.forEach((outs, i) => (data as { set(a: ArrayLike<unknown>, o: number): void }).set(outs[k]!.data, i * n));
    return { dtype: first.dtype, shape: [batch, ...first.shape], data };
  });
}

/** Output value names as file names: path separators and odd characters become '_'. */
export function outputFileName(name: string, taken: Set<string>): string {
  const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._]+/, '') || 'output';
  let file = `${base}.npy`;
  for (let i = 1; taken.has(file); i++) file = `${base}_${i}.npy`;
  taken.add(file);
  return file;
}

function writeOutputs(dir: string, names: string[], outputs: Tensor[]): string[] {
  makeDir(dir);
  const taken = new Set<string>();
  return names.map((name, k) => {
    const path = join(dir, outputFileName(name, taken));
    writeNpy(path, outputs[k]!);
    return path;
  });
}

// qforge compile model.q.qir --target c|avx2|avx512-vnni|neon|neon-dot|native -o out/: writes the
// model as C (<name>.c/.h, the kernel and runtime sources, a main.c harness and a Makefile);
// --build compiles it for the target, --run runs it on .npy inputs (under qemu for aarch64),
// --bench N times N runs, --threads N runs on a qf_ctx of N threads (docs/threads.md). --float compiles a float model (.onnx or float .qir) for comparison.
import { fail } from '../../diagnostics/index.js';
import { readNpy } from '../../ir/npy.js';
import type { Tensor } from '../../ir/tensor.js';
import { buildC, generateC, isQuantized, runC, TARGET_NAMES, writeGenerated } from '../../codegen/index.js';
import { collect, type RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';

interface CompileOpts extends ShapeOptions {
  target: string;
  output: string;
  name?: string;
  build?: boolean;
  run?: boolean;
  input: string[];
  float?: boolean;
  bench?: string;
  threads?: string;
  sanitize?: boolean;
  quantized?: boolean;
  emulate?: boolean;
}

export const registerCompile: RegisterVerb = (program, io) => {
  const cmd = program
    .command('compile')
    .description('compile a quantized model (or, with --float, a float one) to C for a target')
    .argument('<model>', 'a quantized .qir model (or a float .onnx/.qir with --float)')
    .requiredOption('-t, --target <target>', `code generation target: ${TARGET_NAMES.join(', ')}`)
    .requiredOption('-o, --output <dir>', 'folder for the generated files')
    .option('--name <name>', 'C name prefix of the API (default: the graph name)')
    .option('--float', 'compile a float graph (no quantized ops) for comparison')
    .option('--build', 'compile the C program for the target')
    .option('--run', 'build, then run it on the -i inputs and write <dir>/<output>.npy')
    .option('-i, --input <name=file.npy>', 'an input for --run (repeatable; NAME= may be left out for one input)', collect, [])
    .option('-q, --quantized', 'with --run: call <name>_run_quantized (int8 tensors at the graph edges)')
    .option('--bench <n>', 'with --run: time n more runs and print the median')
    .option('--threads <n>', 'with --run: run on n threads (<name>_run_ctx; 0: one per CPU; default 1)')
    .option('--sanitize', 'with --build: AddressSanitizer + UndefinedBehaviorSanitizer build')
    .option('--emulate', 'with --build: use the target\'s emulated build (SIMDe) even where the CPU has the ISA');
  withShapeOptions(cmd).action((model: string, opts: CompileOpts) => {
    const g = loadModel(model, opts);
    if (opts.float && isQuantized(g))
      fail('CODEGEN_FLOAT_GRAPH', `--float compiles float models, but '${model}' is quantized`, { hint: 'pass the float model (.onnx or the .qir before qforge quantize)' });
    const gen = generateC(g, { target: opts.target, ...(opts.name ? { name: opts.name } : {}), float: !!opts.float });
    writeGenerated(opts.output, gen);
    io.out(`compiled ${g.name} for ${gen.target.name}: ${gen.files.size} files in ${opts.output}\n`);
    io.out(`  arena ${gen.arenaBytes} bytes (live-tensor peak ${gen.arenaLowerBound}), constants ${gen.constBytes} bytes\n`);
    if (!opts.build && !opts.run) return;
    const b = buildC(opts.output, gen.target, { name: gen.name, sanitize: !!opts.sanitize, emulate: !!opts.emulate });
    io.out(`  built ${b.exe}${b.emulated ? ` (${gen.target.toolchain.emulation!.note})` : ''}\n`);
    if (!opts.run) return;
    const bench = opts.bench === undefined ? undefined : Number(opts.bench);
    if (bench !== undefined && !(Number.isInteger(bench) && bench > 0)) fail('CLI_USAGE', `--bench expects a positive integer, got '${opts.bench}'`);
    const threads = opts.threads === undefined ? undefined : Number(opts.threads);
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0 && threads <= 512)) fail('CLI_USAGE', `--threads expects an integer from 0 to 512, got '${opts.threads}'`);
    const names = g.inputs;
    const inputs: Record<string, Tensor> = {};
    for (const spec of opts.input) {
      const eq = spec.indexOf('=');
      const [name, file] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [names[0]!, spec];
      if (eq <= 0 && names.length !== 1) fail('CLI_USAGE', `-i ${spec}: name the input (NAME=file.npy); inputs: ${names.join(', ')}`);
      inputs[name] = readNpy(file);
    }
    const r = runC(b, { inputs, outDir: opts.output, quantized: !!opts.quantized, ...(bench ? { bench } : {}), ...(threads !== undefined ? { threads } : {}) });
    for (const f of r.files) io.out(`  wrote ${f}\n`);
    if (r.medianMs !== undefined) io.out(`  median ${r.medianMs >= 1 ? `${r.medianMs.toFixed(3)} ms` : `${(r.medianMs * 1000).toFixed(2)} µs`} over ${bench} runs${threads !== undefined ? ` on ${threads || 'all'} thread${threads === 1 ? '' : 's'}` : ''}\n`);
  });
};

// The qforge command line. Each verb lives in commands/<verb>.ts and exports a function that
// registers a commander subcommand; to add a verb, add its file and one line to VERBS.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CATALOG, formatDiagnostic, QforgeError } from '../diagnostics/index.js';
import type { Io, RegisterVerb } from './io.js';
import { exitQuietlyOnClosedPipe, processIo } from './io.js';
import { registerImport } from './commands/import.js';
import { registerInspect } from './commands/inspect.js';
import { registerPatterns } from './commands/patterns.js';
import { registerRun } from './commands/run.js';
import { registerCompile } from './commands/compile.js';
import { registerQuantize } from './commands/quantize.js';
import { registerQat } from './commands/qat.js';
import { registerOnnxTest } from './commands/onnx-test.js';
import { registerDebug } from './commands/debug.js';
import { registerOps } from './commands/ops.js';
import { registerOpt } from './commands/opt.js';
import { registerPasses } from './commands/passes.js';

export const VERBS: readonly RegisterVerb[] = [
  registerImport,
  registerRun,
  registerInspect,
  registerPatterns,
  registerQuantize,
  registerQat,
  registerCompile,
  registerOnnxTest,
  registerDebug,
  registerOps,
  registerOpt,
  registerPasses,
];

/** Exit codes: 0 ok, 1 a QforgeError (bad model, input...), 2 bad command line, 70 internal error. */
export { exitQuietlyOnClosedPipe };

export const EXIT = { ok: 0, error: 1, usage: 2, internal: 70 } as const;

// The same relative path from src/cli and dist/cli.
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function buildProgram(io: Io, verbs: readonly RegisterVerb[] = VERBS): Command {
  const program = new Command('qforge')
    .description('Compile float neural networks (ONNX) into exact, fast int8 C code')
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Usage errors are printed by main() in the diagnostics format.
      outputError: () => {},
    });
  for (const register of verbs) register(program, io);
  return program;
}

/** Runs the CLI on `argv` (without node and script); returns the exit code instead of exiting. */
export async function main(argv: string[], io: Io = processIo, verbs: readonly RegisterVerb[] = VERBS): Promise<number> {
  const program = buildProgram(io, verbs);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    return report(e, io);
  }
}

function report(e: unknown, io: Io): number {
  if (e instanceof QforgeError) {
    io.err(e.diagnostics.map(formatDiagnostic).join('\n') + '\n');
    return e.diagnostics.some((d) => d.key === 'CLI_USAGE') ? EXIT.usage : EXIT.error;
  }
  if (e instanceof CommanderError) {
    // --help and --version end parsing through an exception too.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
    if (e.code === 'commander.help' || e.code === 'commander.executeSubCommandAsync') return e.exitCode;
    const message = e.message.replace(/^error: /, '');
    io.err(`error ${CATALOG.CLI_USAGE.code}: ${message}\n  hint: see 'qforge --help' or 'qforge <command> --help'\n`);
    return EXIT.usage;
  }
  const err = e as Error;
  io.err(`internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.QFORGE_DEBUG) io.err(`${err?.stack ?? ''}\n`);
  return EXIT.internal;
}

/** True when this module is the program being run (not imported by tests or bin/qforge.js). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  exitQuietlyOnClosedPipe();
  process.exitCode = await main(process.argv.slice(2));
}

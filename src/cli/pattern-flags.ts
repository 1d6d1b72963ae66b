// The pattern flags of pipeline-running verbs (`qforge opt`): `--patterns FILE` (repeatable)
// runs the user's pattern files as `patterns{file=FILE}` steps after the pipeline, and
// `--trace-patterns` prints every match and rewrite of every pattern pass to stderr.
// A verb adds them with withPatternFlags(cmd) and calls patternSteps(opts, io) before running.
import type { Command } from 'commander';
import type { PipelineItem } from '../passes/index.js';
import { tracePatternsTo } from '../passes/patterns.js';
import { formatWarning, QforgeError } from '../diagnostics/index.js';
import { checkPatterns, readPatternFile } from '../patterns/index.js';
import { collect, type Io } from './io.js';

export interface PatternFlags {
  patterns: string[];
  tracePatterns?: boolean;
}

export function withPatternFlags(cmd: Command): Command {
  return cmd
    .option('--patterns <file>', 'also apply the rewrite patterns of this .qpat file, after the pipeline (repeatable)', collect, [])
    .option('--trace-patterns', 'print each pattern match and rewrite to stderr');
}

/**
 * Checks the pattern files up front (every error of every file is reported before anything
 * runs, warnings are printed), turns tracing on or off, and returns the steps to append to the pipeline.
 */
export function patternSteps(flags: PatternFlags, io: Io): PipelineItem[] {
  const errors = flags.patterns.flatMap((f) => {
    const { diagnostics, warnings } = checkPatterns(readPatternFile(f), { file: f });
    for (const w of warnings) io.err(`${formatWarning(w)}\n`);
    return diagnostics;
  });
  if (errors.length) throw new QforgeError(errors);
  tracePatternsTo(flags.tracePatterns ? (line) => io.err(`${line}\n`) : undefined);
  return flags.patterns.map((file) => ({ pass: 'patterns', options: { file } }));
}

// What every verb gets: output streams (swappable, so tests run the CLI in-process) and the
// signature of a verb's registration function.
import type { Command } from 'commander';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** Adds one subcommand to the program; its action writes through `io` and throws QforgeErrors. */
export type RegisterVerb = (program: Command, io: Io) => void;

/**
 * A reader that stops early (`qforge ops | head`) closes the pipe, and the next write fails with
 * EPIPE: stop quietly, as Unix tools do, instead of printing Node's stack trace. Installed by the
 * program entry points only (tests run the CLI in-process).
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
}

/** A repeatable option's parser for commander: each use appends its value. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

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

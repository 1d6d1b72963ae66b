// --write-docs: the bench writes its own results into docs/benchmarks.md, between two markers, so
// the published table is always one run's output (with its command, machine and load) and never a
// hand-edited diary.
import { readFileSync, writeFileSync } from 'node:fs';

export const BEGIN = '<!-- bench:begin (written by npm run bench -- --write-docs; do not edit by hand) -->';
export const END = '<!-- bench:end -->';

/** Replaces the text between the markers of `file` with `body` (the run's header, table and notes). */
export function writeDocsSection(file: string, command: string, body: string): void {
  const text = readFileSync(file, 'utf8');
  const i = text.indexOf(BEGIN), j = text.indexOf(END);
  if (i < 0 || j < i) throw new Error(`${file}: no '${BEGIN}' … '${END}' section to write the results into`);
  const section = `${BEGIN}\n\nCommand: \`npm run bench -- ${command}\`\n\n${body.trim()}\n\n`;
  writeFileSync(file, text.slice(0, i) + section + text.slice(j));
}

/** Fails before any model is run when `file` has no section to write into. */
export function checkDocsSection(file: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(BEGIN) || !text.includes(END)) throw new Error(`${file}: no '${BEGIN}' … '${END}' section to write the results into`);
}

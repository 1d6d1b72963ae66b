// Loading pattern files: from a string or a path, into a PatternSet. Every error of the file
// comes back at once, as one QforgeError carrying all diagnostics.
import { readFileSync } from 'node:fs';
import { fail, QforgeError, type Diagnostic } from '../diagnostics/index.js';
import { compileQpat } from './compile/index.js';
import type { CompiledPattern } from './engine/program.js';
import { PatternSet } from './engine/pattern-set.js';
import { defaultHelpers } from './helpers/builtins.js';
import type { HelperRegistry } from './helpers/registry.js';

export interface LoadOptions {
  /** Helpers the file may call (default: the built-in ones; pass `defaultHelpers.child()` with yours). */
  helpers?: HelperRegistry;
  /** File name for diagnostics. */
  file?: string;
}

/** Compiles without throwing: the patterns that are valid, and every diagnostic. */
export function checkPatterns(text: string, opts: LoadOptions = {}): { patterns: CompiledPattern[]; diagnostics: Diagnostic[]; warnings: Diagnostic[] } {
  return compileQpat(text, opts.helpers ?? defaultHelpers, opts.file);
}

export function compilePatterns(text: string, opts: LoadOptions = {}): CompiledPattern[] {
  const { patterns, diagnostics } = checkPatterns(text, opts);
  if (diagnostics.length) throw new QforgeError(diagnostics);
  return patterns;
}

export function loadPatterns(text: string, opts: LoadOptions = {}): PatternSet {
  return new PatternSet(compilePatterns(text, opts));
}

export function readPatternFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return fail('IO', `cannot read pattern file '${path}': ${(e as Error).message}`);
  }
}

export function loadPatternFile(path: string, opts: Omit<LoadOptions, 'file'> = {}): PatternSet {
  return loadPatterns(readPatternFile(path), { ...opts, file: path });
}

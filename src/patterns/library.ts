// The built-in pattern library: the .qpat files in spec/patterns, compiled once on first use.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../diagnostics/index.js';
import type { CompiledPattern } from './engine/program.js';
import { PatternSet } from './engine/pattern-set.js';
import { compilePatterns, readPatternFile } from './load.js';

/** spec/patterns, from src/patterns (tsx) or dist/src/patterns (built). */
export function libraryDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const dir = join(here, up, 'spec', 'patterns');
    if (existsSync(dir)) return dir;
  }
  return fail('IO', `the built-in pattern library (spec/patterns) was not found near ${here}`);
}

/** Names of the library files, without the .qpat extension (e.g. fold-batchnorm). */
export function libraryFiles(): string[] {
  return readdirSync(libraryDir())
    .filter((f) => f.endsWith('.qpat'))
    .map((f) => f.slice(0, -5))
    .sort();
}

const cache = new Map<string, CompiledPattern[]>();

/** Compiled patterns of one library file. */
export function libraryPatterns(name: string): CompiledPattern[] {
  let hit = cache.get(name);
  if (!hit) {
    if (!libraryFiles().includes(name)) fail('IO', `no built-in pattern file '${name}'`, { hint: `known: ${libraryFiles().join(', ')}` });
    const path = join(libraryDir(), `${name}.qpat`);
    hit = compilePatterns(readPatternFile(path), { file: path });
    cache.set(name, hit);
  }
  return hit;
}

/** A pattern set of the given library files (all of them when none is named). */
export function builtinPatterns(...names: string[]): PatternSet {
  const set = new PatternSet();
  for (const n of names.length ? names : libraryFiles()) set.add(libraryPatterns(n));
  return set;
}

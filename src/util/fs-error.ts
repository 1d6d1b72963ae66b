// File-system helpers for diagnostics: short human reasons ("no such file" rather than ENOENT), a
// file writer and a folder maker that fail with a clean QF0702 instead of hanging or crashing.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fail } from '../diagnostics/index.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a parent is not a folder',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EEXIST: 'it already exists',
};

export function describeIoError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err?.code && REASONS[err.code]) ?? err?.code ?? err?.message ?? String(e);
}

/** Writes a file; a failure is one QF0702 line naming the path and the reason. */
export function writeFileOrFail(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    fail('IO', `cannot write ${path}: ${describeIoError(e)}`);
  }
}

/**
 * Creates `dir` and its missing parents. Node's `mkdirSync(…, { recursive: true })` loops forever
 * under /proc (every level answers ENOENT) and reports an existing file as a bare EEXIST, so this
 * walks up to the nearest existing folder itself and creates each level once.
 */
export function makeDir(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) fail('IO', `cannot create folder ${dir}: ${describeIoError(e)}`);
      missing.push(at);
      at = dirname(at);
      continue;
    }
    if (!isDir) fail('IO', `cannot create folder ${dir}: ${at === resolve(dir) ? 'a file with that name exists' : `${at} is a file, not a folder`}`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      fail('IO', `cannot create folder ${dir}: ${describeIoError(e)}`);
    }
  }
}

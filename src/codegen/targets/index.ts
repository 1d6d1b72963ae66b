// The target registry. `native` is not a target of its own: it resolves to the best target the
// build machine runs (read from /proc/cpuinfo).
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { fail } from '../../diagnostics/index.js';
import { AVX2_TARGET } from './avx2.js';
import { AVX512_VNNI_TARGET } from './avx512-vnni.js';
import { C_TARGET } from './c.js';
import { NEON_DOT_TARGET } from './neon-dot.js';
import { NEON_TARGET } from './neon.js';
import type { Target } from './target.js';

export * from './target.js';

export const TARGETS: readonly Target[] = [C_TARGET, AVX2_TARGET, AVX512_VNNI_TARGET, NEON_TARGET, NEON_DOT_TARGET];
export const TARGET_NAMES = [...TARGETS.map((t) => t.name), 'native'];

/** CPU feature flags of this machine (x86 "flags", arm "Features"), lower case. */
export function hostCpuFlags(): Set<string> {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = /^(?:flags|Features)\s*:(.*)$/m.exec(info);
    return new Set((line?.[1] ?? '').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

export const hostArch = (): 'x86_64' | 'aarch64' | 'other' => (arch() === 'x64' ? 'x86_64' : arch() === 'arm64' ? 'aarch64' : 'other');

/** Whether this machine runs `t`'s binaries natively (same architecture and every needed flag). */
export function hostRuns(t: Target, flags = hostCpuFlags()): boolean {
  const wantArch = t.toolchain.triple ? 'aarch64' : t.toolchain.hostFlags ? 'x86_64' : hostArch();
  return hostArch() === wantArch && (t.toolchain.hostFlags ?? []).every((f) => flags.has(f));
}

/** The best target for this machine: the most capable one it runs natively. */
export function nativeTarget(flags = hostCpuFlags()): Target {
  const order = hostArch() === 'aarch64' ? [NEON_DOT_TARGET, NEON_TARGET] : [AVX512_VNNI_TARGET, AVX2_TARGET];
  return order.find((t) => hostRuns(t, flags)) ?? C_TARGET;
}

export function getTarget(name: string): Target {
  if (name === 'native') return nativeTarget();
  const t = TARGETS.find((x) => x.name === name);
  if (!t) fail('CODEGEN_TARGET', `unknown target '${name}'; valid targets: ${TARGET_NAMES.join(', ')}`);
  return t;
}

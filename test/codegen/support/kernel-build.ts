// Builds kernel-harness.c against one target's kernel file with clang-19 (natively, through SIMDe, or
// cross for aarch64 under qemu-user) and runs a batch of cases through it: one compile per target.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KernelName, Target } from '../../../src/codegen/targets/index.js';
import { compare, serialize, type KernelCase, type Packers } from './kernel-cases.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
export const KERNELS_DIR = join(ROOT, 'src/codegen/kernels');
const HARNESS = join(ROOT, 'test/codegen/support/kernel-harness.c');
export const COMMON_CFLAGS = ['-O2', '-std=c11', '-ffp-contract=off', '-Wall', '-Wextra', '-Werror'];

export function haveTool(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Build {
  bin: string;
  dir: string;
  /** How to execute the binary (qemu prefix for aarch64). */
  exec: string[];
}

/** A scratch directory holding qforge_config.h with QF_HAVE_* for the target's kernels. */
export function configDir(t: Target): string {
  const dir = mkdtempSync(join(tmpdir(), `qf-kern-${t.name}-`));
  const have = t.provides.map((k: KernelName) => `#define QF_HAVE_${k.toUpperCase()} 1`).join('\n');
  writeFileSync(join(dir, 'qforge_config.h'), `#define QF_TARGET "${t.name}"\n${have}\n`);
  return dir;
}

export interface BuildOptions {
  /** Use the target's emulation flags (SIMDe) instead of its native ones. */
  emulate?: boolean;
  /** Extra compiler flags (sanitizers). */
  extra?: readonly string[];
  /** Compiler (default clang-19; gcc where clang's sanitizer runtimes are not installed). */
  cc?: string;
  /** Harness source (default kernel-harness.c). */
  harness?: string;
}

/** A compiler that can link -fsanitize=address,undefined here: clang-19 when its compiler-rt is
    installed, else gcc (Debian ships libasan/libubsan with it). */
export function sanitizerCc(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'qf-san-'));
  writeFileSync(join(dir, 't.c'), 'int main(void) { return 0; }\n');
  for (const cc of ['clang-19', 'gcc']) {
    try {
      execFileSync(cc, ['-fsanitize=address,undefined', join(dir, 't.c'), '-o', join(dir, 't')], { stdio: 'ignore' });
      return cc;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

export function buildHarness(t: Target, o: BuildOptions = {}): Build {
  const dir = configDir(t);
  const bin = join(dir, 'harness');
  const tc = t.toolchain;
  const isa = o.emulate ? tc.emulation!.cflags : tc.cflags;
  const cross = tc.triple ? [`--target=${tc.triple}`, '-fuse-ld=lld'] : [];
  const files = [o.harness ?? HARNESS, join(KERNELS_DIR, 'qforge_kernels_ref.c'), join(KERNELS_DIR, t.kernelFile!)];
  execFileSync(o.cc ?? 'clang-19', [...COMMON_CFLAGS, ...cross, ...isa, ...(o.extra ?? []), '-I', dir, '-I', KERNELS_DIR, ...files, '-o', bin, ...(o.harness ? ['-lm'] : [])], { stdio: 'pipe' });
  const exec = tc.triple ? ['qemu-aarch64', '-L', `/usr/${tc.triple}`, ...(tc.qemuCpu ? ['-cpu', tc.qemuCpu] : [])] : [];
  return { bin, dir, exec };
}

/** Compiles only the target's kernel file with its native flags (proves it builds where it cannot run). */
export function compileOnly(t: Target): void {
  const dir = configDir(t);
  const tc = t.toolchain;
  const cross = tc.triple ? [`--target=${tc.triple}`] : [];
  execFileSync('clang-19', [...COMMON_CFLAGS, ...cross, ...tc.cflags, '-I', dir, '-I', KERNELS_DIR, '-c', join(KERNELS_DIR, t.kernelFile!), '-o', join(dir, 'k.o')], { stdio: 'pipe' });
}

/** Runs cases through a built harness; returns the failure lines (empty: all bit-exact). */
export function runCases(b: Build, cases: readonly KernelCase[], p: Packers, tag = 'cases'): string[] {
  const inFile = join(b.dir, `${tag}.bin`), outFile = join(b.dir, `${tag}.out`);
  writeFileSync(inFile, serialize(cases, p));
  const [cmd, ...pre] = b.exec.length ? b.exec : [b.bin];
  execFileSync(cmd!, [...pre, ...(b.exec.length ? [b.bin] : []), inFile, outFile], { stdio: 'pipe', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' } });
  return compare(cases, readFileSync(outFile));
}

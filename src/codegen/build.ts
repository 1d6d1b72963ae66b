// Building and running generated C: one place decides the compiler command for a target (the
// Makefile says the same), finds the toolchain (naming the Debian package when something is
// missing), cross-builds aarch64 and runs it under qemu-user, and emulates AVX-512 with SIMDe on
// hosts without it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fail } from '../diagnostics/index.js';
import { readNpy, writeNpy } from '../ir/npy.js';
import type { Tensor } from '../ir/tensor.js';
import { getTarget, hostArch, hostRuns } from './targets/index.js';
import type { Target } from './targets/target.js';

/** Flags of every build: exact float32 semantics (no contraction into FMA, no fast-math); -pthread for
 *  the qf_ctx worker pool (qforge_threads.c; -DQF_NO_THREADS builds without). */
export const COMMON_CFLAGS = ['-std=c99', '-O2', '-ffp-contract=off', '-fno-strict-aliasing', '-Wall', '-Wextra', '-Wno-unused-function', '-pthread'];
const SANITIZERS = {
  address: { flags: ['-fsanitize=address,undefined', '-fno-sanitize-recover=all'], runtime: 'asan' },
  thread: { flags: ['-fsanitize=thread'], runtime: 'tsan' },
} as const;
const SYSROOT = '/usr/aarch64-linux-gnu';

export interface BuildOptions {
  /** ASan + UBSan build (true or 'address'), or ThreadSanitizer ('thread'); x86-64 hosts. */
  sanitize?: boolean | 'address' | 'thread';
  /** Extra compiler flags (e.g. -DQF_PAR_MIN_OPS=1, which splits even the smallest kernels over threads). */
  cflags?: readonly string[];
  /** Build the emulated variant (SIMDe) even when the host runs the target natively; default: only when it cannot. */
  emulate?: boolean;
  /** Executable name (default: the model name, found from <name>.h). */
  name?: string;
}

export interface BuildResult {
  exe: string;
  /** Command prefix that runs the executable (qemu for cross builds). */
  runner: string[];
  command: string[];
  emulated: boolean;
  /** Compiler diagnostics of a successful build (empty when clean). */
  warnings: string;
}

const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

function compiler(): string {
  const cc = process.env.QFORGE_CC ?? 'clang-19';
  if (!has(cc)) fail('CODEGEN_TOOLCHAIN', `${cc} not found: apt-get install clang-19 lld-19 (or run scripts/setup.sh; QFORGE_CC picks another clang)`);
  return cc;
}

/** clang without its sanitizer runtime (Debian's libclang-rt-19-dev) falls back to gcc, which ships its own. */
function sanitizerCompiler(cc: string, runtime: string): string {
  const probe = spawnSync(cc, [`-print-file-name=libclang_rt.${runtime}-x86_64.a`], { encoding: 'utf8' });
  const rt = spawnSync(cc, ['--print-runtime-dir'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if ((probe.stdout?.includes('/') && existsSync(probe.stdout.trim())) || existsSync(path.join(rt, `libclang_rt.${runtime}.a`))) return cc;
  if (has('gcc')) return 'gcc';
  fail('CODEGEN_TOOLCHAIN', `${cc} has no sanitizer runtime and gcc is missing: apt-get install libclang-rt-19-dev (or gcc)`);
}

/** Compiler and flags for a target (without file names). */
export function compileCommand(t: Target, opts: BuildOptions = {}, flags = new Set<string>()): { cc: string; args: string[]; emulated: boolean; runner: string[] } {
  let cc = compiler();
  const tc = t.toolchain;
  const emulated = !!tc.emulation && (opts.emulate === true || (!tc.triple && !hostRuns(t, flags.size ? flags : undefined)));
  const args = [...COMMON_CFLAGS, ...(emulated ? tc.emulation!.cflags : tc.cflags), ...(opts.cflags ?? [])];
  let runner: string[] = [];
  if (tc.triple) {
    if (opts.sanitize) fail('CODEGEN_TOOLCHAIN', `sanitizer builds are supported on x86-64 targets only, not ${t.name}`);
    if (!has('ld.lld-19') && !has('ld.lld')) fail('CODEGEN_TOOLCHAIN', 'ld.lld not found: apt-get install lld-19');
    if (!existsSync(`${SYSROOT}/lib/libc.so.6`)) fail('CODEGEN_TOOLCHAIN', `no aarch64 C library in ${SYSROOT}: apt-get install libc6-dev-arm64-cross libgcc-12-dev-arm64-cross`);
    args.unshift(`--target=${tc.triple}`, '-fuse-ld=lld');
    if (hostArch() !== 'aarch64') {
      if (!has('qemu-aarch64')) fail('CODEGEN_TOOLCHAIN', 'qemu-aarch64 not found: apt-get install qemu-user');
      runner = ['qemu-aarch64', ...(tc.qemuCpu ? ['-cpu', tc.qemuCpu] : []), '-L', SYSROOT];
    }
  } else if (hostArch() !== 'x86_64' && t.toolchain.hostFlags) {
    fail('CODEGEN_TOOLCHAIN', `target ${t.name} needs an x86-64 host or cross toolchain`);
  }
  if (emulated && !existsSync('/usr/include/simde/x86/avx512.h')) fail('CODEGEN_TOOLCHAIN', 'SIMDe headers not found: apt-get install libsimde-dev');
  if (opts.sanitize) {
    const san = SANITIZERS[opts.sanitize === 'thread' ? 'thread' : 'address'];
    cc = sanitizerCompiler(cc, san.runtime);
    args.push(...san.flags, '-fno-omit-frame-pointer', '-g');
    args[args.indexOf('-O2')] = '-O1';
  }
  return { cc, args, emulated, runner };
}

export function renderMakefile(name: string, t: Target, sources: string[]): string {
  const tc = t.toolchain;
  const flags = [...(tc.triple ? [`--target=${tc.triple}`, '-fuse-ld=lld'] : []), ...COMMON_CFLAGS, ...tc.cflags];
  const run = tc.triple ? `qemu-aarch64 ${tc.qemuCpu ? `-cpu ${tc.qemuCpu} ` : ''}-L ${SYSROOT} ./${name}` : `./${name}`;
  return [
    `# Generated by qforge: model ${name}, target ${t.name} (${t.doc}).`,
    'CC = clang-19',
    `CFLAGS = ${flags.join(' ')}`,
    ...(tc.emulation ? [`# without the ISA on this host (${tc.emulation.note}):`, `#   make CFLAGS="${[...COMMON_CFLAGS, ...tc.emulation.cflags].join(' ')}"`] : []),
    `SRCS = ${sources.join(' ')}`,
    '',
    `${name}: $(SRCS) $(wildcard *.h)`,
    '\t$(CC) $(CFLAGS) -o $@ $(SRCS) -lm',
    '',
    'bench: ' + name,
    `\t${run} --bench 50 $(ARGS)`,
    '',
    'clean:',
    `\trm -f ${name}`,
    '.PHONY: bench clean',
    '',
  ].join('\n');
}

/** Compiles the generated files in `dir` for a target. */
export function buildC(dir: string, target: string | Target, opts: BuildOptions = {}): BuildResult {
  const t = typeof target === 'string' ? getTarget(target) : target;
  const files = readdirSync(dir);
  const name = opts.name ?? files.find((f) => f.endsWith('.h') && !f.startsWith('qforge_'))?.slice(0, -2);
  if (!name) fail('CODEGEN_BUILD', `${dir} holds no generated model header (<name>.h)`);
  const sources = files.filter((f) => f.endsWith('.c')).sort();
  const { cc, args, emulated, runner } = compileCommand(t, opts);
  const exe = path.join(dir, opts.sanitize ? `${name}_${opts.sanitize === 'thread' ? 'tsan' : 'san'}` : name);
  const command = [cc, ...args, '-o', exe, ...sources.map((f) => path.join(dir, f)), '-lm'];
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) fail('CODEGEN_BUILD', `${cc} failed for target ${t.name}:\n${(r.stderr || r.error?.message || '').slice(0, 4000)}`, { hint: command.join(' ') });
  return { exe, runner, command, emulated, warnings: r.stderr ?? '' };
}

export interface RunCOptions {
  /** Inputs by graph input name (or in order). */
  inputs: Record<string, Tensor> | Tensor[];
  /** Input names in order, needed when `inputs` is an array. */
  inputNames?: readonly string[];
  /** Use <name>_run_quantized (int8 tensors at the edges). */
  quantized?: boolean;
  /** Time this many extra runs and report the median. */
  bench?: number;
  /** Run on a qf_ctx of this many threads (default 1; 0: one per CPU). */
  threads?: number;
  /** Where outputs are written (default: a temporary folder, removed afterwards). */
  outDir?: string;
  /** Kill the program after this many milliseconds and fail (default: no limit). */
  timeoutMs?: number;
}

export interface RunCResult {
  outputs: Tensor[];
  files: string[];
  medianMs?: number;
  stdout: string;
}

export function runC(build: BuildResult, opts: RunCOptions): RunCResult {
  const tmp = mkdtempSync(path.join(tmpdir(), 'qforge-run-'));
  try {
    const args: string[] = opts.quantized ? ['-q'] : [];
    const entries = Array.isArray(opts.inputs) ? opts.inputs.map((t, i) => [opts.inputNames?.[i] ?? `in${i}`, t] as const) : Object.entries(opts.inputs);
    entries.forEach(([name, t], i) => {
      const f = path.join(tmp, `in${i}.npy`);
      writeNpy(f, t);
      args.push('-i', `${name}=${f}`);
    });
    const out = opts.outDir ?? tmp;
    args.push('-o', out);
    if (opts.bench) args.push('--bench', String(opts.bench));
    if (opts.threads !== undefined) args.push('--threads', String(opts.threads));
    const cmd = [...build.runner, build.exe, ...args];
    const limit = opts.timeoutMs ? { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const } : {};
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20, ...limit });
    if (opts.timeoutMs && (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT')
      fail('CODEGEN_RUN', `${build.exe} did not finish within ${opts.timeoutMs / 1000} s and was killed`);
    if (r.status !== 0) fail('CODEGEN_RUN', `${build.exe} exited with ${r.status ?? r.signal}:\n${(r.stderr || r.error?.message || '').slice(0, 4000)}`);
    const files = [...r.stdout.matchAll(/^output \d+ (.*)$/gm)].map((m) => m[1]!);
    const ms = /^median_ms ([\d.]+)$/m.exec(r.stdout);
    const outputs = files.map((f) => readNpy(f));
    if (!opts.outDir) writeFileSync(path.join(tmp, '.done'), '');
    return { outputs, files, stdout: r.stdout, ...(ms ? { medianMs: Number(ms[1]) } : {}) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

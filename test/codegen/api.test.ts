// generateC as an API: determinism, the memory plan, and every user-facing error.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { generateC } from '../../src/codegen/index.js';
import { buildC, runC } from '../../src/codegen/build.js';
import { planArena, type Interval } from '../../src/codegen/plan/memory.js';
import { EMITTERS, UNCOMPILED } from '../../src/codegen/ops/index.js';
import { allOps, getOp } from '../../src/ir/ops/index.js';
import { QforgeError } from '../../src/diagnostics/index.js';
import { GraphBuilder, tensor } from '../../src/ir/index.js';
import { convZoo, floatNet, misc } from './graphs.js';
import { compileRun } from './helpers.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The QforgeError codes a function throws, in order. */
function codes(f: () => unknown): { codes: string[]; text: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof QforgeError) return { codes: e.diagnostics.map((d) => d.key), text: e.message };
    throw e;
  }
  throw new Error('expected a QforgeError');
}

describe('generateC', () => {
  it('is deterministic: the same graph gives byte-identical files', () => {
    const a = generateC(convZoo().graph, { target: 'avx2', name: 'zoo' }), b = generateC(convZoo().graph, { target: 'avx2', name: 'zoo' });
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    for (const [f, text] of a.files) expect(b.files.get(f), f).toBe(text);
  });

  it('writes weights as hex byte strings, multipliers as bit patterns, and the arena plan in the header', () => {
    const g = generateC(misc().graph, { target: 'c', name: 'misc' });
    const src = g.files.get('misc.c')!, h = g.files.get('misc.h')!;
    expect(src).toMatch(/static const uint8_t qf_c_\w+\[\d+\] QF_ALIGN64 =\n"(\\x[0-9a-f]{2})+"/);
    expect(src).toMatch(/0x1\.[0-9a-f]{6}p-?\d+f/); // scalar multipliers as hex floats
    expect(h).toContain(`#define MISC_ARENA_SIZE ${g.arenaBytes}`);
    expect(h).toContain(`#define MISC_ARENA_LOWER_BOUND ${g.arenaLowerBound}`);
    expect(g.arenaBytes).toBeGreaterThanOrEqual(g.arenaLowerBound);
    expect(src).toMatch(/\/\* add \(qadd\): /); // one comment per node: name and op
    expect(src).not.toMatch(/malloc|static (?!const)\w+ \w+\s*[=;[]/); // no allocation, no mutable globals
  });
});

describe('generated C without warnings', () => {
  it('a graph that never touches the arena (one node writing the output) builds with -Wall -Wextra clean', () => {
    const b = new GraphBuilder('direct');
    b.output(b.op('relu', [b.input('x', { dtype: 'f32', shape: [8] })], {}, 'y'));
    const x = tensor('f32', [8], [-2, -1, 0, 1, 2, 3, -0, 4]);
    const got = compileRun(b.build(), 'c', [x], { float: true });
    expect(got.warnings).toBe('');
    expect(Array.from(got.outputs[0]!.data as Float32Array)).toEqual([0, 0, 0, 1, 2, 3, -0, 4]);
  });
});

describe('arena planner', () => {
  it('packs a chain of producer/consumer buffers into the live-tensor peak', () => {
    const bufs: Interval[] = [0, 1, 2, 3].map((i) => ({ id: i, bytes: 1000 * (i + 1), start: i, end: i + 1 }));
    const p = planArena(bufs);
    expect(p.lowerBound).toBe(3008 + 4032); // buffers 2 and 3, each rounded up to 64 bytes
    expect(p.size).toBe(p.lowerBound);
  });
  fcTest.prop([fc.array(fc.record({ bytes: fc.integer({ min: 1, max: 5000 }), start: fc.nat(20), len: fc.nat(6) }), { maxLength: 40 })], { numRuns: 200 })(
    'never overlaps two buffers that are live at the same step',
    (raw) => {
      const bufs = raw.map((b, id) => ({ id, bytes: b.bytes, start: b.start, end: b.start + b.len }));
      const p = planArena(bufs);
      expect(p.size).toBeGreaterThanOrEqual(p.lowerBound);
      for (const a of bufs)
        for (const b of bufs) {
          if (a.id >= b.id || a.end < b.start || b.end < a.start) continue;
          const ao = p.offsets.get(a.id)!, bo = p.offsets.get(b.id)!;
          expect(ao + a.bytes <= bo || bo + b.bytes <= ao).toBe(true);
        }
    },
  );
});

/** A float graph with one op that has no C kernel. */
function uncompiledGraph() {
  const b = new GraphBuilder('tri');
  b.output(b.op('trilu', [b.input('x', { dtype: 'f32', shape: [3, 3] })], {}, 'lower'));
  return b.build();
}

describe('errors', () => {
  it('runC with timeoutMs kills a program that does not finish and says so', () => {
    // a stand-in "program" that hangs: the runner is a shell that sleeps, whatever the arguments
    const hung = { exe: 'x', runner: ['sh', '-c', 'sleep 30', 'sh'], command: [], emulated: false, warnings: '' };
    const t0 = Date.now();
    const r = codes(() => runC(hung, { inputs: [], timeoutMs: 300 }));
    expect(r.codes).toEqual(['CODEGEN_RUN']);
    expect(r.text).toContain('did not finish within 0.3 s');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
  it('unknown target lists the valid ones', () => {
    const r = codes(() => generateC(misc().graph, { target: 'sse9' }));
    expect(r.codes).toEqual(['CODEGEN_TARGET']);
    expect(r.text).toContain('c, avx2, avx512-vnni, neon, neon-dot, native');
  });
  it('a float graph for an int8 target says to quantize first or use --float', () => {
    const r = codes(() => generateC(floatNet().graph, { target: 'c' }));
    expect(r.codes).toEqual(['CODEGEN_FLOAT_GRAPH']);
    expect(r.text).toMatch(/qforge quantize.*--float/s);
  });
  it('unsupported ops are all listed with their node names', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', { dtype: 'f32', shape: [4] }), w = b.input('w', { dtype: 'i8', shape: [2, 4] });
    const obs = b.op('observe', [x], { group: 0, dtype: 'u8' }, 'observer');
    const q8 = b.op('quantize', [x], { scale: [0.1], zero_point: [0], dtype: 'u8' }, 'to_u8');
    const lin = b.op('qlinear', [b.op('reshape', [q8], { shape: [1, 4] }, 'row'), w], { requant_scale: [Math.fround(0.1)], y_scale: 1, dtype: 'u8' }, 'runtime_weights');
    const d = b.op('cast', [x], { to: 'f64' }, 'to_f64');
    const [vals] = b.node('top_k', [x], { k: 2 }, { name: 'topk' });
    b.output(obs, lin, b.op('exp', [d], {}, 'exp64'), vals!);
    const r = codes(() => generateC(b.build(), { target: 'c' }));
    expect(r.codes).toEqual(new Array(4).fill('CODEGEN_UNSUPPORTED'));
    for (const n of ['observer', 'runtime_weights', 'exp64', 'topk']) expect(r.text).toContain(`'${n}'`);
    expect(r.text).toContain('qforge quantize');
  });
  it('every op of the op table has a C path or a declared reason, never both', () => {
    const missing = allOps().map((d) => d.name).filter((op) => !Object.hasOwn(EMITTERS, op) && !Object.hasOwn(UNCOMPILED, op));
    expect(missing, 'ops with neither an emitter nor a declared reason').toEqual([]);
    expect(Object.keys(UNCOMPILED).filter((op) => Object.hasOwn(EMITTERS, op)), 'declared uncompiled but compiled').toEqual([]);
    expect(Object.keys(UNCOMPILED).filter((op) => !getOp(op)), 'declared for ops that do not exist').toEqual([]);
    const r = codes(() => generateC(uncompiledGraph(), { target: 'c', float: true }));
    expect(r.text).toContain(UNCOMPILED['trilu']);
  });
  it('weights whose zero point leaves int8, and an int32 accumulator that could overflow', () => {
    const mk = (w: ReturnType<typeof tensor>, wzp: number) => {
      const b = new GraphBuilder('w');
      const x = b.input('x', { dtype: 'u8', shape: [1, w.shape[1]!] });
      b.output(b.op('qlinear', [x, b.constant('w', w)], { w_zero_point: [wzp], requant_scale: [Math.fround(0.001)], y_scale: 1, dtype: 'u8' }, 'fc'));
      return b.build();
    };
    expect(codes(() => generateC(mk(tensor('i8', [1, 2], [127, -3]), -5), { target: 'c' })).codes).toEqual(['CODEGEN_WEIGHT_ZERO']);
    expect(codes(() => generateC(mk(tensor('i8', [1, 70000], new Int8Array(70000).fill(-128)), 0), { target: 'c' })).codes).toEqual(['CODEGEN_OVERFLOW']);
  });
  it('a model name that is not a C identifier', () => {
    expect(codes(() => generateC(misc().graph, { target: 'c', name: '3d-net' })).codes).toEqual(['CODEGEN_NAME']);
  });
  it('a missing compiler names the package to install', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qforge-cg-'));
    const saved = process.env.QFORGE_CC;
    try {
      for (const [f, t] of generateC(misc().graph, { target: 'c', name: 'm' }).files) writeFileSync(path.join(dir, f), t);
      process.env.QFORGE_CC = 'clang-does-not-exist';
      const r = codes(() => buildC(dir, 'c'));
      expect(r.codes).toEqual(['CODEGEN_TOOLCHAIN']);
      expect(r.text).toContain('apt-get install clang-19 lld-19');
    } finally {
      if (saved === undefined) delete process.env.QFORGE_CC;
      else process.env.QFORGE_CC = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

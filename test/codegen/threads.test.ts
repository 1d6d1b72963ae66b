// Multi-threaded generated code (<name>_run_ctx on a qf_ctx): the output bytes are the same for 1, 2,
// 3, 7 and one-per-CPU threads on every target (native, SIMDe, qemu), on the fixture models and on random
// quantized graphs, and the same again when one process runs the model repeatedly; ThreadSanitizer
// finds no race. Built with -DQF_PAR_MIN_OPS=1 so that even these small models split every kernel
// that can split (the default keeps small kernels on the calling thread).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { test as fcTest } from '@fast-check/vitest';
import { buildC, generateC, runC, type BuildOptions, type BuildResult } from '../../src/codegen/index.js';
import { main } from '../../src/cli/main.js';
import { GraphBuilder, tensor, type Graph, type Tensor } from '../../src/ir/index.js';
import { readNpy, writeNpy } from '../../src/ir/npy.js';
import { writeQir } from '../../src/ir/text/index.js';
import { fixtureParts, modePart, type Part, quantizeFixture, x86ResidualParts } from './fixtures.js';
import { addConv, addLinear, convZoo, floatNet, misc, residual, type Case } from './graphs.js';
import { floatTensor, interpret, RUN_LIMIT, mergeGraphs, mismatches, randomTensor, rng } from './helpers.js';
import { fround } from '../../src/ir/quant-math.js';
import { randomCases, randomGraph } from './random-graphs.js';

/** 0: one thread per online CPU. */
const THREADS = [1, 2, 3, 7, 0];
const SPLIT_ALL = ['-DQF_PAR_MIN_OPS=1'];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function build(g: Graph, target: string, opts: BuildOptions = {}): BuildResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'qforge-threads-'));
  dirs.push(dir);
  const gen = generateC(g, { target, name: 'm' });
  for (const [f, text] of gen.files) writeFileSync(path.join(dir, f), text);
  return buildC(dir, gen.target, { cflags: SPLIT_ALL, ...opts });
}

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** `k` copies of a tensor stacked on a new leading axis: the harness runs the model once per copy. */
function stacked(t: Tensor, k: number): Tensor {
  const out = tensor(t.dtype, [k, ...t.shape]);
  for (let i = 0; i < k; i++) bytes(out).set(bytes(t), i * bytes(t).length);
  return out;
}

/** Few rows, many columns: GEMMs that split by column blocks (QF_QGEMM_COLS = 64) rather than by rows,
 *  with a partial last block (pointwise and im2col convolutions, a linear layer, K past one chunk). */
function wide(seed = 11): Case {
  const r = rng(seed), b = new GraphBuilder('wide');
  const x = b.input('x', { dtype: 'u8', shape: [1, 40, 3, 3] }), v = b.input('v', { dtype: 'i8', shape: [2, 300] });
  b.output(addConv(b, x, 9, { cin: 40, cout: 200, k: [1, 1] }, r, 'pw'));
  b.output(addConv(b, x, 9, { cin: 40, cout: 150, k: [3, 3], pads: [1, 1, 1, 1] }, r, 'k3'));
  b.output(addLinear(b, v, -5, 300, 333, r, 'fc'));
  return { graph: b.build(), inputs: [randomTensor('u8', [1, 40, 3, 3], r, 0, 255), randomTensor('i8', [2, 300], r, -128, 127)] };
}

/** Kernels split in more than one way: transposed convolutions whose col2im runs in two waves of row
 *  blocks (taps reaching 1..4 rows past their block, groups, dilation), batched qmatmul whose row
 *  ranges straddle batches, broadcasting qadd/qmul over rows, per-channel qlut, average pools and a
 *  pad of short rows (qf_remap's tiles), depthwise layers of 130 channels (three 64-channel blocks, the
 *  last partial: ranges cut rows between blocks; two more fused with the pointwise GEMM after them), a global average pool of 130 channels (64-channel blocks, the last of 2), weight-only linear
 *  layers over 16-column panels, on row counts that do not divide by the thread counts. */
function splits(seed = 13): Case {
  const r = rng(seed), b = new GraphBuilder('splits');
  const xf = b.input('x', { dtype: 'f32', shape: [1, 8, 17, 5] });
  const x = b.op('quantize', [xf], { scale: [0.02], zero_point: [9], dtype: 'u8' }, 'qx');
  b.output(addConv(b, x, 9, { cin: 8, cout: 6, k: [4, 4], stride: [2, 2], pads: [1, 1, 1, 1], transpose: true }, r, 'ct4'));
  b.output(addConv(b, x, 9, { cin: 8, cout: 4, k: [5, 3], pads: [2, 1, 2, 1], group: 2, transpose: true, ydtype: 'i8' }, r, 'ct5_g2'));
  b.output(addConv(b, x, 9, { cin: 8, cout: 5, k: [3, 3], stride: [3, 1], dil: [2, 1], transpose: true }, r, 'ct_s3'));
  const wide = addConv(b, x, 9, { cin: 8, cout: 130, k: [1, 1] }, r, 'pw130');
  b.output(addConv(b, wide, 128, { cin: 130, cout: 130, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], group: 130 }, r, 'dw3_130'));
  b.output(addConv(b, wide, 128, { cin: 130, cout: 130, k: [5, 3], pads: [2, 1, 2, 1], group: 130, ydtype: 'i8' }, r, 'dw53_130'));
  // a depthwise and the pointwise GEMM after it as one step (qf_par_dw_pw), the depthwise's output also a graph output
  const dw3 = addConv(b, wide, 128, { cin: 130, cout: 130, k: [3, 3], pads: [1, 1, 1, 1], group: 130 }, r, 'dw3_fused');
  b.output(dw3, addConv(b, dw3, 128, { cin: 130, cout: 70, k: [1, 1] }, r, 'dw3_pw'));
  const dw53 = addConv(b, wide, 128, { cin: 130, cout: 130, k: [5, 3], stride: [2, 1], pads: [2, 1, 2, 1], group: 130, ydtype: 'i8' }, r, 'dw53_fused');
  b.output(addConv(b, dw53, 0, { cin: 130, cout: 20, k: [1, 1], ydtype: 'i8' }, r, 'dw53_pw'));
  b.output(b.op('qglobal_avgpool', [wide], { x_zero_point: 128, requant_scale: 1, y_scale: 0.05, y_zero_point: 3, dtype: 'u8' }, 'gavg130'));
  const qa = b.op('quantize', [b.op('reshape', [xf], { shape: [4, 17, 10] }, 'ra')], { scale: [0.03], zero_point: [5], dtype: 'u8' }, 'qa');
  const qb = b.op('quantize', [b.op('slice', [xf], { starts: [0, 0, 0, 0], ends: [1, 1, 10, 3] }, 'sb')], { scale: [0.04], zero_point: [-1], dtype: 'i8' }, 'qb');
  const mm = b.op('qmatmul', [qa, b.op('reshape', [qb], { shape: [10, 3] }, 'qbm')], { a_zero_point: 5, b_zero_point: -1, requant_scale: fround((0.03 * 0.04) / 0.1), y_scale: 0.1, y_zero_point: 3, dtype: 'i8' }, 'mm');
  const col = b.op('quantize', [b.op('slice', [xf], { starts: [0, 0, 0, 0], ends: [1, 8, 17, 1] }, 'sc')], { scale: [0.02], zero_point: [0], dtype: 'u8' }, 'qcol');
  b.output(mm,
    b.op('qmul', [x, col], { a_scale: 0.02, a_zero_point: 9, b_scale: 0.02, b_zero_point: 0, y_scale: 0.01, y_zero_point: 4, dtype: 'u8' }, 'mul_cols'),
    b.op('qadd', [mm, b.op('slice', [mm], { starts: [0, 0, 0], ends: [1, 17, 3] }, 'mm0')], { a_scale: 0.1, a_zero_point: 3, b_scale: 0.1, b_zero_point: 3, y_scale: 0.15, y_zero_point: 0, dtype: 'i8' }, 'add_batch'),
    b.op('qlut', [x, b.constant('lut_table', randomTensor('u8', [8, 256], r, 0, 255))], { axis: 1, y_scale: 0.01, y_zero_point: 0, dtype: 'u8' }, 'lut_channels'),
    b.op('qavgpool2d', [x], { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 1, 1, 0], count_include_pad: true, x_zero_point: 9, requant_scale: fround(0.02 / 0.03), y_scale: 0.03, y_zero_point: 0, dtype: 'u8' }, 'avg'),
    // row-wise quantized ops over 68 rows of 10 (qf_par_qlayernorm, qf_par_qsoftmax)
    b.op('qlayernorm', [qa, b.constant('qln_g', floatTensor([10], r)), b.constant('qln_b', floatTensor([10], r, 0.2))], { x_scale: 0.03, x_zero_point: 5, y_scale: 0.02, y_zero_point: 3, dtype: 'u8' }, 'qln_rows'),
    b.op('qsoftmax', [qa], { x_scale: 0.03, x_zero_point: 5, y_scale: 1 / 256, y_zero_point: -128, dtype: 'i8' }, 'qsm_rows'),
    // short rows (6 bytes) padded on both axes: qf_remap's tiles with padding, cut by the row ranges
    b.op('pad', [b.op('slice', [qa], { starts: [0, 0, 0], ends: [4, 17, 3] }, 'qa3')], { pads: [0, 2, 1, 0, 1, 2], value: 7 }, 'pad_short'),
  );
  // weight-only linear layers of 45 columns (16-column panels, the last partial): int4 in groups of 8, int8 per row
  const wx = b.op('reshape', [xf], { shape: [17, 40] }, 'wo_x'), scales = (n: number) => Array.from({ length: n }, () => fround(0.001 * r(1, 50)));
  b.output(
    b.op('qlinear_weight_only', [wx, b.constant('wo4_w', randomTensor('i4', [45, 40], r, -8, 7)), b.constant('wo4_b', floatTensor([45], r))], { scale: scales(225), zero_point: Array.from({ length: 225 }, () => r(-2, 2)), group_size: 8 }, 'wo4'),
    b.op('qlinear_weight_only', [wx, b.constant('wo8_w', randomTensor('i8', [45, 40], r, -128, 127))], { scale: scales(45), zero_point: new Array<number>(45).fill(0), clamp_min: 0 }, 'wo8'),
  );
  return { graph: b.build(), inputs: [floatTensor([1, 8, 17, 5], r, 3)] };
}

/** Runs once per thread count, twice in one process each time; every run must give the bytes of the first. */
function expectSameForEveryThreadCount(b: BuildResult, g: Graph, inputs: Tensor[]): Tensor[] {
  const first = runC(b, { ...RUN_LIMIT, inputs, inputNames: g.inputs, threads: 1 }).outputs;
  for (const threads of THREADS) {
    const outs = runC(b, { ...RUN_LIMIT, inputs: inputs.map((t) => stacked(t, 2)), inputNames: g.inputs, threads }).outputs;
    outs.forEach((o, k) => {
      const want = bytes(first[k]!), got = bytes(o);
      for (let r = 0; r < 2; r++)
        expect(got.subarray(r * want.length, (r + 1) * want.length).equals(want), `${g.outputs[k]}, ${threads} threads, run ${r + 1}`).toBe(true);
    });
  }
  return first;
}

/** The attention block as the x86 quantizer leaves it (qlinear_f32, float softmax, layer_norm, gelu and batched
 *  matmuls on activations) and quantized dynamically (qlinear_dynamic): their row-split kernels. */
const floatAttention = (): Part[] => [quantizeFixture('attention_block', 'x86'), modePart('attention_block', 'dynamic')];

describe('threads: same bytes for every thread count', () => {
  const cases = [...fixtureParts(), ...x86ResidualParts(), ...floatAttention(), convZoo(8), misc(9), wide(), splits(), residual(10)];
  const models = mergeGraphs([...cases, floatNet(5)]);
  // Outputs the interpreter defines bit for bit: all but float accumulations (float GEMMs a quantizer
  // left, the float net), which other tests compare within a tolerance.
  const exact = cases.flatMap((p, i) => ('exact' in p && !p.exact ? [] : p.graph.outputs.map((o) => `g${i}_${o}`)));
  const want = interpret(models.graph, models.inputs);
  const exactOnly = (outs: Tensor[]): [Graph, Tensor[], Tensor[]] => {
    const keep = exact.map((o) => models.graph.outputs.indexOf(o));
    return [{ ...models.graph, outputs: exact }, keep.map((k) => outs[k]!), keep.map((k) => want[k]!)];
  };

  // one build and 11 runs of every fixture model: 25-120 s each on the loaded 2-core build machine
  for (const [target, opts] of [['c', {}], ['avx2', {}], ['avx512-vnni', {}], ['avx512-vnni', { emulate: true }]] as const)
    it(`fixture models, ${target}${'emulate' in opts ? ' (SIMDe)' : ''}`, () => {
      const got = expectSameForEveryThreadCount(build(models.graph, target, opts), models.graph, models.inputs);
      expect(mismatches(...exactOnly(got))).toEqual([]);
    }, 300_000);

  for (const target of ['neon', 'neon-dot'])
    it(`conv zoo and misc ops, ${target} under qemu`, () => {
      const small = mergeGraphs([convZoo(8), misc(9), wide(), splits(), residual(10)]);
      const got = expectSameForEveryThreadCount(build(small.graph, target), small.graph, small.inputs);
      expect(mismatches(small.graph, got, interpret(small.graph, small.inputs))).toEqual([]);
    });
});

describe('threads: random quantized graphs', () => {
  for (const target of ['c', 'native'])
    fcTest.prop([randomCases(12)], { numRuns: 1 })(`${target}: same bytes for every thread count, equal to the interpreter`, (specs) => {
      const { graph, inputs } = randomGraph(specs);
      const got = expectSameForEveryThreadCount(build(graph, target), graph, inputs);
      expect(mismatches(graph, got, interpret(graph, inputs))).toEqual([]);
    });
});

describe('threads: ThreadSanitizer', () => {
  it('finds no data race in a model run on 3 threads (avx2; conv_transpose, attention, pools, broadcasts, qlut, residual convs)', () => {
    const { graph, inputs } = mergeGraphs([...fixtureParts().slice(0, 4), quantizeFixture('attention_block', 'xnnpack'), ...floatAttention(), convZoo(8), misc(9), splits(), residual(10)]);
    const b = build(graph, 'avx2', { sanitize: 'thread' });
    process.env.TSAN_OPTIONS = 'halt_on_error=1 exitcode=66';
    const got = runC(b, { ...RUN_LIMIT, inputs: inputs.map((t) => stacked(t, 2)), inputNames: graph.inputs, threads: 3 }).outputs;
    expect(got.length).toBe(graph.outputs.length);
  });
});

describe('threads: API and CLI', () => {
  it('-DQF_NO_THREADS builds without pthreads: any --threads runs on the calling thread, same bytes', () => {
    const { graph, inputs } = mergeGraphs([convZoo(8), misc(9)]);
    const b = build(graph, 'c', { cflags: ['-DQF_NO_THREADS', '-DQF_PAR_MIN_OPS=1'] });
    expect(b.command).toContain('-DQF_NO_THREADS');
    expect(mismatches(graph, expectSameForEveryThreadCount(b, graph, inputs), interpret(graph, inputs))).toEqual([]);
  });


  it('-DQF_SPIN_US=0: every wait sleeps on a condition variable at once (no lost wake-up), same bytes', () => {
    const { graph, inputs } = mergeGraphs([convZoo(8), misc(9), splits()]);
    const b = build(graph, 'avx2', { cflags: ['-DQF_SPIN_US=0', '-DQF_PAR_MIN_OPS=1'] });
    expect(mismatches(graph, expectSameForEveryThreadCount(b, graph, inputs), interpret(graph, inputs))).toEqual([]);
  });

  it('the int8 kernels of the split-test graph are called in their parallel forms', () => {
    const c = generateC(splits().graph, { target: 'avx2', name: 'm' }).files.get('m.c')!;
    for (const fn of ['qgemm_i32', 'col2im_i32', 'requant_i32', 'qmatmul', 'broadcast2', 'lut_u8', 'qavgpool', 'qdwconv3x3', 'qdwconv', 'dw_pw', 'qgavgpool', 'wo_linear', 'quantize_planes_u8', 'qlayernorm', 'qsoftmax'])
      expect(c).toContain(`qf_par_${fn}(ctx, `);
    expect(c).not.toMatch(/[^_]qf_(qgemm_i32|col2im_i32|requant_i32|qmatmul|broadcast2|lut_u8|qavgpool|wo_linear_run|qlayernorm|qsoftmax)\(/);
  });

  it('the float attention block (x86, dynamic) and the float net call their GEMMs and row-wise ops in parallel forms', () => {
    const gen = (g: Graph, float: boolean) => generateC(g, { target: 'avx2', name: 'm', float }).files.get('m.c')!;
    const c = [...floatAttention().map((p) => gen(p.graph, false)), gen(floatNet(5).graph, true)].join('\n');
    for (const fn of ['qlinear_f32', 'fmatmul', 'f_softmax', 'f_layernorm', 'f_unary', 'quantize_u8'])
      expect(c).toContain(`qf_par_${fn}(ctx, `);
    expect(c).not.toMatch(/[^_]qf_(qgemm_i32|dynamic_output|fpack_cols|f_softmax|f_layernorm|f_unary|quantize_u8)\(/);
  });

  it('the header declares and documents the ctx API next to the unchanged entry points', () => {
    const h = generateC(misc(3).graph, { target: 'c', name: 'net' }).files.get('net.h')!;
    for (const decl of ['qf_ctx *net_ctx_new(int threads);', 'void net_ctx_free(qf_ctx *ctx);', 'int net_run(void *arena,', 'int net_run_ctx(qf_ctx *ctx, void *arena,', 'int net_run_quantized_ctx(qf_ctx *ctx, void *arena,'])
      expect(h).toContain(decl);
    expect(h).toMatch(/same output bytes for every thread count/);
  });

  it('qforge compile --run --threads 3 equals the interpreter; a bad count is a usage error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qforge-threads-cli-'));
    dirs.push(dir);
    const { graph, inputs } = misc(21);
    const model = path.join(dir, 'misc.q.qir'), x = path.join(dir, 'x.npy'), out = path.join(dir, 'out');
    writeQir(model, graph);
    writeNpy(x, inputs[0]!);
    let text = '', err = '';
    const io = { out: (s: string) => void (text += s), err: (s: string) => void (err += s) };
    expect(await main(['compile', model, '-t', 'c', '-o', out, '--run', '-i', `x=${x}`, '--bench', '2', '--threads', '3'], io), err).toBe(0);
    expect(text).toMatch(/median [\d.]+ (ms|µs) over 2 runs on 3 threads/);
    expect(mismatches(graph, graph.outputs.map((o) => readNpy(path.join(out, `${o}.npy`))), interpret(graph, inputs))).toEqual([]);
    expect(readFileSync(path.join(out, 'qforge_threads.c'), 'utf8')).toContain('qf_parallel');
    err = '';
    expect(await main(['compile', model, '-t', 'c', '-o', out, '--run', '-i', `x=${x}`, '--threads', 'two'], io)).not.toBe(0);
    expect(err).toMatch(/QF\d{4}.*--threads expects an integer from 0 to 512, got 'two'/s);
  });
});

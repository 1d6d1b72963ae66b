// qforge compile, in-process: generate, build and run a quantized .qir, a float .onnx with --float,
// and the errors a user meets first.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { readNpy, writeNpy } from '../../src/ir/npy.js';
import { writeQir } from '../../src/ir/text/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { FLOAT_TOLERANCE, interpret, mismatches, relErr } from './helpers.js';
import { misc } from './graphs.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'qforge-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('qforge compile', () => {
  it('compiles, builds and runs a quantized .qir; outputs equal the interpreter', async () => {
    const { graph, inputs } = misc(21);
    const model = path.join(tmp, 'misc.q.qir'), x = path.join(tmp, 'x.npy'), out = path.join(tmp, 'out');
    writeQir(model, graph);
    writeNpy(x, inputs[0]!);
    const r = await cli('compile', model, '--target', 'c', '-o', out, '--name', 'net', '--run', '-i', `x=${x}`, '--bench', '3');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/arena \d+ bytes \(live-tensor peak \d+\)/);
    expect(r.out).toMatch(/median [\d.]+ (ms|µs) over 3 runs/);
    for (const f of ['net.c', 'net.h', 'main.c', 'Makefile', 'qforge_kernels.h', 'qforge_kernels_ref.c']) expect(readFileSync(path.join(out, f), 'utf8').length).toBeGreaterThan(0);
    const got = graph.outputs.map((o) => readNpy(path.join(out, `${o}.npy`)));
    expect(mismatches(graph, got, interpret(graph, inputs))).toEqual([]);
  });

  it('quantize → compile → run on a stack of samples: one run per sample, bit-exact with the interpreter', async () => {
    const q = path.join(tmp, 'digits.q.qir'), out = path.join(tmp, 'digits');
    const quant = await cli('quantize', 'examples/digits/model.onnx', '--calib', 'examples/digits/calib.npy', '--quantizer', 'pytorch-fx', '-o', q);
    expect(quant.code, quant.err).toBe(0);
    const g = (await import('../../src/ir/text/index.js')).readQir(q);
    expect(g.nodes.map((n) => n.op)).toContain('qlinear');
    const all = readNpy('examples/digits/test_inputs.npy');
    const n = 7, per = all.data.length / all.shape[0]!;
    const stack = tensor('f32', [n, ...all.shape.slice(1)], (all.data as Float32Array).slice(0, n * per));
    writeNpy(path.join(tmp, 'stack.npy'), stack);
    const r = await cli('compile', q, '-t', 'c', '-o', out, '--run', '-i', `input=${path.join(tmp, 'stack.npy')}`);
    expect(r.code, r.err).toBe(0);
    const got = readNpy(path.join(out, 'output.npy'));
    expect(got.shape).toEqual([n, 1, 10]);
    for (let i = 0; i < n; i++) {
      const one = tensor('f32', all.shape.slice(1), (all.data as Float32Array).slice(i * per, (i + 1) * per));
      const want = interpret(g, [one])[0]!;
      expect(Array.from(got.data.slice(i * 10, (i + 1) * 10) as ArrayLike<number>)).toEqual(Array.from(want.data as ArrayLike<number>));
    }
  });

  it('compiles a float .onnx with --float', async () => {
    const onnx = '../shared/fixtures/mlp/model.onnx', out = path.join(tmp, 'mlp');
    const g = importOnnx(onnx);
    const x = tensor('f32', [1, 64], Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)));
    writeNpy(path.join(tmp, 'mlp_x.npy'), x);
    const r = await cli('compile', onnx, '-t', 'c', '--float', '-o', out, '--run', '-i', path.join(tmp, 'mlp_x.npy'));
    expect(r.code, r.err).toBe(0);
    const got = readNpy(path.join(out, `${g.outputs[0]}.npy`));
    expect(relErr(got, interpret(g, [x])[0]!)).toBeLessThanOrEqual(FLOAT_TOLERANCE);
  });

  it('refuses a float model without --float, and an unknown target', async () => {
    const r = await cli('compile', '../shared/fixtures/mlp/model.onnx', '-t', 'c', '-o', path.join(tmp, 'x'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/QF4002.*no quantized ops[\s\S]*qforge quantize/);
    const t = await cli('compile', '../shared/fixtures/mlp/model.onnx', '-t', 'arm9', '--float', '-o', path.join(tmp, 'x'));
    expect(t.code).toBe(1);
    expect(t.err).toContain("QF4001: unknown target 'arm9'; valid targets: c, avx2, avx512-vnni, neon, neon-dot, native");
  });
});

// The CLI in-process (main() with captured output) and, for exit codes and stderr of a real
// process, spawned through tsx.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, VERBS } from '../../src/cli/main.js';
import type { RegisterVerb } from '../../src/cli/io.js';
import { readNpy, writeNpy } from '../../src/ir/npy.js';
import { tensor } from '../../src/ir/tensor.js';
import { onnxModel } from '../onnx/build-model.js';

const FIX = resolve(process.cwd(), '../shared/fixtures');
const DIGITS = join(FIX, 'digits_mlp');
const MODEL = join(DIGITS, 'model.onnx');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'qforge-cli-'));
  // Two inputs, for binding rules; and one with a symbolic batch dimension.
  writeFileSync(join(tmp, 'add.onnx'), onnxModel({ nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['sum'] }], inputs: [['a', 'f32', [2]], ['b', 'f32', [2]]], outputs: [['sum', 'f32']] }));
  writeFileSync(join(tmp, 'dyn.onnx'), onnxModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['/out:0'] }], inputs: [['x', 'f32', ['batch', 3]]], outputs: [['/out:0', 'f32']] }));
  writeNpy(join(tmp, 'a.npy'), tensor('f32', [2], [1, 2]));
  writeNpy(join(tmp, 'b3.npy'), tensor('f32', [3, 2], [10, 20, 30, 40, 50, 60]));
  writeNpy(join(tmp, 'b2.npy'), tensor('f32', [2, 2], [1, 1, 1, 1]));
});

describe('qforge inspect', () => {
  it('reports ops, parameters, MACs and activation memory', async () => {
    const r = await cli('inspect', MODEL, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.name).toBe('digits_mlp');
    expect(s.ops).toEqual({ gemm: 2, flatten: 1, relu: 1 });
    expect(s.parameters).toBe(64 * 32 + 32 + 32 * 10 + 10);
    expect(s.macs).toBe(64 * 32 + 32 * 10);
    // input (256 B) and the flattened copy (256 B) are alive together.
    expect(s.peakActivationBytes).toBe(512);
    expect(s.activationBytes).toBe(256 + 256 + 128 + 128 + 40);
    expect(s.tensors.find((t: { name: string }) => t.name === 'fc1.weight')).toEqual({ name: 'fc1.weight', kind: 'constant', type: 'f32[32,64]', bytes: 8192 });
    const text = await cli('inspect', MODEL);
    expect(text.out).toContain('MACs: 2,368');
    expect(text.out).toMatch(/parameters: 2,410 \(9\.41 KiB\)/);
  });

  it('counts conv MACs on a conv net', async () => {
    const s = JSON.parse((await cli('inspect', join(FIX, 'conv_bn_relu/model.onnx'), '--json')).out);
    // conv 3->8 3x3 on 16x16, conv 8->16 3x3 stride 2 -> 8x8, linear 16->10.
    expect(s.macsByOp).toEqual({ conv2d: 16 * 16 * 8 * 27 + 8 * 8 * 16 * 72, gemm: 160 });
  });

  it('fixes symbolic dimensions with --dim and --shape', async () => {
    const bad = await cli('inspect', join(tmp, 'dyn.onnx'));
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(`error QF0502: ${join(tmp, 'dyn.onnx')}: graph input 'x' has dynamic dimensions (batch); qforge needs static shapes\n  hint: fix them, e.g. --dim batch=1\n`);
    expect(JSON.parse((await cli('inspect', join(tmp, 'dyn.onnx'), '--dim', 'batch=4', '--json')).out).inputs).toEqual([{ name: 'x', type: 'f32[4,3]' }]);
    expect(JSON.parse((await cli('inspect', join(tmp, 'dyn.onnx'), '--shape', 'x=2,3', '--json')).out).inputs).toEqual([{ name: 'x', type: 'f32[2,3]' }]);
    const usage = await cli('inspect', join(tmp, 'dyn.onnx'), '--dim', 'batch');
    expect([usage.code, usage.err]).toEqual([2, "error QF0701: --dim expects NAME=VALUE, got 'batch'\n"]);
  });
});

describe('qforge run', () => {
  it('runs a stack of inputs and writes each output as .npy', async () => {
    const out = join(tmp, 'run1');
    const r = await cli('run', MODEL, '-i', `input=${join(DIGITS, 'test.npy')}`, '-o', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ran digits_mlp on 4 samples in [\d.]+ ms/);
    expect(r.out).toContain(`  output: f32[4,1,10] [-12.2958, -11.1244, 4.1886, 13.3485, -24.4749, -8.45065, ...] -> ${join(out, 'output.npy')}`);
    const got = readNpy(join(out, 'output.npy')), want = readNpy(join(DIGITS, 'expected_fp32.npy'));
    expect(got.shape).toEqual([4, 1, 10]);
    for (let i = 0; i < want.data.length; i++) expect(Math.abs(Number(got.data[i]) - Number(want.data[i]))).toBeLessThan(1e-5);
  });

  it('takes a bare file for a one-input model, and sanitizes output file names', async () => {
    writeNpy(join(tmp, 'x.npy'), tensor('f32', [2, 3], [-1, 2, -3, 4, -5, 6]));
    const r = await cli('run', join(tmp, 'dyn.onnx'), '--dim', 'batch=2', '-i', join(tmp, 'x.npy'), '-o', join(tmp, 'run2'));
    expect(r.code).toBe(0);
    expect(existsSync(join(tmp, 'run2', 'out_0.npy'))).toBe(true);
    expect(Array.from(readNpy(join(tmp, 'run2', 'out_0.npy')).data as Float32Array)).toEqual([0, 2, 0, 4, 0, 6]);
  });

  it('reuses an unstacked input across a stacked one', async () => {
    const r = await cli('run', join(tmp, 'add.onnx'), '-i', `a=${join(tmp, 'a.npy')}`, '-i', `b=${join(tmp, 'b3.npy')}`, '-o', join(tmp, 'run3'));
    expect(r.code).toBe(0);
    expect(Array.from(readNpy(join(tmp, 'run3', 'sum.npy')).data as Float32Array)).toEqual([11, 22, 31, 42, 51, 62]);
  });

  it('names the input and the expected type when an input does not fit', async () => {
    const labels = join(DIGITS, 'test_split_labels.npy');
    const cases: [string[], number, string][] = [
      [['-i', join(FIX, 'mlp/test.npy')], 1, `error QF0401: input 'input' must be f32[1,8,8] (or a stack f32[N,1,8,8]); ${join(FIX, 'mlp/test.npy')} holds f32[4,1,64]\n`],
      [['-i', labels], 1, `error QF0401: input 'input' must be f32[1,8,8] (or a stack f32[N,1,8,8]); ${labels} holds i64[450]\n`],
      [[], 2, "error QF0701: missing input: input (f32[1,8,8])\n  hint: pass -i input=file.npy\n"],
      [['-i', 'x=a.npy'], 2, "error QF0701: -i x=a.npy: the model has no input 'x' (inputs: input)\n"],
      [['-i', join(tmp, 'nothere.npy')], 1, `error QF0702: cannot read ${join(tmp, 'nothere.npy')}: no such file or folder\n`],
    ];
    for (const [args, code, err] of cases) {
      const r = await cli('run', MODEL, ...args);
      expect([r.code, r.err, r.out]).toEqual([code, err, '']);
    }
    const two = await cli('run', join(tmp, 'add.onnx'), '-i', join(tmp, 'a.npy'), '-i', `b=${join(tmp, 'a.npy')}`);
    expect(two.err).toBe(`error QF0701: -i ${join(tmp, 'a.npy')}: the model has 2 inputs; name it as NAME=file.npy (inputs: a, b)\n`);
    const clash = await cli('run', join(tmp, 'add.onnx'), '-i', `a=${join(tmp, 'b2.npy')}`, '-i', `b=${join(tmp, 'b3.npy')}`);
    expect(clash.err).toBe(`error QF0401: stacked inputs disagree: ${join(tmp, 'b2.npy')} holds 2 samples, ${join(tmp, 'b3.npy')} holds 3\n`);
  });
});

describe('qforge import', () => {
  it('writes .qir that runs like the ONNX model', async () => {
    const qir = join(tmp, 'digits.qir');
    const r = await cli('import', MODEL, '-o', qir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^wrote ${qir}.*: 4 nodes, 2,410 parameters \\(9\\.41 KiB\\)\\n$`));
    const a = await cli('run', MODEL, '-i', join(DIGITS, 'test.npy'), '-o', join(tmp, 'from-onnx'));
    const b = await cli('run', qir, '-i', join(DIGITS, 'test.npy'), '-o', join(tmp, 'from-qir'));
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(join(tmp, 'from-qir', 'output.npy'))).toEqual(readFileSync(join(tmp, 'from-onnx', 'output.npy')));
    const printed = await cli('import', MODEL);
    expect(printed.out).toMatch(/^graph digits_mlp\(%input: f32\[1,8,8\]\) -> \(%output: f32\[1,10\]\)/);
  });

  it('round-trips every fixture model through .qir', async () => {
    for (const m of ['small_resnet', 'attention_block', 'convT_bn_relu', 'depthwise_residual']) {
      const qir = join(tmp, `${m}.qir`);
      expect((await cli('import', join(FIX, m, 'model.onnx'), '-o', qir)).code).toBe(0);
      const a = await cli('run', join(FIX, m, 'model.onnx'), '-i', join(FIX, m, 'test.npy'), '-o', join(tmp, `${m}-onnx`));
      const b = await cli('run', qir, '-i', join(FIX, m, 'test.npy'), '-o', join(tmp, `${m}-qir`));
      expect([a.code, b.err]).toEqual([0, '']);
      expect(readFileSync(join(tmp, `${m}-qir`, 'output.npy'))).toEqual(readFileSync(join(tmp, `${m}-onnx`, 'output.npy')));
    }
  });
});

describe('errors', () => {
  it('prints usage errors as one diagnostic line with exit code 2', async () => {
    for (const argv of [['frobnicate'], ['run'], ['inspect', MODEL, '--bogus'], ['run', 'model.txt']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^error QF0701: .+\n( {2}hint: .+\n)?$/);
    }
    expect((await cli('--version')).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await cli('run', '--help');
    expect([help.code, help.out.includes('-i, --input <name=file.npy>')]).toEqual([0, true]);
  });

  it('lists unsupported ops in one error and reports unexpected failures as internal errors', async () => {
    const m = join(tmp, 'unsup.onnx');
    writeFileSync(m, onnxModel({ nodes: [{ op: 'GridSample', inputs: ['x'], outputs: ['y'], name: 'up' }], inputs: [['x', 'f32', [1]]], outputs: [['y', 'f32']] }));
    const r = await cli('inspect', m);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toBe(`error QF0502: ${m}: 1 unsupported ONNX op type: GridSample ×1 (up)`);
    const boom: RegisterVerb = (p) => void p.command('boom').action(() => {
      throw new TypeError('x is undefined');
    });
    let err = '';
    const code = await main(['boom'], { out: () => {}, err: (s) => void (err += s) }, [...VERBS, boom]);
    expect([code, err]).toEqual([70, 'internal error: x is undefined\n']);
  });

  it('exits non-zero with one line and no stack trace as a real process', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', join(tmp, 'missing.onnx')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error QF0702: cannot read ${join(tmp, 'missing.onnx')}: no such file or folder\n`);
    expect(r.stdout).toBe('');
  });

  it('bin/qforge.js says to build when dist/ is missing', () => {
    const fake = join(tmp, 'pkg');
    mkdirSync(join(fake, 'bin'), { recursive: true });
    copyFileSync('bin/qforge.js', join(fake, 'bin/qforge.js'));
    const r = spawnSync(process.execPath, [join(fake, 'bin/qforge.js'), '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/dist\/cli\/main\.js is missing; run npm run build/);
  });
});

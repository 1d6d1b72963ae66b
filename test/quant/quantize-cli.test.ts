// qforge quantize, in-process: output graph, report contents, and usage errors.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readQir } from '../../src/ir/text/index.js';
import { FIX } from './flow-helpers.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(path.join(tmpdir(), 'qforge-quantize-'));
const DIGITS = path.join(FIX, 'digits_mlp');

describe('qforge quantize', () => {
  it('writes the q/dq graph and a report with ONNX tensor names, qparams and SQNR', async () => {
    const out = path.join(dir, 'd.q.qir'), report = path.join(dir, 'r.json');
    const r = await cli('quantize', path.join(DIGITS, 'model.onnx'), '--calib', path.join(DIGITS, 'calib.npy'), '--quantizer', 'pytorch-fx', '-o', out, '--report', report);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/quantized digits_mlp \(static, pytorch-fx\): 2 weights, 2 biases, 4 activations; calibrated on 16 samples/);
    const g = readQir(out);
    expect(g.nodes.filter((n) => n.op === 'quantize').length).toBeGreaterThan(0);
    expect(g.outputs).toEqual(['output']);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    const byName = Object.fromEntries(rep.tensors.map((t: { name: string }) => [t.name, t]));
    expect(byName['fc1.weight']).toMatchObject({ role: 'weight', dtype: 'i8', granularity: 'per-channel', axis: 0 });
    expect(byName['/relu/Relu_output_0']).toMatchObject({ role: 'activation', dtype: 'u8', zeroPoint: [0] });
    expect(byName['input'].scale).toEqual([Math.fround(1 / 255)]);
    expect(byName['fc2.bias'].role).toBe('bias');
    expect(rep.outputs[0].name).toBe('output');
    expect(rep.outputs[0].sqnrDb).toBeGreaterThan(35);
    expect(rep.calibration.samples).toBe(16);
    expect(rep.sqnrSamples).toBe(8);
  });

  it('--sqnr-samples: the SQNR check on the first n samples, all of them, or none; a bad value is a usage error', async () => {
    const args = ['quantize', path.join(DIGITS, 'model.onnx'), '--calib', path.join(DIGITS, 'calib.npy'), '-o', path.join(dir, 's.q.qir'), '--report', path.join(dir, 's.json')];
    const sqnr = (out: string) => Number(/SQNR ([\d.]+) dB/.exec(out)?.[1]);
    const all = await cli(...args, '--sqnr-samples', 'all');
    expect(all.out).toMatch(/calibrated on 16 samples, SQNR over all\n/);
    const two = await cli(...args, '--sqnr-samples', '2');
    expect(two.out).toMatch(/calibrated on 16 samples, SQNR over the first 2\n/);
    expect(sqnr(two.out)).not.toBe(sqnr(all.out)); // a different sample set, so it can fail if the count were ignored
    expect(JSON.parse(readFileSync(path.join(dir, 's.json'), 'utf8')).sqnrSamples).toBe(2);
    const none = await cli(...args, '--sqnr-samples', '0');
    expect(none.out).not.toMatch(/SQNR/);
    const bad = await cli(...args, '--sqnr-samples', 'some');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--sqnr-samples some: expected a whole number or 'all'/);
  });

  it('x86-dynamic: the summary and the report say which activations are quantized at run time (no calibrated qparams)', async () => {
    const out = path.join(dir, 'x86d.q.qir'), report = path.join(dir, 'x86d.json');
    const r = await cli('quantize', path.join(DIGITS, 'model.onnx'), '--calib', path.join(DIGITS, 'calib.npy'), '--quantizer', 'x86-dynamic', '-o', out, '--report', report);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/quantized digits_mlp \(static, x86-dynamic\): 2 weights, 0 biases, 2 activations quantized at run time \(dynamic\); calibrated on 16 samples/);
    expect(readQir(out).nodes.filter((n) => n.op === 'qlinear_dynamic').length).toBe(2);
    const byName = Object.fromEntries(JSON.parse(readFileSync(report, 'utf8')).tensors.map((t: { name: string }) => [t.name, t]));
    for (const a of ['/Flatten_output_0', '/relu/Relu_output_0']) expect(byName[a]).toMatchObject({ role: 'activation', dtype: 'u8', dynamic: true, scale: [], zeroPoint: [] });
    expect(byName['fc1.weight']).toMatchObject({ role: 'weight', dtype: 'i8', granularity: 'per-channel' });
    expect(byName['fc1.weight'].dynamic).toBeUndefined();
    const dyn = await cli('quantize', path.join(DIGITS, 'model.onnx'), '--mode', 'dynamic', '-o', path.join(dir, 'dyn.q.qir'));
    expect(dyn.out).toMatch(/quantized digits_mlp \(dynamic\): 2 weights quantized; 2 linear layer inputs quantized at run time/);
  });

  it('takes a JSON config and an observer override', async () => {
    const out = path.join(dir, 'h.q.qir');
    const r = await cli('quantize', path.join(DIGITS, 'model.onnx'), '--calib', path.join(DIGITS, 'calib.npy'), '--quantizer', 'spec/quantizers/per-tensor-u8.json', '--observer', 'histogram', '-o', out);
    expect(r.code).toBe(0);
    const obs = readQir(out).nodes.filter((n) => n.op === 'quantize');
    expect(obs.length).toBeGreaterThan(0);
  });

  it('writes the same graph with calibration on 2 threads (--jobs 2) as on one', async () => {
    const files = ['1', '2'].map((j) => path.join(dir, `jobs${j}.q.qir`));
    for (const [k, j] of ['1', '2'].entries()) {
      const r = await cli('quantize', path.join(DIGITS, 'model.onnx'), '--calib', path.join(DIGITS, 'calib.npy'), '--quantizer', 'pytorch-fx-histogram', '--jobs', j, '-o', files[k]!);
      expect(r.code).toBe(0);
    }
    expect(readFileSync(files[1]!, 'utf8')).toBe(readFileSync(files[0]!, 'utf8')); // weights inline: a small model
  });

  const usage: [string, string[], number, RegExp][] = [
    ['a bad --jobs', ['--calib', path.join(DIGITS, 'calib.npy'), '--jobs', '0'], 2, /--jobs 0: expected a whole number ≥ 1/],
    ['an unknown mode', ['--mode', 'int2'], 2, /--mode int2 is not available \(modes: static, dynamic, weight-only\)/],
    ['an unknown observer', ['--observer', 'kl'], 2, /--observer kl: expected one of minmax/],
    ['missing calibration data', [], 2, /needs calibration data: --calib/],
    ['a bad quantizer', ['--calib', path.join(DIGITS, 'calib.npy'), '--quantizer', 'xnnpak'], 1, /QF3005.*unknown quantizer 'xnnpak'/],
    ['a calibration shape mismatch', ['--calib', path.join(DIGITS, 'test_split_labels.npy')], 1, /QF3004/],
  ];
  for (const [what, args, code, re] of usage)
    it(`reports ${what}`, async () => {
      const out = path.join(dir, `${what.replace(/\W/g, '_')}.qir`);
      const r = await cli('quantize', path.join(DIGITS, 'model.onnx'), ...args, '-o', out);
      expect(r.code).toBe(code);
      expect(r.err).toMatch(re);
      expect(existsSync(out)).toBe(false);
    });
});

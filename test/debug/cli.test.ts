// qforge debug and qforge quantize --export-onnx, in-process.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FIX } from './support.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const DIR = join(FIX, 'conv_bn_relu');
const MODEL = join(DIR, 'model.onnx');
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'qforge-debug-'));
  const r = await cli('quantize', MODEL, '--calib', join(DIR, 'calib.npy'), '--quantizer', 'pytorch-fx', '--emit', 'qdq', '-o', join(tmp, 'q.qir'), '--export-onnx', join(tmp, 'q.onnx'));
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toContain(`  wrote ${join(tmp, 'q.onnx')} (QDQ ONNX)\n`);
});

describe('qforge debug', () => {
  it('prints the table worst first and writes JSON and HTML', async () => {
    const json = join(tmp, 'd.json'), html = join(tmp, 'd.html');
    const r = await cli('debug', MODEL, join(tmp, 'q.qir'), '-i', `input=${join(DIR, 'test.npy')}`, '--json', json, '--html', html, '--top', '2');
    expect([r.code, r.err]).toEqual([0, '']);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('numeric debugger: conv_bn_relu vs conv_bn_relu on 4 samples: 7 values compared (2 float-only, 0 quantized-only handles)');
    expect(lines[1]).toMatch(/^ {2}output output: SQNR 30\.57 dB/);
    expect(lines.slice(5, 7).map((l) => l.trim().split(/\s+/)[0])).toEqual(['1', '2']);
    expect(lines[7]).toBe('  ... 5 more (--top 7 shows all)');
    expect(r.out).toContain(`  wrote ${json}\n  wrote ${html}\n`);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.samples).toBe(4);
    expect(j.layers).toHaveLength(7);
    expect(j.outputs[0].sqnrDb).toBeCloseTo(30.57, 2);
    expect(readFileSync(html, 'utf8')).toContain('<svg');
  });

  it('compares the lowered integer graph (the default output of quantize) as well', async () => {
    const q = await cli('quantize', MODEL, '--calib', join(DIR, 'calib.npy'), '--quantizer', 'pytorch-fx', '-o', join(tmp, 'int8.qir'));
    expect(q.code, q.err).toBe(0);
    const r = await cli('debug', MODEL, join(tmp, 'int8.qir'), '-i', join(DIR, 'test.npy'));
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out.split('\n')[1]).toMatch(/^ {2}output output: SQNR 30\.57 dB/);
    expect(r.out).toMatch(/qconv2d/);
  });

  it('reads the exported QDQ ONNX file too (handles travel in node metadata)', async () => {
    const a = await cli('debug', MODEL, join(tmp, 'q.qir'), '-i', join(DIR, 'test.npy'));
    const b = await cli('debug', MODEL, join(tmp, 'q.onnx'), '-i', join(DIR, 'test.npy'));
    expect(b.code).toBe(0);
    // Same pairs and numbers; only the graph name differs.
    expect(b.out.replace(/ vs conv_bn_relu/, '').replace(/^numeric debugger: \S+/, '')).toBe(a.out.replace(/ vs conv_bn_relu/, '').replace(/^numeric debugger: \S+/, ''));
  });

  it('fails clearly on missing inputs, a bad --top and unrelated graphs', async () => {
    const missing = await cli('debug', MODEL, join(tmp, 'q.qir'));
    expect([missing.code, missing.err]).toEqual([2, 'error QF0701: missing input: input (f32[1,3,16,16])\n  hint: pass -i input=file.npy\n']);
    const top = await cli('debug', MODEL, join(tmp, 'q.qir'), '-i', join(DIR, 'test.npy'), '--top', 'x');
    expect([top.code, top.err]).toEqual([2, "error QF0701: --top: 'x' is not a non-negative integer\n"]);
    const other = await cli('debug', join(FIX, 'mlp/model.onnx'), join(tmp, 'q.qir'), '-i', join(FIX, 'mlp/test.npy'));
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/^error QF3502: the float graph takes \(input: f32\[1,64\]\) but the quantized graph takes \(input: f32\[1,3,16,16\]\)\n$/);
    expect(existsSync(join(tmp, 'q.qir'))).toBe(true);
  });
});

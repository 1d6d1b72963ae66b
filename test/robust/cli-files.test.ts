// Issue #15 regressions at the CLI's edges: output folders that cannot be made and closed pipes
// end with a clean diagnostic or quietly, never an internal error, a stack trace or a hang.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { onnxModel } from '../onnx/build-model.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

let tmp: string, model: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'qforge-robust-'));
  model = join(tmp, 'relu.onnx');
  writeFileSync(model, onnxModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [['x', 'f32', [4]]], outputs: [['y', 'f32']] }));
});

describe('output folders', () => {
  it('compile -o <an existing file> is QF0702, not EEXIST', async () => {
    const file = join(tmp, 'taken');
    writeFileSync(file, 'x');
    const r = await cli('compile', model, '--float', '-t', 'c', '-o', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error QF0702: cannot create folder .*taken: a file with that name exists/);
  });

  it('a file in the middle of the path is QF0702', async () => {
    writeFileSync(join(tmp, 'taken2'), 'x');
    const r2 = await cli('compile', model, '--float', '-t', 'c', '-o', join(tmp, 'taken2', 'sub'));
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/QF0702: cannot create folder .*a parent is not a folder/);
  });

  it('-o under /proc fails at once instead of looping', async () => {
    const t0 = Date.now();
    const r = await cli('compile', model, '--float', '-t', 'c', '-o', '/proc/qforge-no/such');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/QF0702: cannot create folder \/proc\/qforge-no\/such/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('creates missing parents', async () => {
    const dir = join(tmp, 'a', 'b', 'c');
    expect((await cli('compile', model, '--float', '-t', 'c', '-o', dir)).code).toBe(0);
    expect(existsSync(join(dir, 'main.c'))).toBe(true);
  });
});

describe('a closed pipe', () => {
  it('qforge ops | head exits quietly', () => {
    // The real program (isEntry), its stdout read by a `head` that stops after one line.
    const r = spawnSync('sh', ['-c', `"${process.execPath}" --import tsx src/cli/main.ts ops | head -n 1`], { encoding: 'utf8' });
    expect(r.stdout.split('\n')[0]).toMatch(/\S/);
    expect(r.stderr).not.toMatch(/EPIPE|at .*\(|node:events/);
  });
});

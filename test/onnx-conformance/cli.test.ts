// `qforge onnx-test`: one line per test, the summary line, exit codes; a test folder whose expected
// output was altered must fail, with its max error.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { decodeTensorProto, TensorProtoType, tensorToProto } from '../../src/ir/onnx/index.js';

const NODE = '/usr/share/libonnx-testdata/data/node';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

let tmp: string;
beforeAll(() => {
  if (!existsSync(NODE)) return;
  // test_relu with one expected element moved by 0.5: must fail.
  tmp = mkdtempSync(join(tmpdir(), 'qforge-onnx-test-'));
  const bad = join(tmp, 'suite', 'test_relu_altered'), ds = join(bad, 'test_data_set_0');
  mkdirSync(ds, { recursive: true });
  const src = join(NODE, 'test_relu');
  copyFileSync(join(src, 'model.onnx'), join(bad, 'model.onnx'));
  copyFileSync(join(src, 'test_data_set_0', 'input_0.pb'), join(ds, 'input_0.pb'));
  const out = decodeTensorProto(readFileSync(join(src, 'test_data_set_0', 'output_0.pb')));
  (out.data as Float32Array)[3]! += 0.5;
  writeFileSync(join(ds, 'output_0.pb'), TensorProtoType.encode(TensorProtoType.fromObject(tensorToProto(out, 'y'))).finish());
});

describe.skipIf(!existsSync(NODE))('qforge onnx-test', () => {
  it('passes and unsupported tests: one line each, then the summary; exit 0', async () => {
    const r = await cli('onnx-test', join(NODE, 'test_abs'), join(NODE, 'test_loop11'), join(NODE, 'test_add'));
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^pass\s+test_abs$/);
    expect(lines[1]).toMatch(/^unsupported\s+test_loop11\s+\(Loop\)/);
    expect(lines[2]).toMatch(/^pass\s+test_add$/);
    expect(lines[3]).toBe('unsupported: Loop ×1');
    expect(lines[4]).toBe('2 passed, 0 failed, 1 unsupported');
  });

  it('a wrong expected output fails with its max error and exit code 1', async () => {
    const r = await cli('onnx-test', join(tmp, 'suite'), join(NODE, 'test_abs'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL\s+suite\/test_relu_altered\s+max error 0\.500: data set 0, output 0 'y': element 3:/m);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed, 0 unsupported');
    expect(r.err).toMatch(/error QF5001: 1 of 2 ONNX tests failed/);
  });

  it('--failures-only leaves out passing tests', async () => {
    const r = await cli('onnx-test', '--failures-only', join(NODE, 'test_abs'), join(NODE, 'test_loop11'));
    expect(r.out.trimEnd().split('\n')).toEqual([expect.stringMatching(/^unsupported\s+test_loop11/), 'unsupported: Loop ×1', '1 passed, 0 failed, 1 unsupported']);
  });

  it('a folder without tests is an error; --help states the tolerances', async () => {
    const r = await cli('onnx-test', tmp + '/nowhere');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/QF5002.*does not exist/)]);
    const empty = mkdtempSync(join(tmp, 'empty-'));
    expect((await cli('onnx-test', empty)).err).toMatch(/QF5002.*no test folders/);
    const h = await cli('onnx-test', '--help');
    expect(h.out).toMatch(/1e-7 \+ 0\.001·\|expected\|/);
    expect(h.out).toMatch(/integers and bools exactly/);
  });
});

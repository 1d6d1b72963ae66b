// Fuzz through the real program: a few mutated inputs of each kind (and the hostile reproducers
// of issue #15) given to spawned `qforge` processes. Every run exits 0, 1 or 2 — never 70 — and
// stderr never holds an internal error or a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/ir/npy.js';
import { tensor } from '../../src/ir/tensor.js';
import { onnxModel } from '../onnx/build-model.js';
import { mutateBytes, mutateTokens, rng, runs, SEED } from './support.js';

const FIX = resolve('../shared/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'qforge-fuzz-cli-'));

function qforge(...argv: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...argv], { encoding: 'utf8', timeout: 60_000 });
}

function write(name: string, data: Uint8Array | string): string {
  const file = join(dir, name);
  writeFileSync(file, data);
  return file;
}

/** Each case: the files it needs and the command line. */
function cases(): [string, string[]][] {
  const r = rng(SEED + 5);
  const model = readFileSync(join(FIX, 'digits_mlp/model.onnx'));
  const qpat = readFileSync('spec/patterns/fuse-activation.qpat', 'utf8');
  const qir = 'graph g(%x: f32[1,4]) -> (%y: f32[1,4]) {\n  const %c: f32[4] = [1, -2, 0.5, 3]\n  %m: f32[1,4] = mul(%x, %c)\n  %y: f32[1,4] = relu(%m)\n}\n';
  const out: [string, string[]][] = [
    ['deep .qpat', ['patterns', 'check', write('deep.qpat', `pattern p { match { %y = relu(%x) } where ${'('.repeat(5000)}true${')'.repeat(5000)} rewrite { %x } }`)]],
    ['huge initializer dims', ['import', write('big.onnx', onnxModel({ nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], inputs: [['x', 'f32', [4]]], outputs: [['y', 'f32']], initializers: { w: { dims: [128, 2147483647], dataType: 1, rawData: new Uint8Array(32768) } } })), '-o', join(dir, 'big.qir')]],
    ['duplicated graph input', ['inspect', write('dup.onnx', onnxModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [['x', 'f32', [4]], ['x', 'f32', [4]]], outputs: [['y', 'f32']] }))]],
    ['f32 literal out of range', ['run', write('inf.qir', qir.replace('0.5', '1e39')), '-i', write('x.npy', encodeNpy(tensor('f32', [1, 4], [1, 2, 3, 4])))]],
  ];
  // Spawning costs seconds: one round by default, one per 100 of QF_RUNS.
  for (let i = 0; i < Math.ceil(runs(100) / 100); i++) {
    out.push([`mutated onnx ${i}`, ['inspect', write(`m${i}.onnx`, mutateBytes(model, r))]]);
    out.push([`mutated qpat ${i}`, ['patterns', 'check', write(`m${i}.qpat`, mutateTokens(qpat.split(/\s+/), ['(', ')', '%x', '1e39', 'not', '{'], r).join(' '))]]);
    out.push([`mutated qir ${i}`, ['run', write(`m${i}.qir`, mutateTokens(qir.split(/(?=[(),{}[\]])|\s+/), ['%y', 'f32', '[', '-1', '1e39'], r).join(' ')), '-i', join(dir, 'x.npy')]]);
    out.push([`mutated npy ${i}`, ['run', write(`ok${i}.qir`, qir), '-i', write(`m${i}.npy`, mutateBytes(encodeNpy(tensor('f32', [1, 4], [1, 2, 3, 4])), r, 2))]]);
  }
  return out;
}

describe('fuzz: the qforge program', () => {
  for (const [what, argv] of cases())
    it(`${what}: exit 0, 1 or 2, no internal error or stack trace`, () => {
      const r = qforge(...argv);
      expect(r.signal).toBeNull();
      expect([0, 1, 2]).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
      if (r.status !== 0) expect(r.stderr).toMatch(/error QF\d{4}/);
    });
});

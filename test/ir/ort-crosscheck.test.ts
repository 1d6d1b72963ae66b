// The ops against onnxruntime's float32 intermediates of the attention_block fixture (same input,
// same node). onnxruntime is not correctly rounded and accumulates in float32, so results agree
// to a few ulp rather than exactly; the bounds below are stated per op.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensor, type Attrs, type Tensor } from '../../src/ir/index.js';
import { runOp, ulps, vals } from './op-harness.js';

const DIR = path.resolve(process.cwd(), '../shared/fixtures/attention_block/intermediates_fp32');

/** Minimal .npy v1 reader for float32 C-order files. */
function readF32(file: string): Tensor {
  const buf = readFileSync(path.join(DIR, file));
  const len = buf.readUInt16LE(8), header = buf.toString('latin1', 10, 10 + len);
  expect(header).toMatch(/'descr':\s*'<f4'/);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!.split(',').filter((s) => s.trim()).map(Number);
  return tensor('f32', shape, new Float32Array(new Uint8Array(buf.subarray(10 + len)).buffer));
}

const byName = (): Record<string, string> => {
  const index = JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8')) as Record<string, { file: string }>;
  return Object.fromEntries(Object.entries(index).map(([k, v]) => [k, path.basename(v.file)]));
};

// node result <- op(operand) as exported by PyTorch (see the fixture README's architecture notes).
const CASES: [string, string, string, Attrs, number][] = [
  ['/gelu/Erf_output_0', 'erf', '/gelu/Div_output_0', {}, 2],
  ['/Softmax_output_0', 'softmax', '/Mul_output_0', { axis: -1 }, 4],
  ['/ln1/Sqrt_output_0', 'sqrt', '/ln1/Add_output_0', {}, 0],
  ['/ln1/ReduceMean_1_output_0', 'reduce_mean', '/ln1/Pow_output_0', { axes: [-1] }, 4],
  ['/Transpose_output_0', 'transpose', '/k/Add_output_0', { perm: [0, 2, 1] }, 0],
];

describe.skipIf(!existsSync(DIR))('ops vs onnxruntime on attention_block', () => {
  it.each(CASES)('%s = %s(%s) %o within %i ulp', (result, op, input, attrs, maxUlps) => {
    const files = byName();
    const want = readF32(files[result]!), x = readF32(files[input]!);
    const got = runOp(op, [x], attrs)[0]!;
    expect(got.shape).toEqual(want.shape);
    const g = vals(got), w = vals(want);
    const worst = Math.max(...g.map((v, i) => ulps(v, w[i]!)));
    expect(worst).toBeLessThanOrEqual(maxUlps);
  });

  // This mean is near zero next to its 32 summands, so compare on their scale: float32 summation
  // error is at most n * 2^-24 * sum|x|, i.e. n * 2^-24 * mean|x| for the mean.
  it('/ln2/ReduceMean_output_0 = reduce_mean(...) within float32 summation error', () => {
    const files = byName();
    const x = readF32(files['/Add_1_output_0']!), want = vals(readF32(files['/ln2/ReduceMean_output_0']!));
    const got = vals(runOp('reduce_mean', [x], { axes: [-1] })[0]!);
    const n = x.shape[x.shape.length - 1]!, xs = vals(x);
    got.forEach((v, r) => {
      const meanAbs = xs.slice(r * n, (r + 1) * n).reduce((a, b) => a + Math.abs(b), 0) / n;
      expect(Math.abs(v - want[r]!)).toBeLessThanOrEqual(n * 2 ** -24 * meanAbs);
    });
  });

  it('pow by the exported constant 2 squares exactly', () => {
    const files = byName();
    const x = readF32(files['/ln1/Sub_output_0']!), want = readF32(files['/ln1/Pow_output_0']!);
    expect(vals(runOp('pow', [x, tensor('f32', [], [2])])[0]!)).toEqual(vals(want));
  });
});

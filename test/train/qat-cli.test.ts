// qforge qat, in-process: a short run on a slice of digits_cnn_qat (progress lines, the quantized
// graph, the report, the QDQ ONNX file) and the errors for bad labels, NaN losses, no trainable path.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { GraphBuilder, tensor, writeQir } from '../../src/ir/index.js';
import { writeNpy } from '../../src/ir/npy.js';
import { readQir } from '../../src/ir/text/index.js';
import { FIX, fixtureNpy } from '../quant/flow-helpers.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(path.join(tmpdir(), 'qforge-qat-cli-'));
const M = path.join(FIX, 'digits_cnn_qat');
const file = (name: string) => path.join(dir, name);
/** The first n samples of a fixture array, written to the temp folder. */
function slice(src: string, n: number, name: string): string {
  const t = fixtureNpy('digits_cnn_qat', src), per = t.data.length / t.shape[0]!;
  writeNpy(file(name), tensor(t.dtype, [n, ...t.shape.slice(1)], t.data.slice(0, n * per) as never));
  return file(name);
}
const x = slice('train_inputs.npy', 96, 'x.npy'), y = slice('train_labels.npy', 96, 'y.npy');
const vx = slice('test_inputs.npy', 40, 'vx.npy'), vy = slice('test_labels.npy', 40, 'vy.npy');
const model = path.join(M, 'model.onnx');

describe('qforge qat', () => {
  it('trains with a line per epoch, converts, and writes the graph, the report and QDQ ONNX', async () => {
    const out = file('d.q.qir'), report = file('r.json'), onnx = file('d.q.onnx');
    const r = await cli('qat', model, '--data', x, '--labels', y, '--val-data', vx, '--val-labels', vy, '--quantizer', 'spec/quantizers/w2a4-qat.json', '--epochs', '2', '--batch', '16', '--optimizer', 'adam', '--lr', '0.001', '-o', out, '--report', report, '--export-onnx', onnx);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^epoch 1\/2: loss \d+\.\d{4}, accuracy \d+\.\d\d%, val accuracy \d+\.\d\d% \(\d+\.\d s\)\nepoch 2\/2: /);
    expect(r.out).toMatch(/12 fake quantizers, 2 conv\+BN folded\n {2}val accuracy: fp32 \d+\.\d\d%, QAT \d+\.\d\d%, converted \d+\.\d\d%/);
    const g = readQir(out);
    expect(g.nodes.map((n) => n.op)).toContain('qconv2d');
    expect(g.nodes.map((n) => n.op)).not.toContain('batch_norm');
    expect(existsSync(onnx)).toBe(true);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.history).toHaveLength(2);
    expect(rep.options).toMatchObject({ epochs: 2, batch: 16, optimizer: 'adam' });
    expect(rep.accuracy.fp32).toBeGreaterThan(0.9);
  }, 120_000);

  it('reports a model without a trainable path (QF3104)', async () => {
    const b = new GraphBuilder('no_params');
    b.output(b.op('relu', [b.input('x', { dtype: 'f32', shape: [1, 10] })]));
    writeQir(file('np.qir'), b.build());
    writeNpy(file('np_x.npy'), tensor('f32', [4, 1, 10], new Float32Array(40).fill(1)));
    writeNpy(file('np_y.npy'), tensor('i64', [4], [1, 2, 3, 4]));
    const r = await cli('qat', file('np.qir'), '--data', file('np_x.npy'), '--labels', file('np_y.npy'), '-o', file('np.q.qir'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/QF3104: graph 'no_params' has no trainable parameter/);
  });

  const labelCases: [string, () => string, RegExp][] = [
    ['float labels', () => (writeNpy(file('lf.npy'), tensor('f32', [96], new Float32Array(96))), file('lf.npy')), /QF3101: .*holds f32 values; labels must be int64 or int32/],
    ['a label count mismatch', () => slice('train_labels.npy', 50, 'l50.npy'), /QF3101: .*has 50 labels for 96 samples/],
    ['two-column labels', () => (writeNpy(file('l2.npy'), tensor('i64', [96, 2], new Array(192).fill(0))), file('l2.npy')), /QF3101: .*shape \[96,2\]; labels must be \[N\]/],
    ['a label outside the classes', () => (writeNpy(file('l11.npy'), tensor('i32', [96], new Array(96).fill(11))), file('l11.npy')), /QF3101: label 11 of sample 0 is not a class index in \[0, 10\)/],
  ];
  for (const [what, labels, re] of labelCases)
    it(`reports ${what}`, async () => {
      const r = await cli('qat', model, '--data', x, '--labels', labels(), '-o', file('bad.qir'));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(re);
    });

  it('reports a NaN loss (QF3102)', async () => {
    const r = await cli('qat', model, '--data', x, '--labels', y, '--lr', '1e30', '--epochs', '1', '-o', file('nan.qir'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/QF3102: .*(loss became NaN|saw (NaN|-?Infinity))/);
  }, 60_000);

  const usage: [string, string[], RegExp][] = [
    ['missing labels', ['--data', x], /needs training data and labels/],
    ['an unknown optimizer', ['--data', x, '--labels', y, '--optimizer', 'rmsprop'], /--optimizer rmsprop: expected one of sgd, adam/],
    ['a bad epoch count', ['--data', x, '--labels', y, '--epochs', '0'], /--epochs: '0' is not a positive integer/],
    ['val data without labels', ['--data', x, '--labels', y, '--val-data', vx], /--val-data and --val-labels go together/],
  ];
  for (const [what, args, re] of usage)
    it(`reports ${what}`, async () => {
      const r = await cli('qat', model, ...args, '-o', file('u.qir'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
    });
});

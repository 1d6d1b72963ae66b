// Issue #15 regression: degenerate calibration data (all zeros, a constant input) quantizes, but
// with a warning on stderr and in the report, and none for real calibration data.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeNpy } from '../../src/ir/npy.js';
import { tensor } from '../../src/ir/tensor.js';
import { quantizeGraph } from '../../src/index.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { datasetFromTensors } from '../../src/passes/quantize/dataset.js';

const MODEL = path.resolve('../shared/fixtures/digits_mlp/model.onnx');
const dir = mkdtempSync(path.join(tmpdir(), 'qforge-degenerate-'));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('degenerate calibration', () => {
  for (const [what, value] of [['all zeros', 0], ['a constant input', 0.5]] as const) {
    it(`${what}: a warning in the CLI and the report`, async () => {
      const calib = path.join(dir, `c${value}.npy`), report = path.join(dir, `r${value}.json`);
      writeNpy(calib, tensor('f32', [4, 1, 8, 8], new Float32Array(4 * 64).fill(value)));
      const r = await cli('quantize', MODEL, '--calib', calib, '-o', path.join(dir, `q${value}.qir`), '--report', report);
      expect(r.code).toBe(0);
      // input and its flattened copy share one observer group, named by either.
      const line = new RegExp(`warning QF3004: '(input|/Flatten_output_0)' was ${value} everywhere in all 4 calibration samples; its scale [0-9.e-]+ is a guess`);
      expect(r.err).toMatch(line);
      expect(r.err).toContain('hint: calibrate on representative inputs, not zeros or a constant');
      const rep = JSON.parse(readFileSync(report, 'utf8'));
      expect(rep.warnings.some((w: string) => line.test(w))).toBe(true);
    });
  }

  it('the API returns it as a diagnostic on the observed node; real data gets none', () => {
    const g = importOnnx(MODEL);
    const zeros = quantizeGraph(g, { calib: datasetFromTensors(g, [tensor('f32', [2, 1, 8, 8], new Float32Array(128))], 'zeros') });
    expect(zeros.warnings.map((w) => [w.key, w.node?.op])).toContainEqual(['QUANT_CALIB_DATA', 'observe']);
    const real = quantizeGraph(g, { calib: path.resolve('../shared/fixtures/digits_mlp/calib.npy') });
    expect(real.warnings).toEqual([]);
  });
});

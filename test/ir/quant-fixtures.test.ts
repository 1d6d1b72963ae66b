// Bit-exact checks of quantize/dequantize against PyTorch's own int8 data in the fixtures:
// folded weights -> int8 weights (qparams.json weights[]), the model input -> its quint8
// int_repr, and the last int_repr -> the dequantized model output.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../../src/ir/index.js';
import { runOp, vals } from './op-harness.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const MODELS = ['conv_bn_relu', 'convT_bn_relu', 'depthwise_residual', 'small_resnet', 'mlp', 'digits_mlp'];
const f = Math.fround;

/** Minimal .npy v1 reader for the fixture dtypes (<f4, |i1, |u1), C order. */
function readNpy(file: string): Tensor {
  const buf = readFileSync(file);
  const len = buf.readUInt16LE(8), header = buf.toString('latin1', 10, 10 + len);
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!.split(',').filter((s) => s.trim()).map(Number);
  expect(header).toMatch(/'fortran_order':\s*False/);
  const bytes = buf.subarray(10 + len);
  const copy = new Uint8Array(bytes).buffer; // aligned
  if (descr === '<f4') return tensor('f32', shape, new Float32Array(copy));
  if (descr === '|i1') return tensor('i8', shape, new Int8Array(copy));
  if (descr === '|u1') return tensor('u8', shape, new Uint8Array(copy));
  throw new Error(`${file}: unexpected dtype ${descr}`);
}

interface WeightRecord {
  module: string;
  observer_qscheme: string;
  ch_axis: number | null;
  scales: number[];
  zero_points: number[];
  quant_min: number;
  quant_max: number;
  weight_folded_fp32_file: string;
  weight_int8_file: string;
  int8_weight_formula_matches: Record<string, boolean>;
}
interface Activation {
  scale: number;
  zero_point: number;
  int_repr_file: string;
}
interface QParams {
  weights: WeightRecord[];
  activations: Activation[];
  input_quantize_formula_checks: Record<string, boolean>;
}

const load = (m: string, file: string): Tensor => readNpy(path.join(FIXTURES, m, file));
const qparams = (m: string, suffix = ''): QParams => JSON.parse(readFileSync(path.join(FIXTURES, m, `qparams${suffix}.json`), 'utf8')) as QParams;

/** The element's channel for a per-channel record (0 per tensor). */
const channelOf = (shape: number[], axis: number | null) => (i: number): number =>
  axis === null ? 0 : Math.floor(i / shape.slice(axis + 1).reduce((a, b) => a * b, 1)) % shape[axis]!;

/** Round half to even of a float64. */
const rne = (v: number): number => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

describe.skipIf(!existsSync(FIXTURES))('quantization against the PyTorch fixtures', () => {
  it.each(MODELS)('%s: per-channel (or per-tensor) int8 weights are reproduced exactly', (m) => {
    const q = qparams(m);
    expect(q.weights.length).toBeGreaterThan(0);
    for (const w of q.weights) {
      const folded = load(m, w.weight_folded_fp32_file), want = load(m, w.weight_int8_file);
      // Per-tensor records (the conv-transposes) have one scale and no channel axis.
      expect(w.ch_axis === null).toBe(w.observer_qscheme === 'per_tensor_symmetric');
      const attrs = {
        scale: w.scales,
        zero_point: w.zero_points,
        axis: w.ch_axis ?? 0,
        dtype: 'i8',
        qmin: w.quant_min,
        qmax: w.quant_max,
      };
      const got = runOp('quantize', [folded], attrs)[0]!;
      expect(got.dtype).toBe('i8');
      expect(vals(got), `${m}/${w.module}`).toEqual(vals(want));
    }
  });

  it.each(MODELS)('%s: the division formulas match torch exactly where qparams.json says they do', (m) => {
    for (const w of qparams(m).weights) {
      const folded = load(m, w.weight_folded_fp32_file), want = vals(load(m, w.weight_int8_file));
      const ch = channelOf(folded.shape, w.ch_axis), x = folded.data as Float32Array;
      const clamp = (v: number): number => Math.min(Math.max(v, -128), 127);
      const div32 = Array.from(x, (v, i) => clamp(rne(f(v / f(w.scales[ch(i)]!)))));
      const div64 = Array.from(x, (v, i) => clamp(rne(v / w.scales[ch(i)]!)));
      const same = (a: number[]): boolean => a.every((v, i) => v === want[i]);
      expect(same(div32), `${m}/${w.module} w/float32(scale)`).toBe(w.int8_weight_formula_matches['clamp(rint(w/float32(scale)))']);
      expect(same(div64), `${m}/${w.module} float64`).toBe(w.int8_weight_formula_matches['clamp(rint(float64(w)/float64(scale)))']);
      expect(w.int8_weight_formula_matches['clamp(rint(w*float32(1/scale)))']).toBe(true);
    }
  });

  const variants = MODELS.flatMap((m) => ['', '_histogram'].filter((s) => existsSync(path.join(FIXTURES, m, `qparams${s}.json`))).map((s) => [m, s] as const));

  it.each(variants)('%s%s: the model input quantizes to torch\'s quint8 int_repr', (m, suffix) => {
    const q = qparams(m, suffix), first = q.activations[0]!;
    expect(q.input_quantize_formula_checks['zp+rint(x*float32(1/scale))']).toBe(true);
    const test = load(m, 'test.npy');
    const x0 = tensor('f32', test.shape.slice(1), (test.data as Float32Array).subarray(0, test.data.length / test.shape[0]!));
    const got = runOp('quantize', [x0], { scale: [first.scale], zero_point: [first.zero_point], dtype: 'u8' })[0]!;
    expect(vals(got)).toEqual(vals(load(m, first.int_repr_file)));
  });

  it.each(variants)('%s%s: dequantizing the last int_repr gives the int8 model output', (m, suffix) => {
    const q = qparams(m, suffix), last = q.activations[q.activations.length - 1]!;
    const codes = load(m, last.int_repr_file);
    const out = runOp('dequantize', [codes], { scale: [last.scale], zero_point: [last.zero_point] })[0]!;
    const expected = load(m, `expected_int8_model${suffix}.npy`);
    const row0 = Array.from((expected.data as Float32Array).subarray(0, out.data.length));
    expect(vals(out)).toEqual(row0);
  });
});

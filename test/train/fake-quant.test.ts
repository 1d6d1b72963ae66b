// fake_quantize for QAT: PyTorch FakeQuantize forward numerics on 2- and 4-bit ranges (per tensor
// and per channel), the enable switch, the STE mask, and the moving-average observer update.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fakeQuantizeInto } from '../../src/ir/ops/quant.js';
import { resolveAttrs, getOp } from '../../src/ir/ops/index.js';
import { observeBatch, stateOf } from '../../src/train/observer.js';
import { runOp, t, vals } from '../ir/op-harness.js';
import type { Node } from '../../src/ir/graph.js';

const f = Math.fround;

describe('fake_quantize (QAT)', () => {
  it('per-channel 2-bit symmetric: (clamp(rint(x·fround(1/s)) + z, -2, 1) − z)·s per channel', () => {
    const x = [0.3, -0.9, 0.05, 2, -0.26, 0.74, -5, 0.1];
    const scale = [0.25, 0.5];
    const out = vals(runOp('fake_quantize', [t('f32', [2, 4], x)], { scale, zero_point: [0, 0], axis: 0, qmin: -2, qmax: 1 })[0]!);
    const want = x.map((v, i) => {
      const s = scale[i < 4 ? 0 : 1]!;
      const q = Math.min(Math.max(Math.round(f(f(v) * f(1 / s))), -2), 1);
      return f(q * s);
    });
    expect(out).toEqual(want);
    expect(out).toEqual([0.25, -0.5, 0, 0.25, -0.5, 0.5, -1, 0]);
  });

  it('4-bit unsigned activations round half to even and clamp to [0, 15]', () => {
    const out = vals(runOp('fake_quantize', [t('f32', [5], [0.05, 0.15, -1, 3, 0.25])], { scale: [0.1], zero_point: [2], qmin: 0, qmax: 15 })[0]!);
    expect(out).toEqual([0, f(0.2), f(-0.2), f(1.3), f(0.2)]);
  });

  it('fake_quant_enabled = false is the identity; observer attributes are accepted', () => {
    const x = [0.123, -4.5, 7];
    const out = runOp('fake_quantize', [t('f32', [3], x)], { scale: [1], zero_point: [0], qmin: -2, qmax: 1, fake_quant_enabled: false, observer: 'moving-average', observer_enabled: true, dtype: 'i8', group: 3 })[0]!;
    expect(vals(out)).toEqual(x.map(f));
    expect(() => runOp('fake_quantize', [t('f32', [1], [0])], { scale: [1], zero_point: [0], qmin: -2, qmax: 1, dtype: 'i4', observer: 'median' })).toThrow(/observer/);
  });

  it('the STE mask is 1 exactly where the unclamped integer lies in [qmin, qmax]', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 100 }), (xs, k) => {
        const s = f(k / 64), x = Float32Array.from(xs), out = new Float32Array(x.length), mask = new Uint8Array(x.length);
        fakeQuantizeInto(x, [x.length], { scale: [s], zeroPoint: [1] }, 0, 15, 'reciprocal', out, mask);
        const ref = vals(runOp('fake_quantize', [t('f32', [x.length], x)], { scale: [s], zero_point: [1], qmin: 0, qmax: 15 })[0]!);
        expect(Array.from(out)).toEqual(ref);
        x.forEach((v, i) => {
          const q = Math.round(f(v * f(1 / s))) + 1; // ties never matter for the range test below except at the edges
          if (q >= 1 && q <= 14) expect(mask[i]).toBe(1);
          if (q < -1 || q > 16) expect(mask[i]).toBe(0);
        });
      }),
    );
  });
});

describe('moving-average observer of a fake quantizer', () => {
  const node = (attrs: Record<string, unknown>): Node => ({ name: 'fq', op: 'fake_quantize', inputs: ['x'], outputs: ['y'], attrs: attrs as Node['attrs'] });
  const resolved = (n: Node) => resolveAttrs(getOp('fake_quantize')!, n.attrs);

  it('takes the first batch as is, then min += 0.01·(batch min − min) in float32; qparams follow (u8 [0,15] affine)', () => {
    const n = node({ scale: [1], zero_point: [0], qmin: 0, qmax: 15, dtype: 'u8', observer: 'moving-average', observer_enabled: true });
    const a = resolved(n);
    let s = observeBatch(n, a, stateOf(a), t('f32', [3], [-1, 0.5, 2]));
    expect([s.min, s.max]).toEqual([[-1], [2]]);
    expect(s.scale).toEqual([f(f(3) / 15)]);
    expect(s.zeroPoint).toEqual([0 - Math.round(f(-1 / s.scale[0]!))]);
    s = observeBatch(n, a, s, t('f32', [2], [0, 4]));
    expect(s.min).toEqual([f(-1 + f(0.01 * f(0 - -1)))]);
    expect(s.max).toEqual([f(2 + f(0.01 * f(4 - 2)))]);
  });

  it('per channel along axis 0, symmetric 2-bit: scale = max|x| / 1.5 per channel', () => {
    const n = node({ scale: [1, 1], zero_point: [0, 0], axis: 0, qmin: -2, qmax: 1, dtype: 'i8', scheme: 'symmetric', granularity: 'per-channel', observer: 'moving-average', observer_enabled: true });
    const a = resolved(n);
    const s = observeBatch(n, a, stateOf(a), t('f32', [2, 3], [0.3, -0.6, 0.1, 3, 1, -2]));
    expect(s.min).toEqual([f(-0.6), -2]);
    expect(s.max).toEqual([f(0.3), 3]);
    expect(s.scale).toEqual([f(f(0.6) / 1.5), f(3 / 1.5)]);
    expect(s.zeroPoint).toEqual([0, 0]);
  });

  it('a NaN during training is a QF3102 error naming the tensor', () => {
    const n = node({ scale: [1], zero_point: [0], qmin: 0, qmax: 15, dtype: 'u8', observer: 'moving-average', tensor: 'act' });
    const a = resolved(n);
    expect(() => observeBatch(n, a, stateOf(a), t('f32', [2], [0, NaN]))).toThrow(/QF3102.*'act'/);
  });
});

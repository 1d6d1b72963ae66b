// fold-qdq on random chains of data movement and requantizations: every quantize/dequantize
// pair between integer tensors disappears and the integers are bit-identical; where a fold would
// change a value (a tighter clamp, different params around data movement) it does not fire.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { dtypeRange, type DType } from '../../src/ir/dtype.js';
import { run } from '../../src/ir/interpreter.js';
import { fround } from '../../src/ir/quant-math.js';
import { dqAttrs, ints, lowered, opsOf, qAttrs, randInts, rng, type QP } from './qdq-graphs.js';

type Step = 'move' | 'requant' | 'identity';
/** Data movement on [2, 4, 6, 6] that keeps the shape (so the chain can go on): op, attrs. */
const MOVES: [string, Record<string, unknown>][] = [
  ['reshape', { shape: [2, 4, 6, 6] }],
  ['transpose', { perm: [0, 1, 3, 2] }],
  ['slice', { starts: [5], ends: [-7], axes: [3], steps: [-1] }],
  ['maxpool2d', { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }],
];

const randQP = (r: () => number, dtype: DType): QP => {
  const [lo, hi] = dtypeRange(dtype);
  return { scale: fround(0.01 + 0.1 * r()), zp: lo + Math.floor(r() * (hi - lo + 1)), dtype };
};

describe('fold-qdq', () => {
  test.prop([fc.record({ steps: fc.array(fc.constantFrom<Step>('move', 'requant', 'identity'), { minLength: 1, maxLength: 5 }), dt: fc.constantFrom<DType>('u8', 'i8'), seed: fc.integer() })], { numRuns: 60 })(
    'chains of q/dq around data movement and requantization fold to integer ops, bit-exactly',
    ({ steps, dt, seed }) => {
      const r = rng(seed);
      const b = new GraphBuilder();
      let p = randQP(r, dt), v = b.input('x', { dtype: dt, shape: [2, 4, 6, 6] });
      let requants = 0;
      const moves: string[] = [];
      for (const s of steps) {
        const d = b.op('dequantize', [v], dqAttrs(p));
        if (s === 'move') {
          const [op, attrs] = MOVES[Math.floor(r() * MOVES.length)]!;
          moves.push(op);
          v = b.op('quantize', [b.op(op, [d], attrs as never)], qAttrs(p));
          continue;
        }
        const next = s === 'identity' ? p : randQP(r, r() < 0.5 ? 'u8' : 'i8');
        if (s === 'requant') requants++;
        v = b.op('quantize', [d], qAttrs(next));
        p = next;
      }
      b.output(v);
      const g = b.build();
      const out = lowered(g, 'fold-qdq');
      expect(opsOf(out).filter((o) => o === 'quantize' || o === 'dequantize')).toEqual([]);
      // Identities vanish except a last one, which keeps the output's name as a requantize.
      const last = steps[steps.length - 1] === 'identity' ? 1 : 0;
      expect(opsOf(out).filter((o) => o === 'requantize').length).toBeLessThanOrEqual(requants + last);
      expect(opsOf(out).filter((o) => o !== 'requantize')).toEqual(moves);
      const x = randInts(dt, [2, 4, 6, 6], r);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    },
  );

  test.prop([fc.record({ move: fc.integer({ min: 0, max: 3 }), dt: fc.constantFrom<DType>('u8', 'i8'), seed: fc.integer() })], { numRuns: 30 })(
    'data movement with other params after it runs on the integers, then one requantize, bit-exactly (gather included)',
    ({ move, dt, seed }) => {
      const r = rng(seed), p = randQP(r, dt), q = randQP(r, r() < 0.5 ? 'u8' : 'i8');
      const b = new GraphBuilder();
      const d = b.op('dequantize', [b.input('x', { dtype: dt, shape: [2, 4, 6, 6] })], dqAttrs(p));
      const idx = b.constant('idx', { dtype: 'i64', shape: [], data: BigInt64Array.of(BigInt(Math.floor(r() * 4) - 2)) });
      const m = move === 3 ? b.op('gather', [d, idx], { axis: 1 }) : b.op(MOVES[move]![0], [d], MOVES[move]![1] as never);
      b.output(b.op('quantize', [m], qAttrs(q)));
      const g = b.build();
      const out = lowered(g, 'fold-qdq');
      expect(opsOf(out)).toEqual([move === 3 ? 'gather' : MOVES[move]![0], 'requantize']);
      const x = randInts(dt, [2, 4, 6, 6], r);
      expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
    },
  );

  /** x → dq → [op] → quantize (params px overridden by `y`, plus extra attrs) → dq → relu. */
  const chain = (y: Partial<QP>, extra: Record<string, unknown> = {}, op?: [string, Record<string, unknown>]) => {
    const b = new GraphBuilder();
    const px: QP = { scale: 0.05, zp: 10, dtype: 'u8' }, py = { ...px, ...y };
    const d = b.op('dequantize', [b.input('x', { dtype: 'u8', shape: [1, 2, 4, 4] })], dqAttrs(px));
    const m = op ? b.op(op[0], [d], op[1] as never) : d;
    b.output(b.op('relu', [b.op('dequantize', [b.op('quantize', [m], { ...qAttrs(py), ...extra }, 'q')], dqAttrs(py))]));
    return b.build();
  };

  it('a quantize that clamps tighter than the integer type is not an identity (it becomes a requantize)', () => {
    const g = chain({}, { qmin: 5, qmax: 200 });
    const out = lowered(g, 'fold-qdq');
    expect(opsOf(out)).toEqual(['requantize', 'dequantize', 'relu']);
    const x = randInts('u8', [1, 2, 4, 4], rng(1));
    expect(ints(run(out, [x]).outputs[0]!)).toEqual(ints(run(g, [x]).outputs[0]!));
  });

  it('equal params fold to the integer tensor itself; the dequantize reads it directly', () => {
    expect(opsOf(lowered(chain({}), 'fold-qdq'))).toEqual(['dequantize', 'relu']);
  });

  it('data movement with different params on either side stays float', () => {
    const g = chain({ scale: 0.07 }, {}, ['maxpool2d', { kernel_shape: [2, 2] }]);
    expect(opsOf(lowered(g, 'fold-qdq'))).toEqual(opsOf(g));
  });

  // ceil_mode windows running past the padding, and windows of padding only (a dilated kernel
  // stepping over a small input: −inf in float, quantized to the dtype minimum).
  const floats = (t: { data: unknown }) => Array.from(t.data as Float32Array);
  const POOLS: Record<string, unknown>[] = [
    { kernel_shape: [2, 2], pads: [1, 1, 1, 1] },
    { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: true },
    { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: true },
    { kernel_shape: [2, 3], strides: [3, 2], pads: [0, 1, 1, 0], ceil_mode: true },
    { kernel_shape: [2, 1], dilations: [5, 1], pads: [5, 0, 5, 0] },
    { kernel_shape: [2, 2], strides: [2, 2], dilations: [5, 1], pads: [5, 0, 5, 1], ceil_mode: true },
  ];
  it.each(POOLS.flatMap((attrs) => (['u8', 'i8'] as DType[]).map((dt) => [dt, attrs] as const)))(
    'max pooling on %s with %j (ceil mode, padding-only windows) folds onto the integers, bit-exactly',
    (dt, attrs) => {
      const b = new GraphBuilder();
      const p: QP = { scale: 0.05, zp: dt === 'u8' ? 10 : -3, dtype: dt };
      const d = b.op('dequantize', [b.input('x', { dtype: dt, shape: [1, 2, 4, 4] })], dqAttrs(p));
      b.output(b.op('dequantize', [b.op('quantize', [b.op('maxpool2d', [d], attrs as never)], qAttrs(p))], dqAttrs(p)));
      const g = b.build();
      const out = lowered(g, 'fold-qdq');
      expect(opsOf(out)).toEqual(['maxpool2d', 'dequantize']);
      for (let seed = 0; seed < 4; seed++) {
        const x = randInts(dt, [1, 2, 4, 4], rng(seed));
        expect(floats(run(out, [x]).outputs[0]!)).toEqual(floats(run(g, [x]).outputs[0]!));
      }
    },
  );
});

import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { GraphBuilder, run, tensor } from '../../src/ir/index.js';

describe('elementwise ops', () => {
  it('broadcasts like NumPy', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
    const y = b.input('y', { dtype: 'f32', shape: [3] });
    b.output(b.op('add', [x, y]));
    const [out] = run(b.build(), [tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]), tensor('f32', [3], [10, 20, 30])]).outputs;
    expect(out!.shape).toEqual([2, 3]);
    expect([...out!.data]).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('rejects shapes that do not broadcast, naming the node', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
    const y = b.input('y', { dtype: 'f32', shape: [2] });
    expect(() => b.op('add', [x, y], {}, 'bad_add')).toThrow(/bad_add.*do not broadcast/);
  });

  it('integer division truncates toward zero and i8 arithmetic wraps', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'i8', shape: [3] });
    const y = b.input('y', { dtype: 'i8', shape: [3] });
    b.output(b.op('div', [x, y]), b.op('add', [x, y]));
    const r = run(b.build(), [tensor('i8', [3], [-7, 7, 127]), tensor('i8', [3], [2, -2, 1])]).outputs;
    expect([...r[0]!.data]).toEqual([-3, -3, 127]);
    expect([...r[1]!.data]).toEqual([-5, 5, -128]);
  });

  fcTest.prop([fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 16 })])('mul by one is the identity on f32', (xs) => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [xs.length] });
    const one = b.constant('one', tensor('f32', [1], [1]));
    b.output(b.op('mul', [x, one]));
    const input = tensor('f32', [xs.length], xs);
    expect([...run(b.build(), [input]).outputs[0]!.data]).toEqual([...input.data]);
  });
});

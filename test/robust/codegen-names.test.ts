// Issue #15 regression: tensor names with control characters (U+0000, U+0001) and other odd bytes
// are escaped in the generated C, which then compiles and matches the interpreter bit for bit.
import { describe, expect, it } from 'vitest';
import { cString } from '../../src/codegen/emit/consts.js';
import type { Graph } from '../../src/ir/graph.js';
import { tensor } from '../../src/ir/tensor.js';
import { compileRun, interpret } from '../codegen/helpers.js';

describe('odd tensor names in generated C', () => {
  it('cString escapes control characters, quotes, backslashes, ? and non-ASCII as octal', () => {
    expect(cString('a\u0001b')).toBe('"a\\001b"');
    expect(cString('a\u0000' + '1')).toBe('"a\\0001"');
    expect(cString('q"\\?/')).toBe('"q\\"\\\\\\?/"');
    expect(cString('é\u007f')).toBe('"\\303\\251\\177"');
  });

  it('a model whose input and output names hold U+0001 and U+0000 compiles and runs bit-exact', () => {
    const x = 'in\u0001put"?', t = 'mid\u0000/*??/', y = 'out\u0000put\\*/';
    const f32x4 = { dtype: 'f32' as const, shape: [4] };
    const g: Graph = {
      name: 'odd',
      inputs: [x],
      outputs: [y],
      values: { [x]: f32x4, [t]: f32x4, [y]: f32x4 },
      constants: {},
      nodes: [
        { name: 'relu\u0001/*', op: 'relu', inputs: [x], outputs: [t], attrs: {} },
        { name: 'add\u0000', op: 'add', inputs: [t, x], outputs: [y], attrs: {} },
      ],
    };
    const input = tensor('f32', [4], [-1.5, 0, 2.25, -0]);
    const r = compileRun(g, 'c', [input], { float: true });
    expect(r.warnings).toBe('');
    expect(Buffer.from(r.outputs[0]!.data.buffer)).toEqual(Buffer.from(interpret(g, [input])[0]!.data.buffer));
  });
});

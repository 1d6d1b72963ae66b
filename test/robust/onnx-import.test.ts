// Issue #15 regressions in the ONNX importer: data sizes are checked before anything is allocated,
// and the importer never returns a graph its own verifier rejects (every problem listed at once).
import { describe, expect, it } from 'vitest';
import { QforgeError } from '../../src/diagnostics/index.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { onnxModel } from '../onnx/build-model.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';

function codesOf(bytes: Uint8Array): string[] {
  try {
    importOnnx(bytes);
  } catch (e) {
    if (!(e instanceof QforgeError)) throw e;
    return e.message.split('\n');
  }
  throw new Error('imported without an error');
}

const relu = (inputs: [string, 'f32', number[]][]) => onnxModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs, outputs: [['y', 'f32']] });

describe('ONNX import of hostile models', () => {
  it('initializer dims promising far more data than present: QF0503, no huge allocation', () => {
    const bytes = onnxModel({
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [['x', 'f32', [4]]],
      outputs: [['y', 'f32']],
      initializers: { w: { dims: [128, 2147483647], dataType: 1, rawData: new Uint8Array(32768) } },
    });
    expect(codesOf(bytes)).toEqual([expect.stringMatching(/error QF0503: initializer 'w': raw data has 32768 bytes, f32\[128,2147483647\] needs/)]);
  });

  it('the same through typed fields and 4-bit data', () => {
    const typed = onnxModel({ nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], inputs: [['x', 'f32', [4]]], outputs: [['y', 'f32']], initializers: { w: { dims: [1e9, 1e9], dataType: 1, floatData: [1, 2] } } });
    expect(codesOf(typed)[0]).toMatch(/QF0503: initializer 'w': has 2 values in its data field/);
    const int4 = onnxModel({ nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], inputs: [['x', 'f32', [4]]], outputs: [['y', 'f32']], initializers: { w: { dims: [65536, 65536], dataType: 22, rawData: new Uint8Array(8) } } });
    expect(codesOf(int4)[0]).toMatch(/QF0503: initializer 'w': 4-bit data has 8 bytes/);
  });

  it('a duplicated graph input is QF0503', () => {
    expect(codesOf(relu([['x', 'f32', [4]], ['x', 'f32', [4]]]))).toEqual(["error QF0503: <bytes>: graph input 'x' is listed twice"]);
  });

  it('negative dimensions are QF0503, every input listed at once', () => {
    expect(codesOf(relu([['x', 'f32', [-3, 2]], ['z', 'f32', [-1]]]))).toEqual([
      "error QF0503: <bytes>: graph input 'x' has a negative dimension [-3,2]",
      "error QF0503: <bytes>: graph input 'z' has a negative dimension [-1]",
    ]);
  });

  it('shape operands that are not whole numbers, negative or not broadcastable are QF0503 (found by the structure fuzzer)', () => {
    const expand = (shape: Tensor) =>
      onnxModel({ nodes: [{ op: 'Expand', inputs: ['x', 's'], outputs: ['y'] }], inputs: [['x', 'f32', [2, 1]]], outputs: [['y', 'f32']], initializers: { s: shape } });
    expect(codesOf(expand(tensor('f32', [2], [0.75, 3])))).toEqual([expect.stringMatching(/node 'Expand_0' \(Expand\): error QF0503: input 's' \(shape\) must hold integers, got 0.75/)]);
    expect(codesOf(expand(tensor('i64', [2], [3, 4])))[0]).toMatch(/QF0503: cannot expand \[2,1\] to \[3,4\]/);
    expect(codesOf(expand(tensor('i64', [2], [2, -4])))[0]).toMatch(/QF0503: cannot expand \[2,1\] to \[2,-4\]/);
    const cos = onnxModel({ nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['c'] }, { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] }], inputs: [['x', 'f32', [2]]], outputs: [['y', 'f32']], initializers: { s: tensor('i64', [1], [-2]) } });
    expect(codesOf(cos)[0]).toMatch(/QF0503: shape \[-2\] has a negative dimension/);
  });

  it('huge shapes made at import are QF0502/QF0503 instead of a RangeError or exhausted memory (found by the structure fuzzer)', () => {
    const cos = onnxModel({ nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['c'] }, { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] }], inputs: [['x', 'f32', [2]]], outputs: [['y', 'f32']], initializers: { s: tensor('i64', [1], [2 ** 40]) } });
    expect(codesOf(cos)[0]).toMatch(/QF0503: the constant \[1099511627776\] would hold 1099511627776 elements, more than the 67108864 qforge computes at import/);
    const tile = onnxModel({ nodes: [{ op: 'Tile', inputs: ['x', 'r'], outputs: ['y'] }], inputs: [['x', 'f32', [2]]], outputs: [['y', 'f32']], initializers: { r: tensor('i64', [1], [1e15]) } });
    expect(codesOf(tile)[0]).toMatch(/QF0502: repeats above 4096 are not supported/);
    const expand = onnxModel({ nodes: [{ op: 'Expand', inputs: ['x', 's'], outputs: ['y'] }], inputs: [['x', 'f32', [1]]], outputs: [['y', 'f32']], initializers: { s: tensor('i64', [3], [2 ** 20, 2 ** 20, 2 ** 20]) } });
    expect(codesOf(expand)[0]).toMatch(/QF0503: the expanded shape .* would hold \d+ elements/);
  });
});

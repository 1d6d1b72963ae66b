// ONNX import on hand-built models: error reporting, import-time folding, naming, external data.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTensorProto, importOnnx, TensorProtoType, tensorToProto } from '../../src/ir/onnx/index.js';
import { QforgeError } from '../../src/diagnostics/index.js';
import { run } from '../../src/ir/interpreter.js';
import { verify } from '../../src/ir/verify.js';
import { tensor, tensorsEqual } from '../../src/ir/tensor.js';
import { ai, aints, onnxModel, type ModelSpec } from './build-model.js';

const nums = (t: { data: ArrayLike<unknown> }): number[] => Array.from(t.data as ArrayLike<number>);

function importError(src: Uint8Array | string, opts = {}): QforgeError {
  try {
    importOnnx(src, opts);
  } catch (e) {
    if (e instanceof QforgeError) return e;
    throw e;
  }
  throw new Error('expected the import to fail');
}

const relu = (x: string, y: string, name?: string) => ({ op: 'Relu', inputs: [x], outputs: [y], ...(name ? { name } : {}) });
const f32 = (shape: number[], values?: number[]) => tensor('f32', shape, values ?? Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i - 3));

describe('ONNX import errors', () => {
  it('lists every unsupported op type, with counts and node names, in one error', () => {
    const bytes = onnxModel({
      nodes: [
        { op: 'GridSample', inputs: ['x'], outputs: ['a'], name: 'up1' },
        relu('a', 'b'),
        { op: 'NonMaxSuppression', inputs: ['b'], outputs: ['c'] },
        { op: 'GridSample', inputs: ['c'], outputs: ['d'], name: 'up2' },
        { op: 'FusedConv', domain: 'com.microsoft', inputs: ['d'], outputs: ['y'], name: 'fc' },
      ],
      inputs: [['x', 'f32', [1, 4]]],
      outputs: [['y', 'f32']],
    });
    const e = importError(bytes);
    expect(e.diagnostics).toHaveLength(1);
    expect(e.diagnostics[0]!.key).toBe('ONNX_UNSUPPORTED');
    expect(e.diagnostics[0]!.message).toBe(
      '<bytes>: 3 unsupported ONNX op types: GridSample ×2 (up1, up2); com.microsoft.FusedConv ×1 (fc); NonMaxSuppression ×1 (NonMaxSuppression_2)',
    );
    expect(e.diagnostics[0]!.hint).toMatch(/docs\/onnx.md/);
  });

  it('reports truncated and garbage files as ONNX_PARSE, never a crash', () => {
    const path = resolve(process.cwd(), '../shared/fixtures/mlp/model.onnx');
    const bytes = readFileSync(path);
    expect(importError(bytes.subarray(0, bytes.length >> 1)).message).toMatch(/QF0501.*not a valid ONNX model: the file ends in the middle of a message \(truncated\?\)/);
    // Any cut gives a QforgeError (most are parse errors; a cut between messages loses data the import then misses).
    for (let k = 1; k < 40; k++) expect(importError(bytes.subarray(0, Math.floor((bytes.length * k) / 40)))).toBeInstanceOf(QforgeError);
    expect(importError(new TextEncoder().encode('<html>not a model</html>')).diagnostics[0]!.key).toBe('ONNX_PARSE');
    expect(importError(new Uint8Array(0)).message).toMatch(/has no graph/);
    const dir = mkdtempSync(join(tmpdir(), 'qforge-onnx-'));
    writeFileSync(join(dir, 'cut.onnx'), bytes.subarray(0, 5000));
    expect(importError(join(dir, 'cut.onnx')).message).toContain(`${join(dir, 'cut.onnx')}: not a valid ONNX model`);
    expect(importError(join(dir, 'missing.onnx')).message).toMatch(/QF0702: cannot read .*missing\.onnx: no such file/);
  });

  it('refuses opsets above 21 with a hint', () => {
    const spec = (opset: number): ModelSpec => ({ nodes: [relu('x', 'y')], inputs: [['x', 'f32', [2]]], outputs: [['y', 'f32']], opset });
    expect(importError(onnxModel(spec(22))).message).toMatch(/opset 22 is not supported \(qforge imports opsets 1 to 21\)/);
    expect(importError(onnxModel(spec(22))).diagnostics[0]!.hint).toMatch(/version_converter/);
    expect(() => importOnnx(onnxModel(spec(21)))).not.toThrow();
  });

  it('asks for values of dynamic dimensions, and takes them', () => {
    const bytes = onnxModel({ nodes: [relu('x', 'y')], inputs: [['x', 'f32', ['batch', 3]]], outputs: [['y', 'f32', ['batch', 3]]] });
    const e = importError(bytes);
    expect(e.message).toMatch(/graph input 'x' has dynamic dimensions \(batch\); qforge needs static shapes/);
    expect(e.diagnostics[0]!.hint).toBe('fix them, e.g. --dim batch=1');
    expect(importOnnx(bytes, { dims: { batch: 2 } }).values['y']!.shape).toEqual([2, 3]);
    expect(importOnnx(bytes, { inputShapes: { x: [5, 3] } }).values['y']!.shape).toEqual([5, 3]);
  });

  it('names the node and operand when a shape operand is computed at run time', () => {
    const bytes = onnxModel({
      nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'], name: 'rs' }],
      inputs: [['x', 'f32', [2, 3]], ['s', 'i64', [2]]],
      outputs: [['y', 'f32']],
    });
    const e = importError(bytes);
    expect(e.message).toBe("node 'rs' (Reshape): error QF0502: input 's' (shape) must be a constant; it is computed at run time\n  hint: qforge needs static shapes and parameters");
    // ...unless the caller freezes it.
    const g = importOnnx(bytes, { constantInputs: { s: tensor('i64', [2], [3, -1]) } });
    expect(g.inputs).toEqual(['x']);
    expect(g.values['y']!.shape).toEqual([3, 2]);
  });

  it('reports undefined operands and wrong declared types at the node or value', () => {
    const undef = onnxModel({ nodes: [{ op: 'Add', inputs: ['x', 'nope'], outputs: ['y'], name: 'add1' }], inputs: [['x', 'f32', [2]]], outputs: [['y', 'f32']] });
    expect(importError(undef).message).toMatch(/node 'add1' \(Add\): error QF0503: input 'nope' is not defined/);
    const wrong = onnxModel({ nodes: [relu('x', 'y')], inputs: [['x', 'f32', [2, 3]]], outputs: [['y', 'f32', [3, 2]]] });
    expect(importError(wrong).message).toMatch(/value 'y' is declared f32\[3,2\] but computes to f32\[2,3\]/);
    const twice = onnxModel({ nodes: [relu('x', 'y', 'r1'), relu('x', 'y', 'r2')], inputs: [['x', 'f32', [2]]], outputs: [['y', 'f32']] });
    expect(importError(twice).message).toBe("node 'r2' (Relu): error QF0503: output 'y' is defined more than once");
    const badOp = onnxModel({ nodes: [{ op: 'MatMul', inputs: ['x', 'x'], outputs: ['y'], name: 'mm' }], inputs: [['x', 'f32', [2, 3]]], outputs: [['y', 'f32']] });
    expect(importError(badOp).message).toMatch(/^node 'mm' \(MatMul\): error QF0301: /);
  });
});

describe('ONNX import', () => {
  it('keeps values named like Object.prototype members as own entries with their types', () => {
    const bytes = onnxModel({
      nodes: [
        { op: 'Mul', inputs: ['__proto__', 'constructor'], outputs: ['toString'] },
        { op: 'Relu', inputs: ['toString'], outputs: ['valueOf'] },
      ],
      inputs: [['__proto__', 'f32', [4]]],
      outputs: [['valueOf', 'f32', [4]]],
      initializers: { constructor: tensor('f32', [4], [1, -2, 3, -4]) },
    });
    const g = importOnnx(bytes);
    expect(verify(g)).toEqual([]);
    for (const v of ['__proto__', 'constructor', 'toString', 'valueOf']) expect(Object.hasOwn(g.values, v), v).toBe(true);
    expect(Object.getPrototypeOf(g.values)).toBe(Object.prototype);
    expect(Object.hasOwn(g.constants, 'constructor')).toBe(true);
    expect(nums(run(g, [f32([4])]).outputs[0]!)).toEqual([0, 4, 0, -0]); // relu([-3, -2, -1, 0] * [1, -2, 3, -4]); 0 * -4 is -0
  });

  it('folds Shape -> Gather -> Unsqueeze -> Concat -> Reshape into a static reshape', () => {
    const bytes = onnxModel({
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Constant', inputs: [], outputs: ['i0'], attrs: [{ name: 'value', type: 4, t: tensorToProto(tensor('i64', [], [0])) }] },
        { op: 'Gather', inputs: ['s', 'i0'], outputs: ['d0'], attrs: [ai('axis', 0)] },
        { op: 'Unsqueeze', inputs: ['d0', 'ax'], outputs: ['d0u'] },
        { op: 'Constant', inputs: [], outputs: ['m1'], attrs: [aints('value_ints', [-1])] },
        { op: 'Concat', inputs: ['d0u', 'm1'], outputs: ['shp'], attrs: [ai('axis', 0)] },
        { op: 'Reshape', inputs: ['x', 'shp'], outputs: ['y'], name: 'flat' },
      ],
      inputs: [['x', 'f32', [2, 3, 4]]],
      outputs: [['y', 'f32', [2, 12]]],
      initializers: { ax: tensor('i64', [1], [0]) },
    });
    const g = importOnnx(bytes);
    expect(verify(g)).toEqual([]);
    expect(g.nodes.map((n) => [n.name, n.op, n.attrs])).toEqual([['flat', 'reshape', { shape: [2, 12] }]]);
    expect(Object.keys(g.constants)).toEqual([]);
    const x = f32([2, 3, 4]);
    expect(nums(run(g, [x]).outputs[0]!)).toEqual(nums(x));
  });

  it('folds Identity and Dropout, keeps graph output names, and names unnamed nodes <OpType>_<i>', () => {
    const bytes = onnxModel({
      nodes: [
        { op: 'Identity', inputs: ['x'], outputs: ['a'] },
        relu('a', 'b'),
        { op: 'Dropout', inputs: ['b'], outputs: ['c'], name: 'Relu_1' },
        relu('c', 'd', 'Relu_1'),
        { op: 'Identity', inputs: ['d'], outputs: ['y'] },
      ],
      inputs: [['x', 'f32', [3]]],
      outputs: [['y', 'f32', [3]]],
    });
    const g = importOnnx(bytes);
    expect(verify(g)).toEqual([]);
    expect(g.nodes.map((n) => `${n.name}:${n.op}(${n.inputs}) -> ${n.outputs}`)).toEqual([
      'Relu_1_2:relu(x) -> b', // unnamed node 1; ONNX names come first ("Relu_1", then "Relu_1_1")
      'Relu_1_1:relu(b) -> d',
      'y/identity:identity(d) -> y',
    ]);
    expect(g.outputs).toEqual(['y']);
    expect(nums(run(g, [f32([3], [-1, 0, 2])]).outputs[0]!)).toEqual([0, 0, 2]);
  });

  // torch.onnx.export of `F.dropout(x, p=0.0, training=True)` (opset 13): the ratio and
  // training_mode come from Constant nodes, and the mask output may be named but unused.
  const dropoutModel = (ratio: number | undefined, training: boolean) =>
    onnxModel({
      nodes: [
        ...(ratio === undefined ? [] : [{ op: 'Constant', inputs: [], outputs: ['ratio'], attrs: [{ name: 'value', type: 4, t: tensorToProto(tensor('f32', [], [ratio])) }] }]),
        { op: 'Constant', inputs: [], outputs: ['training'], attrs: [{ name: 'value', type: 4, t: tensorToProto(tensor('bool', [], [training ? 1 : 0])) }] },
        relu('x', 'r'),
        { op: 'Dropout', inputs: ['r', ratio === undefined ? '' : 'ratio', 'training'], outputs: ['d', 'mask'], name: '/dropout/Dropout' },
        relu('d', 'y'),
      ],
      inputs: [['x', 'f32', [2, 3]]],
      outputs: [['y', 'f32', [2, 3]]],
    });

  it('imports Dropout with ratio 0 as an identity in training mode too (PyTorch F.dropout(x, p=0.0))', () => {
    for (const [ratio, training] of [[0, true], [0, false], [undefined, false], [0.5, false]] as const) {
      const g = importOnnx(dropoutModel(ratio, training));
      expect(verify(g)).toEqual([]);
      expect(g.nodes.map((n) => n.op)).toEqual(['relu', 'relu']);
      expect(nums(run(g, [f32([2, 3])]).outputs[0]!)).toEqual([0, 0, 0, 0, 1, 2]);
    }
  });

  it('refuses training-mode Dropout with a nonzero or default ratio, naming the node', () => {
    for (const ratio of [0.1, undefined]) {
      const err = importError(dropoutModel(ratio, true));
      expect(err.message).toMatch(/training-mode Dropout/);
      expect(err.message).toMatch(`ratio ${ratio ?? 0.5}`);
      expect(err.message).toMatch('/dropout/Dropout');
    }
  });

  it('reads opset 4 forms: axis-aligned broadcast, attribute shapes, string casts', () => {
    const bytes = onnxModel({
      opset: 4,
      nodes: [
        { op: 'Add', inputs: ['x', 'bias'], outputs: ['a'], attrs: [ai('broadcast', 1), ai('axis', 1)] },
        { op: 'Reshape', inputs: ['a'], outputs: ['r'], attrs: [aints('shape', [0, -1])] },
        { op: 'Cast', inputs: ['r'], outputs: ['y'], attrs: [{ name: 'to', type: 3, s: new TextEncoder().encode('INT32') }] },
      ],
      inputs: [['x', 'f32', [1, 2, 3]]],
      outputs: [['y', 'i32', [1, 6]]],
      initializers: { bias: f32([2], [10, 20]) },
    });
    const g = importOnnx(bytes);
    expect(verify(g)).toEqual([]);
    // bias [2] is aligned with axis 1 of x [1,2,3], i.e. one value per row.
    expect(nums(run(g, [f32([1, 2, 3], [0, 1, 2, 3, 4, 5])]).outputs[0]!)).toEqual([10, 11, 12, 23, 24, 25]);
  });

  it('sorts nodes that are out of topological order', () => {
    const bytes = onnxModel({ nodes: [relu('a', 'y', 'second'), relu('x', 'a', 'first')], inputs: [['x', 'f32', [2]]], outputs: [['y', 'f32']] });
    expect(importOnnx(bytes).nodes.map((n) => n.name)).toEqual(['first', 'second']);
  });

  it('runs 1-D convolutions as 2-D ones', () => {
    const x = f32([1, 2, 7]), w = f32([3, 2, 3], [1, 0, -1, 2, 1, 0, 0, 1, 1, -2, 0, 1, 1, 1, 1, 0, 0, 3]), b = f32([3], [0.5, -1, 2]);
    const bytes = onnxModel({
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: [aints('pads', [1, 2]), aints('strides', [2])] }],
      inputs: [['x', 'f32', [1, 2, 7]]],
      outputs: [['y', 'f32', [1, 3, 4]]],
      initializers: { w, b },
    });
    const g = importOnnx(bytes);
    expect(verify(g)).toEqual([]);
    const y = run(g, [x]).outputs[0]!;
    // Direct 1-D convolution with zero padding 1 (left) and 2 (right), stride 2.
    const want: number[] = [];
    for (let m = 0; m < 3; m++)
      for (let o = 0; o < 4; o++) {
        let s = nums(b)[m]!;
        for (let c = 0; c < 2; c++)
          for (let k = 0; k < 3; k++) {
            const p = o * 2 + k - 1;
            if (p >= 0 && p < 7) s += nums(x)[c * 7 + p]! * nums(w)[(m * 2 + c) * 3 + k]!;
          }
        want.push(s);
      }
    expect(y.shape).toEqual([1, 3, 4]);
    expect(nums(y)).toEqual(want);
  });

  it('reads initializers from external data files next to the model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qforge-ext-'));
    const w = f32([2, 2], [1, 2, 3, 4]);
    const blob = new Uint8Array(16 + 16);
    blob.set(new Uint8Array(w.data.buffer), 16);
    writeFileSync(join(dir, 'weights.bin'), blob);
    const spec = (location: string): ModelSpec => ({
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [['x', 'f32', [1, 2]]],
      outputs: [['y', 'f32', [1, 2]]],
      initializers: {
        w: { dims: [2, 2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: location }, { key: 'offset', value: '16' }, { key: 'length', value: '16' }] },
      },
    });
    writeFileSync(join(dir, 'm.onnx'), onnxModel(spec('weights.bin')));
    const g = importOnnx(join(dir, 'm.onnx'));
    expect(tensorsEqual(g.constants['w']!, w)).toBe(true);
    expect(nums(run(g, [f32([1, 2], [1, 1])]).outputs[0]!)).toEqual([4, 6]);
    expect(importError(onnxModel(spec('weights.bin'))).message).toMatch(/initializer 'w': data is in an external file 'weights.bin'; import the model from its file path/);
    writeFileSync(join(dir, 'm2.onnx'), onnxModel(spec('../etc/passwd')));
    expect(importError(join(dir, 'm2.onnx')).message).toMatch(/must be a relative path inside the model's folder/);
    writeFileSync(join(dir, 'm3.onnx'), onnxModel(spec('nothere.bin')));
    expect(importError(join(dir, 'm3.onnx')).message).toMatch(/external data file .*nothere\.bin' cannot be read/);
  });

  it('decodes TensorProtos: raw data, typed fields and packed 4-bit values', () => {
    const t = tensor('i4', [3], [-8, 7, -1]);
    expect(tensorsEqual(decodeTensorProto(TensorProtoType.encode(TensorProtoType.fromObject(tensorToProto(t))).finish()), t)).toBe(true);
    const typed = TensorProtoType.encode(TensorProtoType.fromObject({ dims: [2], dataType: 7, int64Data: [-5, 9007199254740993n.toString()] })).finish();
    expect(nums(decodeTensorProto(typed))).toEqual([-5n, 9007199254740993n]);
    const bools = TensorProtoType.encode(TensorProtoType.fromObject({ dims: [3], dataType: 9, int32Data: [1, 0, 1] })).finish();
    expect(decodeTensorProto(bools)).toEqual(tensor('bool', [3], [1, 0, 1]));
    const short = TensorProtoType.encode(TensorProtoType.fromObject({ dims: [3], dataType: 1, floatData: [1, 2] })).finish();
    expect(() => decodeTensorProto(short, 'input_0.pb')).toThrow(/input_0\.pb: has 2 values in its data field, dims \[3\] need 3/);
    const half = TensorProtoType.encode(TensorProtoType.fromObject({ dims: [1], dataType: 10, int32Data: [0] })).finish();
    expect(() => decodeTensorProto(half)).toThrow(/element type float16 is not supported/);
  });
});

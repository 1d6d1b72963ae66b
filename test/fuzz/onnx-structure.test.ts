// Fuzz: structural mutations of decoded ONNX models (op types, operands, attributes of every
// type and extreme values, initializer dims and dtypes, input types and shapes, outputs), encoded
// again and imported; what imports must verify and run.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { supportedOnnxOps } from '../../src/ir/onnx/converters.js';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { ModelProto } from '../../src/ir/onnx/schema.js';
import { verify } from '../../src/ir/verify.js';
import { ai, onnxModel } from '../onnx/build-model.js';
import { tensor } from '../../src/ir/tensor.js';
import { expectBothOutcomes, fuzz, importChecked, runs, SEED, type Rng } from './support.js';

const FIXTURES = ['conv_bn_relu', 'convT_bn_relu', 'digits_mlp', 'attention_block', 'depthwise_residual', 'digits_cnn_qat'];
const i64 = (xs: number[]) => tensor('i64', [xs.length], xs);
/** Ops whose shapes, axes, bounds and counts are constant operands: where a mutation does most harm. */
const SHAPE_ZOO = onnxModel({
  nodes: [
    { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes3', 'steps'], outputs: ['s'] },
    { op: 'Pad', inputs: ['s', 'pads'], outputs: ['p'] },
    { op: 'Tile', inputs: ['p', 'reps'], outputs: ['t'] },
    { op: 'Gather', inputs: ['t', 'idx'], outputs: ['g'], attrs: [ai('axis', 1)] },
    { op: 'Unsqueeze', inputs: ['g', 'axes0'], outputs: ['u'] },
    { op: 'Squeeze', inputs: ['u', 'axes0'], outputs: ['q'] },
    { op: 'TopK', inputs: ['q', 'k'], outputs: ['v', 'vi'] },
    { op: 'Expand', inputs: ['v', 'eshape'], outputs: ['e'] },
    { op: 'ReduceSum', inputs: ['e', 'axes1'], outputs: ['rs'] },
    { op: 'Split', inputs: ['rs', 'split'], outputs: ['sp0', 'sp1'], attrs: [ai('axis', 0)] },
    { op: 'Concat', inputs: ['sp0', 'sp1'], outputs: ['c'], attrs: [ai('axis', 1)] },
    { op: 'Reshape', inputs: ['c', 'flat'], outputs: ['r'] },
    { op: 'ConstantOfShape', inputs: ['cshape'], outputs: ['zeros'] },
    { op: 'Add', inputs: ['r', 'zeros'], outputs: ['y'] },
  ],
  inputs: [['x', 'f32', [2, 3, 4, 4]]],
  outputs: [['y', 'f32']],
  initializers: {
    starts: i64([0]), ends: i64([2]), axes3: i64([3]), steps: i64([1]), pads: i64([0, 0, 0, 0, 0, 0, 0, 2]), reps: i64([1, 1, 1, 1]),
    idx: i64([0, 2]), axes0: i64([0]), k: i64([2]), eshape: i64([2, 2, 4, 2]), axes1: i64([1]), split: i64([1, 1]), flat: i64([-1]), cshape: i64([16]),
  },
});
const BASES = [...FIXTURES.map((f) => readFileSync(resolve('../shared/fixtures', f, 'model.onnx'))), SHAPE_ZOO];
const BASE_NAMES = [...FIXTURES, 'shape-zoo'];

// biome-ignore lint/suspicious/noExplicitAny: protobufjs messages are mutated field by field
type Msg = any;

const OP_TYPES = [...supportedOnnxOps(), 'NoSuchOp', ''];
const ATTR_NAMES = ['axis', 'axes', 'perm', 'kernel_shape', 'strides', 'pads', 'dilations', 'group', 'alpha', 'beta', 'to', 'keepdims', 'mode', 'epsilon', 'transB', 'value'];
const INTS = [0, 1, -1, 2, 3, -7, 255, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, 1e15];
const FLOATS = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 1e39, 1e-45, 3.4e38];

function mutate(m: Msg, r: Rng): void {
  const g = m.graph;
  const names: string[] = [...g.input.map((v: Msg) => v.name), ...g.initializer.map((t: Msg) => t.name), ...g.node.flatMap((n: Msg) => n.output)];
  const node = g.node.length ? r.pick(g.node as Msg[]) : undefined;
  const init = g.initializer.length ? r.pick(g.initializer as Msg[]) : undefined;
  const input = g.input.length ? r.pick(g.input as Msg[]) : undefined;
  switch (r.int(0, 12)) {
    case 0: if (node) node.opType = r.pick(OP_TYPES); break;
    case 1: if (node) node.input.splice(r.int(0, node.input.length), r.int(0, 1), r.pick([...names, '', 'nowhere'])); break;
    case 2: if (node) node.output.splice(r.int(0, node.output.length), r.int(0, 1), ...(r.bool() ? [r.pick([...names, ''])] : [])); break;
    case 3: {
      if (!node) break;
      const a = node.attribute.length && r.bool(0.7) ? r.pick(node.attribute as Msg[]) : (node.attribute.push({ name: r.pick(ATTR_NAMES), type: 2, i: 1 }), node.attribute[node.attribute.length - 1]);
      const kind = r.int(0, 4);
      if (kind === 0) Object.assign(a, { type: 2, i: r.pick(INTS) });
      else if (kind === 1) Object.assign(a, { type: 7, ints: Array.from({ length: r.int(0, 5) }, () => r.pick(INTS)) });
      else if (kind === 2) Object.assign(a, { type: 1, f: r.pick(FLOATS) });
      else if (kind === 3) Object.assign(a, { type: 6, floats: Array.from({ length: r.int(0, 4) }, () => r.pick(FLOATS)) });
      else a.type = r.int(0, 14);
      break;
    }
    case 4: if (node?.attribute.length) node.attribute.splice(r.int(0, node.attribute.length - 1), 1); break;
    case 5: if (init) { const d = [...init.dims]; if (d.length) d[r.int(0, d.length - 1)] = r.pick(INTS); init.dims = d; } break;
    case 6: if (init) init.dims = r.bool() ? [...init.dims, r.pick([1, 2, 0])] : init.dims.slice(1); break;
    case 7: if (init) init.dataType = r.int(0, 23); break;
    case 8: if (input?.type?.tensorType) input.type.tensorType.elemType = r.int(0, 23); break;
    case 9: {
      const dims = input?.type?.tensorType?.shape?.dim;
      if (dims?.length) dims[r.int(0, dims.length - 1)] = r.bool(0.8) ? { dimValue: r.pick(INTS) } : { dimParam: 'n' };
      break;
    }
    case 10: if (g.output.length) r.bool() ? g.output.push(r.pick(g.output as Msg[])) : g.output.splice(r.int(0, g.output.length - 1), 1); break;
    case 11: if (g.node.length > 1) g.node.splice(r.int(0, g.node.length - 1), 1); break;
    default: {
      // New values for a constant operand (a shape, axes, K...): a short int64 list.
      if (!init) break;
      const values = Array.from({ length: r.int(0, 5) }, () => r.pick(INTS));
      Object.assign(init, { dataType: 7, dims: [values.length], int64Data: values, rawData: new Uint8Array(0), floatData: [] });
    }
  }
}

describe('fuzz: ONNX structure', () => {
  it('the shape zoo imports as it is', () => {
    expect(verify(importOnnx(SHAPE_ZOO))).toEqual([]);
  });

  it(`${runs(300)} structurally mutated models import cleanly or get a diagnostic`, () => {
    const outcomes = fuzz(
      'onnx-structure',
      SEED + 1,
      runs(300),
      (i, r) => {
        const m = ModelProto.decode(BASES[i % BASES.length]!) as Msg;
        for (let j = r.int(1, 3); j > 0; j--) mutate(m, r);
        return { input: ModelProto.encode(m).finish(), suffix: `(${BASE_NAMES[i % BASES.length]}).onnx` };
      },
      importChecked,
    );
    expectBothOutcomes(outcomes);
  });
});

// Debug handles: given at ONNX import, read back from ONNX metadata, kept by rewrites, stamped on
// observers and q/dq nodes by prepare/convert, and inherited structurally where a tool left
// them out.
import { describe, expect, it } from 'vitest';
import { inheritQdqHandles } from '../../src/ir/debug-handles.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { importOnnx, toOnnxModel } from '../../src/ir/onnx/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { getPass, runPipeline } from '../../src/passes/index.js';
import { applyPatterns, loadPatterns } from '../../src/patterns/index.js';
import { onnxModel } from '../onnx/build-model.js';
import { fixtureFlow } from './support.js';

const handles = (g: Graph) => g.nodes.map((n) => [n.name, n.op, n.debugHandle]);
const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });

describe('handles at ONNX import', () => {
  it('every node gets its ONNX node position + 1; the nodes one ONNX node becomes share it', () => {
    const w = tensor('f32', [2, 1, 3], [1, 2, 3, 4, 5, 6]);
    const g = importOnnx(
      onnxModel({
        nodes: [
          { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
          { op: 'Conv', inputs: ['r', 'w'], outputs: ['c'], name: 'conv1d' },
          { op: 'Identity', inputs: ['c'], outputs: ['y'], name: 'id' },
        ],
        inputs: [['x', 'f32', [1, 1, 5]]],
        outputs: [['y', 'f32', [1, 2, 3]]],
        initializers: { w },
      }),
    );
    // A 1-D conv is reshape → conv2d → reshape; the folded Identity leaves an identity for the
    // output's name, with a fresh handle after the last ONNX one.
    expect(handles(g)).toEqual([
      ['relu', 'relu', 1],
      ['conv1d', 'reshape', 2],
      ['conv1d/conv2d', 'conv2d', 2],
      ['conv1d/reshape', 'reshape', 2],
      ['y/identity', 'identity', 4],
    ]);
  });

  it('handles stored in node metadata come back; nodes without one follow the largest', () => {
    const bytes = onnxModel({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { op: 'Neg', inputs: ['a'], outputs: ['b'] },
        { op: 'Abs', inputs: ['b'], outputs: ['y'] },
      ],
      inputs: [['x', 'f32', [2]]],
      outputs: [['y', 'f32', [2]]],
    });
    const g = importOnnx(bytes);
    expect(g.nodes.map((n) => n.debugHandle)).toEqual([1, 2, 3]);
    // Through our exporter, which writes metadata_props.
    const stamped: Graph = { ...g, nodes: g.nodes.map((n, i) => (i < 2 ? { ...n, debugHandle: [7, 3][i]! } : { ...n, debugHandle: undefined })) };
    const back = importOnnx(toOnnxModel(stamped));
    expect(back.nodes.map((n) => n.debugHandle)).toEqual([7, 3, 7 + 3]);
  });
});

describe('handles through the quantization flow (fold-batchnorm, prepare, calibrate, convert)', () => {
  const { float, quant } = fixtureFlow('conv_bn_relu');
  const fh = new Map(float.nodes.map((n) => [n.name, n.debugHandle!]));

  it('the float model has handles 1..9 in ONNX node order', () => {
    expect(float.nodes.map((n) => n.debugHandle)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('every quantized node carries a float handle; folded convs carry the batch norm (rewrite root) handle', () => {
    expect(quant.nodes.every((n) => n.debugHandle !== undefined && [...fh.values()].includes(n.debugHandle))).toBe(true);
    const convs = quant.nodes.filter((n) => n.op === 'conv2d');
    expect(convs.map((n) => [n.name, n.debugHandle])).toEqual([
      ['/bn1/BatchNormalization', fh.get('/bn1/BatchNormalization')],
      ['/bn2/BatchNormalization', fh.get('/bn2/BatchNormalization')],
    ]);
    expect(quant.nodes.some((n) => n.op === 'batch_norm')).toBe(false);
  });

  it('q/dq nodes carry the handle of the node they serve', () => {
    const producer = new Map(quant.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    const consumer = (v: string) => quant.nodes.find((n) => n.inputs.includes(v))!;
    for (const n of quant.nodes) {
      const src = producer.get(n.inputs[0]!);
      let served;
      if (n.op === 'quantize') served = src ?? consumer(consumer(n.outputs[0]!).outputs[0]!); // a node's result, or the graph input's consumer
      else if (n.op === 'dequantize') served = src ?? consumer(n.outputs[0]!); // its quantize, or the weight's / bias's consumer
      else continue;
      expect([n.name, n.debugHandle]).toEqual([n.name, served.debugHandle]);
    }
    const relu1 = fh.get('/relu1/Relu')!;
    expect(quant.nodes.filter((n) => n.debugHandle === relu1).map((n) => n.op)).toEqual(['relu', 'quantize', 'dequantize']);
  });

  it('the structural inference agrees with what prepare and convert stamp', () => {
    const stripped: Graph = { ...quant, nodes: quant.nodes.map((n) => (n.op === 'quantize' || n.op === 'dequantize' ? { ...n, debugHandle: undefined } : n)) };
    expect(handles(inheritQdqHandles(stripped))).toEqual(handles(quant));
  });

  it.skipIf(!getPass('lower-quantized'))('lowered integer ops keep the handle of the float op', () => {
    const low = runPipeline(quant, ['lower-quantized']).graph;
    const q = low.nodes.filter((n) => n.op === 'qconv2d' || n.op === 'qlinear');
    expect(q.map((n) => n.debugHandle)).toEqual([fh.get('/relu1/Relu'), fh.get('/relu2/Relu'), fh.get('/fc/Gemm')]);
  });
});

describe('assign-debug-handles and rewrites', () => {
  function handleless(): Graph {
    const b = new GraphBuilder();
    const x = b.input('x', f32(4));
    const w = b.constant('w', tensor('i8', [4], [1, -2, 3, -4]));
    const q = b.op('quantize', [x], { scale: [0.1], zero_point: [0], dtype: 'i8' }, 'q');
    const xd = b.op('dequantize', [q], { scale: [0.1], zero_point: [0] }, 'xd');
    const wd = b.op('dequantize', [w], { scale: [0.5], zero_point: [0] }, 'wd');
    const m = b.op('mul', [xd, wd], {}, 'm');
    const r = b.op('relu', [m], {}, 'r');
    const rq = b.op('quantize', [r], { scale: [0.2], zero_point: [0], dtype: 'i8' }, 'rq');
    b.output(b.op('dequantize', [rq], { scale: [0.2], zero_point: [0] }, 'y'));
    const g = b.build();
    g.nodes.find((n) => n.name === 'm')!.debugHandle = 5;
    return g;
  }

  it('q/dq nodes inherit; the other nodes get fresh handles; a second run changes nothing', () => {
    const r = runPipeline(handleless(), ['assign-debug-handles']);
    expect(handles(r.graph)).toEqual([
      ['q', 'quantize', 5],
      ['xd', 'dequantize', 5],
      ['wd', 'dequantize', 5],
      ['m', 'mul', 5],
      ['r', 'relu', 6],
      ['rq', 'quantize', 6],
      ['y', 'dequantize', 6],
    ]);
    expect(r.records[0]!.stats).toEqual({ 'handles-assigned': 6 });
    expect(runPipeline(r.graph, ['assign-debug-handles']).records[0]!.changed).toBe(false);
  });

  it('every node a rewrite creates carries the root handle', () => {
    const b = new GraphBuilder();
    b.output(b.op('relu', [b.input('x', f32(2))], {}, 'y'));
    const g = b.build();
    g.nodes[0]!.debugHandle = 9;
    const res = applyPatterns(g, loadPatterns('pattern p { match { %y = relu(%x) } rewrite { abs(neg(%x)) } }'));
    expect(res.graph.nodes.map((n) => [n.op, n.debugHandle])).toEqual([['neg', 9], ['abs', 9]]);
  });
});

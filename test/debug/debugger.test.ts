// The numeric debugger on fixture models quantized by the real flow: its output SQNR is the one
// computed directly, a corrupted weight shows up as the worst layer, integer results are
// dequantized, and the text/JSON/HTML reports hold what the API computed.
import { describe, expect, it } from 'vitest';
import { debugNumerics, formatTable, toHtml, toJson, worstFirst } from '../../src/debug/index.js';
import { QforgeError } from '../../src/diagnostics/index.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { run } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { fixtureFlow } from './support.js';

/** 10·log10(Σ f² / Σ (f − q)²) over every sample, from the graph outputs alone. */
function directSqnr(float: Graph, quant: Graph, samples: ReturnType<typeof fixtureFlow>['samples']): number {
  let s = 0, e = 0;
  for (const x of samples) {
    const f = run(float, x).outputs[0]!.data as Float32Array, q = run(quant, x).outputs[0]!.data as Float32Array;
    f.forEach((v, i) => ((s += v * v), (e += (v - q[i]!) ** 2)));
  }
  return 10 * Math.log10(s / e);
}

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof QforgeError) return `${e.diagnostics[0]!.key}: ${e.diagnostics[0]!.message}`;
    throw e;
  }
  return 'no error';
};

describe('numeric debugger on conv_bn_relu (pytorch-fx quantizer)', () => {
  const { float, quant, samples } = fixtureFlow('conv_bn_relu');
  const report = debugNumerics(float, quant, samples);

  it('pairs every handle that survives and sees the fused-away ones', () => {
    expect(report.samples).toBe(4);
    expect(report.layers.map((l) => [l.floatNode, l.quantOp])).toEqual([
      ['/bn1/BatchNormalization', 'conv2d'],
      ['/relu1/Relu', 'dequantize'],
      ['/bn2/BatchNormalization', 'conv2d'],
      ['/relu2/Relu', 'dequantize'],
      ['/pool/GlobalAveragePool', 'dequantize'],
      ['/Flatten', 'dequantize'],
      ['/fc/Gemm', 'dequantize'],
    ]);
    // The two convs became the batch norms (folding keeps the rewrite root's handle).
    expect(report.floatOnly).toEqual([1, 4]);
    expect(report.quantOnly).toEqual([]);
  });

  it('the SQNR of the final output equals the one computed directly (and the fixture README)', () => {
    const direct = directSqnr(float, quant, samples);
    expect(report.outputs).toHaveLength(1);
    expect(report.outputs[0]!.sqnrDb).toBeCloseTo(direct, 10);
    const last = report.layers.find((l) => l.floatValue === 'output')!;
    expect(last.sqnrDb).toBeCloseTo(direct, 10);
    expect(direct).toBeCloseTo(30.57, 2);
  });

  it('a corrupted weight shows up as the worst layer', () => {
    // Flip the sign of every third int8 weight of the second conv.
    const conv2 = quant.nodes.find((n) => n.name === '/bn2/BatchNormalization')!;
    const wdq = quant.nodes.find((n) => n.outputs[0] === conv2.inputs[1])!;
    const w = quant.constants[wdq.inputs[0]!]!;
    const bad = (w.data as Int8Array).map((v, i) => (i % 3 === 0 ? -v : v));
    const corrupted: Graph = { ...quant, constants: { ...quant.constants, [wdq.inputs[0]!]: { ...w, data: bad } } };
    const r = debugNumerics(float, corrupted, samples);
    const worst = worstFirst(r.layers);
    expect(worst[0]!.quantNode).toBe(conv2.name);
    expect(worst[0]!.sqnrDb).toBeLessThan(5);
    // Layers before it are untouched.
    for (const l of r.layers.filter((l) => l.order < worst[0]!.order)) expect(l.sqnrDb).toBe(report.layers.find((k) => k.handle === l.handle)!.sqnrDb);
  });

  it('the table lists the layers worst first and honours top', () => {
    const text = formatTable(report, { top: 3 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('numeric debugger: conv_bn_relu vs conv_bn_relu on 4 samples: 7 values compared (2 float-only, 0 quantized-only handles)');
    expect(lines[1]).toMatch(/^ {2}output output: SQNR 30\.57 dB, max \|err\| 0\.01\d+$/);
    expect(lines[3]).toMatch(/^rank\s+handle\s+op\s+float node\s+quantized node\s+SQNR dB\s+max \|err\|$/);
    const rows = lines.slice(5, 8).map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3']);
    const sqnrs = rows.map((r) => Number(r[r.length - 2]));
    expect([...sqnrs].sort((a, b) => a - b)).toEqual(sqnrs);
    expect(lines[8]).toBe('  ... 4 more (--top 7 shows all)');
  });

  it('JSON has the layers worst first with ranks; HTML is self-contained with one bar per layer', () => {
    const j = toJson(report);
    expect(j.layers.map((l) => l.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(j.layers[0]!.sqnrDb).toBe(Math.min(...report.layers.map((l) => l.sqnrDb)));
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    const html = toHtml(report);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|@import/i);
    expect(html.match(/https?:\/\/[^"]*/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect(html.match(/<rect /g)).toHaveLength(report.layers.length);
    // Bars in graph order: the first bar's tooltip is the first layer's.
    expect(html.indexOf('/bn1/BatchNormalization →')).toBeLessThan(html.indexOf('/fc/Gemm →'));
  });

  it('reports graphs with no common handles and missing inputs clearly', () => {
    const bare: Graph = { ...quant, nodes: quant.nodes.map(({ debugHandle: _, ...n }) => n) };
    expect(code(() => debugNumerics(float, bare, samples))).toMatch(/^DEBUG_NO_COMMON: 'conv_bn_relu' and 'conv_bn_relu' share no debug handle/);
    expect(code(() => debugNumerics(float, quant, [{}]))).toBe("DEBUG_INPUTS: sample 0 lacks input 'input' (f32[1,3,16,16])");
    expect(code(() => debugNumerics(float, quant, []))).toBe('DEBUG_INPUTS: no input samples given');
    const other = fixtureFlow('mlp').quant;
    expect(code(() => debugNumerics(float, other, samples))).toBe('DEBUG_INPUTS: the float graph takes (input: f32[1,3,16,16]) but the quantized graph takes (input: f32[1,64])');
  });
});

describe('integer results', () => {
  it('are dequantized with their type params (a lowered graph ending in an integer op)', () => {
    const f = new GraphBuilder('f');
    const a = f.input('a', { dtype: 'f32', shape: [4] }), b = f.input('b', { dtype: 'f32', shape: [4] });
    f.output(f.op('add', [a, b], {}, 'y'));
    const float = f.build();
    float.nodes[0]!.debugHandle = 1;
    const q = new GraphBuilder('q');
    const qa = q.op('quantize', [q.input('a', { dtype: 'f32', shape: [4] })], { scale: [0.05], zero_point: [128], dtype: 'u8' }, 'qa');
    const qb = q.op('quantize', [q.input('b', { dtype: 'f32', shape: [4] })], { scale: [0.05], zero_point: [128], dtype: 'u8' }, 'qb');
    q.output(q.op('qadd', [qa, qb], { a_scale: 0.05, a_zero_point: 128, b_scale: 0.05, b_zero_point: 128, y_scale: 0.1, y_zero_point: 128, dtype: 'u8' }, 'y'));
    const quant = q.build();
    quant.nodes[2]!.debugHandle = 1;
    const x = { a: tensor('f32', [4], [0.5, -1, 2, 3.3]), b: tensor('f32', [4], [0.25, 1, -0.1, 0.04]) };
    const r = debugNumerics(float, quant, x);
    // The debugger's value: the u8 codes read as (code − 128)·0.1.
    const codes = run(quant, x).outputs[0]!.data as Uint8Array;
    const f32 = run(float, x).outputs[0]!.data as Float32Array;
    const got = Array.from(codes, (c) => Math.fround((c - 128) * 0.1));
    expect(Array.from(codes)).toEqual([136, 128, 147, 162]);
    const err = got.map((g, i) => g - f32[i]!);
    const want = 10 * Math.log10(f32.reduce((s, v) => s + v * v, 0) / err.reduce((s, e) => s + e * e, 0));
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0]!.quantOp).toBe('qadd');
    expect(r.layers[0]!.sqnrDb).toBeCloseTo(want, 4);
    expect(r.layers[0]!.maxAbsError).toBe(Math.max(...err.map(Math.abs)));
    expect(r.outputs[0]!.sqnrDb).toBeCloseTo(want, 4);
    expect(r.layers[0]!.nonFinite).toBe(0);
  });
});

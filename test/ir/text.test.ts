// The .qir text format: reading hand-written text, the canonical printed form, exact constants of
// every dtype, sidecar files, and the diagnostics for broken text.
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QforgeError, type Diagnostic } from '../../src/diagnostics/index.js';
import { GraphBuilder, parseGraph, printGraph, printGraphSidecar, readQir, run, tensor, writeQir, type Graph } from '../../src/ir/index.js';
import { expectSameGraph } from '../support/graph-equal.js';

function errorsOf(text: string, opts: Parameters<typeof parseGraph>[1] = { file: 'm.qir' }): Diagnostic[] {
  try {
    parseGraph(text, opts);
  } catch (e) {
    if (e instanceof QforgeError) return e.diagnostics;
    throw e;
  }
  throw new Error('expected the text to be rejected');
}
const roundTrip = (g: Graph) => expectSameGraph(parseGraph(printGraph(g), { verify: false }), g);

describe('reading hand-written text', () => {
  const text = `// a comment
graph tiny(%input: f32[1,2,3,3]) -> (%"/out/Relu_output_0": f32[1,2,3,3], %pooled) {
  const %conv.weight: f32[2,2,1,1] = [1, 0.5, -0.25, 2]   // row-major
  const %bias: f32[2] = splat(0.125)
  %"/conv/Conv_output_0": f32[1,2,3,3] = conv2d(%input, %conv.weight, %bias) @"/conv/Conv" #7
  %"/out/Relu_output_0" = relu(%"/conv/Conv_output_0") @"/out/Relu"
  %pooled = maxpool2d(%"/out/Relu_output_0") {kernel_shape=[3, 3]}
}`;

  it('builds the graph: quoted names, node names, debug handles, inferred result types', () => {
    const g = parseGraph(text);
    expect(g.name).toBe('tiny');
    expect(g.inputs).toEqual(['input']);
    expect(g.outputs).toEqual(['/out/Relu_output_0', 'pooled']);
    expect(g.nodes.map((n) => [n.name, n.op, n.debugHandle])).toEqual([
      ['/conv/Conv', 'conv2d', 7],
      ['/out/Relu', 'relu', undefined],
      ['pooled', 'maxpool2d', undefined],
    ]);
    expect(g.values['pooled']).toEqual({ dtype: 'f32', shape: [1, 2, 1, 1] });
    expect(g.constants['bias']!.data).toEqual(new Float32Array([0.125, 0.125]));
    expect(g.nodes[2]!.attrs).toEqual({ kernel_shape: [3, 3] });
    const x = tensor('f32', [1, 2, 3, 3], Array.from({ length: 18 }, (_, i) => i - 9));
    expect(run(g, [x]).outputs[1]!.data[0]).toBe(-1 + 8 * 0.5 + 0.125); // channel 0 at the last position: relu(x0 + 0.5 x1 + bias)
  });

  it('prints the canonical form, which reads back to the same graph', () => {
    const printed = printGraph(parseGraph(text));
    expect(printed).toBe(`graph tiny(%input: f32[1,2,3,3]) -> (%"/out/Relu_output_0": f32[1,2,3,3], %pooled: f32[1,2,1,1]) {
  const %conv.weight: f32[2,2,1,1] = [1, 0.5, -0.25, 2]
  const %bias: f32[2] = [0.125, 0.125]
  %"/conv/Conv_output_0": f32[1,2,3,3] = conv2d(%input, %conv.weight, %bias) @"/conv/Conv" #7
  %"/out/Relu_output_0": f32[1,2,3,3] = relu(%"/conv/Conv_output_0") @"/out/Relu"
  %pooled: f32[1,2,1,1] = maxpool2d(%"/out/Relu_output_0") {kernel_shape=[3, 3]}
}
`);
    expect(printGraph(parseGraph(printed))).toBe(printed);
  });
});

describe('exact values', () => {
  it('constants of every dtype, with their extremes, round-trip', () => {
    const b = new GraphBuilder('dtypes');
    b.constant('f32', tensor('f32', [7], [0.1, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]));
    b.constant('f64', tensor('f64', [5], [0.1, -0, 5e-324, Number.MAX_VALUE, 1 / 3]));
    b.constant('i64', { dtype: 'i64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n]) });
    b.constant('i4', tensor('i4', [2], [-8, 7]));
    b.constant('u4', tensor('u4', [2], [0, 15]));
    b.constant('i8', tensor('i8', [2], [-128, 127]));
    b.constant('u8', tensor('u8', [2, 1], [0, 255]));
    b.constant('i16', tensor('i16', [2], [-32768, 32767]));
    b.constant('u16', tensor('u16', [1], [65535]));
    b.constant('i32', tensor('i32', [2], [-2147483648, 2147483647]));
    b.constant('bool', tensor('bool', [3], [1, 0, 1]));
    b.constant('scalar', tensor('f32', [], [2.5]));
    b.constant('empty', tensor('i8', [0, 3]));
    const g = b.build();
    const text = printGraph(g);
    expect(text).toContain('const %f32: f32[7] = [0.1, -0, nan, inf, -inf, 1e-45, 3.4028235e+38]');
    expect(text).toContain('const %i64: i64[3] = [-9223372036854775808, 9223372036854775807, 0]');
    expect(text).toContain('const %bool: bool[3] = [true, false, true]');
    expect(text).toContain('const %scalar: f32[] = 2.5');
    expect(text).toContain('const %empty: i8[0,3] = []');
    roundTrip(g);
  });

  it('bit patterns without a literal (NaN payloads, bool bytes other than 0/1) go as base64', () => {
    const nan = new Float32Array(new Uint32Array([0x7fc00001, 0xffc00000]).buffer);
    const b = new GraphBuilder('bits');
    b.constant('nan', { dtype: 'f32', shape: [2], data: nan });
    b.constant('flag', { dtype: 'bool', shape: [1], data: new Uint8Array([2]) });
    const g = b.build();
    expect(printGraph(g)).toContain('const %nan: f32[2] = b64"AQDAfwAAwP8="');
    roundTrip(g);
  });

  it('large constants are base64 past inlineLimit, and equal elements print as splat', () => {
    const b = new GraphBuilder('big');
    b.constant('w', tensor('f32', [3], [1, 2, 3]));
    b.constant('z', tensor('i32', [100]));
    const g = b.build();
    const text = printGraph(g, { inlineLimit: 2 });
    expect(text).toMatch(/const %w: f32\[3\] = b64"AACAPwAAAEAAAEBA"/);
    expect(text).toMatch(/const %z: i32\[100\] = splat\(0\)/);
    expectSameGraph(parseGraph(text, { verify: false }), g);
  });

  it('attribute values: floats (inf, nan, -0, 1e21), strings that need quotes, bare words, lists', () => {
    const g = parseGraph(
      `graph a() -> () {\n  %y: f32[] = some_op(_) {a=inf, b=-inf, c=nan, d=-0, e=1e+21, f="true", g=nearest, h=[], i=["a b", x], j=false, "odd key"=1}\n}`,
      { verify: false },
    );
    const attrs = g.nodes[0]!.attrs;
    expect(attrs).toEqual({ a: Infinity, b: -Infinity, c: NaN, d: -0, e: 1e21, f: 'true', g: 'nearest', h: [], i: ['a b', 'x'], j: false, 'odd key': 1 });
    expect(Object.is(attrs['d'], -0)).toBe(true);
    expect(printGraph(g)).toContain('{a=inf, b=-inf, c=nan, d=-0, e=1e+21, f="true", g=nearest, h=[], i=["a b", x], j=false, "odd key"=1}');
    roundTrip(g);
  });

  it('quant params: per tensor in short form, per channel with axis', () => {
    const text = `graph q(%x: i8[2,3] quant(axis=0, scale=[0.5, 0.012300000600516796], zp=[0, -3])) -> (%x: i8[2,3] quant(axis=0, scale=[0.5, 0.012300000600516796], zp=[0, -3])) {
  const %c: u8[] quant(scale=0.1, zp=128) = 7
}
`;
    const g = parseGraph(text, { verify: false });
    expect(g.values['x']!.quant).toEqual({ scale: [0.5, 0.012300000600516796], zeroPoint: [0, -3], axis: 0 });
    expect(g.values['c']!.quant).toEqual({ scale: [0.1], zeroPoint: [128] });
    expect(printGraph(g)).toBe(text);
  });
});

describe('sidecar files', () => {
  const big = () => {
    const b = new GraphBuilder('side');
    const x = b.input('x', { dtype: 'f32', shape: [64] });
    const w = b.constant('w', tensor('f32', [64], Array.from({ length: 64 }, (_, i) => i / 7)));
    const s = b.constant('s', tensor('i8', [3], [1, 2, 3]));
    const k = b.constant('k', { dtype: 'i64', shape: [40], data: new BigInt64Array(40).map((_, i) => BigInt(i) * 3n ** 30n) });
    b.output(b.op('add', [x, w]), s, k);
    return b.build();
  };

  it('puts constants at or above the threshold in the sidecar, aligned, and reads them back', () => {
    const g = big();
    const { text, sidecar } = printGraphSidecar(g, { sidecarThreshold: 256 });
    expect(text).toContain('const %w: f32[64] = sidecar[0, 256]');
    expect(text).toContain('const %s: i8[3] = [1, 2, 3]');
    expect(text).toContain('const %k: i64[40] = sidecar[256, 320]');
    expect(sidecar!.length).toBe(576);
    expect(new Float32Array(sidecar!.slice(4, 8).buffer)[0]).toBe(Math.fround(1 / 7));
    expectSameGraph(parseGraph(text, { sidecar }), g);
  });

  it('writeQir/readQir keep model.qir and model.qir.bin together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qir-'));
    const path = join(dir, 'model.qir');
    const g = big();
    writeQir(path, g, { sidecarThreshold: 100 });
    expect(existsSync(`${path}.bin`)).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('sidecar[');
    expectSameGraph(readQir(path), g);
    writeFileSync(`${path}.bin`, new Uint8Array(10)); // truncated
    const d = errorsOf(readFileSync(path, 'utf8'), { file: path, sidecar: new Uint8Array(10) });
    expect(d.map((x) => x.key)).toEqual(['IR_SIDECAR', 'IR_SIDECAR']);
    expect(() => readQir(path)).toThrow(/needs sidecar bytes \[0, 256\) but the sidecar holds 10 bytes/);
    writeQir(path, g); // default threshold 4096: everything inline, the stale sidecar goes
    expect(existsSync(`${path}.bin`)).toBe(false);
    expectSameGraph(readQir(path), g);
  });

  it('reports a sidecar reference without a sidecar, and a wrong byte count', () => {
    const d = errorsOf('graph g() -> (%c) {\n  const %c: f32[4] = sidecar[0, 16]\n}');
    expect(d[0]!.key).toBe('IR_SIDECAR');
    expect(d[0]!.message).toMatch(/no sidecar was given/);
    const e = errorsOf('graph g() -> (%c) {\n  const %c: f32[4] = sidecar[0, 12]\n}', { sidecar: new Uint8Array(16) });
    expect(e[0]!.message).toBe("constant 'c' has 12 bytes of data, f32[4] needs 16");
  });
});

describe('diagnostics', () => {
  it('reports every syntax error with file:line:column and a caret line', () => {
    const d = errorsOf('graph g(%x: f32[2]) -> (%y) {\n  %y = relu(%x) {alpha=}\n  %z = add(%x %x)\n}');
    expect(d.map((x) => [x.loc!.line, x.loc!.column])).toEqual([
      [2, 24],
      [3, 15],
      [3, 17],
    ]);
    expect(d[0]!.message).toMatch(/^expected an attribute value .* but found '}'$/);
    expect(new QforgeError(d).message.split('\n').slice(0, 3)).toEqual([
      "m.qir:2:24: error QF0101: expected an attribute value (number, string, word, true/false or [list]) but found '}'",
      '    %y = relu(%x) {alpha=}',
      '                         ^',
    ]);
  });

  it('reports stray characters and unterminated strings from the lexer', () => {
    const d = errorsOf('graph g(%x: f32[2]) -> (%x) {\n  $\n  const %c: f32[] = "abc\n}');
    expect(d[0]!.message).toBe("unexpected character '$'");
    expect(d[1]!.message).toMatch(/unterminated or malformed string/);
    expect(d[1]!.loc!.line).toBe(3);
  });

  it('suggests the nearest op name for unknown ops, without follow-on noise', () => {
    const d = errorsOf('graph g(%x: f32[2]) -> (%w) {\n  %y = rleu(%x)\n  %w = relu(%y)\n}');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ key: 'IR_UNKNOWN_OP', message: "unknown op 'rleu'", hint: "did you mean 'relu'?", loc: { line: 2, column: 8, length: 4 } });
  });

  it('reports bad literals, dtypes, duplicates and output types in one go', () => {
    const d = errorsOf(`graph g(%x: f32[2]) -> (%y: f32[3]) {
  const %c: i8[2] = [1, 200]
  const %d: i32[2] = [1.5, 2]
  const %e: f33[3] = [1, 2]
  const %c: f32[2] = splat(0)
  %y: f32[2] = relu(%x) {a=1, a=2}
}`);
    expect(d.map((x) => `${x.loc!.line}:${x.loc!.column} ${x.key} ${x.message}`)).toEqual([
      "1:25 VERIFY_TYPE_MISMATCH graph output 'y' is declared f32[3] here but defined as f32[2]",
      '2:25 IR_PARSE 200 is out of range for i8 [-128, 127]',
      '3:23 IR_PARSE i32 constants hold integers, got 1.5',
      "4:13 IR_PARSE unknown dtype 'f33'",
      "5:9 VERIFY_REDEFINED value 'c' is already defined",
      "6:16 IR_BAD_ATTR unknown attribute 'a' for relu (it has none)",
      "6:31 IR_BAD_ATTR attribute 'a' is given twice",
    ]);
    expect(d[3]!.hint).toBe("did you mean 'f32'?");
  });

  it('places verifier findings at the operand, result or op they concern', () => {
    const d = errorsOf('graph g(%x: f32[2]) -> (%y, %q) {\n  %y: f32[2] = add(%x, %nope)\n  %z: f32[9] = relu(%x)\n}');
    expect(d.map((x) => [x.key, x.loc!.line, x.loc!.column, x.node?.name])).toEqual([
      ['VERIFY_DANGLING', 1, 29, undefined],
      ['VERIFY_USE_BEFORE_DEF', 2, 24, 'y'],
      ['VERIFY_TYPE_MISMATCH', 3, 3, 'z'],
    ]);
  });

  it('asks for a type it cannot infer', () => {
    const d = errorsOf('graph g(%x: f32[2]) -> (%y) {\n  %y = split(%x) {axis=0, split=[1, 1]}\n}');
    expect(d.map((x) => x.message)).toEqual(['split infers 2 result(s), the node declares 1']);
  });

  it('never throws anything but a QforgeError on bad input', () => {
    for (const t of ['', '}', 'graph', 'graph g(', '%', '@"', 'b64"!"', 'graph g() -> () { const %c: f32[99999999999] = splat(1) }', 'graph g() -> () {} extra']) {
      expect(() => parseGraph(t)).toThrow(QforgeError);
    }
  });
});

// Random structurally arbitrary graphs for text-format tests: any names (quotes, slashes, lone
// surrogates, `__proto__`), any op names and attribute values (NaN, ±inf, -0), constants of every
// dtype (random bytes: NaN payloads, out-of-range bool and i4 bytes). They need not verify, so they
// are read back with parseGraph(text, { verify: false }).
import fc from 'fast-check';
import { DTYPES, define, makeArray, numel, type AttrValue, type Attrs, type DType, type Graph, type Node, type TensorType, type TypedArray } from '../../src/ir/index.js';

const NAMES = ['x', 'conv1.weight', '0', '_', 'a.', '/conv1/Conv_output_0', 'onnx::MatMul_12', '__proto__', 'constructor', 'true', 'nan', 'inf', '%', '"q"', 'a b', 'graph', 'const'];
export const arbName = fc.oneof(fc.constantFrom(...NAMES), fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }), fc.stringMatching(/^[a-z_][a-z0-9_.]{0,5}$/));

const double = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 5e-324, 1e21, 0.1));
const arbAttr: fc.Arbitrary<AttrValue> = fc.oneof(
  double,
  fc.integer(),
  fc.string({ maxLength: 5, unit: 'binary' }),
  fc.constantFrom('nearest', 'true', 'nan', '_', 'const', 'u8'),
  fc.boolean(),
  fc.array(double, { maxLength: 4 }),
  fc.array(fc.string({ maxLength: 3, unit: 'binary' }), { maxLength: 3 }),
);

const arbShape = fc.array(fc.nat(3), { maxLength: 3 });

const arbQuant = fc.option(
  fc.record({ scale: fc.array(double, { maxLength: 3 }), zeroPoint: fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 3 }), axis: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined }) }),
  { nil: undefined },
);

function arbType(dtype?: DType): fc.Arbitrary<TensorType> {
  return fc.record({ dtype: dtype ? fc.constant(dtype) : fc.constantFrom(...DTYPES), shape: arbShape, quant: arbQuant }).map(({ dtype: d, shape, quant }) => {
    const t: TensorType = { dtype: d, shape };
    // fc.record builds null-prototype objects; graphs hold plain ones.
    if (quant) t.quant = quant.axis === undefined ? { scale: quant.scale, zeroPoint: quant.zeroPoint } : { scale: quant.scale, zeroPoint: quant.zeroPoint, axis: quant.axis };
    return t;
  });
}

/** Data of a type: random bytes (any bit pattern) or "nice" values that print as literals. */
export function arbData(t: TensorType): fc.Arbitrary<TypedArray> {
  const n = numel(t.shape);
  const bytes = makeArray(t.dtype, 0).BYTES_PER_ELEMENT;
  const raw = fc.uint8Array({ minLength: n * bytes, maxLength: n * bytes }).map((b) => {
    const Ctor = makeArray(t.dtype, 0).constructor as new (buf: ArrayBuffer) => TypedArray;
    return new Ctor(b.slice().buffer);
  });
  const nice = fc.array(t.dtype === 'f32' ? fc.float() : double, { minLength: n, maxLength: n }).map((xs) => {
    const a = makeArray(t.dtype, n);
    xs.forEach((x, i) => {
      if (a instanceof BigInt64Array) a[i] = BigInt(Number.isFinite(x) ? Math.trunc(x % 1e15) : 0);
      else if (t.dtype === 'i4') a[i] = Math.trunc(Number.isFinite(x) ? x : 0) % 8;
      else if (t.dtype === 'u4') a[i] = Math.abs(Math.trunc(Number.isFinite(x) ? x : 0)) % 16;
      else if (t.dtype === 'bool') a[i] = x > 0 ? 1 : 0;
      else a[i] = x;
    });
    return a;
  });
  const same = fc.constantFrom(0, 1).map((v) => {
    const a = makeArray(t.dtype, n);
    for (let i = 0; i < n; i++) a[i] = (a instanceof BigInt64Array ? BigInt(v) : v) as never;
    return a;
  });
  return fc.oneof(raw, nice, same);
}

const arbConstant = fc.tuple(arbName, arbType()).chain(([name, type]) => arbData(type).map((data) => ({ name, type, data })));

interface NodeDraft {
  op: string;
  name: string | undefined;
  inputPicks: number[];
  outputs: { name: string; type: TensorType }[];
  attrs: [string, AttrValue][];
  debugHandle: number | undefined;
}

const arbNode: fc.Arbitrary<NodeDraft> = fc.record({
  op: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.string({ minLength: 1, maxLength: 4, unit: 'binary' })),
  name: fc.option(arbName, { nil: undefined }),
  inputPicks: fc.array(fc.nat(), { maxLength: 4 }),
  outputs: fc.array(fc.record({ name: arbName, type: arbType() }), { minLength: 1, maxLength: 3 }),
  attrs: fc.array(fc.tuple(fc.oneof(fc.stringMatching(/^[a-z_]{1,6}$/), arbName), arbAttr), { maxLength: 4 }),
  debugHandle: fc.option(fc.oneof(fc.nat(), fc.integer(), double), { nil: undefined }),
});

/** A graph with any structure; value names are unique, everything defined is typed. */
export function arbRawGraph(): fc.Arbitrary<Graph> {
  return fc
    .record({
      name: fc.oneof(fc.constantFrom('main', 'resnet-18', 'true', ''), fc.string({ maxLength: 5, unit: 'binary' })),
      inputs: fc.array(fc.record({ name: arbName, type: arbType() }), { maxLength: 3 }),
      constants: fc.array(arbConstant, { maxLength: 4 }),
      nodes: fc.array(arbNode, { maxLength: 5 }),
      outputPicks: fc.array(fc.nat(), { maxLength: 3 }),
    })
    .map((r) => {
      const g: Graph = { name: r.name, inputs: [], outputs: [], values: {}, constants: {}, nodes: [] };
      const taken = new Set<string>();
      const fresh = (n: string) => {
        let s = n;
        for (let i = 1; taken.has(s); i++) s = `${n}_${i}`;
        taken.add(s);
        return s;
      };
      for (const inp of r.inputs) {
        const v = fresh(inp.name);
        g.inputs.push(v);
        define(g.values, v, inp.type);
      }
      for (const c of r.constants) {
        const v = fresh(c.name);
        define(g.values, v, c.type);
        define(g.constants, v, { dtype: c.type.dtype, shape: c.type.shape, data: c.data });
      }
      for (const d of r.nodes) {
        const visible = [...taken];
        const inputs = d.inputPicks.map((p) => (p % 5 === 0 || !visible.length ? '' : visible[p % visible.length]!));
        const outputs = d.outputs.map((o) => {
          const v = fresh(o.name);
          define(g.values, v, o.type);
          return v;
        });
        const attrs: Attrs = {};
        for (const [k, v] of d.attrs) define(attrs, k, v);
        const node: Node = { name: d.name ?? outputs[0]!, op: d.op, inputs, outputs, attrs };
        if (d.debugHandle !== undefined) node.debugHandle = d.debugHandle;
        g.nodes.push(node);
      }
      const all = [...taken];
      if (all.length) g.outputs = r.outputPicks.map((p) => all[p % all.length]!);
      return g;
    });
}

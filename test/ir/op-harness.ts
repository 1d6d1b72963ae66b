// Runs one op on concrete tensors through the builder (type inference) and the interpreter.
import { GraphBuilder, run, tensor, type Attrs, type DType, type Graph, type QuantParams, type Tensor, type TensorType } from '../../src/ir/index.js';

export interface Operand {
  t: Tensor;
  quant?: QuantParams;
}

/** A graph with one node of `op` over the operands (a '' operand is absent); its result names are the outputs. */
export function opGraph(op: string, operands: (Tensor | Operand | '')[], attrs: Attrs = {}): Graph {
  const b = new GraphBuilder();
  const names = operands.map((x, i) => {
    if (x === '') return '';
    const { t, quant } = 'data' in x ? { t: x, quant: undefined } : x;
    return b.input(`x${i}`, { dtype: t.dtype, shape: [...t.shape], ...(quant ? { quant } : {}) });
  });
  b.output(...b.node(op, names, attrs, { name: 'n' }));
  return b.build();
}

/** The op's results. */
export function runOp(op: string, operands: (Tensor | Operand | '')[], attrs: Attrs = {}): Tensor[] {
  const g = opGraph(op, operands, attrs);
  const inputs = operands.filter((x): x is Tensor | Operand => x !== '').map((x) => ('data' in x ? x : x.t));
  return run(g, inputs).outputs;
}

/** The op's inferred result types. */
export function inferOp(op: string, operands: (TensorType | '')[], attrs: Attrs = {}): TensorType[] {
  const b = new GraphBuilder();
  const names = operands.map((t, i) => (t === '' ? '' : b.input(`x${i}`, t)));
  const g = (b.output(...b.node(op, names, attrs, { name: 'n' })), b.build());
  return g.outputs.map((o) => g.values[o]!);
}

export const t = (dtype: DType, shape: number[], data?: ArrayLike<number>): Tensor => tensor(dtype, shape, data);
export const vals = (x: Tensor): number[] => Array.from(x.data as ArrayLike<number | bigint>, Number);

/** Distance between two float32 values in units in the last place (0 when equal; NaN pairs are equal). */
export { ulpDistance as ulps } from '../../src/testing/compare.js';

/** Nested arrays (row-major) from flat data; a rank-0 shape gives the lone element. */
export type Nested = number | Nested[];
export function nest(data: readonly number[], shape: readonly number[]): Nested {
  if (shape.length === 0) return data[0]!;
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(data.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}
export const flat = (n: Nested): number[] => (Array.isArray(n) ? n.flatMap(flat) : [n]);

/** Applies f to every sub-array at depth `axis` (the list along that axis). */
export function alongAxis(n: Nested, axis: number, f: (list: Nested[]) => Nested[]): Nested {
  const a = n as Nested[];
  return axis === 0 ? f(a) : a.map((s) => alongAxis(s, axis - 1, f));
}

// Comparisons and logic (bool results), where, argmax/argmin and resize. Comparisons broadcast
// like the binary ops; resize is separable: nearest is one qf_remap over per-axis index maps
// (any dtype, int8 included), linear and cubic run float64 passes over per-axis taps and round once,
// as the interpreter does (src/ir/ops/resize.ts provides the taps).
import { dtypeInfo } from '../../ir/dtype.js';
import type { Graph, Node } from '../../ir/graph.js';
import { broadcastStrides } from '../../ir/compute/broadcast.js';
import { axisTaps, isIdentity, plan } from '../../ir/ops/resize.js';
import { strides, tensor } from '../../ir/tensor.js';
import { numel } from '../../ir/types.js';
import { tensorBytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { dtypeCode, kernelForm, PLAIN } from '../plan/forms.js';
import { binaryOperands } from './broadcast.js';
import { attrsOf, shiftOf, type OpEmitter } from './util.js';

const CMP: Record<string, string> = { equal: 'QF_EQ', less: 'QF_LT', less_equal: 'QF_LE', greater: 'QF_GT', greater_equal: 'QF_GE', and: 'QF_AND', or: 'QF_OR', xor: 'QF_XOR' };

function compare(node: Node, L: Lowering): void {
  const at = L.type(node.inputs[0]!);
  const ops = binaryOperands(L, node, (_t, layout) => ({ layout, shifted: false }));
  const y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), { layout: ops.layout, shifted: false });
  const es = dtypeInfo(at.dtype).bytes;
  const p = L.pool.decl(`cmp_${node.op}_${at.dtype}`, 'struct { int op, type; }', `{${CMP[node.op]}, ${dtypeCode(at.dtype)}}`);
  L.emit(node.op, [ops.call('qf_cmp_row', 'qf_cmp_row', [es, es, 1], `&${p}`, y)]);
}

function unaryBool(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, n = numel(L.type(xn).shape);
  const x = L.need(xn, { layout: L.val(xn).form.layout, shifted: false });
  const y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), x.form);
  const call = node.op === 'not' ? `qf_not(${n}, ${x.cname}, ${y.cname});`
    : `qf_f_test(${node.op === 'is_inf' ? 1 : 0}, ${a.detect_positive === false ? 0 : 1}, ${a.detect_negative === false ? 0 : 1}, ${n}, ${x.cname}, ${y.cname});`;
  L.emit(node.op, [call]);
}

function where(node: Node, L: Lowering): void {
  const [cn, an, bn] = node.inputs as [string, string, string], yt = L.type(node.outputs[0]!);
  const c = L.need(cn, PLAIN), a = L.need(an, kernelForm(L.type(an).dtype, 'plain')), b = L.need(bn, kernelForm(L.type(bn).dtype, 'plain'));
  const y = L.define(node.outputs[0]!, yt, a.form);
  const tbl = (v: number[], h: string) => L.pool.decl(`${node.name}_${h}`, 'int32_t', `{${v.join(',') || '0'}}`, `[${Math.max(1, v.length)}]`);
  const st = (n: string) => tbl(broadcastStrides(yt.shape, L.type(n).shape), n === cn ? 'sc' : n === an ? 'sa' : 'sb');
  const es = a.form.shifted ? 1 : dtypeInfo(yt.dtype).bytes;
  L.emit(`select, broadcast to [${yt.shape}]`, [`qf_where(${es}, ${yt.shape.length}, ${tbl(yt.shape, 'shape')}, ${st(cn)}, ${st(an)}, ${st(bn)}, ${c.cname}, ${a.cname}, ${b.cname}, ${y.cname});`]);
}

function argReduce(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, xt = L.type(xn);
  const axis = (a.axis as number) < 0 ? (a.axis as number) + xt.shape.length : (a.axis as number);
  const x = L.need(xn, PLAIN), y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), PLAIN);
  const outer = numel(xt.shape.slice(0, axis)), inner = numel(xt.shape.slice(axis + 1));
  L.emit(`axis ${axis}`, [`qf_argreduce(${dtypeCode(xt.dtype)}, ${node.op === 'argmax' ? 1 : 0}, ${a.select_last_index ? 1 : 0}, ${outer}, ${xt.shape[axis]}, ${inner}, ${x.cname}, ${y.cname});`]);
}

function resize(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, xt = L.type(xn), rank = xt.shape.length;
  const { sizes, scales } = plan(xt, a);
  const taps = sizes.map((s, d) => axisTaps(a, d, rank, xt.shape[d]!, s, scales[d]!));
  if (a.mode === 'nearest') {
    const x = L.need(xn, kernelForm(xt.dtype, 'plain')), y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), x.form);
    const st = strides(xt.shape), es = x.form.shifted ? 1 : dtypeInfo(xt.dtype).bytes;
    const maps = taps.map((t, d) => t.idx.map((ix, j) => (t.outside[j] ? -1 : ix[0]! * st[d]!)));
    const ext = a.extrapolation_value as number, fill = taps.some((t) => t.outside.includes(true))
      ? L.pool.bytes(`${node.name}_fill`, tensorBytes(tensor(x.form.shifted ? 'u8' : xt.dtype, [1], [x.form.shifted ? Math.trunc(ext) + shiftOf(xt.dtype) : ext]))) : 'NULL';
    L.emit(`nearest [${xt.shape}] -> [${sizes}]`, [L.remapTables(es, sizes, maps, x.cname, y.cname, node.name, fill)]);
    return;
  }
  const x = L.need(xn, PLAIN), y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), PLAIN);
  // float64 passes over the axes that change, ping-ponging between two scratch buffers
  let shape = [...xt.shape], big = numel(shape);
  const passes = taps.flatMap((t, d) => {
    if (isIdentity(t, shape[d]!)) return [];
    const p = { d, t, outer: numel(shape.slice(0, d)), n: shape[d]!, inner: numel(shape.slice(d + 1)) };
    shape = shape.map((s, k) => (k === d ? t.idx.length : s));
    big = Math.max(big, numel(shape));
    return [p];
  });
  const bufs = [L.scratch(big * 8, `${node.name}_a`), L.scratch(big * 8, `${node.name}_b`)];
  const lines = [`qf_cast(0, 1, ${numel(xt.shape)}, ${x.cname}, ${bufs[0]});`];
  passes.forEach((p, i) => {
    const K = Math.max(...p.t.idx.map((ix) => ix.length));
    const tbl = (h: string, ctype: string, v: number[]) => L.pool.decl(`${node.name}_${h}${p.d}`, ctype, `{${v.join(',')}}`, `[${v.length}]`);
    const pad = (rows: number[][], z: number) => rows.flatMap((r) => [...r, ...new Array<number>(K - r.length).fill(z)]);
    lines.push(`qf_resize_pass(${p.outer}, ${p.n}, ${p.inner}, ${p.t.idx.length}, ${K}, ${tbl('taps', 'int32_t', p.t.idx.map((r) => r.length))}, ` +
      `${tbl('idx', 'int32_t', pad(p.t.idx, 0))}, ${tbl('w', 'double', pad(p.t.w, 0))}, (const double *)${bufs[i % 2]}, (double *)${bufs[(i + 1) % 2]});`);
  });
  lines.push(`qf_cast(1, 0, ${numel(sizes)}, ${bufs[passes.length % 2]}, ${y.cname});`);
  L.emit(`${a.mode} [${xt.shape}] -> [${sizes}]`, lines);
}

const each = (names: string[], e: OpEmitter): Record<string, OpEmitter> => Object.fromEntries(names.map((n) => [n, e]));
const noI64 = (n: Node, g: Graph) => (g.values[n.inputs[0]!]!.dtype === 'i64' ? `${n.op} on i64 (not compiled)` : undefined);
const resizeIssue = (n: Node, g: Graph) => {
  const a = attrsOf(n);
  if (a.mode !== 'nearest' && g.values[n.inputs[0]!]!.dtype !== 'f32') return `${a.mode} resize of ${g.values[n.inputs[0]!]!.dtype}`;
  return a.mode !== 'nearest' && a.coordinate_transformation_mode === 'tf_crop_and_resize' ? 'tf_crop_and_resize with linear/cubic interpolation' : undefined;
};

export const SELECT_EMITTERS: Record<string, OpEmitter> = {
  ...each(Object.keys(CMP), { emit: compare }),
  ...each(['not', 'is_nan', 'is_inf'], { emit: unaryBool }),
  where: { emit: where },
  ...each(['argmax', 'argmin'], { emit: argReduce, unsupported: noI64 }),
  resize: { emit: resize, unsupported: resizeIssue },
};

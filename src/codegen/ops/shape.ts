// Data movement on any dtype. Reshape-like ops are free (the result aliases its operand's bytes);
// transpose, slice, pad and constant-index gather are one qf_remap over compile-time per-axis
// index maps (the interpreter's own plans, src/ir/ops/shape-select.ts); concat and split copy
// blocks. int8 data moves in its stored form (x + 128), so pad values are shifted too.
import { dtypeInfo } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { axisMap } from '../../ir/compute/layout.js';
import { padPlan, slicePlan } from '../../ir/ops/shape-select.js';
import { strides, tensor } from '../../ir/tensor.js';
import { numel, type TensorType } from '../../ir/types.js';
import { tensorBytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { dtypeCode, kernelForm, NHWC_PERM, physicalShape, PLAIN, type Form } from '../plan/forms.js';
import { attrsOf, shiftOf, type OpEmitter } from './util.js';

/** Data ops keep int8 in its stored (shifted) form; other dtypes are as they are. */
const dataForm = (t: TensorType, layout: 'plain' | 'nhwc' = 'plain'): Form => kernelForm(t.dtype, layout);
const esizeOf = (t: TensorType, f: Form): number => (f.shifted ? 1 : dtypeInfo(t.dtype).bytes);

function aliasOp(node: Node, L: Lowering): void {
  const xn = node.inputs[0]!, xt = L.type(xn);
  const x = L.need(xn, dataForm(xt));
  L.alias(node.outputs[0]!, x, L.type(node.outputs[0]!));
  L.emit(`view [${xt.shape}] as [${L.type(node.outputs[0]!).shape}] (no copy)`, []);
}

function transpose(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, xt = L.type(xn);
  const perm = (a.perm as number[]).length ? (a.perm as number[]) : xt.shape.map((_, i) => xt.shape.length - 1 - i);
  const x = L.need(xn, dataForm(xt));
  const y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), x.form);
  L.emit(`perm [${perm}]`, [L.remapCall(esizeOf(xt, x.form), xt.shape, perm, x.cname, y.cname, node.name)]);
}

/** Stored bytes of one element with value v (pad's fill), as a C byte array symbol. */
function fillSym(L: Lowering, node: Node, t: TensorType, f: Form, v: number): string {
  const one = tensor(f.shifted ? 'u8' : t.dtype, [1], [f.shifted ? v + shiftOf(t.dtype) : v]);
  return L.pool.bytes(`${node.name}_fill`, tensorBytes(one));
}

function remapOp(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, xt = L.type(xn), yt = L.type(node.outputs[0]!);
  const x = L.need(xn, dataForm(xt)), st = strides(xt.shape), es = esizeOf(xt, x.form);
  let maps: number[][], fill = 'NULL', what: string;
  if (node.op === 'pad') {
    const plan = padPlan(xt, a);
    maps = plan.plans.map((p, d) => Array.from(axisMap(plan.shape[d]!, st[d]!, p)));
    if (a.mode === 'constant') fill = fillSym(L, node, xt, x.form, a.value as number);
    what = `${a.mode} pads [${a.pads}]`;
  } else if (node.op === 'slice') {
    const plan = slicePlan(xt, a);
    maps = plan.shape.map((n, d) => Array.from(axisMap(n, st[d]!, (i) => plan.start[d]! + i * plan.step[d]!)));
    what = `[${xt.shape}] -> [${plan.shape}]`;
  } else {
    // gather with constant indices: a remap over the flattened index dims
    const axis = (a.axis as number) < 0 ? (a.axis as number) + xt.shape.length : (a.axis as number), n = xt.shape[axis]!;
    const picks = Array.from(L.constTensor(node.inputs[1]!)!.data as ArrayLike<number | bigint>, (v) => (Number(v) < 0 ? Number(v) + n : Number(v)));
    maps = xt.shape.map((d, i) => Array.from(i === axis ? axisMap(picks.length, st[i]!, (k) => picks[k]!) : axisMap(d, st[i]!)));
    what = `${picks.length} constant indices on axis ${axis}`;
  }
  const y = L.define(node.outputs[0]!, yt, x.form);
  L.emit(what, [L.remapTables(es, maps.map((m) => m.length), maps, x.cname, y.cname, node.name, fill)]);
}

function gatherRuntime(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, idn] = node.inputs as [string, string], xt = L.type(xn), it = L.type(idn);
  const axis = (a.axis as number) < 0 ? (a.axis as number) + xt.shape.length : (a.axis as number);
  const x = L.need(xn, dataForm(xt)), idx = L.need(idn, PLAIN);
  const y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), x.form);
  const outer = numel(xt.shape.slice(0, axis)), inner = numel(xt.shape.slice(axis + 1));
  L.emit(`run-time indices on axis ${axis}`, [
    `if (qf_gather(${esizeOf(xt, x.form)}, ${outer}, ${xt.shape[axis]}, ${inner}, ${x.cname}, ${numel(it.shape)}, ${idx.cname}, ${it.dtype === 'i64' ? 1 : 0}, ${y.cname})) return 1;`,
  ]);
}

function concat(node: Node, L: Lowering): void {
  const a = attrsOf(node), yt = L.type(node.outputs[0]!), rank = yt.shape.length;
  const axis = (a.axis as number) < 0 ? (a.axis as number) + rank : (a.axis as number);
  const first = node.inputs[0]!;
  const nhwc = rank === 4 && !L.isConst(first) && L.val(first).form.layout === 'nhwc';
  const layout = nhwc ? 'nhwc' : 'plain';
  const parts = node.inputs.map((n) => L.need(n, dataForm(L.type(n), layout)));
  const y = L.define(node.outputs[0]!, yt, parts[0]!.form);
  const p = nhwc ? NHWC_PERM.indexOf(axis) : axis, es = esizeOf(yt, y.form);
  const outer = numel(physicalShape(yt.shape, layout).slice(0, p)), row = numel(physicalShape(yt.shape, layout).slice(p)) * es;
  let off = 0;
  const lines = parts.map((v) => {
    const chunk = numel(physicalShape(v.type.shape, layout).slice(p)) * es;
    const line = `qf_par_copy_blocks(ctx, ${outer}, ${chunk}, ${v.cname}, ${chunk}, (uint8_t *)${y.cname} + ${off}, ${row});`;
    off += chunk;
    return line;
  });
  L.emit(`${parts.length} parts on axis ${axis}${nhwc ? ' (NHWC: channels innermost)' : ''}`, lines);
}

function split(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, xt = L.type(xn);
  const axis = (a.axis as number) < 0 ? (a.axis as number) + xt.shape.length : (a.axis as number);
  const x = L.need(xn, dataForm(xt)), es = esizeOf(xt, x.form);
  const outer = numel(xt.shape.slice(0, axis)), row = numel(xt.shape.slice(axis)) * es;
  let off = 0;
  const lines = node.outputs.map((o) => {
    const ot = L.type(o), y = L.define(o, ot, x.form), chunk = numel(ot.shape.slice(axis)) * es;
    const line = `qf_par_copy_blocks(ctx, ${outer}, ${chunk}, (const uint8_t *)${x.cname} + ${off}, ${row}, ${y.cname}, ${chunk});`;
    off += chunk;
    return line;
  });
  L.emit(`${node.outputs.length} parts on axis ${axis}`, lines);
}

function cast(node: Node, L: Lowering): void {
  const xn = node.inputs[0]!, xt = L.type(xn), yt = L.type(node.outputs[0]!);
  const x = L.need(xn, PLAIN), y = L.define(node.outputs[0]!, yt, PLAIN);
  L.emit(`${xt.dtype} -> ${yt.dtype}`, [`qf_cast(${dtypeCode(xt.dtype)}, ${dtypeCode(yt.dtype)}, ${numel(xt.shape)}, ${x.cname}, ${y.cname});`]);
}

function shapeOp(node: Node, L: Lowering): void {
  const xt = L.type(node.inputs[0]!), yt = L.type(node.outputs[0]!);
  const c = L.pool.bytes(`${node.name}_shape`, tensorBytes(tensor('i64', [xt.shape.length], xt.shape)));
  const y = L.define(node.outputs[0]!, yt, PLAIN);
  L.emit(`[${xt.shape}]`, [`memcpy(${y.cname}, ${c}, ${xt.shape.length * 8});`]);
}

const each = (names: string[], e: OpEmitter): Record<string, OpEmitter> => Object.fromEntries(names.map((n) => [n, e]));

export const SHAPE_EMITTERS: Record<string, OpEmitter> = {
  ...each(['reshape', 'flatten', 'squeeze', 'unsqueeze', 'identity', 'dropout'], { emit: aliasOp }),
  transpose: { emit: transpose },
  pad: { emit: remapOp },
  slice: { emit: remapOp },
  gather: { emit: (n, L) => (L.isConst(n.inputs[1]!) ? remapOp(n, L) : gatherRuntime(n, L)) },
  concat: { emit: concat },
  split: { emit: split },
  cast: { emit: cast },
  shape: { emit: shapeOp },
};

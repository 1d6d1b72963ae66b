// Float fallback ops (qforge_runtime.c): what a quantized graph keeps in float and what --float
// models are made of. Elementwise ops keep their operand's layout; the rest work on NCHW/plain.
// Results agree with the interpreter to float32 rounding, not bit for bit (see the README).
import type { Graph, Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import { numel, type TensorType } from '../../ir/types.js';
import { f32lit, f32Bytes, i32Bytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';
import { PLAIN } from '../plan/forms.js';
import { binaryOperands } from './broadcast.js';
import { colPanels, pixelBlock, rowPanels } from './fpack.js';
import type { FloatTile } from '../targets/target.js';
import { attrsOf, winOf, type OpEmitter } from './util.js';

const f32Only = (n: Node, g: { values: Record<string, TensorType> }): string | undefined => {
  const bad = [...n.inputs, ...n.outputs].filter((v) => v && g.values[v]!.dtype !== 'f32');
  return bad.length ? `${n.op} on ${g.values[bad[0]!]!.dtype} (only f32 is compiled)` : undefined;
};

const UNARY: Record<string, string> = {
  relu: 'QF_RELU', sigmoid: 'QF_SIGMOID', tanh: 'QF_TANH', erf: 'QF_ERF', sqrt: 'QF_SQRT', exp: 'QF_EXP', log: 'QF_LOG',
  reciprocal: 'QF_RECIPROCAL', floor: 'QF_FLOOR', ceil: 'QF_CEIL', hardswish: 'QF_HARDSWISH', neg: 'QF_NEG', abs: 'QF_ABS',
  leaky_relu: 'QF_LEAKY_RELU', elu: 'QF_ELU', clip: 'QF_CLIP', hardsigmoid: 'QF_HARDSIGMOID', gelu: 'QF_GELU',
  sin: 'QF_SIN', cos: 'QF_COS', tan: 'QF_TAN', asin: 'QF_ASIN', acos: 'QF_ACOS', atan: 'QF_ATAN', sinh: 'QF_SINH', cosh: 'QF_COSH',
  asinh: 'QF_ASINH', acosh: 'QF_ACOSH', atanh: 'QF_ATANH', sign: 'QF_SIGN', round: 'QF_ROUND', softplus: 'QF_SOFTPLUS', celu: 'QF_CELU',
  thresholded_relu: 'QF_THRESHOLDED_RELU', shrink: 'QF_SHRINK',
};
const BINARY: Record<string, string> = { add: 'QF_ADD', sub: 'QF_SUB', mul: 'QF_MUL', div: 'QF_DIV', pow: 'QF_POW', min: 'QF_MIN', max: 'QF_MAX', prelu: 'QF_PRELU' };

/** Producer and consumers of every value of a graph (computed once per graph). */
const indexes = new WeakMap<Graph, { producer: Map<string, Node>; users: Map<string, Node[]> }>();
function indexOf(g: Graph): { producer: Map<string, Node>; users: Map<string, Node[]> } {
  let ix = indexes.get(g);
  if (!ix) {
    ix = { producer: new Map(), users: new Map() };
    for (const n of g.nodes) {
      for (const v of n.outputs) if (v) ix.producer.set(v, n);
      for (const v of n.inputs) if (v) ix.users.set(v, [...(ix.users.get(v) ?? []), n]);
    }
    indexes.set(g, ix);
  }
  return ix;
}

/**
 * SiLU as exported (mul(x, sigmoid(x))), computed in one pass: the input of the sigmoid when `mul` is
 * such a product and the sigmoid feeds nothing else. Same float32 operations as the two ops, half the
 * memory traffic.
 */
function siluInput(L: Lowering, mul: Node): string | undefined {
  if (mul.op !== 'mul') return undefined;
  const g = L.graph, ix = indexOf(g), [a, b] = mul.inputs as [string, string];
  for (const [x, s] of [[a, b], [b, a]] as const) {
    const sig = ix.producer.get(s);
    if (sig?.op === 'sigmoid' && sig.inputs[0] === x && ix.users.get(s)?.length === 1 && !g.outputs.includes(s)) return x;
  }
  return undefined;
}
/** The sigmoid of a fused SiLU: emitted by its mul. */
const inSilu = (L: Lowering, sig: Node): boolean => {
  const users = indexOf(L.graph).users.get(sig.outputs[0]!) ?? [];
  return users.length === 1 && siluInput(L, users[0]!) !== undefined;
};

/**
 * A residual add (and the relu or clip after it) fused into the conv2d that produces one of its operands
 * (qf_fconv.res): the add's only producer of the two that comes later in the graph (the other operand is
 * then computed already), of the add's shape, feeding nothing else; the activation when it is the add's
 * only user. The same float32 operations as the separate ops, one pass less over the output.
 */
interface ResidualAdd {
  add: Node;
  other: string;
  act?: Node;
  out: string;
}
const FUSABLE_ACTS = new Set(['relu', 'clip']);
function residualAdd(L: Lowering, conv: Node): ResidualAdd | undefined {
  const g = L.graph, ix = indexOf(g), y = conv.outputs[0]!;
  if (conv.op !== 'conv2d' || g.outputs.includes(y)) return undefined;
  const users = ix.users.get(y) ?? [];
  const add = users[0];
  if (users.length !== 1 || add?.op !== 'add' || add.inputs.length !== 2 || add.inputs[0] === add.inputs[1]) return undefined;
  const other = add.inputs[0] === y ? add.inputs[1]! : add.inputs[0]!;
  const same = (v: string) => L.type(v).dtype === 'f32' && L.type(v).shape.join() === L.type(add.outputs[0]!).shape.join();
  if (!same(y) || !same(other)) return undefined;
  const before = ix.producer.get(other); // a graph input or constant, or a node before this conv
  if (before && g.nodes.indexOf(before) > g.nodes.indexOf(conv)) return undefined;
  const a = add.outputs[0]!, next = ix.users.get(a) ?? [], act = next[0];
  if (next.length === 1 && act && FUSABLE_ACTS.has(act.op) && !g.outputs.includes(a) && L.type(act.outputs[0]!).dtype === 'f32')
    return { add, other, act, out: act.outputs[0]! };
  return { add, other, out: a };
}
/** Whether an add or activation node is emitted by the conv2d it is fused into (residualAdd). */
function fusedIntoConv(L: Lowering, node: Node): boolean {
  const ix = indexOf(L.graph);
  const add = node.op === 'add' ? node : ix.producer.get(node.inputs[0]!);
  if (add?.op !== 'add') return false;
  return add.inputs.some((v) => {
    const conv = ix.producer.get(v), r = conv && residualAdd(L, conv);
    return r !== undefined && r.add === add && (node === add || r.act === node);
  });
}

function unary(node: Node, L: Lowering): void {
  if (node.op === 'sigmoid' && inSilu(L, node)) return;
  if (FUSABLE_ACTS.has(node.op) && fusedIntoConv(L, node)) return;
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const x = L.need(xn, { layout: L.val(xn).form.layout, shifted: false });
  const y = L.define(yn, L.type(yn), x.form);
  let op = UNARY[node.op]!, p0 = 0, p1 = 0;
  if (['leaky_relu', 'elu', 'celu', 'thresholded_relu'].includes(node.op)) p0 = a.alpha as number;
  if (node.op === 'shrink') (p0 = a.lambd as number), (p1 = a.bias as number);
  if (node.op === 'clip') (p0 = a.min as number), (p1 = a.max as number);
  if (node.op === 'hardsigmoid') (p0 = a.alpha as number), (p1 = a.beta as number);
  if (node.op === 'gelu' && a.approximate === 'tanh') op = 'QF_GELU_TANH';
  L.emit(node.op, [`qf_par_f_unary(ctx, ${op}, ${numel(L.type(xn).shape)}, ${x.cname}, ${f32lit(fround(p0))}, ${f32lit(fround(p1))}, ${y.cname});`]);
}

function binary(node: Node, L: Lowering): void {
  if (node.op === 'add' && fusedIntoConv(L, node)) return;
  const silu = siluInput(L, node);
  if (silu !== undefined) {
    const x = L.need(silu, { layout: L.val(silu).form.layout, shifted: false }), y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), x.form);
    L.emit('silu: x·sigmoid(x) in one pass', [`qf_par_f_unary(ctx, QF_SILU, ${numel(x.type.shape)}, ${x.cname}, 0.0f, 0.0f, ${y.cname});`]);
    return;
  }
  const ops = binaryOperands(L, node, (_t, layout) => ({ layout, shifted: false }));
  const y = L.define(node.outputs[0]!, L.type(node.outputs[0]!), { layout: ops.layout, shifted: false });
  const p = L.pool.decl(`op_${node.op}`, 'int', BINARY[node.op]!);
  L.emit(node.op, [ops.call('qf_par_f_binary', 'qf_f_binary_row', [4, 4, 4], `&${p}`, y, 'ctx')]);
}

/** [outer, n, inner] around an axis of a plain shape. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const ax = axis < 0 ? axis + shape.length : axis;
  return [numel(shape.slice(0, ax)), shape[ax]!, numel(shape.slice(ax + 1))];
}

function softmax(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const x = L.need(xn, PLAIN), y = L.define(yn, L.type(yn), PLAIN);
  const [o, n, i] = around(L.type(xn).shape, a.axis as number);
  L.emit(`axis ${a.axis}`, [`qf_par_f_softmax(ctx, ${o}, ${n}, ${i}, ${node.op === 'log_softmax' ? 1 : 0}, ${x.cname}, ${y.cname});`]);
}

function layerNorm(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, sn, bn] = node.inputs as [string, string, string | undefined], yn = node.outputs[0]!;
  const x = L.need(xn, PLAIN), s = L.need(sn, PLAIN), b = bn ? L.need(bn, PLAIN) : undefined;
  const y = L.define(yn, L.type(yn), PLAIN);
  const n = numel(L.type(sn).shape), rows = numel(L.type(xn).shape) / n;
  L.emit(`${rows} rows of ${n}`, [`qf_par_f_layernorm(ctx, ${rows}, ${n}, ${x.cname}, ${s.cname}, ${b ? b.cname : 'NULL'}, ${f32lit(fround(a.epsilon as number))}, ${y.cname});`]);
}

function batchNorm(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, ...ps] = node.inputs as string[], yn = node.outputs[0]!;
  const xt = L.type(xn!), x = L.need(xn!, PLAIN), p = ps.map((v) => L.need(v, PLAIN).cname);
  const y = L.define(yn, L.type(yn), PLAIN);
  const [N, C] = xt.shape as [number, number];
  L.emit(`${C} channels`, [`qf_f_batchnorm(${N}, ${C}, ${numel(xt.shape.slice(2))}, ${x.cname}, ${p.join(', ')}, ${f32lit(fround(a.epsilon as number))}, ${y.cname});`]);
}

const REDUCE: Record<string, string> = { reduce_sum: 'QF_RSUM', reduce_mean: 'QF_RMEAN', reduce_max: 'QF_RMAX', reduce_min: 'QF_RMIN', reduce_prod: 'QF_RPROD' };

function reduce(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const shape = L.type(xn).shape, given = a.axes as number[];
  const axes = given.length ? given.map((x) => (x < 0 ? x + shape.length : x)) : shape.map((_, i) => i);
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  let acc = 1;
  const ostride = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    ostride[d] = axes.includes(d) ? 0 : acc;
    acc *= kept[d]!;
  }
  const nout = numel(kept), count = numel(axes.map((d) => shape[d]!));
  const x = L.need(xn, PLAIN), y = L.define(yn, L.type(yn), PLAIN);
  const tbl = (v: number[], h: string) => L.pool.decl(`${node.name}_${h}`, 'int32_t', `{${v.join(',') || '0'}}`, `[${Math.max(1, v.length)}]`);
  const scratch = L.scratch(nout * 8, `${node.name}_acc`);
  L.emit(`axes [${axes}]`, [`qf_f_reduce(${REDUCE[node.op]}, ${shape.length}, ${tbl(shape, 'shape')}, ${tbl(ostride, 'ostride')}, ${count}, ${x.cname}, ${nout}, (double *)${scratch}, ${y.cname});`]);
}

/** qf_fconv initialiser: N, C, H, W, M, OH, OW, KH, KW, SH, SW, PT, PL, PB, PR, DH, DW, G, lo, hi, res (NULL:
 *  set at run time, see conv), rlo, rhi. */
function fconv(L: Lowering, node: Node, x: TensorType, y: TensorType, k: [number, number], group: number, lo = -Infinity, hi = Infinity,
               rlo = -Infinity, rhi = Infinity): string {
  const w = winOf(attrsOf(node), k);
  const [N, C, H, W] = x.shape, [, M, OH, OW] = y.shape;
  const f = [N, C, H, W, M, OH, OW, w.kh, w.kw, w.sh, w.sw, w.pt, w.pl, w.pb, w.pr, w.dh, w.dw, group];
  const clamp = (a: number, b: number) => `${f32lit(fround(a))}, ${f32lit(fround(b))}`;
  return L.pool.decl(`${node.name}_conv`, 'qf_fconv', `{${f.join(', ')}, ${clamp(lo, hi)}, NULL, ${clamp(rlo, rhi)}}`);
}

/** The fused activation's clamp (residualAdd): relu [0, inf), clip [min, max]. */
function actClamp(act: Node | undefined): [number, number] {
  if (!act) return [-Infinity, Infinity];
  if (act.op === 'relu') return [0, Infinity];
  const a = attrsOf(act);
  return [a.min as number, a.max as number];
}

/**
 * Convolution on the packed float GEMM family (qforge_fgemm.c): depthwise (qforge_fdwconv.c) as flat runs
 * of multiply-adds, conv2d as a GEMM on row-panel weights (an implicit GEMM on the input's stride-phase
 * planes, see qforge_fgemm.h), conv_transpose2d as input pixels times
 * column-panel weights (columns (m, i, j) of each group) followed by col2im.
 */
function conv(node: Node, L: Lowering): void {
  const a = attrsOf(node), [xn, wn, bn] = node.inputs as [string, string, string | undefined], yn = node.outputs[0]!;
  const xt = L.type(xn), wt = L.type(wn), yt = L.type(yn), G = a.group as number;
  const [, C, H, W] = xt.shape as number[], [, M, OH, OW] = yt.shape as number[];
  const KK = wt.shape[2]! * wt.shape[3]!, Cg = C! / G, Mg = M! / G, deconv = node.op === 'conv_transpose2d';
  const x = L.need(xn, PLAIN), b = bn ? L.need(bn, PLAIN) : undefined;
  const fused = deconv || (Cg === 1 && Mg === 1) ? undefined : residualAdd(L, node);
  const p0 = fconv(L, node, xt, yt, [wt.shape[2]!, wt.shape[3]!], G, a.clamp_min as number, a.clamp_max as number, ...actClamp(fused?.act));
  const bias = b ? b.cname : 'NULL';
  // a fused residual add: the constant qf_fconv with its res pointer set, on the stack
  const res = fused && L.need(fused.other, PLAIN), p = res ? 'q' : p0;
  const call = (c: string) => (res ? `{ qf_fconv q = ${p0}; q.res = ${res.cname}; ${c} }` : c);
  const what = fused ? ` + ${fused.other}${fused.act ? `, ${fused.act.op}` : ''}` : '';
  if (!deconv && Cg === 1 && Mg === 1) {
    const w = L.need(wn, PLAIN), y = L.define(yn, yt, PLAIN), wd = winOf(a, [wt.shape[2]!, wt.shape[3]!]);
    // qforge_fdwconv.c: the SH·SW zero-padded phase planes, slack, the flat output run in 64-float blocks
    const Hq = Math.ceil((H! + wd.pt + wd.pb) / wd.sh), Wq = Math.ceil((W! + wd.pl + wd.pr) / wd.sw);
    const floats = wd.sh * wd.sw * Hq * Wq + Wq + 64 + Math.ceil((OH! * Wq) / 64) * 64;
    const s = L.scratch(floats * 4, `${node.name}_plane`, { perThread: true });
    L.emit(`depthwise ${wt.shape[2]}x${wt.shape[3]}`, [`qf_par_fdwconv(ctx, &${p}, ${x.cname}, ${w.cname}, ${bias}, ${y.cname}, (float *)${s});`]);
    return;
  }
  const { mr, nr } = L.target.float;
  if (deconv) {
    // weights [C][Mg][KH][KW]: per group a Cg x R matrix, R = Mg·KH·KW columns (m, i, j)
    const R = Mg * KK, w = colPanels(L, wn, { G, N: R, K: Cg, gs: Cg * R, ks: R, ns: 1 }, node.name), y = L.define(yn, yt, PLAIN);
    const pb = pixelBlock(Math.ceil(R / nr) * nr, H! * W!, mr, G * Cg * R);
    const s = L.scratch(pb * (Math.ceil(R / nr) + 1) * nr * 4, `${node.name}_cols`, { perThread: true });
    L.emit(`GEMM ${pb}x${Cg} x ${Cg}x${R} by ${pb}-pixel blocks, col2im`, [...w.lines, `qf_par_fdeconv(ctx, &${p}, ${pb}, ${x.cname}, ${w.ptr}, ${bias}, ${y.cname}, (float *)${s});`]);
    return;
  }
  const K = Cg * KK, P = OH! * OW!, win = winOf(a, [wt.shape[2]!, wt.shape[3]!]);
  const Hq = Math.ceil((H! + win.pt + win.pb) / win.sh), Wq = Math.ceil((W! + win.pl + win.pr) / win.sw);
  const inPlace = KK === 1 && win.pt + win.pl + win.pb + win.pr === 0 && win.sh === 1 && win.sw === 1;
  const planes = Cg * win.sh * win.sw * Hq * Wq + nr + (wt.shape[3]! - 1) * win.dw; // phase planes + slack (qforge_fgemm.h)
  if (!inPlace && P <= 1024 && pixelRows(L.target.float, P, Mg, OH! * Wq)) {
    // pixels as the tile's rows, channels as its columns (weights W^T as column panels): where the phase
    // grid's dropped columns and partial panels would waste more (ResNet's 28x28, 14x14 and 7x7 layers).
    // Not on more pixels (the tiles re-read the planes for every column panel: DenseNet's 64x64 stem ran
    // 8% slower so) nor for pointwise convs read in place (MobileNetV2's 14x14 ones: 10% slower, copied)
    const w = colPanels(L, wn, { G, N: Mg, K, gs: Mg * K, ks: 1, ns: K }, node.name), y = L.define(fused?.out ?? yn, yt, PLAIN);
    const pm = P % mr && P % (mr - 1) === 0 ? mr - 1 : mr, slots = Math.ceil(P / pm) * pm; // qf_fconvt_mr
    const s = L.scratch((planes + K + slots + slots * Math.ceil(Mg / nr) * nr) * 4, `${node.name}_cols`, { perThread: true });
    L.emit(`GEMM ${P}x${K} x ${K}x${Mg} implicit (pixels x channels)${what}`, [...w.lines, call(`qf_par_fconvt(ctx, &${p}, ${x.cname}, ${w.ptr}, ${bias}, ${y.cname}, (float *)${s});`)]);
    return;
  }
  // weights [M][Cg][KH][KW]: per group Mg rows of K = (c, i, j)
  const w = rowPanels(L, wn, { G, R: Mg, K, gs: Mg * K, rs: K, ks: 1 }, node.name), y = L.define(fused?.out ?? yn, yt, PLAIN);
  const run = (pb: number, floats: number, how: string) => {
    const s = L.scratch(floats * 4, `${node.name}_cols`, { perThread: true });
    L.emit(how + what, [...w.lines, call(`qf_par_fconv(ctx, &${p}, ${pb}, ${x.cname}, ${w.ptr}, ${bias}, ${y.cname}, (float *)${s});`)]);
  };
  // an implicit GEMM over the columns of the input's zero-padded stride-phase planes (OH rows of Wq), blocks of
  // them sized so that the block's Mg output rows stay in L2; a pointwise conv without padding or stride reads
  // x in place and needs only its last partial panel copied (K x nr)
  const Mp = Math.ceil(Mg / mr) * mr, pb = pixelBlock(Mp, OH! * Wq, nr, 0);
  if (inPlace) run(pb, K * nr, `GEMM ${Mg}x${K} by ${pb}-pixel blocks read in place`);
  // the phase planes + their slack, the offset of each of the K rows, the block's output columns
  else run(pb, planes + K + Mp * pb, `GEMM ${Mg}x${K} implicit on ${win.sh}x${win.sw} phase planes by ${pb}-column blocks`);
}

const VEC_FLOATS = { avx512: 16, avx2: 8, neon: 4, scalar: 1 } as const;

/**
 * Whether a convolution of P output pixels and Mg channels a group wastes less of the tile with the
 * pixels as its rows (qf_fconvt_run) than with the channels as its rows over `cols` GEMM columns (the
 * phase grid, or the pixels read in place), by more than 3%: the share of useful lanes each way, rows
 * rounded to the tile's (or one fewer: qf_fconvt_mr), columns to whole vectors (a partial panel takes
 * fewer), a partial panel of one vector counted half as wide again (its 8 FMAs a step wait on 9 loads:
 * ResNet-18's 56x56 layers, 48 + 16 channels, ran at 46 GMAC/s pixels x channels and 49 the other way).
 */
export function pixelRows(t: FloatTile, P: number, Mg: number, cols: number): boolean {
  const v = VEC_FLOATS[t.vec], up = (n: number, m: number) => Math.ceil(n / m) * m;
  const pm = P % t.mr && P % (t.mr - 1) === 0 ? t.mr - 1 : t.mr, tail = up(Mg % t.nr, v);
  const width = Mg - (Mg % t.nr) + (tail === v && t.nr > v ? 1.5 * v : tail);
  return (P / up(P, pm)) * (Mg / width) > (Mg / up(Mg, t.mr)) * (P / up(cols, v)) * 1.03;
}

function pool(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!;
  const xt = L.type(xn), yt = L.type(yn), x = L.need(xn, PLAIN), y = L.define(yn, yt, PLAIN);
  if (node.op === 'global_avgpool') {
    L.emit('mean per plane', [`qf_f_gavgpool(${xt.shape[0]! * xt.shape[1]!}, ${numel(xt.shape.slice(2))}, ${x.cname}, ${y.cname});`]);
    return;
  }
  const k = a.kernel_shape as [number, number], p = fconv(L, node, xt, { ...yt, shape: [yt.shape[0]!, xt.shape[1]!, yt.shape[2]!, yt.shape[3]!] }, k, 1);
  if (node.op === 'maxpool2d') {
    // qf_f_maxpool: a row, then its stride phases long enough for ceil-mode windows (qf_f_maxpool_wq)
    const w = winOf(a, k), W = xt.shape[3]!, OW = yt.shape[3]!;
    const Wq = Math.ceil(Math.max((OW - 1) * w.sw + (k[1] - 1) * w.dw + 1, W + w.pl + w.pr) / w.sw);
    const s = L.scratch((W + w.sw * Wq) * 4, `${node.name}_rows`);
    L.emit(`${k[0]}x${k[1]}`, [`qf_f_maxpool(&${p}, ${x.cname}, ${y.cname}, (float *)${s});`]);
    return;
  }
  L.emit(`${k[0]}x${k[1]}`, [`qf_f_avgpool(&${p}, ${a.count_include_pad ? 1 : 0}, ${x.cname}, ${y.cname});`]);
}

function fakeQuantize(node: Node, L: Lowering): void {
  const a = attrsOf(node), xn = node.inputs[0]!, yn = node.outputs[0]!, shape = L.type(xn).shape;
  const x = L.need(xn, PLAIN), y = L.define(yn, L.type(yn), PLAIN);
  const scale = a.scale as number[], zp = a.zero_point as number[];
  const [, C, inner] = scale.length === 1 ? [1, 1, 1] : around(shape, a.axis as number);
  const s = L.pool.bytes(`${node.name}_scale`, new Uint8Array(Float64Array.from(scale).buffer));
  const inv = L.pool.bytes(`${node.name}_inv`, f32Bytes(scale.map((v) => fround(1 / v))));
  const z = L.pool.bytes(`${node.name}_zp`, i32Bytes(zp));
  L.emit(`[${a.qmin}, ${a.qmax}]`, [`qf_fake_quantize(${numel(shape)}, ${inner}, ${C}, ${x.cname}, (const double *)${s}, (const float *)${inv}, ${a.scaling === 'divide' ? 1 : 0}, (const int32_t *)${z}, ${a.qmin}, ${a.qmax}, ${y.cname});`]);
}

const each = (names: string[], e: OpEmitter): Record<string, OpEmitter> => Object.fromEntries(names.map((n) => [n, e]));

export const FLOAT_EMITTERS: Record<string, OpEmitter> = {
  ...each(Object.keys(UNARY), { emit: unary, unsupported: f32Only }),
  ...each(Object.keys(BINARY), { emit: binary, unsupported: f32Only }),
  ...each(['softmax', 'log_softmax'], { emit: softmax, unsupported: f32Only }),
  ...each(Object.keys(REDUCE), { emit: reduce, unsupported: f32Only }),
  ...each(['conv2d', 'conv_transpose2d'], { emit: conv }),
  ...each(['maxpool2d', 'avgpool2d', 'global_avgpool'], { emit: pool }),
  layer_norm: { emit: layerNorm, unsupported: f32Only },
  batch_norm: { emit: batchNorm },
  fake_quantize: { emit: fakeQuantize, unsupported: (n) => (n.attrs['fake_quant_enabled'] === false ? 'a disabled fake_quantize (convert the QAT graph first)' : undefined) },
};

// The float ops around the GEMMs of mobile/SE networks on every target: depthwise convolution
// (qforge_fdwconv.c: strides 1-3 and unequal, dilations, 1x1 to 5x5 windows, asymmetric pads, 5x7 to
// 64x70 planes, those in several bands of rows), SiLU exported as mul(x, sigmoid(x)) (fused into one pass, either operand order; a
// sigmoid with another user stays on its own), the squeeze-excite gate (global average pool, 1x1
// convs, hardsigmoid, a per-channel broadcast mul), hardswish, max pools (ceil mode, strides 1-3,
// dilation, padding), broadcast binaries, a concat and residual adds (+ relu or clip) fused into the
// conv2d before them where they can be (qf_fconv.res: in place, phase planes, pixels x channels). Results agree with the interpreter within the
// float tolerance (1e-5 of the largest output); the bytes are the same for 1, 2, 3 and 7 threads; ASan
// and UBSan find nothing.
import { describe, expect, it } from 'vitest';
import type { BuildOptions } from '../../src/codegen/index.js';
import { getTarget, hostRuns } from '../../src/codegen/targets/index.js';
import { GraphBuilder, tensor, type Graph, type Tensor } from '../../src/ir/index.js';
import { compileRun, FLOAT_TOLERANCE, floatTensor, floatThreadRuns, interpret, relErr, rng } from './helpers.js';

type Win = { k: [number, number]; s: [number, number]; d?: [number, number]; pads: [number, number, number, number] };
const DEPTHWISE: Win[] = [
  { k: [3, 3], s: [1, 1], pads: [1, 1, 1, 1] },
  { k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1] },
  { k: [3, 3], s: [2, 1], pads: [0, 1, 1, 0] },
  { k: [5, 5], s: [3, 3], d: [2, 2], pads: [2, 1, 3, 2] },
  { k: [1, 1], s: [1, 2], pads: [0, 0, 0, 0] },
  { k: [3, 2], s: [1, 3], d: [1, 2], pads: [2, 0, 0, 2] },
];
const MAXPOOL: (Win & { ceil: boolean })[] = [
  { k: [3, 3], s: [2, 2], pads: [0, 0, 0, 0], ceil: true },
  { k: [3, 3], s: [1, 1], pads: [1, 1, 1, 1], ceil: false },
  { k: [2, 2], s: [2, 2], pads: [0, 0, 0, 0], ceil: false },
  { k: [3, 3], s: [3, 3], d: [2, 1], pads: [1, 0, 1, 2], ceil: true },
];

function floatNet(): { graph: Graph; inputs: Tensor[] } {
  const r = rng(11), b = new GraphBuilder('float_net'), C = 8;
  const x = b.input('x', { dtype: 'f32', shape: [1, C, 13, 11] }), small = b.input('small', { dtype: 'f32', shape: [2, C, 5, 7] });
  const large = b.input('large', { dtype: 'f32', shape: [1, 2, 64, 70] });
  const inputs = [floatTensor([1, C, 13, 11], r, 3), floatTensor([2, C, 5, 7], r, 3), floatTensor([1, 2, 64, 70], r, 3)];
  const c = (name: string, shape: number[], s = 0.5) => b.constant(name, floatTensor(shape, r, s));
  // depthwise on every window, on the 13x11 and on 5x7 planes (two images), with and without bias and clamp
  DEPTHWISE.forEach((w, i) =>
    [x, small].forEach((src, j) => {
      const bias = i % 2 ? [c(`dwb${i}_${j}`, [C])] : [];
      const clamp: Record<string, number> = i % 3 === 0 ? { clamp_min: -1, clamp_max: 2 } : {};
      b.output(b.op('conv2d', [src, c(`dw${i}_${j}`, [C, 1, ...w.k]), ...bias], { group: C, strides: w.s, dilations: w.d ?? [1, 1], pads: w.pads, ...clamp }, `dw${i}_${j}`));
    }),
  );
  // planes cut into bands of output rows (3x3 s1: bands of 28 rows, s2: 22, a dilated 5x5: 26 and a halo of 8)
  for (const [i, w] of [DEPTHWISE[0]!, DEPTHWISE[1]!, { k: [5, 5], s: [1, 1], d: [2, 2], pads: [4, 4, 4, 4] } as Win].entries())
    b.output(b.op('conv2d', [large, c(`dwl${i}`, [2, 1, ...w.k])], { group: 2, strides: w.s, dilations: w.d ?? [1, 1], pads: w.pads }, `dw_large${i}`));
  // SiLU both ways round, and a sigmoid that also feeds an output (not fused)
  b.output(b.op('mul', [x, b.op('sigmoid', [x], {}, 'sig_a')], {}, 'silu_a'));
  const sb = b.op('sigmoid', [small], {}, 'sig_b');
  b.output(b.op('mul', [sb, small], {}, 'silu_b'));
  const shared = b.op('sigmoid', [x], {}, 'sig_shared');
  b.output(b.op('mul', [x, shared], {}, 'silu_shared'), shared);
  // squeeze-excite gate: pool, reduce, relu, expand, hardsigmoid, per-channel scale; hardswish
  const pooled = b.op('global_avgpool', [x], {}, 'se_pool');
  const red = b.op('relu', [b.op('conv2d', [pooled, c('se_w1', [2, C, 1, 1]), c('se_b1', [2])], {}, 'se_reduce')], {}, 'se_relu');
  const gate = b.op('hardsigmoid', [b.op('conv2d', [red, c('se_w2', [C, 2, 1, 1]), c('se_b2', [C])], {}, 'se_expand')], { alpha: 1 / 6, beta: 0.5 }, 'se_gate');
  b.output(b.op('mul', [x, gate], {}, 'se_scale'), b.op('hardswish', [x], {}, 'hardswish'));
  // max pools
  MAXPOOL.forEach((w, i) =>
    b.output(b.op('maxpool2d', [x], { kernel_shape: w.k, strides: w.s, dilations: w.d ?? [1, 1], pads: w.pads, ceil_mode: w.ceil }, `maxpool${i}`)),
  );
  // broadcast binaries (a channel vector, a row, a scalar) and a concat
  b.output(
    b.op('add', [x, c('chan', [1, C, 1, 1])], {}, 'add_chan'),
    b.op('sub', [c('row', [1, 1, 1, 11]), x], {}, 'sub_row'),
    b.op('div', [x, b.constant('two', tensor('f32', [1], [2]))], {}, 'div_scalar'),
    b.op('concat', [x, b.op('neg', [x], {}, 'neg')], { axis: 1 }, 'concat'),
  );
  // residual adds fused into the conv2d before them (qf_fconv.res): a pointwise conv read in place + x, relu;
  // a clamped 3x3 on the phase planes + x, clip; a 3x3/2 (pixels x channels on avx512) + a 1x1/2 downsample
  // before it. Not fused: an operand computed after the conv (neg_late), an add that is a graph output
  // before its relu, a conv whose output is read twice
  const pw = b.op('conv2d', [x, c('rw0', [C, C, 1, 1]), c('rb0', [C])], {}, 'res_pw');
  b.output(b.op('relu', [b.op('add', [x, pw], {}, 'res_add0')], {}, 'res_relu0'));
  const k3 = b.op('conv2d', [x, c('rw1', [C, C, 3, 3])], { pads: [1, 1, 1, 1], clamp_min: -2, clamp_max: 2 }, 'res_k3');
  b.output(b.op('clip', [b.op('add', [k3, x], {}, 'res_add1')], { min: -1, max: 1.5 }, 'res_clip1'));
  const down = b.op('conv2d', [x, c('rwd', [48, C, 1, 1])], { strides: [2, 2] }, 'res_down');
  const s2 = b.op('conv2d', [x, c('rw2', [48, C, 3, 3]), c('rb2', [48])], { strides: [2, 2], pads: [1, 1, 1, 1] }, 'res_s2');
  b.output(b.op('relu', [b.op('add', [s2, down], {}, 'res_add2')], {}, 'res_relu2'));
  const early = b.op('conv2d', [x, c('rw3', [C, C, 1, 1])], {}, 'res_early');
  const add3 = b.op('add', [early, b.op('neg', [x], {}, 'neg_late')], {}, 'res_add3');
  b.output(add3, b.op('relu', [add3], {}, 'res_relu3'));
  const twice = b.op('conv2d', [x, c('rw4', [C, C, 1, 1])], {}, 'res_twice');
  b.output(b.op('add', [twice, x], {}, 'res_add4'), b.op('neg', [twice], {}, 'res_neg4'));
  return { graph: b.build(), inputs };
}

function errors(g: Graph, got: Tensor[], want: Tensor[]): [string, number][] {
  return g.outputs.map((o, i) => [o, relErr(got[i]!, want[i]!)] as [string, number]).filter(([, e]) => !(e <= FLOAT_TOLERANCE));
}

const x86 = hostRuns(getTarget('avx2'));
const TARGETS: [string, BuildOptions][] = [
  ['c', {}],
  ...(x86 ? [['avx2', {}], ['avx512-vnni', {}]] as [string, BuildOptions][] : []),
  ...(x86 && hostRuns(getTarget('avx512-vnni')) ? [['avx512-vnni', { emulate: true }]] as [string, BuildOptions][] : []),
  ['neon', {}],
];

describe.each(TARGETS)('float network ops on %s %j', (target, opts) => {
  it('agree with the interpreter within the float tolerance, SiLU fused where the sigmoid has no other user', () => {
    const { graph, inputs } = floatNet();
    const got = compileRun(graph, target, inputs, { float: true, ...opts });
    expect(errors(graph, got.outputs, interpret(graph, inputs))).toEqual([]);
    expect(got.warnings).toBe('');
    const fused = [...got.source.matchAll(/qf_par_f_unary\(ctx, QF_SILU, [^;]*, (\w+)\);/g)].map((m) => m[1]!.replace(/_\d+$/, ''));
    expect(new Set(fused)).toEqual(new Set(['v_silu_a', 'v_silu_b']));
    expect(got.source).toMatch(/qf_par_f_unary\(ctx, QF_SIGMOID, [^;]*, v_sig_shared\);/);
    // residual adds: three fused (their results written by the conv, the add and relu/clip never emitted), two left
    const res = [...got.source.matchAll(/q\.res = (\w+); qf_par_fconvt?\(ctx, &q, [^;]*, (\w+), \(float \*\)/g)].map((m) => [m[1], m[2]].map((v) => v!.replace(/_\d+$/, '')).join());
    expect(new Set(res)).toEqual(new Set(['v_x,v_res_relu0', 'v_x,v_res_clip1', 'v_res_down,v_res_relu2']));
    for (const v of ['res_pw', 'res_add0', 'res_k3', 'res_add1', 'res_s2', 'res_add2']) expect(got.source).not.toMatch(new RegExp(`\\bv_${v}\\b`));
    for (const v of ['res_add3', 'res_relu3', 'res_add4', 'res_twice']) expect(got.source).toMatch(new RegExp(`\\bv_${v}\\b`));
  });
});

describe('float network ops', () => {
  it('give the same bytes for 1, 2, 3 and 7 threads', () => {
    const { graph, inputs } = floatNet();
    const [one, ...more] = floatThreadRuns(graph, inputs, [2, 3, 7]).bytes;
    for (const b of more) expect(b).toEqual(one);
  });

  for (const target of ['c', 'avx2'])
    it(`is clean under ASan + UBSan on ${target}`, () => {
      const { graph, inputs } = floatNet();
      expect(errors(graph, compileRun(graph, target, inputs, { float: true, sanitize: true }).outputs, interpret(graph, inputs))).toEqual([]);
    });
});

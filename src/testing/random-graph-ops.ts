// One generator per op (or op pair) for random-graph.ts: each picks operands from the pool of f32
// values, makes constants and valid random attributes, and adds its node(s). `needs` lists the
// ops it uses; a generator is used only when they are all registered.
import type { Attrs, AttrValue, TensorType } from '../ir/index.js';

export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  bool(p?: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

export interface GenContext {
  rnd: Rng;
  /** A random pool value (f32 graph input or result) whose type passes `pred`. */
  pick(pred?: (t: TensorType) => boolean): { name: string; type: TensorType } | undefined;
  pool(): readonly { name: string; type: TensorType }[];
  /** A new f32 constant; 'positive' data lies in [0.5, 1.5) (variances). */
  constant(shape: number[], kind?: 'any' | 'positive'): string;
  node(op: string, inputs: string[], attrs: Record<string, AttrValue>, nResults?: number): string[];
  typeOf(v: string): TensorType;
}

export interface Generator {
  needs: readonly string[];
  /** The new values (f32 ones join the pool); undefined when no operand fits. */
  build(ctx: GenContext): string[] | undefined;
}

const rank = (r: number) => (t: TensorType) => t.shape.length === r;
const f = Math.fround;

function unary(op: string, attrs: (ctx: GenContext) => Record<string, AttrValue> = () => ({})): Generator {
  return {
    needs: [op],
    build: (ctx) => {
      const x = ctx.pick()!;
      return ctx.node(op, [x.name], attrs(ctx));
    },
  };
}

/** A second operand broadcastable to `t`: another value of the same shape, or a constant of a broadcast shape. */
function partner(ctx: GenContext, t: TensorType): string {
  const same = ctx.pool().filter((v) => v.type.shape.join() === t.shape.join());
  if (ctx.rnd.bool(0.4)) return ctx.rnd.pick(same).name; // includes the operand itself: x op x
  const r = t.shape.length;
  const shapes = [[], [...t.shape], [t.shape[r - 1]!], ...(r === 4 ? [[t.shape[1]!, 1, 1]] : [])];
  return ctx.constant(ctx.rnd.pick(shapes));
}

function binary(op: string): Generator {
  return {
    needs: [op],
    build: (ctx) => {
      const a = ctx.pick()!;
      const b = partner(ctx, a.type);
      return ctx.node(op, ctx.rnd.bool() ? [a.name, b] : [b, a.name], {});
    },
  };
}

/** Kernel k, stride s, dilation d and pads that leave at least one output position along `size`. */
function window(ctx: GenContext, size: number, dilate: boolean, padLimit = 1) {
  const { rnd } = ctx;
  let k = rnd.int(1, 3), d = dilate ? rnd.int(1, 2) : 1;
  const p0 = rnd.int(0, Math.min(padLimit, k - 1)), p1 = rnd.int(0, Math.min(padLimit, k - 1));
  if (d * (k - 1) + 1 > size + p0 + p1) {
    d = 1;
    k = Math.min(k, size + p0 + p1);
  }
  // A dilated window over padding can miss every input element (max = -inf): keep those unpadded.
  if (d > 1) return { k, s: rnd.int(1, 2), d, p0: 0, p1: 0 };
  return { k, s: rnd.int(1, 2), d, p0, p1 };
}

function pool2d(op: 'maxpool2d' | 'avgpool2d'): Generator {
  return {
    needs: [op],
    build: (ctx) => {
      const x = ctx.pick(rank(4));
      if (!x) return undefined;
      const h = window(ctx, x.type.shape[2]!, op === 'maxpool2d'), w = window(ctx, x.type.shape[3]!, op === 'maxpool2d');
      const attrs: Record<string, AttrValue> = { kernel_shape: [h.k, w.k] };
      if (h.s !== 1 || w.s !== 1) attrs.strides = [h.s, w.s];
      if (h.p0 + h.p1 + w.p0 + w.p1) attrs.pads = [h.p0, w.p0, h.p1, w.p1];
      if (op === 'maxpool2d' && (h.d !== 1 || w.d !== 1)) attrs.dilations = [h.d, w.d];
      if (op === 'avgpool2d' && ctx.rnd.bool()) attrs.count_include_pad = true;
      return ctx.node(op, [x.name], attrs);
    },
  };
}

const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

export const GENERATORS: Record<string, Generator> = {
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  max: binary('max'),
  relu: unary('relu'),
  sigmoid: unary('sigmoid'),
  tanh: unary('tanh'),
  hardswish: unary('hardswish'),
  leaky_relu: unary('leaky_relu', (ctx): Attrs => (ctx.rnd.bool() ? { alpha: f(ctx.rnd.next() * 0.3) } : {})),
  clip: unary('clip', (ctx) => {
    const lo = f(-ctx.rnd.next()), hi = f(ctx.rnd.next() * 6);
    return ctx.rnd.pick<Attrs>([{ min: lo, max: hi }, { min: 0, max: 6 }, { min: lo }]);
  }),
  softmax: unary('softmax', (ctx) => ({ axis: ctx.rnd.int(-1, 0) })),

  conv2d: {
    needs: ['conv2d'],
    build: (ctx) => {
      const x = ctx.pick(rank(4));
      if (!x) return undefined;
      const { rnd } = ctx;
      const [, c, hh, ww] = x.type.shape as [number, number, number, number];
      const group = rnd.pick(divisors(c));
      const m = group * rnd.int(1, 2);
      const h = window(ctx, hh, true), w = window(ctx, ww, true);
      const wt = ctx.constant([m, c / group, h.k, w.k]);
      const bias = rnd.int(0, 2);
      const inputs = [x.name, wt, ...(bias === 0 ? [] : bias === 1 ? [''] : [ctx.constant([m])])];
      const attrs: Record<string, AttrValue> = {};
      if (h.s !== 1 || w.s !== 1) attrs.strides = [h.s, w.s];
      if (h.p0 + h.p1 + w.p0 + w.p1) attrs.pads = [h.p0, w.p0, h.p1, w.p1];
      if (h.d !== 1 || w.d !== 1) attrs.dilations = [h.d, w.d];
      if (group !== 1) attrs.group = group;
      if (rnd.bool(0.2)) attrs.clamp_min = 0;
      return ctx.node('conv2d', inputs, attrs);
    },
  },

  batch_norm: {
    needs: ['batch_norm'],
    build: (ctx) => {
      const x = ctx.pick(rank(4));
      if (!x) return undefined;
      const c = x.type.shape[1]!;
      const params = [ctx.constant([c]), ctx.constant([c]), ctx.constant([c]), ctx.constant([c], 'positive')];
      return ctx.node('batch_norm', [x.name, ...params], ctx.rnd.bool() ? { epsilon: 0.001 } : {});
    },
  },

  gemm: {
    needs: ['gemm'],
    build: (ctx) => {
      const x = ctx.pick(rank(2));
      if (!x) return undefined;
      const { rnd } = ctx;
      const transA = rnd.bool(0.25), transB = rnd.bool();
      const k = x.type.shape[transA ? 0 : 1]!, m = rnd.int(1, 6);
      const inputs = [x.name, ctx.constant(transB ? [m, k] : [k, m])];
      if (rnd.bool(0.7)) inputs.push(ctx.constant([m]));
      const attrs: Record<string, AttrValue> = {};
      if (transA) attrs.trans_a = true;
      if (transB) attrs.trans_b = true;
      if (rnd.bool(0.2)) attrs.alpha = 0.5;
      if (rnd.bool(0.2) && inputs.length === 3) attrs.beta = 2;
      return ctx.node('gemm', inputs, attrs);
    },
  },

  matmul: {
    needs: ['matmul'],
    build: (ctx) => {
      const x = ctx.pick((t) => t.shape.length >= 2)!;
      if (!x) return undefined;
      const k = x.type.shape[x.type.shape.length - 1]!;
      return ctx.node('matmul', [x.name, ctx.constant([k, ctx.rnd.int(1, 6)])], {});
    },
  },

  maxpool2d: pool2d('maxpool2d'),
  avgpool2d: pool2d('avgpool2d'),
  global_avgpool: {
    needs: ['global_avgpool'],
    build: (ctx) => {
      const x = ctx.pick(rank(4));
      return x && ctx.node('global_avgpool', [x.name], {});
    },
  },

  reshape: {
    needs: ['reshape'],
    build: (ctx) => {
      const x = ctx.pick()!;
      const s = x.type.shape;
      const n = s.reduce((a, b) => a * b, 1);
      const shape = ctx.rnd.pick([[-1], [s[0]!, -1], [n], [1, n]]);
      return ctx.node('reshape', [x.name], { shape });
    },
  },
  flatten: unary('flatten', (ctx) => ({ axis: ctx.rnd.int(0, 1) })),
  transpose: {
    needs: ['transpose'],
    build: (ctx) => {
      const x = ctx.pick()!;
      const perm = x.type.shape.map((_, i) => i);
      for (let i = perm.length - 1; i > 0; i--) {
        const j = ctx.rnd.int(0, i);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      return ctx.node('transpose', [x.name], { perm });
    },
  },
  concat: {
    needs: ['concat'],
    build: (ctx) => {
      const x = ctx.pick()!;
      const r = x.type.shape.length, axis = ctx.rnd.int(0, r - 1);
      const fits = (t: TensorType) => t.shape.length === r && t.shape.every((d, i) => i === axis || d === x.type.shape[i]);
      const others = Array.from({ length: ctx.rnd.int(1, 2) }, () => ctx.pick(fits)!.name);
      return ctx.node('concat', [x.name, ...others], { axis: ctx.rnd.bool() ? axis : axis - r });
    },
  },
  split: {
    needs: ['split'],
    build: (ctx) => {
      const x = ctx.pick((t) => t.shape.some((d) => d >= 2));
      if (!x) return undefined;
      const axes = x.type.shape.map((d, i) => (d >= 2 ? i : -1)).filter((i) => i >= 0);
      const axis = ctx.rnd.pick(axes), d = x.type.shape[axis]!;
      const first = ctx.rnd.int(1, d - 1);
      return ctx.node('split', [x.name], { axis, split: [first, d - first] }, 2);
    },
  },

  /** quantize -> dequantize (per tensor, or per channel along axis 1 of a 4-D value). */
  qdq: {
    needs: ['quantize', 'dequantize'],
    build: (ctx) => {
      const x = ctx.pick()!;
      const { rnd } = ctx;
      const dtype = rnd.pick(['u8', 'i8']);
      const perChannel = x.type.shape.length === 4 && rnd.bool(0.3);
      const n = perChannel ? x.type.shape[1]! : 1;
      const scale = Array.from({ length: n }, () => f(0.005 + rnd.next() * 0.05));
      const zero_point = Array.from({ length: n }, () => (dtype === 'u8' ? rnd.int(100, 150) : rnd.int(-10, 10)));
      const qp: Attrs = perChannel ? { scale, zero_point, axis: 1 } : { scale, zero_point };
      const [q] = ctx.node('quantize', [x.name], { ...qp, dtype });
      return ctx.node('dequantize', [q!], qp);
    },
  },
};

// ONNX convolutions and pooling -> conv2d, conv_transpose2d, maxpool2d, avgpool2d. 1-D forms run
// as 2-D with a height of 1; auto_pad and ConvTranspose's output_shape become explicit pads
// (shapes are static).
import type { AttrValue } from '../graph.js';
import type { NodeContext } from './context.js';
import type { Converter } from './convert-math.js';

export interface Spatial {
  /** Spatial rank of the ONNX node: 1 or 2. */
  dims: number;
  /** The input as a 4-D value. */
  x: string;
  /** Input spatial sizes (after lifting to 2-D). */
  inSize: number[];
}

function lift(c: NodeContext): Spatial {
  const t = c.type(0);
  const dims = t.shape.length - 2;
  if (dims !== 1 && dims !== 2) c.unsupported(`${dims}-D ${c.opType} is not supported (only 1-D and 2-D)`);
  if (dims === 2) return { dims, x: c.input(0), inSize: t.shape.slice(2) };
  const [n, ch, l] = t.shape as [number, number, number];
  return { dims, x: c.emit1('reshape', [c.input(0)], { shape: [n, ch, 1, l] }, c.temp('as2d')), inSize: [1, l] };
}

/** Reads a per-spatial-axis attribute and lifts a 1-D one to 2-D (`fill` for the added axis). */
export function axes2d(c: NodeContext, s: Spatial, name: string, def: number, fill: number): number[] {
  const v = c.ints(name, new Array<number>(s.dims).fill(def));
  if (v.length !== s.dims) c.invalid(`attribute '${name}' must have ${s.dims} value(s), got [${v.join(',')}]`);
  return s.dims === 1 ? [fill, v[0]!] : v;
}

/** ONNX pads [b1.., e1..] lifted to 2-D, [hb, wb, he, we]. */
function pads2d(c: NodeContext, s: Spatial): number[] {
  const p = c.ints('pads', new Array<number>(2 * s.dims).fill(0));
  if (p.length !== 2 * s.dims) c.invalid(`attribute 'pads' must have ${2 * s.dims} values, got [${p.join(',')}]`);
  return s.dims === 1 ? [0, p[0]!, 0, p[1]!] : p;
}

/** Explicit pads for auto_pad SAME_UPPER/SAME_LOWER/VALID of a conv or pool window. */
export function autoPads(c: NodeContext, s: Spatial, kernel: number[], strides: number[], dilations: number[]): number[] {
  const mode = c.str('auto_pad', 'NOTSET');
  if (mode === 'NOTSET') return pads2d(c, s);
  if (mode === 'VALID') return [0, 0, 0, 0];
  if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') c.invalid(`unknown auto_pad '${mode}'`);
  const begin: number[] = [], end: number[] = [];
  s.inSize.forEach((n, i) => {
    const out = Math.ceil(n / strides[i]!);
    const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - n);
    const small = Math.floor(total / 2);
    begin.push(mode === 'SAME_UPPER' ? small : total - small);
    end.push(total - begin[i]!);
  });
  return [...begin, ...end];
}

/** Emits `op` on the lifted input and reshapes a 1-D result back to 3-D. */
export function emitSpatial(c: NodeContext, s: Spatial, op: string, inputs: string[], attrs: Record<string, AttrValue | undefined>): void {
  if (s.dims === 2) return void c.emit(op, inputs, attrs);
  const y = c.emit1(op, inputs, attrs, c.temp(op));
  const [n, ch, , l] = c.st.values[y]!.shape as [number, number, number, number];
  c.emit('reshape', [y], { shape: [n, ch, l] });
}

/** Conv/ConvTranspose weights of a 1-D node get a kernel height of 1. */
function weight2d(c: NodeContext, s: Spatial): { w: string; kernel: number[] } {
  const wt = c.type(1);
  if (wt.shape.length !== s.dims + 2) c.invalid(`weight must have rank ${s.dims + 2}, got [${wt.shape.join(',')}]`);
  const ks = c.ints('kernel_shape');
  if (ks?.some((k, i) => k !== wt.shape[2 + i])) c.invalid(`kernel_shape [${ks.join(',')}] disagrees with the weight [${wt.shape.join(',')}]`);
  if (s.dims === 2) return { w: c.input(1), kernel: wt.shape.slice(2) };
  const [a, b, k] = wt.shape as [number, number, number];
  return { w: c.emit1('reshape', [c.input(1)], { shape: [a, b, 1, k] }, c.temp('w2d')), kernel: [1, k] };
}

const conv: Converter = (c) => {
  const s = lift(c);
  const { w, kernel } = weight2d(c, s);
  const strides = axes2d(c, s, 'strides', 1, 1), dilations = axes2d(c, s, 'dilations', 1, 1);
  const pads = autoPads(c, s, kernel, strides, dilations);
  emitSpatial(c, s, 'conv2d', [s.x, w, c.input(2)], { strides, pads, dilations, group: c.int('group', 1) });
};

const convTranspose: Converter = (c) => {
  const s = lift(c);
  const { w, kernel } = weight2d(c, s);
  const strides = axes2d(c, s, 'strides', 1, 1), dilations = axes2d(c, s, 'dilations', 1, 1);
  const outPad = axes2d(c, s, 'output_padding', 0, 0);
  const mode = c.str('auto_pad', 'NOTSET');
  let pads: number[];
  let outShape = c.ints('output_shape');
  if (!outShape && (mode === 'SAME_UPPER' || mode === 'SAME_LOWER')) outShape = s.inSize.slice(-s.dims).map((n, i) => n * strides[i + 2 - s.dims]!);
  if (outShape) {
    // ONNX: total padding from the requested output size; SAME_UPPER puts the smaller half first.
    const want = outShape.slice(-s.dims);
    const full = s.dims === 1 ? [1, want[0]!] : want;
    const begin: number[] = [], end: number[] = [];
    full.forEach((o, i) => {
      const t = strides[i]! * (s.inSize[i]! - 1) + outPad[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - o;
      const half = Math.floor(t / 2);
      begin.push(mode === 'SAME_UPPER' ? half : t - half);
      end.push(t - begin[i]!);
      // A negative end pad (output larger than the kernels reach) is extra output padding.
      if (end[i]! < 0) {
        outPad[i] = outPad[i]! - end[i]!;
        end[i] = 0;
      }
      if (begin[i]! < 0) c.unsupported(`output_shape [${want.join(',')}] needs negative padding`);
    });
    pads = [...begin, ...end];
  } else if (mode === 'VALID' || mode === 'NOTSET') {
    pads = mode === 'VALID' ? [0, 0, 0, 0] : pads2d(c, s);
  } else {
    c.invalid(`unknown auto_pad '${mode}'`);
  }
  emitSpatial(c, s, 'conv_transpose2d', [s.x, w, c.input(2)], {
    strides, pads: pads!, dilations, group: c.int('group', 1), output_padding: outPad,
  });
};

const pool = (op: 'maxpool2d' | 'avgpool2d'): Converter => (c) => {
  if (op === 'maxpool2d' && c.outputUsed(1)) c.unsupported('the Indices output is not supported');
  const s = lift(c);
  const ks = c.ints('kernel_shape');
  if (!ks || ks.length !== s.dims) c.invalid(`attribute 'kernel_shape' must have ${s.dims} value(s)`);
  const kernel = s.dims === 1 ? [1, ks![0]!] : ks!;
  const strides = axes2d(c, s, 'strides', 1, 1), dilations = axes2d(c, s, 'dilations', 1, 1);
  const pads = autoPads(c, s, kernel, strides, dilations);
  const common = { kernel_shape: kernel, strides, pads, ceil_mode: c.bool('ceil_mode', false) };
  if (op === 'maxpool2d') return emitSpatial(c, s, op, [s.x], { ...common, dilations });
  if (dilations.some((d) => d !== 1)) c.unsupported('AveragePool with dilations is not supported');
  emitSpatial(c, s, op, [s.x], { ...common, count_include_pad: c.bool('count_include_pad', false) });
};

const globalMaxPool: Converter = (c) => {
  const rank = c.rank(0);
  c.emit('reduce_max', [c.input(0)], { axes: Array.from({ length: rank - 2 }, (_, i) => i + 2), keepdims: true });
};

export const NN_CONVERTERS: Record<string, Converter> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool('maxpool2d'),
  AveragePool: pool('avgpool2d'),
  GlobalMaxPool: globalMaxPool,
};

// Helpers shared by the op emitters: resolved attributes, stored-domain requantisation parameters,
// geometry initialisers and the emitter table's types.
import { fail } from '../../diagnostics/index.js';
import { dtypeRange, type DType } from '../../ir/dtype.js';
import type { Graph, Node } from '../../ir/graph.js';
import { getOp, resolveAttrs, type ResolvedAttrs } from '../../ir/ops/index.js';
import { fround } from '../../ir/quant-math.js';
import type { Window2d } from '../../ir/compute/window.js';
import { window2d } from '../../ir/compute/window.js';
import type { Lowering } from '../emit/lower.js';

export interface OpEmitter {
  /** Why this node cannot be compiled; undefined when it can. */
  unsupported?(node: Node, g: Graph): string | undefined;
  emit(node: Node, L: Lowering): void;
}

export const attrsOf = (n: Node): ResolvedAttrs => resolveAttrs(getOp(n.op)!, n.attrs);
export const ints = (a: ResolvedAttrs, k: string): number[] => a[k] as number[];

/** Stored-domain offset of a dtype: int8 tensors are held as x + 128. */
export const shiftOf = (d: DType): number => (d === 'i8' ? 128 : 0);

export interface OutQuant {
  zp: number;
  qmin: number;
  qmax: number;
}

/** y_zero_point and the fused clamp of a quantized op's result, in the stored domain. */
export function outQuant(a: ResolvedAttrs, dtype: DType): OutQuant {
  const [lo, hi] = dtypeRange(dtype), s = shiftOf(dtype);
  return {
    zp: (a.y_zero_point as number) + s,
    qmin: ((a.qmin as number | undefined) ?? lo) + s,
    qmax: ((a.qmax as number | undefined) ?? hi) + s,
  };
}

/** Per-channel float32 values (a single one repeated), already rounded to float32. */
export const perChannel = (v: readonly number[], n: number): number[] => Array.from({ length: n }, (_, i) => fround(v.length === 1 ? v[0]! : v[i]!));

export interface GeomArgs {
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  win: Window2d;
  xzp: number;
}

export const winOf = (a: ResolvedAttrs, k: readonly number[]): Window2d =>
  window2d(k, ints(a, 'strides'), ints(a, 'pads'), (a.dilations as number[] | undefined) ?? [1, 1]);

/** A static const qf_geom for these dimensions; returns its symbol. */
export function geom(L: Lowering, hint: string, g: GeomArgs): string {
  const w = g.win;
  const f = [g.H, g.W, g.C, g.OH, g.OW, w.kh, w.kw, w.sh, w.sw, w.pt, w.pl, w.pb, w.pr, w.dh, w.dw, g.xzp];
  return L.pool.decl(`${hint}_geom`, 'qf_geom', `{${f.join(', ')}}`);
}

/** Fails with QF4006/QF4007 style errors located at the node. */
export function nodeFail(key: 'CODEGEN_WEIGHT_ZERO' | 'CODEGEN_OVERFLOW' | 'CODEGEN_UNSUPPORTED', n: Node, msg: string, hint?: string): never {
  fail(key, msg, { node: { name: n.name, op: n.op }, ...(hint ? { hint } : {}) });
}

/** Loop header over images: `for (size_t n = 0; n < N; n++)`, or nothing for one image. */
export const imageLoop = (N: number): { open: string[]; close: string[]; n: string } =>
  N === 1 ? { open: [], close: [], n: '0' } : { open: [`for (size_t n = 0; n < ${N}; n++) {`], close: ['}'], n: 'n' };

/** `ptr + i * k` in C, leaving out terms that are zero. */
export function at(ptr: string, ...terms: [string | number, number][]): string {
  const parts = terms.filter(([i, k]) => i !== '0' && i !== 0 && k !== 0).map(([i, k]) => (k === 1 ? `${i}` : `${i} * ${k}`));
  return parts.length ? `${ptr} + ${parts.join(' + ')}` : ptr;
}

/** Indents C lines by two spaces per level. */
export const indent = (lines: string[], levels = 1): string[] => lines.map((l) => '  '.repeat(levels) + l);

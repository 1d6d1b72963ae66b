// Float weights for the packed GEMM family (qforge_fgemm.c): packed at compile time into the target's
// register-tile panels (row panels [kc][mr] per k block for convolution weights, column panels [K][nr] for linear
// weights), zero-padded, as float32 bytes; weights that are not constants are packed at run time
// into scratch by the C twins qf_fpack_rows / qf_fpack_cols (same layouts, same strides).
import { f32Bytes } from '../emit/consts.js';
import type { Lowering } from '../emit/lower.js';

/** Element strides of the source: (g, r, k) for row panels, (k, n) for column panels. */
export interface RowsOf {
  G: number;
  R: number;
  K: number;
  gs: number;
  rs: number;
  ks: number;
}
export interface ColsOf {
  N: number;
  K: number;
  ks: number;
  ns: number;
  /** Groups (default 1), each its own N x K matrix at g·gs. */
  G?: number;
  gs?: number;
}

const ceilTo = (v: number, m: number) => Math.ceil(v / m) * m;

/** k block of the float GEMMs (QF_FKC in qforge_config.h): row panels are stored k-block-major. */
export const FLOAT_KC = 128;
/** The k block of a K-deep GEMM (qf_fkb): K itself up to 1.25 blocks (no short last block whose partial
 *  sums go through memory again: ResNet's 7x7x3 stem, K = 147), else FLOAT_KC. */
export const floatKBlock = (K: number): number => (K <= FLOAT_KC + FLOAT_KC / 4 ? K : FLOAT_KC);

export function packRows(src: ArrayLike<number>, s: RowsOf, mr: number): Float32Array {
  const out = new Float32Array(s.G * ceilTo(s.R, mr) * s.K);
  let o = 0;
  const kb = floatKBlock(s.K);
  for (let g = 0; g < s.G; g++)
    for (let k0 = 0; k0 < s.K; k0 += kb)
      for (let r0 = 0; r0 < s.R; r0 += mr)
        for (let k = k0; k < Math.min(s.K, k0 + kb); k++)
          for (let i = 0; i < mr; i++, o++) if (r0 + i < s.R) out[o] = Number(src[g * s.gs + (r0 + i) * s.rs + k * s.ks]);
  return out;
}

export function packCols(src: ArrayLike<number>, s: ColsOf, nr: number, scale = 1): Float32Array {
  const G = s.G ?? 1, gs = s.gs ?? 0, out = new Float32Array(G * ceilTo(s.N, nr) * s.K);
  let o = 0;
  for (let g = 0; g < G; g++)
    for (let n0 = 0; n0 < s.N; n0 += nr)
      for (let k = 0; k < s.K; k++)
        for (let j = 0; j < nr; j++, o++) if (n0 + j < s.N) out[o] = Number(src[g * gs + k * s.ks + (n0 + j) * s.ns]) * scale;
  return out;
}

/** The weights `wn` as row panels: a constant's packed bytes, or a run-time pack into scratch
 *  (`lines` then holds the qf_fpack_rows call the step must run first). */
export function rowPanels(L: Lowering, wn: string, s: RowsOf, hint: string): { ptr: string; lines: string[] } {
  const mr = L.target.float.mr, t = L.constTensor(wn);
  if (t) {
    const sym = L.pool.memo(`frows:${wn}:${JSON.stringify(s)}:${mr}`, () => L.pool.bytes(`${hint}_fw`, f32Bytes(packRows(t.data as ArrayLike<number>, s, mr))));
    return { ptr: `(const float *)${sym}`, lines: [] };
  }
  const w = L.need(wn, { layout: 'plain', shifted: false });
  const scratch = L.scratch(s.G * ceilTo(s.R, mr) * s.K * 4, `${hint}_fw`);
  return { ptr: `(const float *)${scratch}`, lines: [`qf_fpack_rows(${s.G}, ${s.R}, ${s.K}, ${w.cname}, ${s.gs}, ${s.rs}, ${s.ks}, (float *)${scratch});`] };
}

/** Float elements of one column-panel pack of N x K (the scratch a run-time qf_fpack_cols needs). */
export const colPanelsSize = (L: Lowering, N: number, K: number): number => ceilTo(N, L.target.float.nr) * K;

/** The weights `wn` as column panels (a constant's scaled by `scale`, float32-rounded), or a run-time
 *  pack into scratch (`lines`: the qf_fpack_cols call the step must run first; scale 1 only). */
export function colPanels(L: Lowering, wn: string, s: ColsOf, hint: string, scale = 1): { ptr: string; lines: string[] } {
  const nr = L.target.float.nr, t = L.constTensor(wn);
  if (t) {
    const sym = L.pool.memo(`fcols:${wn}:${JSON.stringify(s)}:${nr}:${scale}`, () => L.pool.bytes(`${hint}_fw`, f32Bytes(packCols(t.data as ArrayLike<number>, s, nr, scale))));
    return { ptr: `(const float *)${sym}`, lines: [] };
  }
  const w = L.need(wn, { layout: 'plain', shifted: false }), G = s.G ?? 1;
  const scratch = L.scratch(G * colPanelsSize(L, s.N, s.K) * 4, `${hint}_fw`);
  return { ptr: `(const float *)${scratch}`, lines: [`qf_fpack_cols(${G}, ${s.N}, ${s.K}, ${w.cname}, ${s.gs ?? 0}, ${s.ks}, ${s.ns}, (float *)${scratch});`] };
}

/** A bias row for the column panels: N floats padded to whole panels. */
export function paddedBias(L: Lowering, v: ArrayLike<number>, N: number, hint: string): string {
  const out = new Float32Array(ceilTo(N, L.target.float.nr));
  for (let n = 0; n < N; n++) out[n] = Number(v[v.length === 1 ? 0 : n]);
  return `(const float *)${L.pool.bytes(`${hint}_fb`, new Uint8Array(out.buffer))}`;
}

/**
 * Pixels per block: a multiple of `unit` (the tile's nr for im2col blocks, mr for conv_transpose's
 * GEMM rows), at least one unit, at most the pixels there are, with the block (`floats` per pixel)
 * within 256 KiB (L2-resident) when the weights are small, or 2 MiB when they are over 1 MiB: then
 * the larger block lets a deep layer's weights (ResNet-18's 3x3x512: 9.4 MB) stream from memory once
 * per block rather than once per 256 KiB of columns.
 */
export function pixelBlock(floats: number, pixels: number, unit: number, weightFloats: number): number {
  const budget = weightFloats > 1 << 18 ? 1 << 19 : 1 << 16;
  return Math.min(ceilTo(pixels, unit), unit * Math.max(1, Math.floor(budget / (floats * unit))));
}

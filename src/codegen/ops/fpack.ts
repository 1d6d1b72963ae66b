// Float weights for the packed GEMM family (qforge_fgemm.c): packed at compile time into the target's
// register-tile panels (row panels [K][mr] for convolution weights, column panels [K][nr] for linear
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
}

const ceilTo = (v: number, m: number) => Math.ceil(v / m) * m;

export function packRows(src: ArrayLike<number>, s: RowsOf, mr: number): Float32Array {
  const out = new Float32Array(s.G * ceilTo(s.R, mr) * s.K);
  let o = 0;
  for (let g = 0; g < s.G; g++)
    for (let r0 = 0; r0 < s.R; r0 += mr)
      for (let k = 0; k < s.K; k++)
        for (let i = 0; i < mr; i++, o++) if (r0 + i < s.R) out[o] = Number(src[g * s.gs + (r0 + i) * s.rs + k * s.ks]);
  return out;
}

export function packCols(src: ArrayLike<number>, s: ColsOf, nr: number, scale = 1): Float32Array {
  const out = new Float32Array(ceilTo(s.N, nr) * s.K);
  let o = 0;
  for (let n0 = 0; n0 < s.N; n0 += nr)
    for (let k = 0; k < s.K; k++)
      for (let j = 0; j < nr; j++, o++) if (n0 + j < s.N) out[o] = Number(src[k * s.ks + (n0 + j) * s.ns]) * scale;
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

/** A constant's column panels (scaled by `scale`, float32-rounded), once per weight. */
export function constColPanels(L: Lowering, wn: string, s: ColsOf, hint: string, scale = 1): string {
  const t = L.constTensor(wn)!, nr = L.target.float.nr;
  const sym = L.pool.memo(`fcols:${wn}:${JSON.stringify(s)}:${nr}:${scale}`, () => L.pool.bytes(`${hint}_fw`, f32Bytes(packCols(t.data as ArrayLike<number>, s, nr, scale))));
  return `(const float *)${sym}`;
}

/** A bias row for the column panels: N floats padded to whole panels. */
export function paddedBias(L: Lowering, v: ArrayLike<number>, N: number, hint: string): string {
  const out = new Float32Array(ceilTo(N, L.target.float.nr));
  for (let n = 0; n < N; n++) out[n] = Number(v[v.length === 1 ? 0 : n]);
  return `(const float *)${L.pool.bytes(`${hint}_fb`, new Uint8Array(out.buffer))}`;
}

/**
 * Output pixels per im2col block: a multiple of nr with the block (rows x pb floats) near 256 KiB
 * (L2-resident), at least one panel, at most the pixels there are.
 */
export function pixelBlock(L: Lowering, rows: number, pixels: number): number {
  const nr = L.target.float.nr;
  return Math.min(ceilTo(pixels, nr), nr * Math.max(1, Math.floor(65536 / (rows * nr))));
}

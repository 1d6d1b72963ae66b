// Random and adversarial cases for the SIMD kernel tests: generation, the TypeScript expectation (the
// interpreter's requantize), serialisation for kernel-harness.c, and comparison of its outputs. Every
// case is run by the C harness through qf_ref_* on plain weights and through the target's kernel on
// the target-packed blob; both buffers must be byte-identical and match the TypeScript expectation.
import { requantize } from '../../../src/ir/compute/qconv.js';

export type WeightKind = 'full' | 'small' | 'sat' | 'zero';
export type ActKind = 'rand' | 'max' | 'extreme' | 'low';

export interface RqParams {
  bias: Int32Array;
  mult: Float32Array;
  yZp: number;
  qmin: number;
  qmax: number;
}

export interface GemmCase extends RqParams {
  kind: 'gemm' | 'gemm_i32';
  label: string;
  M: number;
  N: number;
  K: number;
  lda: number;
  ldc: number;
  A: Uint8Array;
  W: Int8Array; // [N][K]
}

/** qf_geom field order. */
export interface Geom {
  H: number; W: number; C: number; OH: number; OW: number; KH: number; KW: number; SH: number; SW: number;
  PT: number; PL: number; PB: number; PR: number; DH: number; DW: number; xZp: number;
}

export interface DwCase extends RqParams {
  kind: 'dw3x3' | 'dw';
  label: string;
  g: Geom;
  x: Uint8Array;
  W: Int8Array; // [taps][C]
}

export type KernelCase = GemmCase | DwCase;
type GemmData = Omit<GemmCase, keyof RqParams>;
type DwData = Omit<DwCase, keyof RqParams>;
const isGemm = (c: GemmData | DwData): c is GemmData => c.kind === 'gemm' || c.kind === 'gemm_i32';

/** mulberry32: small, seeded, reproducible. */
export function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]! };
}
export type Rng = ReturnType<typeof rng>;

export function weights(r: Rng, n: number, kind: WeightKind): Int8Array {
  const w = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 'full') w[i] = r.int(-128, 127);
    else if (kind === 'small') w[i] = r.int(-64, 64); // every pair provably maddubs-safe
    else if (kind === 'sat') w[i] = r.pick([127, 127, -128, -128, 127, -127, 1, 0]); // saturates vpmaddubsw
    else w[i] = 0;
  }
  return w;
}

export function activations(r: Rng, n: number, kind: ActKind): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    a[i] = kind === 'rand' ? r.int(0, 255) : kind === 'max' ? 255 : kind === 'extreme' ? r.pick([0, 255]) : r.int(0, 3);
  return a;
}

/** Raw sums Σ a·w (no bias) per output position and column: [positions][columns]. */
function rawSums(c: GemmData | DwData): Float64Array[] {
  const rows: Float64Array[] = [];
  if (isGemm(c)) {
    for (let m = 0; m < c.M; m++) {
      const row = new Float64Array(c.N);
      for (let n = 0; n < c.N; n++) {
        let acc = 0;
        for (let k = 0; k < c.K; k++) acc += c.A[m * c.lda + k]! * c.W[n * c.K + k]!;
        row[n] = acc;
      }
      rows.push(row);
    }
    return rows;
  }
  const g = c.g;
  for (let oh = 0; oh < g.OH; oh++)
    for (let ow = 0; ow < g.OW; ow++) {
      const row = new Float64Array(g.C);
      for (let ch = 0; ch < g.C; ch++)
        for (let i = 0; i < g.KH; i++)
          for (let j = 0; j < g.KW; j++) {
            const ih = oh * g.SH - g.PT + i * g.DH, iw = ow * g.SW - g.PL + j * g.DW;
            const v = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? c.x[(ih * g.W + iw) * g.C + ch]! : g.xZp;
            row[ch]! += v * c.W[(i * g.KW + j) * g.C + ch]!;
          }
      rows.push(row);
    }
  return rows;
}

/** Bias and multipliers calibrated on the actual sums so that outputs land inside the clamp range and
    react to every bit of the sum (a bias centring the column, as a folded zero point does), plus a few
    huge biases; 'ties' uses power-of-two multipliers so that halves occur and round to even. Output zero
    points and clamps at the extremes. */
function rqParams(r: Rng, raw: Float64Array[], N: number, mults: 'spread' | 'ties'): RqParams {
  const bias = new Int32Array(N), mult = new Float32Array(N);
  const cols = Array.from({ length: N }, (_, n) => raw.map((row) => row[n]!));
  const means = cols.map((col) => col.reduce((s, v) => s + v, 0) / Math.max(col.length, 1));
  const all = means.reduce((s, v) => s + v, 0) / Math.max(N, 1);
  const across = Math.max(...means.map((m) => Math.abs(m - all))) / 4; // for columns constant over rows
  for (let n = 0; n < N; n++) {
    const mean = means[n]!;
    const spread = Math.max(1, across, ...cols[n]!.map((v) => Math.abs(v - mean)));
    const huge = r.next() < 0.05;
    bias[n] = huge ? r.int(-(1 << 24), 1 << 24) : -Math.round(mean) + r.int(-8, 8);
    mult[n] = mults === 'ties' ? 2 ** -Math.max(1, Math.ceil(Math.log2(spread / 100))) : Math.fround((100 / spread) * 2 ** (r.next() * 2 - 1));
  }
  const yZp = r.pick([0, 255, 128, r.int(0, 255)]);
  const clamps = [[0, 255], [0, 255], [0, 255], [yZp, 255], [yZp, 255], [r.int(0, 100), r.int(150, 255)], [r.int(0, 100), r.int(150, 255)], r.pick([[0, 0], [255, 255]])] as const;
  const [qmin, qmax] = r.pick(clamps);
  return { bias, mult, yZp, qmin, qmax };
}

/** `edit` may overwrite the generated data before bias and multipliers are calibrated on it. */
export function gemmCase(r: Rng, kind: GemmCase['kind'], M: number, N: number, K: number, wk: WeightKind, ak: ActKind, mults: 'spread' | 'ties' = 'spread', edit?: (W: Int8Array, A: Uint8Array) => void): GemmCase {
  const lda = K + r.pick([0, 0, 1, 3, 17]), ldc = N + r.pick([0, 0, 1, 5]);
  const W = weights(r, N * K, wk), A = activations(r, M * lda, ak);
  edit?.(W, A);
  const c = { kind, label: `${kind} M${M} N${N} K${K} w=${wk} a=${ak} ${mults}`, M, N, K, lda, ldc, A, W };
  return { ...c, ...rqParams(r, rawSums(c), N, mults) };
}

export function dwCase(r: Rng, kind: DwCase['kind'], wk: WeightKind, ak: ActKind): DwCase {
  for (;;) {
    const KH = kind === 'dw3x3' ? 3 : r.int(1, 5), KW = kind === 'dw3x3' ? 3 : r.int(1, 5);
    const DH = kind === 'dw3x3' ? 1 : r.int(1, 2), DW = kind === 'dw3x3' ? 1 : r.int(1, 2);
    const SH = r.int(1, 2), SW = r.pick([SH, r.int(1, 3)]);
    const H = r.int(1, 11), Wd = r.int(1, 11), C = r.pick([r.int(1, 40), 16, 32, r.int(1, 8), r.int(65, 140)]);
    const PT = r.int(0, 2), PL = r.int(0, 2), PB = r.int(0, 2), PR = r.int(0, 2);
    const OH = Math.floor((H + PT + PB - DH * (KH - 1) - 1) / SH) + 1;
    const OW = Math.floor((Wd + PL + PR - DW * (KW - 1) - 1) / SW) + 1;
    if (OH < 1 || OW < 1) continue;
    const g: Geom = { H, W: Wd, C, OH, OW, KH, KW, SH, SW, PT, PL, PB, PR, DH, DW, xZp: r.pick([0, 255, r.int(0, 255)]) };
    const label = `${kind} ${H}x${Wd}x${C} k${KH}x${KW} s${SH},${SW} d${DH},${DW} p${PT}${PL}${PB}${PR} w=${wk} a=${ak}`;
    const c = { kind, label, g, x: activations(r, H * Wd * C, ak), W: weights(r, KH * KW * C, wk) };
    return { ...c, ...rqParams(r, rawSums(c), C, r.pick(['spread', 'spread', 'ties'] as const)) };
  }
}

/** A depthwise 3x3 (dilation 1) case of a given shape: the interior fast paths of the SIMD kernels (wide
    rows, channel counts around their block sizes, strides 1/2, every padding) next to their borders. */
export function dw3x3Shape(r: Rng, H: number, Wd: number, C: number, SH: number, SW: number, pads: readonly [number, number, number, number], wk: WeightKind, ak: ActKind): DwCase {
  const [PT, PL] = pads;
  const PB = Math.max(pads[2], 3 - H - PT), PR = Math.max(pads[3], 3 - Wd - PL); // at least one output (pads up to 2)
  const OH = Math.floor((H + PT + PB - 3) / SH) + 1, OW = Math.floor((Wd + PL + PR - 3) / SW) + 1;
  const g: Geom = { H, W: Wd, C, OH, OW, KH: 3, KW: 3, SH, SW, PT, PL, PB, PR, DH: 1, DW: 1, xZp: r.pick([0, 255, r.int(0, 255)]) };
  const label = `dw3x3 ${H}x${Wd}x${C} s${SH},${SW} p${PT}${PL}${PB}${PR} w=${wk} a=${ak}`;
  const c = { kind: 'dw3x3' as const, label, g, x: activations(r, H * Wd * C, ak), W: weights(r, 9 * C, wk) };
  return { ...c, ...rqParams(r, rawSums(c), C, r.pick(['spread', 'spread', 'ties'] as const)) };
}

/** Depthwise 3x3 shapes for the interior fast paths: channel tails around 16/32/64, strides 1 and 2 (and
    mixed), rows from 1 (no interior) to 23, paddings 0..2 on each side; C = 16/32 at every small width. */
export function dw3x3FastSuite(seed: number, n = 60): DwCase[] {
  const r = rng(seed);
  const wk = () => r.pick(['full', 'full', 'small', 'sat', 'zero'] as const);
  const ak = () => r.pick(['rand', 'rand', 'max', 'extreme', 'low'] as const);
  const Cs = [1, 3, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 96, 127, 128, 144, 200];
  const cases: DwCase[] = [];
  for (let i = 0; i < n; i++) {
    const SH = r.pick([1, 2]), SW = r.pick([SH, SH, SH, 1, 2, 3]);
    const pad = () => r.pick([0, 1, 1, 2]);
    const C = Cs[i % Cs.length]!;
    cases.push(dw3x3Shape(r, r.int(1, 12), r.int(1, 23), C, SH, SW, [pad(), pad(), pad(), pad()], wk(), ak()));
  }
  // MobileNet-like layers (pad 1) and exact fits (no padding, W = 3)
  cases.push(dw3x3Shape(r, 9, 17, 32, 1, 1, [1, 1, 1, 1], 'full', 'rand'), dw3x3Shape(r, 10, 18, 96, 2, 2, [0, 0, 1, 1], 'full', 'rand'));
  cases.push(dw3x3Shape(r, 3, 3, 70, 1, 1, [0, 0, 0, 0], 'sat', 'max'), dw3x3Shape(r, 4, 3, 130, 2, 2, [0, 0, 0, 0], 'full', 'extreme'));
  // C = 16 and 32 at stride 1: several pixels per vector in the interior, every interior width mod 2 and 4
  for (let Wd = 1; Wd <= 13; Wd++) {
    const p = () => r.pick([0, 1, 1, 2]);
    cases.push(dw3x3Shape(r, r.int(2, 6), Wd, Wd % 2 ? 32 : 16, 1, 1, [p(), p(), p(), p()], wk(), ak()));
    cases.push(dw3x3Shape(r, r.int(2, 6), Wd, Wd % 2 ? 16 : 32, 1, r.pick([1, 2]), [p(), p(), p(), p()], wk(), ak()));
  }
  return cases;
}

/** What the interpreter computes for the valid output positions (row-major, ldc / C strides). */
export function expected(c: KernelCase): number[] {
  const rq = (acc: number, n: number) => requantize(acc, c.mult[n]!, { scale: [], zeroPoint: c.yZp, qmin: c.qmin, qmax: c.qmax });
  return rawSums(c).flatMap((row) => Array.from(row, (v, n) => (c.kind === 'gemm_i32' ? v + c.bias[n]! : rq(v + c.bias[n]!, n))));
}

export interface Packers {
  packGemm(w: Int8Array, N: number, K: number): Uint8Array;
  packDepthwise(w: Int8Array, taps: number, C: number): Uint8Array;
}

const KIND_CODE = { gemm: 0, gemm_i32: 1, dw3x3: 2, dw: 3 } as const;

/** The case file kernel-harness.c reads (little-endian u32 fields and raw arrays). */
export function serialize(cases: readonly KernelCase[], p: Packers): Buffer {
  const parts: Buffer[] = [];
  const u32 = (...v: number[]) => { const b = Buffer.alloc(4 * v.length); v.forEach((x, i) => b.writeInt32LE(x | 0, 4 * i)); parts.push(b); };
  const raw = (a: ArrayBufferView) => parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  u32(cases.length);
  for (const c of cases) {
    u32(KIND_CODE[c.kind]);
    let packed: Uint8Array;
    if (isGemm(c)) {
      u32(c.M, c.N, c.K, c.lda, c.ldc);
      raw(c.A);
      raw(c.W);
      packed = p.packGemm(c.W, c.N, c.K);
    } else {
      const g = c.g;
      u32(g.H, g.W, g.C, g.OH, g.OW, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.PB, g.PR, g.DH, g.DW, g.xZp);
      raw(c.x);
      raw(c.W);
      packed = p.packDepthwise(c.W, g.KH * g.KW, g.C);
    }
    u32(packed.length);
    raw(packed);
    raw(c.bias);
    raw(c.mult);
    u32(c.yZp, c.qmin, c.qmax);
  }
  return Buffer.concat(parts);
}

const GUARD = 64;

/** Checks the harness output: per case the reference and target buffers (plus guard) must be identical and
    the reference must match the TypeScript expectation. Returns one line per failing case. */
export function compare(cases: readonly KernelCase[], output: Buffer): string[] {
  const bad: string[] = [];
  let off = 0;
  for (const c of cases) {
    const elem = c.kind === 'gemm_i32' ? 4 : 1;
    const [rows, cols, stride] = isGemm(c) ? [c.M, c.N, c.ldc] : [c.g.OH * c.g.OW, c.g.C, c.g.C];
    const bytes = rows * stride * elem;
    const ref = output.subarray(off, off + bytes + GUARD);
    const tgt = output.subarray(off + bytes + GUARD, off + 2 * (bytes + GUARD));
    off += 2 * (bytes + GUARD);
    if (tgt.length !== bytes + GUARD) return [...bad, `output truncated at ${c.label}`];
    const exp = expected(c);
    const get = (buf: Buffer, i: number) => {
      const pos = (Math.floor(i / cols) * stride + (i % cols)) * elem;
      return elem === 4 ? buf.readInt32LE(pos) : buf[pos]!;
    };
    const refBad = exp.findIndex((v, i) => get(ref, i) !== v);
    if (refBad >= 0) bad.push(`${c.label}: reference differs from interpreter at ${refBad}: ${get(ref, refBad)} vs ${exp[refBad]}`);
    if (!ref.equals(tgt)) {
      const i = ref.findIndex((v, j) => v !== tgt[j]);
      bad.push(`${c.label}: target differs from reference at byte ${i}${i >= bytes ? ' (outside the output)' : ''}: ${tgt[i]} vs ${ref[i]}`);
    }
  }
  if (off !== output.length) bad.push(`output has ${output.length} bytes, expected ${off}`);
  return bad;
}

/** The shared differential suite: random shapes with every M/N/K tail from 1 to 40, chunk-crossing K,
    wide N, extreme zero points and clamps, ties, and depthwise windows (3x3 stride 1/2 and general). */
export function standardSuite(seed: number, nRandom = 160, nDw = 60): KernelCase[] {
  const r = rng(seed);
  const wk = () => r.pick(['full', 'full', 'small', 'sat', 'zero'] as const);
  const ak = () => r.pick(['rand', 'rand', 'max', 'extreme', 'low'] as const);
  const mk = () => r.pick(['spread', 'spread', 'ties'] as const);
  const gk = () => r.pick(['gemm', 'gemm', 'gemm', 'gemm_i32'] as const);
  const cases: KernelCase[] = [];
  for (let d = 1; d <= 40; d++) {
    cases.push(gemmCase(r, gk(), d, r.int(1, 40), r.int(1, 40), wk(), ak(), mk()));
    cases.push(gemmCase(r, gk(), r.int(1, 40), d, r.int(1, 40), wk(), ak(), mk()));
    cases.push(gemmCase(r, gk(), r.int(1, 40), r.int(1, 40), d, wk(), ak(), mk()));
  }
  for (let i = 0; i < nRandom; i++) cases.push(gemmCase(r, gk(), r.int(1, 40), r.int(1, 40), r.int(1, 40), wk(), ak(), mk()));
  for (const K of [511, 512, 513, 1024, 1031, 2100]) cases.push(gemmCase(r, gk(), r.int(1, 13), r.int(1, 40), K, r.pick(['full', 'small'] as const), 'rand'));
  cases.push(gemmCase(r, 'gemm', 7, 300, 37, 'full', 'rand'), gemmCase(r, 'gemm_i32', 3, 529, 21, 'small', 'max'));
  for (let i = 0; i < nDw; i++) cases.push(dwCase(r, i % 3 === 2 ? 'dw' : 'dw3x3', wk(), ak()));
  return cases;
}

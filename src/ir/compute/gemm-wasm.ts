// The GEMM micro-kernel as a WebAssembly SIMD function, assembled here from a few opcodes (no
// toolchain): acc[r][c] += Σ_k a[k][r]·b[k][c] for an MR x NR tile over one KC block of packed
// float64 panels. Each output's sum runs in k order from 0 in float64 and is added to acc once,
// exactly as a scalar loop would: f64x2 mul and add round each lane as f64 '*' and '+' do (wasm
// never fuses them into an FMA). The lanes only hold different outputs, so bits match the scalar
// kernel while V8 runs two outputs per instruction.

export const MR = 4, NR = 4;

/** Unsigned LEB128, as wasm encodes sizes, indices and offsets. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
/** Signed LEB128 (i32.const immediates). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

// Opcodes (WebAssembly core 2.0 and its SIMD proposal, prefix 0xfd).
const I32 = 0x7f, V128 = 0x7b;
const get = (l: number) => [0x20, ...uleb(l)], set = (l: number) => [0x21, ...uleb(l)];
const tee = (l: number) => [0x22, ...uleb(l)];
const i32Const = (v: number) => [0x41, ...sleb(v)];
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, BR_IF = 0x0d, CALL = 0x10, LOOP = [0x03, 0x40], END = 0x0b;
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const memarg = (align: number, offset: number) => [align, ...uleb(offset)];
const load = (offset: number) => simd(0x00, ...memarg(4, offset)); // v128.load
const store = (offset: number) => simd(0x0b, ...memarg(4, offset)); // v128.store
const splat64 = (offset: number) => simd(0x0a, ...memarg(3, offset)); // v128.load64_splat
const F64X2_ADD = simd(0xf0), F64X2_MUL = simd(0xf2);

/** Function body: its locals beyond the parameters (count, type) and code. */
function body(locals: [number, number][], code: number[]): number[] {
  const l = vec(locals.map(([n, t]) => [...uleb(n), t]));
  return [...uleb(l.length + code.length + 1), ...l, ...code, END];
}

/**
 * tile(kc, ao, bo, co, ld), all byte offsets but kc: A panel at ao ([k][MR] f64), B panel at bo
 * ([k][NR] f64), the MR x NR tile at co with rows ld bytes apart. kc ≥ 1.
 */
function tileBody(): number[] {
  const [KC, AO, BO, CO, LD] = [0, 1, 2, 3, 4];
  const lanes = NR / 2, nAcc = MR * lanes;
  const acc = (r: number, c: number) => 5 + r * lanes + c, bv = (c: number) => 5 + nAcc + c, av = 5 + nAcc + lanes;
  const code: number[] = [...LOOP];
  for (let c = 0; c < lanes; c++) code.push(...get(BO), ...load(16 * c), ...set(bv(c)));
  for (let r = 0; r < MR; r++) {
    code.push(...get(AO), ...splat64(8 * r), ...set(av));
    for (let c = 0; c < lanes; c++) code.push(...get(acc(r, c)), ...get(av), ...get(bv(c)), ...F64X2_MUL, ...F64X2_ADD, ...set(acc(r, c)));
  }
  code.push(...get(AO), ...i32Const(8 * MR), I32_ADD, ...set(AO));
  code.push(...get(BO), ...i32Const(8 * NR), I32_ADD, ...set(BO));
  code.push(...get(KC), ...i32Const(1), I32_SUB, ...tee(KC), BR_IF, 0, END); // loop while --kc ≠ 0
  for (let r = 0; r < MR; r++) {
    for (let c = 0; c < lanes; c++) code.push(...get(CO), ...get(CO), ...load(16 * c), ...get(acc(r, c)), ...F64X2_ADD, ...store(16 * c));
    if (r < MR - 1) code.push(...get(CO), ...get(LD), I32_ADD, ...set(CO));
  }
  return body([[nAcc + lanes + 1, V128]], code);
}

/**
 * block(kc, ao, bo, co, ld, rows, cols): tile() over rows x cols tiles (both ≥ 1) — every MR-row
 * A panel (kc·MR apart) against every NR-column B panel (kc·NR apart), the tiles row-major at co.
 * One call from JS per K block: calls into wasm cost more than calls inside it.
 */
function blockBody(): number[] {
  const [KC, AO, BO, CO, LD, ROWS, COLS, J, BJ, CJ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const add = (l: number, ...step: number[]) => [...get(l), ...step, I32_ADD, ...set(l)];
  const countDown = (l: number) => [...get(l), ...i32Const(1), I32_SUB, ...tee(l), BR_IF, 0, END];
  return body(
    [[3, I32]],
    [
      ...LOOP,
      ...get(COLS), ...set(J), ...get(BO), ...set(BJ), ...get(CO), ...set(CJ),
      ...LOOP,
      ...get(KC), ...get(AO), ...get(BJ), ...get(CJ), ...get(LD), CALL, 0,
      ...add(BJ, ...get(KC), ...i32Const(8 * NR), I32_MUL),
      ...add(CJ, ...i32Const(8 * NR)),
      ...countDown(J),
      ...add(AO, ...get(KC), ...i32Const(8 * MR), I32_MUL),
      ...add(CO, ...get(LD), ...i32Const(MR), I32_MUL),
      ...countDown(ROWS),
    ],
  );
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([5, 7].map((n) => [0x60, ...vec(Array.from({ length: n }, () => [I32])), ...vec([])]))), // (i32 x5) -> (), (i32 x7) -> ()
    ...section(3, vec([[0], [1]])), // tile, block
    ...section(5, vec([[0x00, 1]])), // one memory, 1 page to start
    ...section(7, vec([[...str('block'), 0x00, 1], [...str('mem'), 0x02, 0]])),
    ...section(10, vec([tileBody(), blockBody()])),
  ]);
}

const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
const memory = instance.exports['mem'] as WebAssembly.Memory;
export const block = instance.exports['block'] as (kc: number, ao: number, bo: number, co: number, ld: number, rows: number, cols: number) => void;

/** The kernel's memory as float64, at least `n` elements (grows it; views taken before then go stale). */
export function f64Memory(n: number): Float64Array {
  const need = n * 8 - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  return new Float64Array(memory.buffer);
}

// Helpers shared by the per-target weight packers (one packer file per target in this folder).
// Blobs are little-endian byte images the generated C reads through `const void *W`.

export const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);
export const roundUp = (a: number, b: number): number => ceilDiv(a, b) * b;

/** Little-endian view of a blob under construction. */
export function blob(bytes: number): { u8: Uint8Array; dv: DataView } {
  const u8 = new Uint8Array(bytes);
  return { u8, dv: new DataView(u8.buffer) };
}

/** w[n][k] of a row-major [N][K] matrix, 0 outside it (the zero padding every layout relies on). */
export const at = (w: Int8Array, N: number, K: number, n: number, k: number): number =>
  n < N && k < K ? w[n * K + k]! : 0;

/** 128·Σk w[n][k] per row n: adds back the XOR-0x80 shift of sdot kernels (u8 = s8 + 128). */
export function shiftCorrection(w: Int8Array, rows: number, len: number, stride: number, step: number): Int32Array {
  const out = new Int32Array(rows);
  for (let n = 0; n < rows; n++) {
    let s = 0;
    for (let k = 0; k < len; k++) s += w[n * stride + k * step]!;
    out[n] = 128 * s;
  }
  return out;
}

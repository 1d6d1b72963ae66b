// .npy reading and writing: round trips for every dtype, the other header versions and byte
// orders numpy may write, and clear errors for everything else.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/ir/npy.js';
import { QforgeError } from '../../src/diagnostics/index.js';
import { tensor, tensorsEqual, type Tensor } from '../../src/ir/tensor.js';
import type { DType } from '../../src/ir/dtype.js';

const nums = (t: { data: ArrayLike<unknown> }): number[] => Array.from(t.data as ArrayLike<number>);

/** A .npy file from a header dict and raw data bytes, as numpy would lay it out. */
function npyBytes(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const body = new TextEncoder().encode(dict);
  const headerLen = Math.ceil((pre + body.length + 1) / 64) * 64 - pre;
  const out = new Uint8Array(pre + headerLen + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  out.set(body, pre);
  out.fill(0x20, pre + body.length, pre + headerLen - 1);
  out[pre + headerLen - 1] = 0x0a;
  out.set(data, pre + headerLen);
  return out;
}

const err = (f: () => unknown): QforgeError => {
  try {
    f();
  } catch (e) {
    if (e instanceof QforgeError) return e;
    throw e;
  }
  throw new Error('expected a QforgeError');
};

const SAMPLES: [DType, number[]][] = [
  ['f32', [1.5, -0, Infinity, NaN, 3.4028234663852886e38]],
  ['f64', [Math.PI, -1e-300, NaN]],
  ['i8', [-128, 0, 127]],
  ['u8', [0, 255, 7]],
  ['i16', [-32768, 32767, 1]],
  ['u16', [0, 65535, 2]],
  ['i32', [-2147483648, 2147483647, 5]],
  ['i64', [-(2 ** 53), 2 ** 53, -1]],
  ['bool', [1, 0, 1]],
];

describe('npy', () => {
  it.each(SAMPLES)('round-trips %s', (dtype, values) => {
    const t = tensor(dtype, [values.length], values);
    const back = parseNpy(encodeNpy(t));
    expect(tensorsEqual(back, t)).toBe(true);
  });

  fcTest.prop([fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }), fc.constantFrom<DType>('f32', 'i8', 'i64', 'u16')])(
    'round-trips any shape, including scalars and empty arrays',
    (shape, dtype) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const t = tensor(dtype, shape, Array.from({ length: n }, (_, i) => (i % 50) - 20));
      const bytes = encodeNpy(t);
      expect((bytes.length - t.data.byteLength) % 64).toBe(0); // data starts 64-byte aligned
      expect(tensorsEqual(parseNpy(bytes), t)).toBe(true);
    },
  );

  it('writes what numpy writes (header text and layout)', () => {
    const bytes = encodeNpy(tensor('f32', [2, 3]));
    const header = new TextDecoder('latin1').decode(bytes.subarray(10, 128));
    expect(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    expect(new TextDecoder('latin1').decode(encodeNpy(tensor('i64', [4])).subarray(10, 70))).toContain("'shape': (4,)");
  });

  it('reads the fixtures numpy wrote', () => {
    const fixtures = resolve(process.cwd(), '../shared/fixtures/digits_mlp');
    const labels = readNpy(join(fixtures, 'test_split_labels.npy'));
    expect(labels.dtype).toBe('i64');
    expect(labels.shape).toEqual([450]);
    expect(Array.from(labels.data, Number).every((v) => v >= 0 && v <= 9)).toBe(true);
    const x = readNpy(join(fixtures, 'test.npy'));
    expect([x.dtype, x.shape]).toEqual(['f32', [4, 1, 8, 8]]);
  });

  it('reads big-endian data, format versions 2 and 3, and Python 2 style headers', () => {
    const be = new Uint8Array([0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]); // 1.0, -2.0 as >f4
    expect(nums(parseNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be)))).toEqual([1, -2]);
    const i2 = new Uint8Array([0xff, 0xfe, 0x00, 0x03]); // -2, 3 as >i2
    expect(nums(parseNpy(npyBytes("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", i2)))).toEqual([-2, 3]);
    const le = new Uint8Array(new Int32Array([7, -8]).buffer);
    expect(nums(parseNpy(npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", le, 2)))).toEqual([7, -8]);
    expect(parseNpy(npyBytes('{"descr": "<i4", "fortran_order": False, "shape": (2L,)}', le, 3)).shape).toEqual([2]);
    const scalar = parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", new Uint8Array(new Float64Array([2.5]).buffer)));
    expect([scalar.shape, nums(scalar)]).toEqual([[], [2.5]]);
  });

  it('reports malformed files with the file name', () => {
    const good = encodeNpy(tensor('f32', [4], [1, 2, 3, 4]));
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('hello world, not numpy'), /x\.npy: not a \.npy file/],
      [good.subarray(0, 40), /x\.npy: file is truncated inside the header|needs \d+ bytes/],
      [good.subarray(0, good.length - 3), /x\.npy: file is truncated: shape \(4\) of <f4 needs 16 data bytes, found 13/],
      [npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /unsupported dtype '<c8'/],
      [npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(2)), /unsupported dtype '<f2'/],
      [npyBytes("{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /unsupported dtype '<u4'/],
      [npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /structured dtypes/],
      [npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(16)), /Fortran-order arrays are not supported/],
      [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", new Uint8Array(16)), /no valid 'shape'/],
      [npyBytes("{'descr': '<f4' 'shape': (2,)}", new Uint8Array(8)), /malformed header/],
    ];
    for (const [bytes, re] of cases) {
      const e = err(() => parseNpy(bytes, 'x.npy'));
      expect(e.diagnostics[0]!.key).toBe('NPY');
      expect(e.message).toMatch(re);
      expect(e.message.split('\n')).toHaveLength(1);
    }
  });

  it('reads and writes files, with IO errors naming the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qforge-npy-'));
    const t: Tensor = tensor('u8', [2, 2], [1, 2, 3, 4]);
    writeNpy(join(dir, 'a.npy'), t);
    expect(tensorsEqual(readNpy(join(dir, 'a.npy')), t)).toBe(true);
    expect(err(() => readNpy(join(dir, 'missing.npy'))).message).toMatch(/cannot read .*missing\.npy: no such file/);
    expect(err(() => writeNpy(join(dir, 'no/such/dir/b.npy'), t)).diagnostics[0]!.key).toBe('IO');
    writeFileSync(join(dir, 'bad.npy'), 'garbage');
    expect(err(() => readNpy(join(dir, 'bad.npy'))).message).toContain('bad.npy: not a .npy file');
  });
});

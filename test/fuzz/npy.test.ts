// Fuzz: .npy files with mutated headers (bytes of the magic, version, length field and header
// text; header dicts with odd descr/fortran_order/shape values) and truncated or padded data.
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../../src/ir/npy.js';
import { numel } from '../../src/ir/types.js';
import { tensor } from '../../src/ir/tensor.js';
import { expectBothOutcomes, fuzz, mutateBytes, runs, SEED, type Rng } from './support.js';

const BASES = [
  encodeNpy(tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6])),
  encodeNpy(tensor('i64', [4], [1, -2, 3, -4])),
  encodeNpy(tensor('u8', [], [7])),
  encodeNpy(tensor('bool', [3], [1, 0, 1])),
  encodeNpy(tensor('f64', [1, 1, 2], [0.5, -0])),
];
const DESCRS = ['<f4', '>f4', '|f4', '=f4', '<f8', '<f2', '|O', '<U3', '<c8', '|b1', '<i8', '>i2', '|u1', '<V4', 'f4', '', '<f40', "'"];
const SHAPES = ['()', '(0,)', '(3,)', '(2, 3)', '(-1,)', '(1e3,)', '(99999999999, 99999999999)', '(2147483648,)', '(1, 2, 3, 4, 5, 6, 7, 8, 9)', '(', '[2, 3]', 'None', '(2,,3)'];
const FORTRAN = ['False', 'True', '0', 'None', "'x'"];

/** A v1 file with the given header dict text and data. */
function withHeader(dict: string, data: Uint8Array): Uint8Array {
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  const header = new TextEncoder().encode(dict + ' '.repeat(pad) + '\n');
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(header, 10);
  out.set(data, 10 + header.length);
  return out;
}

function oddHeader(r: Rng): Uint8Array {
  const dict = r.bool(0.8)
    ? `{'descr': '${r.pick(DESCRS)}', 'fortran_order': ${r.pick(FORTRAN)}, 'shape': ${r.pick(SHAPES)}, }`
    : r.pick(["{'descr': '<f4', 'shape': (2,)}", '{}', '', "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", '{"descr": "<f4"}']);
  return withHeader(dict, Uint8Array.from({ length: r.int(0, 48) }, () => r.int(0, 255)));
}

describe('fuzz: .npy headers', () => {
  it(`${runs(400)} mutated .npy files decode to a consistent tensor or get a diagnostic`, () => {
    const make = (i: number, r: Rng) => {
      if (i % 2) return oddHeader(r);
      // Mutations in the header (the first 80 bytes) or anywhere (the data).
      const base = BASES[i % BASES.length]!;
      const cut = Math.min(base.length, 80);
      return r.bool(0.8) ? Uint8Array.from([...mutateBytes(base.subarray(0, cut), r), ...base.subarray(cut)]) : mutateBytes(base, r);
    };
    const outcomes = fuzz('npy', SEED + 4, runs(400), (i, r) => ({ input: make(i, r), suffix: '.npy' }), (bytes) => {
      const t = parseNpy(bytes);
      expect(t.data.length).toBe(numel(t.shape));
    });
    expectBothOutcomes(outcomes);
  });
});

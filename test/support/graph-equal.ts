// Exact graph equality for round-trip tests.
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import type { Graph } from '../../src/ir/index.js';

/** Bitwise equality of every constant (structural equality cannot tell NaN payloads apart). */
export function sameConstantBits(a: Graph, b: Graph): boolean {
  return Object.keys(a.constants).every((k) => {
    const x = a.constants[k]!.data, y = b.constants[k]?.data;
    if (!y) return false;
    const bx = new Uint8Array(x.buffer, x.byteOffset, x.byteLength), by = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
    return x.constructor === y.constructor && bx.length === by.length && bx.every((v, i) => v === by[i]);
  });
}

/**
 * Exact equality: typed-array classes, -0, key sets, prototypes (node's isDeepStrictEqual; vitest's
 * toStrictEqual trips over a value named `constructor`), then NaN payloads bit by bit.
 */
export function expectSameGraph(actual: Graph, expected: Graph): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected); // for the diff
  expect(isDeepStrictEqual(actual, expected)).toBe(true);
  expect(sameConstantBits(expected, actual)).toBe(true);
}

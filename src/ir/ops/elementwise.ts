// Binary arithmetic with NumPy broadcasting. Floats: each result is the float32 (or float64)
// rounding of the exact result (computed in double, stored in the typed array). Integers wrap
// like C's fixed-width types; integer division truncates toward zero.
import { forEachBroadcast2 } from '../compute/broadcast.js';
import { tensor } from '../tensor.js';
import { isFloatDType } from '../dtype.js';
import { broadcastShapes, operand, sameDType } from './infer-util.js';
import { check, type OpDef, withOnnx } from './registry.js';
import type { DType } from '../dtype.js';

const NUMERIC: readonly DType[] = ['f32', 'f64', 'i8', 'u8', 'i16', 'u16', 'i32', 'i64'];

export interface Arith {
  float: (a: number, b: number) => number;
  /** For 8/16/32-bit integers; the typed array wraps the result. Defaults to `float`. */
  int?: (a: number, b: number) => number;
  big: (a: bigint, b: bigint) => bigint;
}

/** A broadcasting binary op; exported so other families (pow, min, max…) reuse it. */
export function binary(name: string, doc: string, f: Arith, commutative = false): OpDef {
  return {
    name,
    doc,
    category: 'elementwise',
    operands: [
      { name: 'a', dtypes: NUMERIC },
      { name: 'b', dtypes: NUMERIC },
    ],
    results: 1,
    attrs: {},
    commutative,
    infer({ inputs }) {
      const a = operand(inputs, 0, 'a'), b = operand(inputs, 1, 'b');
      return [{ dtype: sameDType([a, b], name), shape: broadcastShapes(a.shape, b.shape) }];
    },
    kernel([a, b]) {
      const x = a!, y = b!;
      const shape = broadcastShapes(x.shape, y.shape);
      const out = tensor(x.dtype, shape);
      const o = out.data, xa = x.data, ya = y.data;
      if (o instanceof BigInt64Array) {
        forEachBroadcast2(shape, x.shape, y.shape, (i, p, q) => {
          o[i] = f.big(xa[p] as bigint, ya[q] as bigint);
        });
      } else {
        const fn = isFloatDType(x.dtype) ? f.float : (f.int ?? f.float);
        forEachBroadcast2(shape, x.shape, y.shape, (i, p, q) => {
          o[i] = fn(xa[p] as number, ya[q] as number);
        });
      }
      return [out];
    },
  };
}

export const ELEMENTWISE_OPS: OpDef[] = withOnnx([
  binary('add', 'a + b with broadcasting', { float: (a, b) => a + b, big: (a, b) => a + b }, true),
  binary('sub', 'a - b with broadcasting', { float: (a, b) => a - b, big: (a, b) => a - b }),
  binary('mul', 'a * b with broadcasting', { float: (a, b) => a * b, int: (a, b) => Math.imul(a, b), big: (a, b) => a * b }, true),
  binary('div', 'a / b with broadcasting (integers truncate toward zero)', {
    float: (a, b) => a / b,
    int: (a, b) => {
      check(b !== 0, 'integer division by zero');
      return Math.trunc(a / b);
    },
    big: (a, b) => {
      check(b !== 0n, 'integer division by zero');
      return a / b;
    },
  }),
], { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' });

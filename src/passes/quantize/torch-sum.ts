// torch.sum of a contiguous float32 vector on an AVX2 CPU (8 float lanes), reproduced in order:
// PyTorch's cascade_sum keeps float32 accumulators, so the order of additions changes the result,
// and the histogram search compares such sums. Source: aten/src/ATen/native/cpu/SumKernel.cpp.
import { fround } from '../../ir/quant-math.js';

const LANES = 8;
const ILP = 4;
const LEVELS = 4;

const ceilLog2 = (x: number): number => (x <= 1 ? 0 : Math.ceil(Math.log2(x)));

/** multi_row_sum over `size` rows of ILP vectors; load(row, k) returns one lane's value. */
function multiRowSum(size: number, load: (row: number, k: number) => number): number[] {
  const levelPower = Math.max(4, Math.floor(ceilLog2(size) / LEVELS));
  const levelStep = 1 << levelPower;
  const levelMask = levelStep - 1;
  const acc = Array.from({ length: LEVELS }, () => new Array<number>(ILP).fill(0));
  let i = 0;
  for (; i + levelStep <= size; ) {
    for (let j = 0; j < levelStep; j++, i++) for (let k = 0; k < ILP; k++) acc[0]![k] = fround(acc[0]![k]! + load(i, k));
    for (let j = 1; j < LEVELS; j++) {
      for (let k = 0; k < ILP; k++) {
        acc[j]![k] = fround(acc[j]![k]! + acc[j - 1]![k]!);
        acc[j - 1]![k] = 0;
      }
      if ((i & (levelMask * 2 ** (j * levelPower))) !== 0) break;
    }
  }
  for (; i < size; i++) for (let k = 0; k < ILP; k++) acc[0]![k] = fround(acc[0]![k]! + load(i, k));
  for (let j = 1; j < LEVELS; j++) for (let k = 0; k < ILP; k++) acc[0]![k] = fround(acc[0]![k]! + acc[j]![k]!);
  return acc[0]!;
}

export function torchSumF32(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < LANES) {
    let s = 0;
    for (let i = 0; i < n; i++) s = fround(s + x[i]!);
    return s;
  }
  const vecs = Math.floor(n / LANES);
  const rows = Math.floor(vecs / ILP);
  const lanes = new Array<number>(LANES);
  for (let l = 0; l < LANES; l++) {
    const partial = multiRowSum(rows, (row, k) => x[(row * ILP + k) * LANES + l]!);
    for (let v = rows * ILP; v < vecs; v++) partial[0] = fround(partial[0]! + x[v * LANES + l]!);
    let p = partial[0]!;
    for (let k = 1; k < ILP; k++) p = fround(p + partial[k]!);
    lanes[l] = p;
  }
  let total = 0;
  for (let i = vecs * LANES; i < n; i++) total = fround(total + x[i]!);
  for (let l = 0; l < LANES; l++) total = fround(total + lanes[l]!);
  return total;
}

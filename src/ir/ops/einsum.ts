// einsum: Einstein summation over one or more operands, e.g. 'bij,bjk->bik'. A label repeated in
// one operand takes its diagonal; '...' stands for broadcast leading dims; without '->' the result
// keeps the '...' dims and the labels used once, sorted. Every product of a result element is
// accumulated in float64 and rounded once (integers: exact below 2^53, then wrapped).
import { tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { FLOATS } from './activation.js';
import { broadcastShapes, operand, sameDType } from './infer-util.js';
import { check, type OpDef, withOnnx } from './registry.js';

const DTYPES = [...FLOATS, 'i8', 'u8', 'i16', 'u16', 'i32'] as const;

interface Plan {
  /** Result labels first, then the summed ones. */
  labels: string[];
  sizes: number[];
  outRank: number;
  /** Per operand, its stride for each label (0: absent or broadcast). */
  strides: number[][];
}

/** Splits a term into labels; '...' becomes one label per dim, named by position from the right. */
function labelsOf(term: string, rank: number | undefined, ellRank: number): string[] {
  check(/^[A-Za-z]*(\.\.\.)?[A-Za-z]*$/.test(term), `einsum: bad term '${term}'`);
  const [pre, post] = term.includes('...') ? term.split('...') as [string, string] : [term, undefined];
  if (post === undefined) {
    check(rank === undefined || rank === pre.length, `einsum: term '${term}' has ${pre.length} labels for an operand of rank ${rank}`);
    return [...pre];
  }
  const n = rank === undefined ? ellRank : rank - pre.length - post.length;
  check(n >= 0, `einsum: term '${term}' has more labels than its operand's rank ${rank}`);
  return [...pre, ...Array.from({ length: n }, (_, i) => `.${n - i}`), ...post];
}

function plan(equation: string, types: TensorType[]): Plan {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.includes('->') ? (eq.split('->') as [string, string]) : [eq, undefined];
  const terms = lhs.split(',');
  check(terms.length === types.length, `einsum: '${equation}' has ${terms.length} operand terms for ${types.length} operands`);
  const ops = terms.map((t, k) => labelsOf(t, types[k]!.shape.length, 0));
  // '...' dims broadcast together, right-aligned.
  let ell: number[] = [];
  ops.forEach((ls, k) => {
    const dims = types[k]!.shape.filter((_, i) => ls[i]!.startsWith('.'));
    ell = broadcastShapes(ell, dims);
  });
  const size = new Map<string, number>();
  ell.forEach((d, i) => size.set(`.${ell.length - i}`, d));
  ops.forEach((ls, k) =>
    ls.forEach((l, i) => {
      const d = types[k]!.shape[i]!;
      if (l.startsWith('.')) return;
      check(!size.has(l) || size.get(l) === d, `einsum: label '${l}' has sizes ${size.get(l)} and ${d}`);
      size.set(l, d);
    }),
  );
  const ellLabels = ell.map((_, i) => `.${ell.length - i}`);
  let out: string[];
  if (rhs === undefined) {
    const count = (l: string) => ops.flat().filter((x) => x === l).length;
    out = [...ellLabels, ...[...size.keys()].filter((l) => !l.startsWith('.') && count(l) === 1).sort()];
  } else {
    out = labelsOf(rhs, undefined, ell.length);
    check(new Set(out).size === out.length, `einsum: result '${rhs}' repeats a label`);
    for (const l of out) check(size.has(l), `einsum: result label '${l}' is not in any operand`);
  }
  const labels = [...out, ...[...size.keys()].filter((l) => !out.includes(l))];
  const strides = ops.map((ls, k) => {
    const shape = types[k]!.shape, st = new Array<number>(labels.length).fill(0);
    let s = 1;
    for (let i = ls.length - 1; i >= 0; i--) {
      if (shape[i] !== 1 || size.get(ls[i]!) === 1) st[labels.indexOf(ls[i]!)]! += s;
      s *= shape[i]!;
    }
    return st;
  });
  return { labels, sizes: labels.map((l) => size.get(l)!), outRank: out.length, strides };
}

const einsum: OpDef = {
  name: 'einsum',
  doc: "Einstein summation, e.g. 'bij,bjk->bik' (diagonals, '...' broadcasting, implicit result)",
  category: 'nn',
  operands: [{ name: 'xs', variadic: true, dtypes: DTYPES }],
  results: 1,
  attrs: { equation: { type: 'string' } },
  infer({ inputs, attrs }) {
    const xs = inputs.map((_, i) => operand(inputs, i, `xs[${i}]`));
    const p = plan(attrs['equation'] as string, xs);
    return [{ dtype: sameDType(xs, 'einsum'), shape: p.sizes.slice(0, p.outRank) }];
  },
  kernel(xs, attrs, [yt]) {
    const ts = xs.map((x) => x!), p = plan(attrs['equation'] as string, ts), n = p.labels.length;
    const out = tensor(yt!.dtype, yt!.shape), inner = p.sizes.slice(p.outRank).reduce((a, b) => a * b, 1);
    const idx = new Array<number>(n).fill(0), off = ts.map(() => 0), data = ts.map((t) => t.data as Float32Array);
    const total = out.data.length * inner;
    let acc = 0;
    for (let i = 0; i < total; i++) {
      let prod = 1;
      for (let k = 0; k < ts.length; k++) prod *= data[k]![off[k]!]!;
      acc += prod;
      if ((i + 1) % inner === 0) (out.data[(i + 1) / inner - 1] = acc), (acc = 0);
      // Advance the label counter (last label fastest) and every operand offset with it.
      for (let d = n - 1; d >= 0; d--) {
        for (let k = 0; k < ts.length; k++) off[k]! += p.strides[k]![d]!;
        if (++idx[d]! < p.sizes[d]!) break;
        for (let k = 0; k < ts.length; k++) off[k]! -= p.strides[k]![d]! * p.sizes[d]!;
        idx[d] = 0;
      }
    }
    return [out];
  },
};

export const EINSUM_OPS: OpDef[] = withOnnx([einsum], { einsum: 'Einsum' });

// remove-identity: drops nodes whose single result is their first operand, bit for bit: identity,
// dropout (inference), reshape-like ops to the same shape, transposes that keep every non-1 dim
// in order, cast to the same dtype, concat/split of one piece, slices and pads that keep
// everything. Every rule also requires the result type to equal the operand type exactly
// (quantization included), so replacing the result by the operand changes no type anywhere.
import type { Node } from '../ir/graph.js';
import { getOp, OpError, resolveAttrs, type ResolvedAttrs } from '../ir/ops/index.js';
import { sameType, type TensorType } from '../ir/types.js';
import { defineEditPass } from './util/edit-pass.js';

type Rule = (n: Node, a: ResolvedAttrs, x: TensorType) => boolean;
const ints = (a: ResolvedAttrs, k: string) => a[k] as number[];

/** When each op is an identity, given that its result type equals its operand's. */
export const IDENTITY_RULES: Readonly<Record<string, Rule>> = {
  identity: () => true,
  dropout: () => true,
  // Same shape means the same row-major data.
  reshape: () => true,
  flatten: () => true,
  squeeze: () => true,
  unsqueeze: () => true,
  // Only size-1 dims may move: the non-1 dims must keep their order.
  transpose: (_, a, x) => {
    const given = ints(a, 'perm');
    const perm = given.length ? given : x.shape.map((_, i) => x.shape.length - 1 - i);
    const big = perm.filter((p) => x.shape[p] !== 1);
    return big.every((p, i) => i === 0 || big[i - 1]! < p);
  },
  cast: (_, a, x) => a['to'] === x.dtype,
  concat: (n) => n.inputs.length === 1,
  split: (n) => n.outputs.length === 1,
  // Same shape with forward steps can only be the full range; a backward step reverses.
  slice: (_, a, x) => {
    const steps = ints(a, 'steps'), axes = ints(a, 'axes');
    return steps.every((s, k) => s > 0 || x.shape[axes.length ? (axes[k]! + x.shape.length) % x.shape.length : k] === 1);
  },
  // Equal shapes could still hide a crop at one end and a pad at the other.
  pad: (_, a) => ints(a, 'pads').every((p) => p === 0),
};

export const removeIdentityPass = defineEditPass({
  name: 'remove-identity',
  description: 'removes ops that return their operand unchanged (identity, dropout, no-op reshape/transpose/cast/concat/slice/pad...)',
  options: {},
  idempotent: true,
  unaffectedBy: ['dce', 'cse', 'fold-constants'], // none of them changes an op, its attributes or a type
  rewrite(ctx, g) {
    const found: number[] = [];
    const rules = g.opTable((op) => (Object.hasOwn(IDENTITY_RULES, op) ? IDENTITY_RULES[op] : undefined));
    for (let i = 0; i < g.nodeCount; i++) {
      const rule = rules[g.opCode[i]!];
      if (!rule || !g.isAlive(i) || g.resultCount(i) !== 1) continue;
      const n = g.nodes[i]!;
      const s = g.inStart[i]!, e = g.inStart[i + 1]!;
      const x0 = s < e ? g.inIds[s]! : -1, y0 = g.outStart[i]!;
      if (x0 < 0 || g.inIds.subarray(s + 1, e).some((v) => v >= 0)) continue;
      const x = g.type(x0), y = g.type(y0);
      const def = getOp(n.op);
      if (!def || !x || !y || !sameType(x, y)) continue;
      let attrs: ResolvedAttrs;
      try {
        attrs = resolveAttrs(def, n.attrs);
      } catch (e) {
        if (e instanceof OpError) continue; // invalid node: the verifier's business
        throw e;
      }
      if (!rule(n, attrs, x)) continue;
      g.replaceValue(y0, x0, i);
      found.push(i);
    }
    // A kept node stays only to define a graph output; its other users were moved all the same.
    return ({ kept }) => {
      for (const i of found) if (!kept.has(g.outStart[i]!)) ctx.count(g.nodes[i]!.op);
    };
  },
});

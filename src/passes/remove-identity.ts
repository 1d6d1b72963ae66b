// remove-identity: drops nodes whose single result is their first operand, bit for bit, as each
// op's `identityWhen` says (identity, dropout, reshape-like ops to the same shape, transposes that
// keep every non-1 dim in order, cast to the same dtype, concat/split of one piece, slices and pads
// that keep everything; user-registered ops may declare theirs). The result type must also equal
// the operand type exactly (quantization included), so replacing the result by the operand
// changes no type anywhere.
import type { Node } from '../ir/graph.js';
import { getOp, OpError, resolveAttrs, type OpDef } from '../ir/ops/index.js';
import { sameType, type TensorType } from '../ir/types.js';
import { defineEditPass } from './util/edit-pass.js';

export const removeIdentityPass = defineEditPass({
  name: 'remove-identity',
  description: 'removes ops that return their operand unchanged (identity, dropout, no-op reshape/transpose/cast/concat/slice/pad...)',
  options: {},
  idempotent: true,
  unaffectedBy: ['dce', 'cse', 'fold-constants'], // none of them changes an op, its attributes or a type
  rewrite(ctx, g, edits) {
    const found: number[] = [];
    // Which ops can be identities is a fact of each op (OpDef.identityWhen).
    const rules = g.opTable((op) => getOp(op)?.identityWhen);
    for (let i = 0; i < g.nodeCount; i++) {
      const rule = rules[g.opCode(i)];
      if (!rule || !g.isAlive(i) || g.resultCount(i) !== 1) continue;
      const n = g.node(i);
      const x0 = g.operand(i, 0), y0 = g.result(i, 0);
      if (x0 < 0 || g.operands(i).some((v, k) => k > 0 && v >= 0)) continue;
      const x = g.type(x0), y = g.type(y0);
      const def = getOp(n.op);
      if (!def || !x || !y || !sameType(x, y) || !isIdentity(rule, def, n, x)) continue;
      edits.replaceValue(y0, x0, i);
      found.push(i);
    }
    // A kept node stays only to define a graph output; its other users were moved all the same.
    return ({ kept }) => {
      for (const i of found) if (!kept.has(g.result(i, 0))) ctx.count(g.op(i));
    };
  },
});

function isIdentity(rule: NonNullable<OpDef['identityWhen']>, def: OpDef, n: Node, x: TensorType): boolean {
  try {
    return rule(n, resolveAttrs(def, n.attrs), x);
  } catch (e) {
    if (e instanceof OpError) return false; // invalid node: the verifier's business
    throw e;
  }
}

// fold-constants: evaluates nodes whose operands are all constants with the interpreter's own
// kernels, so a folded value is bit-identical to what the interpreter would compute at run
// time. One forward walk folds whole constant chains. Results larger than `max-elements` stay
// unfolded (a constant that big costs more memory than the op costs time), as do ops listed in
// `keep-ops`: dequantize and fake_quantize of constant weights are how a quantized model says
// what its weights are, and folding them back to float would throw that away. `ops` limits the
// fold to some ops (e.g. `ops=dequantize` turns a quantized model's dequantized weights back into
// float constants, as generateC does for itself).
import { QforgeError } from '../diagnostics/index.js';
import { getOp, OpError, resolveAttrs } from '../ir/ops/index.js';
import type { Tensor } from '../ir/tensor.js';
import { formatType, numel, sameShape } from '../ir/types.js';
import { defineEditPass } from './util/edit-pass.js';

export const foldConstantsPass = defineEditPass({
  name: 'fold-constants',
  description: 'evaluates nodes whose operands are all constants, with the interpreter kernels',
  options: {
    'max-elements': { type: 'int', default: 1 << 22, min: 0, doc: 'fold only nodes whose results hold at most this many elements in all' },
    'keep-ops': { type: 'list', of: 'string', default: ['dequantize', 'fake_quantize'], doc: 'ops never folded' },
    ops: { type: 'list', of: 'string', default: [], doc: 'fold only these ops (empty: every op not kept)' },
  },
  idempotent: true,
  unaffectedBy: ['dce', 'cse'], // neither makes a non-constant operand constant
  rewrite(ctx, g, edits) {
    const max = ctx.options['max-elements'];
    const keep = new Set(ctx.options['keep-ops']), only = new Set(ctx.options.ops);
    const kept = g.opTable((op) => keep.has(op) || (only.size > 0 && !only.has(op)));
    // Results folded earlier in this walk count too, so that whole constant chains fold at once.
    const constant = (v: number): Tensor | undefined => edits.pendingConstant(v) ?? g.constant(v);
    for (let i = 0; i < g.nodeCount; i++) {
      if (!g.isAlive(i)) continue;
      // Most nodes have an operand computed at run time: find that out before allocating anything.
      const e = g.operandCount(i);
      let all = e > 0, present = false;
      for (let k = 0; k < e && all; k++) {
        const v = g.operand(i, k);
        if (v < 0) continue;
        present = true;
        all = constant(v) !== undefined;
      }
      if (!all || !present || kept[g.opCode(i)]) continue;
      const args: (Tensor | undefined)[] = [];
      for (let k = 0; k < e; k++) args.push(g.operand(i, k) >= 0 ? constant(g.operand(i, k)) : undefined);
      // The node's fields are read by id: its Node would be brought up to date first (see NumberedGraph.node).
      const op = g.op(i), def = getOp(op);
      const types = Array.from({ length: g.resultCount(i) }, (_, k) => g.type(g.result(i, k)));
      if (!def || types.some((t) => !t)) continue;
      const size = types.reduce((s, t) => s + numel(t!.shape), 0);
      if (size > max) {
        ctx.count('too-large');
        continue;
      }
      let outs: Tensor[];
      try {
        outs = def.kernel(args, resolveAttrs(def, g.rawAttrs(i)), types as NonNullable<(typeof types)[number]>[]);
      } catch (e) {
        if (!(e instanceof OpError || e instanceof QforgeError)) throw e;
        // e.g. an integer division by zero: it fails at run time too, so leave it there.
        ctx.warn({ key: 'PASS_FOLD_SKIPPED', message: `not folded: ${e.message}`, node: { name: g.nodeName(i), op } });
        continue;
      }
      const bad = outs.findIndex((t, k) => !t || t.dtype !== types[k]!.dtype || !sameShape(t.shape, types[k]!.shape));
      if (bad >= 0) {
        const got = outs[bad] ? formatType(outs[bad]) : 'nothing';
        ctx.warn({ key: 'PASS_FOLD_SKIPPED', message: `not folded: result ${bad} is ${got}, declared ${formatType(types[bad]!)}`, node: { name: g.nodeName(i), op } });
        continue;
      }
      for (let k = 0; k < types.length; k++) edits.defineConstant(g.result(i, k), outs[k]!, i);
      ctx.count('folded');
    }
  },
});

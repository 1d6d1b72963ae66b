// fold-constants: evaluates nodes whose operands are all constants with the interpreter's own
// kernels, so a folded value is bit-identical to what the interpreter would compute at run
// time. One forward walk folds whole constant chains. Results larger than `max-elements` stay
// unfolded (a constant that big costs more memory than the op costs time), as do ops listed in
// `keep-ops`: dequantize and fake_quantize of constant weights are how a quantized model says
// what its weights are, and folding them back to float would throw that away.
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
  },
  idempotent: true,
  unaffectedBy: ['dce', 'cse'], // neither makes a non-constant operand constant
  rewrite(ctx, edit) {
    const g = ctx.input;
    const max = ctx.options['max-elements'];
    const keep = new Set(ctx.options['keep-ops']);
    const known = new Map<string, Tensor>();
    const constant = (v: string): Tensor | undefined => known.get(v) ?? (Object.hasOwn(g.constants, v) ? g.constants[v] : undefined);
    for (let i = 0; i < g.nodes.length; i++) {
      const n = g.nodes[i]!;
      if (keep.has(n.op) || n.inputs.every((v) => !v)) continue;
      const args = n.inputs.map((v) => (v ? constant(v) : undefined));
      if (n.inputs.some((v, i) => v && !args[i])) continue;
      const def = getOp(n.op);
      const types = n.outputs.map((o) => g.values[o]);
      if (!def || types.some((t) => !t)) continue;
      const size = types.reduce((s, t) => s + numel(t!.shape), 0);
      if (size > max) {
        ctx.count('too-large');
        continue;
      }
      let outs: Tensor[];
      try {
        outs = def.kernel(args, resolveAttrs(def, n.attrs), types as NonNullable<(typeof types)[number]>[]);
      } catch (e) {
        if (!(e instanceof OpError || e instanceof QforgeError)) throw e;
        // e.g. an integer division by zero: it fails at run time too, so leave it there.
        ctx.warn({ key: 'PASS_FOLD_SKIPPED', message: `not folded: ${e.message}`, node: { name: n.name, op: n.op } });
        continue;
      }
      const bad = outs.findIndex((t, k) => !t || t.dtype !== types[k]!.dtype || !sameShape(t.shape, types[k]!.shape));
      if (bad >= 0) {
        const got = outs[bad] ? formatType(outs[bad]) : 'nothing';
        ctx.warn({ key: 'PASS_FOLD_SKIPPED', message: `not folded: result ${bad} is ${got}, declared ${formatType(types[bad]!)}`, node: { name: n.name, op: n.op } });
        continue;
      }
      n.outputs.forEach((o, k) => {
        known.set(o, outs[k]!);
        edit.defineConstant(o, outs[k]!, i);
      });
      ctx.count('folded');
    }
  },
});

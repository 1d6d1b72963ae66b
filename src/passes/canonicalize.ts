// canonicalize: the cleanup every other pass can rely on having run. It computes the same graph
// as fixpoint(remove-identity,fold-constants,cse,dce) (a property test checks this), but as one
// pass: the four rewrites take turns on one NumberedGraph (integer value ids, flag arrays), each
// recording a batch of edits, and the result is written back once. Run as separate passes, each one numbers the graph's values and
// writes whole new containers; here both happen once, which is what keeps canonicalize
// near-linear on large graphs. Spell out the fixpoint group to see each step.
import { diag } from '../diagnostics/index.js';
import { csePass } from './cse.js';
import { dcePass } from './dce.js';
import { foldConstantsPass } from './fold-constants.js';
import { removeIdentityPass } from './remove-identity.js';
import { runToFixpoint } from './manager/fixpoint.js';
import { defaultOptions } from './manager/options.js';
import { definePass } from './manager/pass.js';
import type { EditPass } from './util/edit-pass.js';
import { EditBatch, NumberedGraph } from '../ir/numbered/index.js';

export const canonicalizePass = definePass({
  kind: 'transform',
  name: 'canonicalize',
  description: 'remove-identity, fold-constants, cse and dce to a fixpoint, in one pass',
  options: {
    'max-iterations': { type: 'int', default: 10, min: 1, doc: 'rounds of the four rewrites at most' },
    fold: { type: 'bool', default: true, doc: 'include fold-constants' },
    'max-elements': { ...foldConstantsPass.options['max-elements'], doc: 'fold-constants: largest result folded' },
    'keep-ops': { ...foldConstantsPass.options['keep-ops'], doc: 'fold-constants: ops never folded' },
  },
  idempotent: true,
  transform(ctx) {
    const o = ctx.options;
    const parts: EditPass[] = [removeIdentityPass, ...(o.fold ? [foldConstantsPass] : []), csePass, dcePass];
    const options = new Map<EditPass, Record<string, unknown>>(parts.map((p) => [p, defaultOptions(p.options)]));
    Object.assign(options.get(foldConstantsPass) ?? {}, { 'max-elements': o['max-elements'], 'keep-ops': o['keep-ops'] });

    const edits = new EditBatch(new NumberedGraph(ctx.input));
    const { rounds, converged } = runToFixpoint(
      parts,
      o['max-iterations'],
      { idempotent: (p) => !!p.idempotent, affects: (by, p) => !(p.unaffectedBy ?? []).includes(by.name) },
      (p) => {
        const sub = { options: options.get(p)! as never, input: ctx.input, count: (k: string, n?: number) => ctx.count(`${p.name}.${k}`, n), warn: ctx.warn };
        const after = p.rewrite(sub, edits.g, edits);
        const applied = edits.apply();
        if (after) after(applied);
        return applied.changed;
      },
    );
    ctx.count('rounds', rounds);
    if (!converged) ctx.warn(diag('PASS_NO_FIXPOINT', `canonicalize still changed the graph after ${rounds} round(s)`, { hint: 'raise max-iterations' }));
    return edits.writeBack();
  },
});

// Passes that work on a FlatGraph: they read it and record edits, and the edits are applied and
// written out in one go. Written this way, a pass can also run as one step of a larger rewrite on
// a shared working graph (canonicalize runs four of them to a fixpoint on one FlatGraph).
import type { OptionSchema, OptionValues } from '../manager/options.js';
import type { PassContext, TransformPass } from '../manager/pass.js';
import { FlatGraph, type EditSummary } from '../../ir/numbered/index.js';

export interface EditPass<S extends OptionSchema = OptionSchema> extends TransformPass<S> {
  /**
   * Reads `g` and records edits on it (they take effect when the caller applies them). May return
   * a callback that receives the summary of the applied edits, to count what actually happened.
   */
  rewrite(ctx: PassContext<OptionValues<S>>, g: FlatGraph): ((applied: EditSummary) => void) | void;
}

export function defineEditPass<const S extends OptionSchema>(def: Omit<EditPass<S>, 'kind' | 'transform' | 'run'>): EditPass<S> {
  return {
    ...def,
    kind: 'transform',
    transform(ctx) {
      const g = new FlatGraph(ctx.input);
      const after = def.rewrite(ctx, g);
      const applied = g.apply();
      if (after) after(applied);
      return g.writeBack();
    },
  };
}

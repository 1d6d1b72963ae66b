// Passes that edit a NumberedGraph in batches (ir/numbered/edit-batch.ts): they read the graph
// and record edits, and the edits are applied and written out in one go. Written this way, a pass
// can also run as one step of a larger rewrite on a shared working graph (canonicalize runs four
// of them to a fixpoint on one NumberedGraph).
import type { OptionSchema, OptionValues } from '../manager/options.js';
import type { PassContext, TransformPass } from '../manager/pass.js';
import { EditBatch, NumberedGraph, type EditSummary } from '../../ir/numbered/index.js';

export interface EditPass<S extends OptionSchema = OptionSchema> extends TransformPass<S> {
  /**
   * Reads `g` and records edits in `edits` (they take effect when the caller applies them). May
   * return a callback that receives the summary of the applied edits, to count what actually happened.
   */
  rewrite(ctx: PassContext<OptionValues<S>>, g: NumberedGraph, edits: EditBatch): ((applied: EditSummary) => void) | void;
}

export function defineEditPass<const S extends OptionSchema>(def: Omit<EditPass<S>, 'kind' | 'transform' | 'run'>): EditPass<S> {
  return {
    ...def,
    kind: 'transform',
    transform(ctx) {
      const edits = new EditBatch(new NumberedGraph(ctx.input));
      const after = def.rewrite(ctx, edits.g, edits);
      const applied = edits.apply();
      if (after) after(applied);
      return edits.writeBack();
    },
  };
}

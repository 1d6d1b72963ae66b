// Passes that express their work as a GraphEdit: they analyse the input and record edits, and
// the edit is written out in one go. Written this way, a pass can also run as one step of a
// larger rewrite on a private working graph (canonicalize runs four of them to a fixpoint).
import type { OptionSchema, OptionValues } from '../manager/options.js';
import type { PassContext, TransformPass } from '../manager/pass.js';
import { GraphEdit, type EditSummary } from './graph-edit.js';

export interface EditPass<S extends OptionSchema = OptionSchema> extends TransformPass<S> {
  /**
   * Reads `ctx.input` (which `edit` was made for) and records edits. May return a callback that
   * receives the summary of the applied edit, to count what actually happened.
   */
  rewrite(ctx: PassContext<OptionValues<S>>, edit: GraphEdit): ((applied: EditSummary) => void) | void;
}

export function defineEditPass<const S extends OptionSchema>(def: Omit<EditPass<S>, 'kind' | 'run'>): EditPass<S> {
  return {
    ...def,
    kind: 'transform',
    run(draft, ctx) {
      const edit = new GraphEdit(ctx.input);
      const after = def.rewrite(ctx, edit);
      const applied = edit.commit(draft);
      if (after) after(applied);
    },
  };
}

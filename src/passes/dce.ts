// dce: removes nodes and constants whose values cannot reach a graph output. Every op is pure,
// so liveness is plain reachability backwards from the outputs: one reverse walk over the
// topologically ordered nodes. Graph inputs are the model's interface and always stay.
import { defineEditPass } from './util/edit-pass.js';

export const dcePass = defineEditPass({
  name: 'dce',
  description: 'dead-code elimination: removes nodes and constants that no graph output depends on',
  options: {},
  idempotent: true,
  rewrite(ctx, edit) {
    const g = ctx.input;
    const live = new Set<string>(g.outputs);
    const dead: number[] = [];
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const n = g.nodes[i]!;
      if (n.outputs.some((o) => live.has(o))) {
        for (const v of n.inputs) if (v) live.add(v);
      } else dead.push(i);
    }
    for (const i of dead) for (const o of g.nodes[i]!.outputs) edit.dropValue(o, i);
    let constants = 0;
    for (const c of Object.keys(g.constants)) {
      if (live.has(c)) continue;
      edit.dropValue(c);
      constants++;
    }
    if (dead.length) ctx.count('nodes-removed', dead.length);
    if (constants) ctx.count('constants-removed', constants);
  },
});

// dce: removes nodes and constants whose values cannot reach a graph output. Every op is pure,
// so liveness is plain reachability backwards from the outputs: one reverse walk over the
// topologically ordered nodes. Graph inputs are the model's interface and always stay.
import { defineEditPass } from './util/edit-pass.js';

export const dcePass = defineEditPass({
  name: 'dce',
  description: 'dead-code elimination: removes nodes and constants that no graph output depends on',
  options: {},
  idempotent: true,
  rewrite(ctx, g, edits) {
    const live = new Uint8Array(g.valueCount);
    for (const o of g.outputs()) live[o] = 1;
    const dead: number[] = [];
    for (let i = g.nodeCount - 1; i >= 0; i--) {
      if (!g.isAlive(i)) continue;
      let used = false;
      for (let k = 0, count = g.resultCount(i); k < count && !used; k++) used = live[g.result(i, k)] === 1;
      if (!used) dead.push(i);
      else
        for (let k = 0, count = g.operandCount(i); k < count; k++) {
          const v = g.operand(i, k);
          if (v >= 0) live[v] = 1;
        }
    }
    for (const i of dead) for (let k = 0, count = g.resultCount(i); k < count; k++) edits.dropValue(g.result(i, k), i);
    let constants = 0;
    for (const c of g.constantIds()) {
      if (live[c]) continue;
      edits.dropValue(c);
      constants++;
    }
    if (dead.length) ctx.count('nodes-removed', dead.length);
    if (constants) ctx.count('constants-removed', constants);
  },
});

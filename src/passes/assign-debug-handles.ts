// The assign-debug-handles pass: quantization nodes without a debug handle inherit the handle of
// the node they serve, and every other node without one gets a fresh handle (see
// ir/debug-handles.ts). Run it on graphs built by hand or by tools that do not keep handles.
import { assignDebugHandles } from '../ir/debug-handles.js';
import { definePass } from './manager/pass.js';

export const assignDebugHandlesPass = definePass({
  kind: 'transform',
  name: 'assign-debug-handles',
  description: 'gives quantization nodes the debug handle of the node they serve, and every other node without one a fresh handle',
  options: {},
  idempotent: true,
  transform(ctx) {
    const g = assignDebugHandles(ctx.input);
    if (g === ctx.input) return g;
    ctx.count('handles-assigned', g.nodes.filter((_n, i) => ctx.input.nodes[i]!.debugHandle === undefined).length);
    return g;
  },
});

// One line per match and one per rewrite, for `--trace-patterns`.
import type { RewriteEvent } from './driver.js';

export function formatRewriteEvent(e: RewriteEvent): string {
  const variant = e.variant ? ` [${e.variant}]` : '';
  const binds = Object.entries(e.bindings)
    .map(([k, v]) => `%${k}=${v ? `'${v}'` : 'absent'}`)
    .join(' ');
  const what = e.replacedBy !== undefined ? `uses of '${e.root.name}' now read '${e.replacedBy}'` : e.created.map((c) => `${c.name} = ${c.op}(${c.inputs.join(', ')})`).join('; ');
  const erased = e.erased.length ? `; erased ${e.erased.map((n) => `'${n}'`).join(', ')}` : '';
  return `match   ${e.pattern}${variant} at '${e.root.name}' (${e.root.op}): ${binds}\nrewrite ${e.pattern}: ${what}${erased}`;
}

// qforge ops [--markdown] [--category C]: the op table, straight from the registry (so README's
// table is generated, never hand-kept).
import { allOps, type AttrSpec, type OpDef } from '../../ir/ops/index.js';
import type { RegisterVerb } from '../io.js';

const CATEGORY_ORDER = ['nn', 'elementwise', 'activation', 'math', 'reduce', 'shape', 'quant', 'quantized'];

function fmtDefault(v: unknown): string {
  if (typeof v === 'number') return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
  return JSON.stringify(v);
}

function fmtAttr(name: string, a: AttrSpec): string {
  const ty = a.oneOf ? a.oneOf.join('|') : a.type;
  if (a.default !== undefined) return `${name}: ${ty} = ${fmtDefault(a.default)}`;
  return a.optional ? `${name}?: ${ty}` : `${name}: ${ty}`;
}

function fmtOperands(def: OpDef): string {
  return def.operands.map((o) => `${o.name}${o.variadic ? '...' : ''}${o.optional ? '?' : ''}`).join(', ');
}

function sorted(category?: string): OpDef[] {
  const rank = (c: string) => (CATEGORY_ORDER.indexOf(c) + 1 || CATEGORY_ORDER.length + 1);
  return allOps()
    .filter((d) => !category || d.category === category)
    .sort((a, b) => rank(a.category) - rank(b.category) || a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
}

export function opTableMarkdown(category?: string): string {
  const rows = sorted(category).map((d) => {
    const attrs = Object.entries(d.attrs).map(([n, a]) => fmtAttr(n, a)).join('; ');
    return `| ${d.category} | \`${d.name}\` | ${fmtOperands(d)} | ${attrs.replace(/\|/g, '\\|')} | ${d.doc.replace(/\|/g, '\\|')} |`;
  });
  return ['| category | op | operands | attributes | semantics |', '|---|---|---|---|---|', ...rows].join('\n') + '\n';
}

export const registerOps: RegisterVerb = (program, io) => {
  program
    .command('ops')
    .description('list the op table: operands, attributes with types and defaults, semantics')
    .option('--markdown', 'print a markdown table (as in docs/ir.md)')
    .option('--category <c>', 'only ops of this category')
    .action((opts: { markdown?: boolean; category?: string }) => {
      if (opts.markdown) return io.out(opTableMarkdown(opts.category));
      for (const d of sorted(opts.category)) {
        io.out(`${d.name}(${fmtOperands(d)})  [${d.category}]\n    ${d.doc}\n`);
        for (const [n, a] of Object.entries(d.attrs)) io.out(`    ${fmtAttr(n, a)}${a.doc ? `  — ${a.doc}` : ''}\n`);
      }
    });
};

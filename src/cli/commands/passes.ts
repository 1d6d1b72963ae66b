// qforge passes [--markdown]: every registered pass with its options (type, default, doc) and
// description, plus the pipeline spec syntax: the reference a --pipeline is written against.
import { describeOptionType, formatOptionValue, listPasses, FIXPOINT_OPTIONS, type OptionSchema, type PassDef } from '../../passes/index.js';
import type { RegisterVerb } from '../io.js';

const SYNTAX = 'pipeline spec: pass{option=value,...},fixpoint(pass,...){max-iterations=N}; lists as [a,b]; a bare flag means =true';
const SYNTAX_MD = 'Pipeline spec: `pass{option=value,...},fixpoint(pass,...){max-iterations=N}`; lists as `[a,b]`; a bare flag means `=true`.';

function options(schema: OptionSchema, md: boolean): string[] {
  return Object.entries(schema).map(([k, o]) => {
    const t = describeOptionType(o), d = formatOptionValue(o.default);
    return md ? `  - \`${k}\` (${t}, default \`${d}\`): ${o.doc}` : `    ${k}=${d}  (${t}) ${o.doc}`;
  });
}

function entry(p: PassDef, md: boolean): string[] {
  const kind = p.kind === 'composite' ? ' [composite]' : '';
  return [md ? `- **${p.name}**${kind}: ${p.description}` : `  ${p.name}${kind}  ${p.description}`, ...options(p.options, md)];
}

export const registerPasses: RegisterVerb = (program, io) => {
  program
    .command('passes')
    .description('list every registered pass with its options and description')
    .option('--markdown', 'print as a markdown list (for docs/passes.md)')
    .action((opts: { markdown?: boolean }) => {
      const md = !!opts.markdown;
      const lines = [md ? SYNTAX_MD : SYNTAX, ''];
      lines.push(md ? '- **fixpoint(...)**: runs its passes round after round until none changes the graph' : '  fixpoint(...)  runs its passes round after round until none changes the graph');
      lines.push(...options(FIXPOINT_OPTIONS, md));
      for (const p of listPasses()) lines.push(...entry(p, md));
      io.out(lines.join('\n') + '\n');
    });
};

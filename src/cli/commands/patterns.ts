// qforge patterns check FILE… | list [--patterns FILE…] [--functions] | explain MODEL --pattern NAME --node NODE:
// validate pattern files (every error at once), list what is loaded, and say why a pattern does
// or does not match at one node of a model.
import { formatWarning, QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import {
  builtinPatterns,
  checkPatterns,
  defaultHelpers,
  explainMatch,
  formatExplanation,
  INTRINSICS,
  loadPatternFile,
  PRESENT_DOC,
  readPatternFile,
  signature,
  type PatternSet,
} from '../../patterns/index.js';
import { collect, type RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';

/** The built-in library plus the user's files (`--patterns`, repeatable). */
function patternSet(files: string[]): PatternSet {
  const set = builtinPatterns();
  for (const f of files) set.add(loadPatternFile(f).patterns);
  return set;
}

export const registerPatterns: RegisterVerb = (program, io) => {
  const cmd = program.command('patterns').description('check, list and explain rewrite patterns (.qpat files)');

  cmd
    .command('check')
    .description('validate pattern files: every syntax and type error, with file:line:col')
    .argument('<files...>', '.qpat files')
    .action((files: string[]) => {
      const all: Diagnostic[] = [];
      for (const f of files) {
        const { patterns, diagnostics, warnings } = checkPatterns(readPatternFile(f), { file: f });
        all.push(...diagnostics);
        for (const w of warnings) io.err(`${formatWarning(w)}\n`);
        if (!diagnostics.length) {
          const list = patterns.map((p) => (p.variants.length > 1 ? `${p.name} (${p.variants.length} variants)` : p.name)).join(', ');
          io.out(`${f}: ${patterns.length} pattern(s) ok${list ? `: ${list}` : ''}\n`);
        }
      }
      if (all.length) throw new QforgeError(all);
    });

  cmd
    .command('list')
    .description('list the built-in patterns (and those of --patterns files) with their docs, or the functions patterns can call')
    .option('--patterns <file>', 'also load this .qpat file (repeatable)', collect, [])
    .option('--functions', 'list the built-in functions and the registered helpers instead')
    .action((opts: { patterns: string[]; functions?: boolean }) => {
      if (opts.functions) {
        io.out(`present(x) -> bool\n    ${PRESENT_DOC}\n`);
        for (const f of INTRINSICS) io.out(`${f.name}(${f.params.join(', ')}) -> ${f.result}\n    ${f.doc}\n`);
        for (const h of defaultHelpers.all()) io.out(`${signature(h)}\n    ${h.doc}\n`);
        return;
      }
      for (const p of patternSet(opts.patterns).patterns) {
        const ops = [...new Set(p.variants.flatMap((v) => [...v.root.ops]))].join(' | ');
        io.out(`${p.name}  (root: ${ops}; benefit ${p.variants.map((v) => v.benefit).join('/')})${p.file ? `  ${p.file}` : ''}\n`);
        if (p.doc) io.out(p.doc.split('\n').map((l) => `    ${l}\n`).join(''));
      }
    });

  withShapeOptions(
    cmd
      .command('explain')
      .description('say why a pattern does (not) match at a node: the sub-pattern or condition that fails')
      .argument('<model>', 'a .onnx or .qir model')
      .requiredOption('--pattern <name>', 'pattern name')
      .requiredOption('--node <name>', 'node name')
      .option('--patterns <file>', 'also load this .qpat file (repeatable)', collect, []),
  ).action((model: string, opts: ShapeOptions & { pattern: string; node: string; patterns: string[] }) => {
    const g = loadModel(model, opts);
    io.out(formatExplanation(explainMatch(g, patternSet(opts.patterns), opts.pattern, opts.node)) + '\n');
  });
};

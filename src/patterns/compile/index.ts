// Compiles a .qpat text: parse, check every pattern (all errors of the file are collected), and
// lower each pattern into variants. Returns the compiled patterns and the diagnostics.
import type { Diagnostic } from '../../diagnostics/index.js';
import { parseQpat } from '../syntax/to-ast.js';
import type { HelperRegistry } from '../helpers/registry.js';
import type { CompiledPattern } from '../engine/program.js';
import { Defs } from './defs.js';
import { Reporter } from './report.js';
import { flatten } from './structure.js';
import { enumerate, lowerVariant, MAX_VARIANTS } from './variant.js';

export interface CompileResult {
  patterns: CompiledPattern[];
  diagnostics: Diagnostic[];
  /** Findings that do not stop loading (PAT_UNUSED: a let that no variant reads). */
  warnings: Diagnostic[];
}

export function compileQpat(text: string, helpers: HelperRegistry, file?: string): CompileResult {
  const parsed = parseQpat(text, file);
  const r = new Reporter(text, file);
  r.list.push(...parsed.diagnostics);
  const patterns: CompiledPattern[] = [];
  const names = new Set<string>();
  const defs = new Defs(parsed.file, r, helpers);
  parsed.file.patterns.map((p) => defs.expandPattern(p)).forEach((decl, order) => {
    if (names.has(decl.name.name)) r.error('PAT_DUPLICATE', decl.name.span, `pattern ${decl.name.name} is defined twice`);
    names.add(decl.name.name);
    if (decl.benefit && (!Number.isInteger(decl.benefit.value) || decl.benefit.value < 0))
      r.error('PAT_TYPE', decl.benefit.span, `benefit must be a non-negative integer, got ${decl.benefit.value}`);
    const before = r.list.length;
    const flat = flatten(decl, r);
    if (!flat) return;
    let failed = r.list.length > before;
    const choices = enumerate(flat);
    if (choices.length > MAX_VARIANTS) {
      r.error('PAT_STRUCTURE', decl.name.span, `pattern ${decl.name.name} expands to more than ${MAX_VARIANTS} variants`, 'use fewer optional nodes and alternatives, or split the pattern');
      return;
    }
    const p: CompiledPattern = { name: decl.name.name, doc: decl.doc, file, text, decl, order, variants: [] };
    const labels = new Set<string>();
    const usedLets = new Set<string>();
    for (const c of choices) {
      const v = lowerVariant(decl, flat, c, p, helpers, r, usedLets);
      if (!v) failed = true;
      else if (!labels.has(v.label)) {
        labels.add(v.label);
        p.variants.push(v);
      }
    }
    if (failed) return;
    patterns.push(p);
    for (const l of decl.lets) if (!usedLets.has(l.name.name)) r.warn('PAT_UNUSED', l.name.span, `let '${l.name.name}' is never used`, 'remove it, or use it in the replacement');
  });
  defs.warnUnused();
  return { patterns, diagnostics: r.list, warnings: r.warnings };
}

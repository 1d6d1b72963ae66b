// A set of compiled patterns indexed by root op: the driver looks up the variants for a node's
// op in one map access, already sorted by benefit (then file order), so matching cost does not
// grow with the number of patterns rooted at other ops.
import { diag, locate, QforgeError } from '../../diagnostics/index.js';
import type { CompiledPattern, Variant } from './program.js';

const NONE: readonly Variant[] = [];

export class PatternSet {
  private readonly list: CompiledPattern[] = [];
  private readonly byOp = new Map<string, Variant[]>();
  private readonly byName = new Map<string, CompiledPattern>();

  constructor(patterns: readonly CompiledPattern[] = []) {
    this.add(patterns);
  }

  /** Adds patterns; a name that is already in the set is an error (patterns are referred to by name). */
  add(patterns: readonly CompiledPattern[]): this {
    for (const p of patterns) {
      const prev = this.byName.get(p.name);
      if (prev)
        throw new QforgeError(
          diag('PAT_DUPLICATE', `pattern ${p.name} is already defined${prev.file ? ` in ${prev.file}` : ''}`, {
            loc: locate(p.text, p.decl.name.span.offset, p.file, p.decl.name.span.length),
          }),
        );
      this.byName.set(p.name, p);
      this.list.push(p);
    }
    this.byOp.clear();
    const rank = new Map<Variant, number>();
    let k = 0;
    for (const p of this.list) {
      for (const v of p.variants) {
        rank.set(v, k++);
        for (const op of v.root.ops) {
          const l = this.byOp.get(op);
          if (l) l.push(v);
          else this.byOp.set(op, [v]);
        }
      }
    }
    for (const l of this.byOp.values()) l.sort((a, b) => b.benefit - a.benefit || rank.get(a)! - rank.get(b)!);
    return this;
  }

  /** Variants whose root is `op`, best first. */
  candidates(op: string): readonly Variant[] {
    return this.byOp.get(op) ?? NONE;
  }

  get(name: string): CompiledPattern | undefined {
    return this.byName.get(name);
  }

  get patterns(): readonly CompiledPattern[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }
}

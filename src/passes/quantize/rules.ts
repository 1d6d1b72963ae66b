// Quantizers as data: a QuantizerConfig (JSON, see spec/quantizers/README.md) names specs and
// lists rules; each rule matches a chain of ops and says which spec goes on which input edge and
// on the chain's output. Rules run in order, each over the graph in node order, and skip nodes
// an earlier rule annotated — PyTorch's annotators work the same way (first writer wins) — and
// the whole list runs again while it annotates something new.
import { fail } from '../../diagnostics/index.js';
import { lookup, type Graph, type Node } from '../../ir/graph.js';
import { NumberedGraph } from '../../ir/numbered/index.js';
import { getOp } from '../../ir/ops/index.js';
import type { AnnotationTable, NodeAnnotation, Quantizer } from './quantizer.js';
import type { EdgeOrNode, Spec } from './quant-spec.js';
import { compileSpecs, parseSelector, type Selector, type SpecTemplate } from './config.js';
import type { QuantizerConfig, RuleConfig, SpecRef } from './config-types.js';

interface Compiled {
  members: { ops: Set<string>; optional: boolean }[];
  when: { cond: string; sel?: Selector; ops?: Set<string> }[];
  inputs: [Selector, SpecRef | null][];
  output: SpecRef | null | undefined;
  implicit: boolean;
}

/**
 * Match members that stand for a small subgraph rather than one op: `silu` is x · sigmoid(x) as
 * ONNX exports nn.SiLU (a sigmoid of x and a mul of x by it); the chain gets both nodes, sigmoid
 * first, so selectors can name them (`sigmoid.x`, `mul.other`) and the chain goes on from the mul.
 */
const COMPOSITES = new Set(['silu']);

const CONDITIONS = ['constant', 'not-constant', 'observed', 'quantized', 'no-large-scalar', 'feeds', 'same-shape'] as const;
/** PT2E's XNNPACK annotators leave add/mul alone when an operand is a scalar beyond 2^23 (HistogramObserver's bin limit). */
const LARGE_SCALAR = 2 ** 23;

function compileRule(r: RuleConfig, i: number, file: string): Compiled {
  const at = `rules[${i}]`;
  const members = r.match.map((m, k) => {
    const optional = m.endsWith('?');
    const ops = m.replace(/\?$/, '').split('|');
    for (const op of ops) if (!getOp(op) && !COMPOSITES.has(op)) fail('QUANT_CONFIG', `${file}: ${at}.match[${k}]: unknown op '${op}'`);
    if (optional && k === 0) fail('QUANT_CONFIG', `${file}: ${at}.match[0] cannot be optional`);
    return { ops: new Set(ops), optional };
  });
  const when = (r.when ?? []).map((w) => {
    const [cond, sel] = w.split(':', 2) as [string, string | undefined];
    if (!(CONDITIONS as readonly string[]).includes(cond)) fail('QUANT_CONFIG', `${file}: ${at}.when: unknown condition '${cond}' (${CONDITIONS.join(', ')})`);
    if ((cond === 'same-shape') !== (sel === undefined)) fail('QUANT_CONFIG', `${file}: ${at}.when: '${w}' ${sel === undefined ? 'needs an operand, e.g. constant:w' : 'takes no operand'}`);
    if (cond === 'feeds') {
      const ops = sel!.split('|');
      for (const op of ops) if (!getOp(op)) fail('QUANT_CONFIG', `${file}: ${at}.when: unknown op '${op}' in '${w}'`);
      return { cond, ops: new Set(ops) };
    }
    return sel === undefined ? { cond } : { cond, sel: parseSelector(sel, `${at}.when`, file) };
  });
  const inputs = Object.entries(r.inputs ?? {}).map(([k, v]) => [parseSelector(k, `${at}.inputs`, file), v] as [Selector, SpecRef | null]);
  return { members, when, inputs, output: r.output, implicit: r.implicitSharing ?? true };
}

/** The config's scope as a node test (everything when it has none). */
function scopeTest(cfg: QuantizerConfig): (n: Node) => boolean {
  const s = cfg.scope;
  if (!s) return () => true;
  const re = s.pattern !== undefined ? new RegExp(s.pattern) : undefined;
  const named = s.prefixes !== undefined || re !== undefined;
  const ops = s.ops && new Set(s.ops);
  return (n) => (!named || (s.prefixes ?? []).some((p) => n.name.startsWith(p)) || !!re?.test(n.name)) && (!ops || ops.has(n.op));
}

/** A quantizer whose annotate() interprets a QuantizerConfig. */
export class RuleQuantizer implements Quantizer {
  readonly name: string;
  readonly description?: string;
  private readonly rules: Compiled[];
  private readonly specs: Map<string, SpecTemplate>;

  constructor(
    readonly config: QuantizerConfig,
    file = config.name,
  ) {
    this.name = config.name;
    this.description = config.description;
    this.specs = compileSpecs(config.specs ?? {}, file);
    this.rules = (config.rules ?? []).map((r, i) => compileRule(r, i, file));
    this.rules.forEach((r, i) => {
      const refs = [...r.inputs.map(([, v]) => v), r.output];
      for (const ref of refs) if (typeof ref === 'string' && !this.specs.has(ref)) fail('QUANT_CONFIG', `${file}: rules[${i}] uses spec '${ref}', which is not in specs (${[...this.specs.keys()].join(', ')})`);
    });
  }

  annotate(g: Graph, taken?: ReadonlySet<string>): AnnotationTable {
    return new Annotator(g, this.config, this.specs, taken).run(this.rules);
  }
}

class Annotator {
  readonly table: AnnotationTable = new Map();
  private readonly ng: NumberedGraph;
  private readonly outs: Set<string>;
  private readonly skipNodes: Set<string>;
  private readonly skipOps: Set<string>;
  private readonly inScope: (n: Node) => boolean;
  /** Tails of matched patterns that quantize something (X86's "output of a quantized pattern"). */
  private readonly quantizedTails = new Set<string>();

  constructor(
    private readonly g: Graph,
    cfg: QuantizerConfig,
    private readonly specs: Map<string, SpecTemplate>,
    private readonly taken: ReadonlySet<string> = new Set(),
  ) {
    this.ng = new NumberedGraph(g);
    this.outs = new Set(g.outputs);
    this.skipNodes = new Set(cfg.skip?.nodes ?? []);
    this.skipOps = new Set(cfg.skip?.ops ?? []);
    this.inScope = scopeTest(cfg);
    const names = new Set(g.nodes.map((n) => n.name));
    for (const s of this.skipNodes)
      if (!names.has(s)) fail('QUANT_CONFIG', `quantizer '${cfg.name}': skip.nodes names '${s}', which is not a node of graph '${g.name}'`);
  }

  /**
   * Rules in order, each over the graph in node order; then again while that annotated anything
   * new, so that a rule whose condition only became true through a later rule (a maxpool after a
   * cat: `quantized:x`) still applies. Nodes keep their first annotation.
   */
  run(rules: Compiled[]): AnnotationTable {
    for (let before = -1; before !== this.table.size; ) {
      before = this.table.size;
      for (const r of rules)
        for (const n of this.g.nodes) {
          const chain = this.matchChain(r, n);
          if (chain) this.apply(r, chain);
        }
    }
    return this.table;
  }

  private free(n: Node): boolean {
    return !this.table.has(n.name) && !this.taken.has(n.name) && !this.skipNodes.has(n.name) && !this.skipOps.has(n.op) && this.inScope(n);
  }

  private matchChain(r: Compiled, head: Node): Node[] | undefined {
    const first = r.members[0]!.ops;
    const start = first.has(head.op) ? [head] : first.has('silu') && head.op === 'sigmoid' ? this.silu(head.inputs[0]!) : undefined;
    if (!start || start[0]!.name !== head.name || !start.every((n) => this.free(n))) return undefined;
    const chain = [...start];
    for (const m of r.members.slice(1)) {
      const tail = chain[chain.length - 1]!;
      const v = tail.outputs.length === 1 && !this.outs.has(tail.outputs[0]!) ? tail.outputs[0]! : undefined;
      const us = v === undefined ? [] : this.ng.usersOf(v);
      const one = us.length === 1 ? this.ng.node(us[0]!) : undefined;
      const next = one && m.ops.has(one.op) ? [one] : v !== undefined && m.ops.has('silu') ? this.silu(v) : undefined;
      if (next?.every((n) => this.free(n))) chain.push(...next);
      else if (!m.optional) return undefined;
    }
    return chain;
  }

  /** [sigmoid, mul] when v's only users are s = sigmoid(v) and mul(v, s) (either order), s used by that mul alone. */
  private silu(v: string | undefined): Node[] | undefined {
    if (v === undefined || this.outs.has(v)) return undefined;
    const us = this.ng.usersOf(v).map((i) => this.ng.node(i));
    const s = us.find((n) => n.op === 'sigmoid'), m = us.find((n) => n.op === 'mul');
    if (us.length !== 2 || !s || !m || this.outs.has(s.outputs[0]!)) return undefined;
    const su = this.ng.usersOf(s.outputs[0]!);
    const ins = [...m.inputs].sort().join('\u0000'), want = [v, s.outputs[0]!].sort().join('\u0000');
    return su.length === 1 && this.ng.node(su[0]!).name === m.name && ins === want ? [s, m] : undefined;
  }

  /** Operand positions a selector picks in a matched chain (absent optional operands left out). */
  private select(sel: Selector, chain: Node[]): { node: Node; index: number }[] {
    const node = sel.member ? chain.find((n) => n.op === sel.member) : chain[0];
    if (!node) return [];
    let idx: number[];
    if (sel.operand === '*') idx = node.inputs.map((_, i) => i);
    else if (sel.operand === 'other') {
      const prev = chain[chain.indexOf(node) - 1];
      idx = node.inputs.map((_, i) => i).filter((i) => !prev?.outputs.includes(node.inputs[i]!));
    } else if (/^\d+$/.test(sel.operand)) idx = [Number(sel.operand)];
    else {
      const ops = getOp(node.op)!.operands;
      const k = ops.findIndex((o) => o.name === sel.operand);
      if (k < 0) return [];
      idx = ops[k]!.variadic ? node.inputs.map((_, i) => i).slice(k) : [k];
    }
    if (sel.index !== undefined) idx = idx.slice(sel.index, sel.index + 1);
    if (sel.from !== undefined) idx = idx.slice(sel.from);
    return idx.filter((i) => node.inputs[i]).map((index) => ({ node, index }));
  }

  private readonly constCache = new Map<string, boolean>();
  /** A constant, or computed from constants only (a transposed weight): convert folds it (PT2E constant folding). */
  private constant(v: string): boolean {
    let c = this.constCache.get(v);
    if (c === undefined) {
      this.constCache.set(v, false);
      const p = this.producerOf(v);
      c = lookup(this.g.constants, v) !== undefined || (!!p && p.op !== 'observe' && p.inputs.some(Boolean) && p.inputs.every((x) => !x || this.constant(x)));
      this.constCache.set(v, c);
    }
    return c;
  }

  private producerOf(v: string): Node | undefined {
    return this.ng.definingNode(v);
  }

  private holds(c: Compiled['when'][number], chain: Node[]): boolean {
    if (c.cond === 'feeds') {
      const tail = chain[chain.length - 1]!;
      return tail.outputs.some((v) => this.ng.usersOf(v).some((i) => c.ops!.has(this.ng.op(i))));
    }
    if (c.cond === 'same-shape') {
      const shapes = chain[0]!.inputs.filter(Boolean).map((v) => lookup(this.g.values, v)!.shape.join(','));
      return shapes.every((s) => s === shapes[0]);
    }
    const edges = this.select(c.sel!, chain);
    if (!edges.length) return false;
    return edges.every(({ node, index }) => {
      const v = node.inputs[index]!;
      switch (c.cond) {
        case 'constant':
          return this.constant(v);
        case 'not-constant':
          return !this.constant(v);
        case 'no-large-scalar': {
          const c = lookup(this.g.constants, v);
          return c?.data.length !== 1 || !(Math.abs(Number(c.data[0])) > LARGE_SCALAR);
        }
        case 'observed': {
          const p = this.producerOf(v);
          return !!p && !!this.table.get(p.name)?.output;
        }
        default: {
          const p = this.producerOf(v);
          return !!p && this.quantizedTails.has(p.name);
        }
      }
    });
  }

  /** A spec reference made concrete for one match; undefined when it cannot apply here. */
  private instantiate(ref: SpecRef, chain: Node[]): Spec | undefined {
    if (typeof ref === 'object') {
      const producer = ref.share.startsWith('producer:');
      const picked = this.select(parseSelector(producer ? ref.share.slice(9) : ref.share, 'share', 'config'), chain);
      if (picked.length !== 1) return undefined;
      const { node, index } = picked[0]!;
      if (!producer) return { kind: 'shared', with: { node: node.name, input: index } };
      const p = this.producerOf(node.inputs[index]!);
      return p ? { kind: 'shared', with: { node: p.name } } : undefined;
    }
    const t = this.specs.get(ref)!;
    if (t.kind !== 'derived-template') return t;
    const from: EdgeOrNode[] = [];
    for (const s of t.from) {
      const picked = this.select(s, chain);
      if (picked.length !== 1) return undefined;
      from.push({ node: picked[0]!.node.name, input: picked[0]!.index });
    }
    return { ...t.spec, from };
  }

  private apply(r: Compiled, chain: Node[]): void {
    if (!r.when.every((c) => this.holds(c, chain))) return;
    const anns = new Map<string, NodeAnnotation>(chain.map((n) => [n.name, { inputs: {}, allowImplicitSharing: r.implicit }]));
    let quantizes = false;
    for (const [sel, ref] of r.inputs) {
      for (const { node, index } of this.select(sel, chain)) {
        const spec = ref === null ? null : this.instantiate(ref, chain);
        if (spec === undefined) return;
        if (spec && lookup(this.g.values, node.inputs[index]!)!.dtype !== 'f32') return;
        anns.get(node.name)!.inputs[index] = spec;
        quantizes ||= !!spec;
      }
    }
    const tail = chain[chain.length - 1]!;
    if (r.output !== undefined && r.output !== null) {
      const spec = this.instantiate(r.output, chain);
      if (!spec || tail.outputs.length !== 1 || lookup(this.g.values, tail.outputs[0]!)!.dtype !== 'f32') return;
      anns.get(tail.name)!.output = spec;
      quantizes = true;
    }
    for (const [name, a] of anns) this.table.set(name, a);
    if (quantizes) this.quantizedTails.add(tail.name);
  }
}

// cse: common subexpression elimination. Two constants are the same value when their types
// (dtype, shape, quantization) and bytes are identical; two nodes compute the same value when
// op, canonical operands, attributes (defaults filled in, so `axis=0` equals no axis) and
// declared result types agree. Operands of commutative ops are sorted, so add(a,b) = add(b,a):
// IEEE addition and multiplication are commutative, so no result changes by a bit.
import { getOp, resolveAttrs, OpError, type OpDef } from '../ir/ops/index.js';
import { defineEditPass } from './util/edit-pass.js';
import { attrsKey, bytesOf, hashBytes, sameBytes, typeKey } from './util/keys.js';
import { sameType } from '../ir/types.js';
import type { Graph, Node } from '../ir/graph.js';

interface Candidate {
  node: Node;
  def: OpDef;
  /** Canonical attributes with defaults, computed on demand; null when they do not resolve. */
  attrs?: string | null;
}

function addTo(m: Map<string, Candidate[]>, k: string, c: Candidate): void {
  const l = m.get(k);
  if (l) l.push(c);
  else m.set(k, [c]);
}

function sameResults(g: Graph, a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, k) => {
    const ta = g.values[v], tb = g.values[b[k]!];
    return !!ta && !!tb && sameType(ta, tb);
  });
}

export const csePass = defineEditPass({
  name: 'cse',
  description: 'common subexpression elimination over nodes and constants (attribute- and constant-aware)',
  options: {
    constants: { type: 'bool', default: true, doc: 'also merge constants with identical type and bytes' },
  },
  idempotent: true,
  unaffectedBy: ['dce'], // removing unused things cannot make two others equal
  rewrite(ctx, edit) {
    const g = ctx.input;
    // Canonical name of each merged value, so later keys see merged operands as one.
    const canon = new Map<string, string>();
    const canonOf = (v: string): string => canon.get(v) ?? v;

    if (ctx.options.constants) {
      // Group identical constants, then keep one per group: a graph output when the group has one
      // (it stays anyway), else the first. Other outputs in the group keep their uses: redirecting
      // them would remove nothing, and would make the choice depend on the order of `constants`
      // (so a second run would redirect again).
      const buckets = new Map<string, string[][]>();
      for (const name of Object.keys(g.constants)) {
        const t = g.constants[name]!;
        const bytes = bytesOf(t);
        const key = `${typeKey(g.values[name] ?? t)}#${hashBytes(bytes)}`;
        const groups = buckets.get(key) ?? [];
        if (!groups.length) buckets.set(key, groups);
        const group = groups.find((grp) => sameBytes(bytesOf(g.constants[grp[0]!]!), bytes));
        if (group) group.push(name);
        else groups.push([name]);
      }
      const isOutput = new Set(g.outputs);
      for (const groups of buckets.values())
        for (const group of groups) {
          if (group.length < 2) continue;
          const rep = group.find((c) => isOutput.has(c)) ?? group[0]!;
          for (const name of group) {
            if (name === rep || isOutput.has(name)) continue;
            canon.set(name, rep);
            edit.replaceValue(name, rep);
          }
        }
    }

    // Nodes by op and canonical operands. Attributes are compared only between nodes that
    // share those (resolving them with defaults is the costly part, and most nodes are unique).
    const seen = new Map<string, number | { list: Candidate[]; byAttrs?: Map<string, Candidate[]> }>();
    const attrKey = (c: Candidate): string | undefined => {
      if (c.attrs === undefined) {
        try {
          c.attrs = Object.keys(c.def.attrs).length ? attrsKey(resolveAttrs(c.def, c.node.attrs)) : '';
        } catch (e) {
          if (!(e instanceof OpError)) throw e;
          c.attrs = null; // invalid attributes: the verifier's business; never merge it
        }
      }
      return c.attrs ?? undefined;
    };
    for (let i = 0; i < g.nodes.length; i++) {
      const n = g.nodes[i]!;
      const def = getOp(n.op);
      if (!def) continue; // the verifier reports unknown ops; never merge what we cannot read
      let a = n.inputs[0] ?? '', b = n.inputs[1] ?? '';
      a = canon.get(a) ?? a;
      b = canon.get(b) ?? b;
      if (def.commutative && a > b) [a, b] = [b, a];
      // Operand names are length-prefixed: a name may contain any character, even ','.
      let key = `${n.op}(${n.inputs.length}:${a.length}:${a}${b.length}:${b}`;
      for (let k = 2; k < n.inputs.length; k++) {
        const v = canonOf(n.inputs[k]!);
        key += `${v.length}:${v}`;
      }
      const found = seen.get(key);
      if (found === undefined) {
        seen.set(key, i); // most keys are unique: no bucket until a second node shares one
        continue;
      }
      const bucket = typeof found === 'number' ? { list: [{ node: g.nodes[found]!, def }] } : found;
      if (typeof found === 'number') seen.set(key, bucket);
      const self: Candidate = { node: n, def };
      const mine = attrKey(self);
      if (mine === undefined) continue;
      // Many nodes on the same operands (slices of one tensor, say): index them by attributes.
      if (!bucket.byAttrs && bucket.list.length >= 8) {
        bucket.byAttrs = new Map();
        for (const c of bucket.list) addTo(bucket.byAttrs, attrKey(c) ?? '\0invalid', c);
      }
      const same = bucket.byAttrs ? (bucket.byAttrs.get(mine) ?? []) : bucket.list.filter((c) => attrKey(c) === mine);
      // Result types are compared too (a declared type may carry quantization inference does not).
      const prev = same.find((c) => sameResults(g, c.node.outputs, n.outputs));
      if (!prev) {
        bucket.list.push(self);
        if (bucket.byAttrs) addTo(bucket.byAttrs, mine, self);
        continue;
      }
      n.outputs.forEach((o, k) => {
        canon.set(o, prev.node.outputs[k]!);
        edit.replaceValue(o, prev.node.outputs[k]!, i);
      });
    }
    return (s) => {
      if (s.nodesRemoved) ctx.count('nodes-merged', s.nodesRemoved);
      if (s.constantsRemoved) ctx.count('constants-merged', s.constantsRemoved);
      if (s.kept.size) ctx.count('outputs-kept', s.kept.size);
    };
  },
});

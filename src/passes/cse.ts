// cse: common subexpression elimination. Two constants are the same value when their types
// (dtype, shape, quantization) and bytes are identical; two nodes compute the same value when
// op, canonical operands, attributes (defaults filled in, so `axis=0` equals no axis) and
// declared result types agree. Operands of commutative ops are sorted, so add(a,b) = add(b,a):
// IEEE addition and multiplication are commutative, so no result changes by a bit.
import { getOp, resolveAttrs, OpError } from '../ir/ops/index.js';
import { defineEditPass } from './util/edit-pass.js';
import { attrsKey, bytesOf, hashBytes, sameBytes, typeKey } from './util/keys.js';
import { sameType } from '../ir/types.js';
import type { Graph } from '../ir/graph.js';

function sameTypeOf(g: Graph, a: string, b: string): boolean {
  const ta = g.values[a], tb = g.values[b];
  return !!ta && !!tb && sameType(ta, tb);
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
      const buckets = new Map<string, string[]>();
      for (const name of Object.keys(g.constants)) {
        const t = g.constants[name]!;
        const bytes = bytesOf(t);
        const key = `${typeKey(g.values[name] ?? t)}#${hashBytes(bytes)}`;
        const bucket = buckets.get(key);
        const same = bucket?.find((other) => sameBytes(bytesOf(g.constants[other]!), bytes));
        if (same !== undefined) {
          canon.set(name, same);
          edit.replaceValue(name, same);
        } else if (bucket) bucket.push(name);
        else buckets.set(key, [name]);
      }
    }

    const seen = new Map<string, string[]>();
    const attrCache = new Map<string, boolean>(); // op -> has attributes
    for (let i = 0; i < g.nodes.length; i++) {
      const n = g.nodes[i]!;
      const def = getOp(n.op);
      if (!def) continue; // the verifier reports unknown ops; never merge what we cannot read
      let hasAttrs = attrCache.get(n.op);
      if (hasAttrs === undefined) attrCache.set(n.op, (hasAttrs = Object.keys(def.attrs).length > 0));
      let attrs = '';
      if (hasAttrs) {
        try {
          attrs = attrsKey(resolveAttrs(def, n.attrs));
        } catch (e) {
          if (e instanceof OpError) continue;
          throw e;
        }
      }
      // The key: op, canonical operands (sorted for commutative ops) and attributes. Result
      // types are compared on a hit only: equal keys almost always mean equal types.
      let a = n.inputs[0] ?? '', b = n.inputs[1] ?? '';
      a = canon.get(a) ?? a;
      b = canon.get(b) ?? b;
      if (def.commutative && a > b) [a, b] = [b, a];
      // Operand names are length-prefixed: a name may contain any character, even ','.
      let key = `${n.op}{${attrs}}(${n.inputs.length}:${a.length}:${a}${b.length}:${b}`;
      for (let k = 2; k < n.inputs.length; k++) {
        const v = canonOf(n.inputs[k]!);
        key += `${v.length}:${v}`;
      }
      const prev = seen.get(key);
      if (!prev) {
        seen.set(key, n.outputs);
        continue;
      }
      if (prev.length !== n.outputs.length || n.outputs.some((o, k) => !sameTypeOf(g, o, prev[k]!))) continue;
      n.outputs.forEach((o, k) => {
        canon.set(o, prev[k]!);
        edit.replaceValue(o, prev[k]!, i);
      });
    }
    return (s) => {
      if (s.nodesRemoved) ctx.count('nodes-merged', s.nodesRemoved);
      if (s.constantsRemoved) ctx.count('constants-merged', s.constantsRemoved);
      if (s.kept.size) ctx.count('outputs-kept', s.kept.size);
    };
  },
});

// cse: common subexpression elimination. Two constants are the same value when their types
// (dtype, shape, quantization) and bytes are identical; two nodes compute the same value when
// op, canonical operands, attributes (defaults filled in, so `axis=0` equals no axis) and
// declared result types agree. Operands of commutative ops are sorted, so add(a,b) = add(b,a):
// IEEE addition and multiplication are commutative, so no result changes by a bit.
import { getOp, resolveAttrs, OpError } from '../ir/ops/index.js';
import { definePass } from './manager/pass.js';
import { GraphEdit } from './util/graph-edit.js';
import { attrsKey, bytesOf, hashBytes, sameBytes, typeKey } from './util/keys.js';

export const csePass = definePass({
  kind: 'transform',
  name: 'cse',
  description: 'common subexpression elimination over nodes and constants (attribute- and constant-aware)',
  options: {
    constants: { type: 'bool', default: true, doc: 'also merge constants with identical type and bytes' },
  },
  idempotent: true,
  run(draft, ctx) {
    const g = ctx.input;
    const edit = new GraphEdit(g);
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
    for (const n of g.nodes) {
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
      const ins = n.inputs.map(canonOf);
      if (def.commutative && ins.length >= 2 && ins[0]! > ins[1]!) [ins[0], ins[1]] = [ins[1]!, ins[0]!];
      let key = `${n.op}(${ins.join(',')}){${attrs}}`;
      const types = n.outputs.map((o) => g.values[o]);
      if (types.some((t) => !t)) continue; // untyped result: invalid graph, leave it to the verifier
      for (const t of types) key += typeKey(t!) + ';';
      const prev = seen.get(key);
      if (!prev) {
        seen.set(key, n.outputs);
        continue;
      }
      n.outputs.forEach((o, k) => {
        canon.set(o, prev[k]!);
        edit.replaceValue(o, prev[k]!);
      });
    }
    const s = edit.commit(draft);
    if (s.nodesRemoved) ctx.count('nodes-merged', s.nodesRemoved);
    if (s.constantsRemoved) ctx.count('constants-merged', s.constantsRemoved);
    if (s.outputsKept) ctx.count('outputs-kept', s.outputsKept);
  },
});

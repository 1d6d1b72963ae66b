// cse: common subexpression elimination. Two constants are the same value when their types
// (dtype, shape, quantization) and bytes are identical; two nodes compute the same value when
// op, canonical operands, attributes (defaults filled in, so `axis=0` equals no axis) and
// declared result types agree. Operands of commutative ops are sorted, so add(a,b) = add(b,a):
// IEEE addition and multiplication are commutative, so no result changes by a bit.
//
// Candidates are found through their newest operand (the one with the highest id): each value
// keeps the list of earlier nodes anchored on it. Operands are nearly always recent, so these
// lists are short and in cache, where one table of every node's key would be neither.
import { getOp, resolveAttrs, OpError } from '../ir/ops/index.js';
import { sameShape, sameType, type TensorType } from '../ir/types.js';
import { defineEditPass } from './util/edit-pass.js';
import type { EditBatch, NumberedGraph } from '../ir/numbered/index.js';
import { attrsKey, hashTensorBytes, sameTensorBytes, typeKey } from './util/keys.js';

/** Past this many candidates on one anchor, the anchor indexes them by full key instead. */
const LIST_LIMIT = 8;

function addTo(keyed: Map<string, number[]>, key: string, node: number): void {
  const list = keyed.get(key);
  if (list) list.push(node);
  else keyed.set(key, [node]);
}

function mergeConstants(g: NumberedGraph, edits: EditBatch): void {
  // Group identical constants, then keep one per group: a graph output when the group has one
  // (it stays anyway), else the first. Other outputs in the group keep their uses: redirecting
  // them would remove nothing, and would make the choice depend on the order of `constants`
  // (so a second run would redirect again). Buckets are keyed by a number: a string key built
  // per constant would cost a string hash per lookup.
  const buckets = new Map<number, { type: TensorType; members: number[] }[]>();
  for (const c of g.constantIds()) {
    const t = g.constant(c)!;
    const type = g.type(c) ?? t;
    const key = (hashTensorBytes(t) ^ Math.imul(t.data.length + 1, 0x9e3779b1)) >>> 0;
    const groups = buckets.get(key) ?? [];
    if (!groups.length) buckets.set(key, groups);
    const group = groups.find((grp) => sameDeclaredType(grp.type, type) && sameTensorBytes(g.constant(grp.members[0]!)!, t));
    if (group) group.members.push(c);
    else groups.push({ type, members: [c] });
  }
  for (const groups of buckets.values())
    for (const { members } of groups) {
      if (members.length < 2) continue;
      const rep = members.find((c) => g.isOutput(c)) ?? members[0]!;
      for (const c of members) if (c !== rep && !g.isOutput(c)) edits.replaceValue(c, rep);
    }
}

/** dtype, shape and quantization parameters, exactly (-0 and 0 scales differ, as in typeKey). */
function sameDeclaredType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape) && ((!a.quant && !b.quant) || typeKey(a) === typeKey(b));
}

export const csePass = defineEditPass({
  name: 'cse',
  description: 'common subexpression elimination over nodes and constants (attribute- and constant-aware)',
  options: {
    constants: { type: 'bool', default: true, doc: 'also merge constants with identical type and bytes' },
  },
  idempotent: true,
  unaffectedBy: ['dce'], // removing unused things cannot make two others equal
  rewrite(ctx, g, edits) {
    if (ctx.options.constants) mergeConstants(g, edits);
    const defs = g.opTable(getOp);
    // Canonical operands of every node visited (merged values resolved, commutative pair sorted):
    // those of node i are canon[inStart[i] .. inStart[i + 1] - 1].
    const inStart = new Int32Array(g.nodeCount + 1);
    for (let i = 0; i < g.nodeCount; i++) inStart[i + 1] = inStart[i]! + g.operandCount(i);
    const canon = new Int32Array(inStart[g.nodeCount]!);
    // Per anchor value: its candidates in node order, as a linked list or, past LIST_LIMIT, by key.
    const head = new Int32Array(g.valueCount).fill(-1);
    const tail = new Int32Array(g.valueCount);
    const length = new Int32Array(g.valueCount);
    const next = new Int32Array(g.nodeCount).fill(-1);
    const indexed = new Map<number, Map<string, number[]>>();
    const byOp = new Map<string, Map<string, number[]>>(); // nodes without operands
    // Canonical attributes with defaults, computed on demand; null when they do not resolve
    // (the verifier's business: such a node is never merged).
    const attrs: (string | null | undefined)[] = new Array(g.nodeCount);
    const attrKey = (i: number): string | null => {
      let a = attrs[i];
      if (a === undefined) {
        const def = defs[g.opCode(i)]!;
        try {
          a = Object.keys(def.attrs).length ? attrsKey(resolveAttrs(def, g.rawAttrs(i))) : '';
        } catch (e) {
          if (!(e instanceof OpError)) throw e;
          a = null;
        }
        attrs[i] = a;
      }
      return a;
    };
    const sameOperands = (i: number, m: number): boolean => {
      if (g.opCode(i) !== g.opCode(m)) return false;
      const s = inStart[i]!, t = inStart[m]!, len = inStart[i + 1]! - s;
      if (inStart[m + 1]! - t !== len) return false;
      for (let k = 0; k < len; k++) if (canon[s + k] !== canon[t + k]) return false;
      return true;
    };
    // Result types are compared too (a declared type may carry quantization inference does not).
    const sameResults = (i: number, m: number): boolean => {
      const len = g.resultCount(i);
      if (g.resultCount(m) !== len) return false;
      for (let k = 0; k < len; k++) {
        const ta = g.type(g.result(i, k)), tb = g.type(g.result(m, k));
        if (!ta || !tb || !sameType(ta, tb)) return false;
      }
      return true;
    };
    const fullKey = (i: number, a: string): string => `${g.op(i)}(${canon.subarray(inStart[i]!, inStart[i + 1]!).join(',')})${a}`;
    const merge = (i: number, m: number) => {
      for (let k = 0; k < g.resultCount(i); k++) edits.replaceValue(g.result(i, k), g.result(m, k), i);
    };
    /** Looks `i` up among the keyed candidates; merges it or adds it. */
    const viaKeys = (keyed: Map<string, number[]>, i: number): void => {
      const a = attrKey(i);
      if (a === null) return;
      const key = fullKey(i, a);
      const prev = keyed.get(key)?.find((m) => sameResults(i, m));
      if (prev !== undefined) merge(i, prev);
      else addTo(keyed, key, i);
    };

    for (let i = 0; i < g.nodeCount; i++) {
      if (!g.isAlive(i)) continue;
      const def = defs[g.opCode(i)];
      if (!def) continue; // the verifier reports unknown ops; never merge what we cannot read
      const s = inStart[i]!, e = inStart[i + 1]!;
      let anchor = -1;
      for (let k = s; k < e; k++) {
        const v = g.operand(i, k - s);
        const c = v >= 0 ? edits.resolve(v) : -1;
        canon[k] = c;
        if (c > anchor) anchor = c;
      }
      if (def.commutative && e - s >= 2 && canon[s]! > canon[s + 1]!) [canon[s], canon[s + 1]] = [canon[s + 1]!, canon[s]!];
      if (anchor < 0) {
        const op = g.op(i);
        const keyed = byOp.get(op) ?? new Map<string, number[]>();
        byOp.set(op, keyed);
        viaKeys(keyed, i);
        continue;
      }
      const keyed = indexed.get(anchor);
      if (keyed) {
        viaKeys(keyed, i);
        continue;
      }
      // The first candidate with equal operands, attributes and result types, in node order.
      let found = -1, sharesOperands = false;
      for (let m = head[anchor]!; m >= 0 && found < 0; m = next[m]!) {
        if (!sameOperands(i, m)) continue;
        sharesOperands = true;
        const mine = attrKey(i);
        if (mine === null) break;
        if (attrKey(m) === mine && sameResults(i, m)) found = m;
      }
      if (found >= 0) {
        merge(i, found);
        continue;
      }
      if (sharesOperands && attrKey(i) === null) continue;
      if (length[anchor] === LIST_LIMIT) {
        // Many nodes on this operand (slices of one tensor, say): index them by full key.
        const keyedNow = new Map<string, number[]>();
        for (let m = head[anchor]!; m >= 0; m = next[m]!) {
          const a = attrKey(m);
          if (a !== null) addTo(keyedNow, fullKey(m, a), m);
        }
        indexed.set(anchor, keyedNow);
        viaKeys(keyedNow, i);
        continue;
      }
      if (head[anchor]! < 0) head[anchor] = i;
      else next[tail[anchor]!] = i;
      tail[anchor] = i;
      length[anchor]++;
    }
    return (s) => {
      if (s.nodesRemoved) ctx.count('nodes-merged', s.nodesRemoved);
      if (s.constantsRemoved) ctx.count('constants-merged', s.constantsRemoved);
      if (s.kept.size) ctx.count('outputs-kept', s.kept.size);
    };
  },
});

// The verifier: checks every invariant of a Graph and reports every problem it finds, each tied
// to the node (and operand or result) or graph-level value it concerns.
import { diag, QforgeError, type DiagKey, type Diagnostic } from '../diagnostics/index.js';
import { isDType, dtypeRange, makeArray } from './dtype.js';
import { lookup, type Graph, type Node } from './graph.js';
import { getOp, opNames, resolveAttrs, type OpDef, type ResolvedAttrs } from './ops/index.js';
import { didYouMean } from '../util/suggest.js';
import { formatType, numel, sameQuant, sameShape, type TensorType } from './types.js';
import { cyclicComponents } from './verify-cycles.js';

/** A diagnostic with what it is about, so the text parser can point at the right token. */
export interface VerifyIssue {
  diag: Diagnostic;
  nodeIndex?: number;
  /** Operand / result position within the node. */
  operand?: number;
  result?: number;
  /** A graph input, constant or typed value (not a node result). */
  value?: string;
  /** Position in g.outputs / g.inputs. */
  output?: number;
  input?: number;
}

export function verify(g: Graph): Diagnostic[] {
  return verifyIssues(g).map((i) => i.diag);
}

export function verifyOrThrow(g: Graph): void {
  const d = verify(g);
  if (d.length) throw new QforgeError(d);
}

/** Why a TensorType is malformed, or undefined when it is fine. */
export function typeProblem(t: TensorType): string | undefined {
  if (!t || typeof t !== 'object') return 'type is missing';
  if (!isDType(t.dtype)) return `unknown dtype '${String(t.dtype)}'`;
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    return `shape [${String(t.shape)}] must list non-negative integers`;
  const q = t.quant;
  if (!q) return undefined;
  if (!Array.isArray(q.scale) || !Array.isArray(q.zeroPoint) || q.scale.length === 0 || q.scale.length !== q.zeroPoint.length)
    return 'quant params need as many zero points as scales (at least one)';
  if (!q.scale.every((s) => Number.isFinite(s) && s > 0)) return `quant scales must be finite and positive, got [${q.scale.join(', ')}]`;
  if (!q.zeroPoint.every((z) => Number.isInteger(z))) return `quant zero points must be integers, got [${q.zeroPoint.join(', ')}]`;
  if (q.axis === undefined) return q.scale.length === 1 ? undefined : `per-tensor quant params need one scale, got ${q.scale.length} (set axis for per-channel)`;
  if (!Number.isInteger(q.axis) || q.axis < 0 || q.axis >= t.shape.length) return `quant axis ${q.axis} is out of range for rank ${t.shape.length}`;
  if (q.scale.length !== t.shape[q.axis]) return `quant axis ${q.axis} has ${t.shape[q.axis]} channels but ${q.scale.length} scales`;
  return undefined;
}

function constantProblem(name: string, g: Graph): string | undefined {
  const c = lookup(g.constants, name)!;
  const t = lookup(g.values, name);
  if (!t || typeProblem(t)) return undefined; // reported as a type problem
  if (!c || !ArrayBuffer.isView(c.data)) return 'has no data array';
  if (c.dtype !== t.dtype || !sameShape(c.shape, t.shape)) return `data is ${c.dtype}[${c.shape}] but the value is declared ${formatType(t)}`;
  const want = makeArray(t.dtype, 0).constructor;
  if (c.data.constructor !== want) return `data is a ${c.data.constructor.name}, ${t.dtype} needs a ${want.name}`;
  if (c.data.length !== numel(t.shape)) return `data has ${c.data.length} elements, ${formatType(t)} needs ${numel(t.shape)}`;
  if (t.dtype === 'i4' || t.dtype === 'u4' || t.dtype === 'bool') {
    const [lo, hi] = dtypeRange(t.dtype);
    const bad = (c.data as Int8Array).findIndex((v) => v < lo || v > hi);
    if (bad >= 0) return `element ${bad} is ${c.data[bad]}, outside the ${t.dtype} range [${lo}, ${hi}]`;
  }
  return undefined;
}

/** A Report that adds to `issues`, naming the node an issue is about. */
function reporter(g: Graph, issues: VerifyIssue[]): Report {
  return (key, message, where = {}, hint) => {
    const node = where.nodeIndex !== undefined ? g.nodes[where.nodeIndex] : undefined;
    const extra = { ...(node ? { node: { name: node.name, op: node.op } } : {}), ...(hint ? { hint } : {}) };
    issues.push({ diag: diag(key, message, extra), ...where });
  };
}

/**
 * The node checks of the verifier for the named nodes only (operands defined above them,
 * attributes, inferred against declared types), plus the graph outputs: for a transformation
 * that knows which nodes it created or changed, at a fraction of a whole verification.
 */
export function verifyNodes(g: Graph, names: ReadonlySet<string>): Diagnostic[] {
  const issues: VerifyIssue[] = [];
  const at = reporter(g, issues);
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.has(o) || producer.set(o, i)));
  const sources = new Set(g.inputs);
  g.nodes.forEach((n, i) => {
    if (!names.has(n.name)) return;
    const available = (v: string, k: number): boolean => {
      const p = producer.get(v);
      if (p === undefined ? sources.has(v) || lookup(g.constants, v) !== undefined : p < i) return true;
      at('VERIFY_USE_BEFORE_DEF', `operand ${k} '${v}' is not defined above its use`, { nodeIndex: i, operand: k });
      return false;
    };
    checkNode(g, n, i, available, at);
  });
  g.outputs.forEach((v, i) => {
    if (!producer.has(v) && !sources.has(v) && lookup(g.constants, v) === undefined) at('VERIFY_DANGLING', `graph output '${v}' is not defined`, { output: i });
  });
  return issues.map((i) => i.diag);
}

export function verifyIssues(g: Graph): VerifyIssue[] {
  const issues: VerifyIssue[] = [];
  const at = reporter(g, issues);

  // Graph-level values: inputs and constants.
  const defined = new Set<string>();
  g.inputs.forEach((v, i) => {
    if (!v) at('VERIFY_BAD_TYPE', `graph input ${i} has an empty name`, { input: i });
    else if (defined.has(v)) at('VERIFY_REDEFINED', `graph input '${v}' is listed twice`, { input: i });
    else if (!lookup(g.values, v)) at('VERIFY_BAD_TYPE', `graph input '${v}' has no type`, { input: i });
    defined.add(v);
  });
  for (const c of Object.keys(g.constants)) {
    if (defined.has(c)) at('VERIFY_REDEFINED', `constant '${c}' has the name of a graph input`, { value: c });
    else if (!lookup(g.values, c)) at('VERIFY_BAD_TYPE', `constant '${c}' has no type`, { value: c });
    const problem = constantProblem(c, g);
    if (problem) at('VERIFY_CONSTANT', `constant '${c}': ${problem}`, { value: c });
    defined.add(c);
  }

  // Node results, first definition wins; later ones are redefinitions.
  const producer = new Map<string, number>();
  const nodeNames = new Set<string>();
  g.nodes.forEach((n, i) => {
    if (nodeNames.has(n.name)) at('VERIFY_REDEFINED', `node name '${n.name}' is used by an earlier node too`, { nodeIndex: i });
    nodeNames.add(n.name);
    n.outputs.forEach((o, k) => {
      const where = { nodeIndex: i, result: k };
      if (!o) at('VERIFY_BAD_TYPE', `result ${k} has an empty name`, where);
      else if (defined.has(o)) {
        const p = producer.get(o);
        const by = p === undefined ? (lookup(g.constants, o) ? 'a constant' : 'a graph input') : p === i ? 'this node' : `node '${g.nodes[p]!.name}'`;
        at('VERIFY_REDEFINED', `value '${o}' is already defined by ${by}`, where);
      } else {
        defined.add(o);
        producer.set(o, i);
        if (!lookup(g.values, o)) at('VERIFY_BAD_TYPE', `result '${o}' has no type`, where);
      }
    });
  });

  for (const [v, t] of Object.entries(g.values)) {
    const problem = typeProblem(t);
    if (problem) at('VERIFY_BAD_TYPE', `value '${v}': ${problem}`, producer.has(v) ? { nodeIndex: producer.get(v)!, result: g.nodes[producer.get(v)!]!.outputs.indexOf(v) } : { value: v });
    if (!defined.has(v)) at('VERIFY_ORPHAN', `value '${v}' has a type but nothing defines it`, { value: v });
  }

  // Order: a use of a later result is either a true cycle (reported once per cycle) or a misordering.
  const cycles = cyclicComponents(g, producer);
  const inCycle = new Map<number, number>();
  cycles.forEach((comp, ci) => comp.forEach((ni) => inCycle.set(ni, ci)));
  for (const comp of cycles) {
    const names = comp.map((i) => `'${g.nodes[i]!.name}'`);
    const message = `nodes ${names.join(' -> ')} -> ${names[0]} form a cycle (each uses a result of the next)`;
    at('VERIFY_CYCLE', message, { nodeIndex: comp[0]! }, 'a value cannot depend on itself; break the cycle');
  }

  g.nodes.forEach((n, i) => {
    const available = (v: string, k: number): boolean => {
      const p = producer.get(v);
      if (p === undefined) {
        if (defined.has(v)) return true; // a graph input or constant
        at('VERIFY_USE_BEFORE_DEF', `operand ${k} '${v}' is not defined anywhere`, { nodeIndex: i, operand: k });
        return false;
      }
      if (p < i) return true;
      if (inCycle.has(i) && inCycle.get(i) === inCycle.get(p)) return false; // reported as a cycle
      const hint = 'nodes must be listed in topological order (every operand defined above its use)';
      at('VERIFY_USE_BEFORE_DEF', `operand ${k} '${v}' is used before node '${g.nodes[p]!.name}' defines it`, { nodeIndex: i, operand: k }, hint);
      return false;
    };
    checkNode(g, n, i, available, at);
  });

  g.outputs.forEach((v, i) => {
    if (!v || !defined.has(v)) at('VERIFY_DANGLING', `graph output '${v}' is not defined`, { output: i });
  });
  return issues;
}

type Report = (key: DiagKey, message: string, where?: Omit<VerifyIssue, 'diag'>, hint?: string) => void;

function checkNode(g: Graph, n: Node, i: number, available: (v: string, k: number) => boolean, at: Report): void {
  const def = getOp(n.op);
  // Operands first: undefined values are worth reporting even under an unknown op.
  let operandsOk = true;
  n.inputs.forEach((v, k) => {
    if (v && !available(v, k)) operandsOk = false;
  });
  if (!def) {
    const hint = didYouMean(n.op, opNames()) ?? `known ops: ${opNames().join(', ')}`;
    at('VERIFY_UNKNOWN_OP', `unknown op '${n.op}'`, { nodeIndex: i }, hint);
    return;
  }
  if (!checkOperands(g, def, n, i, at)) operandsOk = false;
  let attrs: ResolvedAttrs | undefined;
  try {
    attrs = resolveAttrs(def, n.attrs);
  } catch (e) {
    at('IR_BAD_ATTR', errorMessage(e), { nodeIndex: i });
  }
  if (def.results >= 0 && n.outputs.length !== def.results) {
    at('VERIFY_OPERANDS', `${n.op} has ${def.results} result(s), the node declares ${n.outputs.length}`, { nodeIndex: i });
    return;
  }
  const types = n.inputs.map((v) => (v ? lookup(g.values, v) : undefined));
  if (!operandsOk || !attrs || types.some((t, k) => n.inputs[k] && (!t || typeProblem(t)))) return;
  let inferred: TensorType[];
  try {
    inferred = def.infer({ inputs: types, attrs });
  } catch (e) {
    at('OP_INVALID', errorMessage(e), { nodeIndex: i });
    return;
  }
  if (inferred.length !== n.outputs.length) {
    at('VERIFY_TYPE_MISMATCH', `${n.op} infers ${inferred.length} result(s), the node declares ${n.outputs.length}`, { nodeIndex: i });
    return;
  }
  inferred.forEach((want, k) => {
    const got = lookup(g.values, n.outputs[k]!);
    if (!got || typeProblem(got)) return; // reported as a type problem
    const quantDiffers = want.quant !== undefined && !sameQuant(want.quant, got.quant);
    if (got.dtype !== want.dtype || !sameShape(got.shape, want.shape) || quantDiffers) {
      const show = (t: TensorType) => formatType(t) + (quantDiffers ? ` quant ${JSON.stringify(t.quant ?? null)}` : '');
      at('VERIFY_TYPE_MISMATCH', `result '${n.outputs[k]}' is declared ${show(got)} but ${n.op} infers ${show(want)}`, { nodeIndex: i, result: k });
    }
  });
}

function checkOperands(g: Graph, def: OpDef, n: Node, i: number, at: Report): boolean {
  const specs = def.operands;
  const last = specs[specs.length - 1];
  const variadic = !!last?.variadic;
  let required = 0;
  specs.forEach((s, k) => {
    if (!s.optional) required = k + 1;
  });
  const max = variadic ? Infinity : specs.length;
  const names = specs.map((s) => (s.optional ? `[${s.name}]` : s.name) + (s.variadic ? '...' : '')).join(', ');
  if (n.inputs.length < required || n.inputs.length > max) {
    at('VERIFY_OPERANDS', `${def.name} takes ${describeCount(required, max)} operand(s) (${names}), the node has ${n.inputs.length}`, { nodeIndex: i });
    return false;
  }
  let ok = true;
  n.inputs.forEach((v, k) => {
    const spec = k < specs.length ? specs[k]! : last!;
    if (!v) {
      if (!spec.optional) {
        at('VERIFY_OPERANDS', `operand ${k} (${spec.name}) of ${def.name} is required`, { nodeIndex: i, operand: k });
        ok = false;
      }
      return;
    }
    const t = lookup(g.values, v);
    if (t && !typeProblem(t) && spec.dtypes && !spec.dtypes.includes(t.dtype)) {
      at('VERIFY_OPERANDS', `operand ${k} (${spec.name}) of ${def.name} is ${t.dtype}; allowed: ${spec.dtypes.join(', ')}`, { nodeIndex: i, operand: k });
      ok = false;
    }
  });
  return ok;
}

const describeCount = (lo: number, hi: number): string => (hi === Infinity ? `at least ${lo}` : lo === hi ? `${lo}` : `${lo} to ${hi}`);

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

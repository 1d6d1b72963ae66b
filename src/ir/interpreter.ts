// The reference interpreter: runs a graph node by node with each op's kernel. It defines the
// meaning of every op; passes and generated C are checked against it.
import { fail, QforgeError } from '../diagnostics/index.js';
import type { Graph, Node } from './graph.js';
import { getOp, OpError, resolveAttrs } from './ops/index.js';
import type { Tensor } from './tensor.js';
import { formatType, sameShape } from './types.js';

export interface RunOptions {
  /** Called after each node with its results (the numeric debugger and calibration observe here). */
  onNode?: (node: Node, outputs: Tensor[]) => void;
  /** Keep every intermediate value in the returned map (default: only graph outputs). */
  keepAll?: boolean;
}

export interface RunResult {
  outputs: Tensor[];
  /** All values when keepAll is set, else inputs, constants and outputs. */
  values: Map<string, Tensor>;
}

export function run(g: Graph, inputs: Tensor[] | Record<string, Tensor>, opts: RunOptions = {}): RunResult {
  const env = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(g.constants)) env.set(name, t);
  const byName = Array.isArray(inputs) ? undefined : inputs;
  if (Array.isArray(inputs) && inputs.length !== g.inputs.length)
    fail('RUN_INPUT', `graph '${g.name}' takes ${g.inputs.length} input(s) (${g.inputs.join(', ')}), got ${inputs.length}`);
  g.inputs.forEach((name, i) => {
    const t = byName ? byName[name] : (inputs as Tensor[])[i];
    if (!t) fail('RUN_INPUT', `missing input '${name}' (expected ${formatType(g.values[name]!)})`);
    const want = g.values[name]!;
    if (t.dtype !== want.dtype || !sameShape(t.shape, want.shape))
      fail('RUN_INPUT', `input '${name}' must be ${formatType(want)}, got ${formatType(t)}`);
    env.set(name, t);
  });

  // Free each intermediate after its last use unless the caller keeps all.
  const lastUse = new Map<string, number>();
  if (!opts.keepAll) g.nodes.forEach((n, i) => n.inputs.forEach((v) => v && lastUse.set(v, i)));
  const keep = new Set([...g.outputs, ...g.inputs, ...Object.keys(g.constants)]);

  g.nodes.forEach((node, i) => {
    const def = getOp(node.op);
    if (!def) fail('VERIFY_UNKNOWN_OP', `unknown op '${node.op}'`, { node });
    const args = node.inputs.map((v) => {
      if (!v) return undefined;
      const t = env.get(v);
      if (!t) fail('VERIFY_USE_BEFORE_DEF', `operand '${v}' has no value`, { node });
      return t;
    });
    let outs: Tensor[];
    try {
      const attrs = resolveAttrs(def, node.attrs);
      outs = def.kernel(args, attrs, node.outputs.map((o) => g.values[o]!));
    } catch (e) {
      if (e instanceof QforgeError) throw e;
      if (e instanceof OpError) fail('OP_INVALID', e.message, { node });
      throw e;
    }
    node.outputs.forEach((o, k) => env.set(o, outs[k]!));
    opts.onNode?.(node, outs);
    if (!opts.keepAll) for (const v of node.inputs) if (v && lastUse.get(v) === i && !keep.has(v)) env.delete(v);
  });
  return { outputs: g.outputs.map((o) => env.get(o)!), values: env };
}

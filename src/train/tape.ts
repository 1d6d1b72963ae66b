// Reverse-mode differentiation over the IR. `forward` runs the graph node by node (training-mode
// kernels from the backward table where an op has one) and keeps what the backward needs;
// `backward` walks the nodes in reverse and accumulates gradients into the values that need one:
// the trainable parameters and everything computed from them.
import { fail } from '../diagnostics/index.js';
import { lookup, type Graph } from '../ir/graph.js';
import { getOp, OpError, resolveAttrs, type ResolvedAttrs } from '../ir/ops/index.js';
import type { Tensor } from '../ir/tensor.js';
import { isDiff, type GradRule, type TrainState } from './grad.js';
import { NN_GRADS } from './grad-nn.js';
import { ELEMENTWISE_GRADS } from './grad-elementwise.js';

/** The backward table: op name -> gradient rule. */
export const GRADS: Readonly<Record<string, GradRule>> = { ...NN_GRADS, ...ELEMENTWISE_GRADS };

export interface GradPlan {
  /** Trainable parameters (f32 constants on a differentiable path to the loss). */
  params: string[];
  /** Values whose gradient is needed. */
  requires: Set<string>;
  attrs: ResolvedAttrs[];
}

/** Constants fed to an operand that carries no gradient anywhere (batch-norm running statistics). */
function bufferConstants(g: Graph): Set<string> {
  const out = new Set<string>();
  for (const n of g.nodes) {
    const r = GRADS[n.op];
    if (r) n.inputs.forEach((v, i) => v && !isDiff(r, i) && lookup(g.constants, v) && out.add(v));
  }
  return out;
}

/**
 * Which constants train and which values need gradients. Parameters are the f32 constants of rank
 * ≥ 1 (rank-0 constants are literals such as an epsilon) that are not buffers and reach the first
 * graph output (the logits) through differentiable operands; `frozen` ones stay as they are.
 */
/** Every node's resolved attributes (what forward runs with). */
export function nodeAttrs(g: Graph): ResolvedAttrs[] {
  return g.nodes.map((n) => {
    const def = getOp(n.op);
    if (!def) fail('VERIFY_UNKNOWN_OP', `unknown op '${n.op}'`, { node: n });
    try {
      return resolveAttrs(def, n.attrs);
    } catch (e) {
      if (e instanceof OpError) fail('OP_INVALID', e.message, { node: n });
      throw e;
    }
  });
}

export function planGradients(g: Graph, frozen: ReadonlySet<string> = new Set()): GradPlan {
  const attrs = nodeAttrs(g);
  const reaches = new Set([g.outputs[0]!]);
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!, r = GRADS[n.op];
    if (!r || !n.outputs.some((o) => reaches.has(o))) continue;
    n.inputs.forEach((v, i) => v && isDiff(r, i) && reaches.add(v));
  }
  const buffers = bufferConstants(g);
  const params = Object.entries(g.constants)
    .filter(([name, t]) => t.dtype === 'f32' && t.shape.length > 0 && !buffers.has(name) && !frozen.has(name) && reaches.has(name))
    .map(([name]) => name);
  if (!params.length)
    fail('TRAIN_NO_PARAMS', `graph '${g.name}' has no trainable parameter on a differentiable path to its output '${g.outputs[0]}'`, {
      hint: `ops with gradients: ${Object.keys(GRADS).sort().join(', ')}`,
    });
  const requires = new Set(params);
  g.nodes.forEach((n) => {
    const r = GRADS[n.op];
    const needs = n.inputs.some((v, i) => v && requires.has(v) && (!r || isDiff(r, i)));
    if (!needs) return;
    if (!r) fail('TRAIN_UNSUPPORTED', `${n.op} has no gradient rule, but its operands depend on trainable parameters`, { node: n, hint: `ops with gradients: ${Object.keys(GRADS).sort().join(', ')}` });
    n.outputs.forEach((o) => requires.add(o));
  });
  return { params, requires, attrs };
}

export interface Forward {
  values: Map<string, Tensor>;
  saved: Record<string, unknown>[];
}

/** What a forward does besides computing: batch statistics in batch norms, observing in fake quantizers. */
export interface Mode {
  training: boolean;
  observe: boolean;
}
export const EVAL: Mode = { training: false, observe: false };

/** Runs the graph on `inputs` (already batched); `env` supplies the constants (current parameters). */
export function forward(g: Graph, attrs: readonly ResolvedAttrs[], env: Map<string, Tensor>, inputs: Tensor[], mode: Mode, state: TrainState): Forward {
  const values = new Map(env);
  g.inputs.forEach((v, i) => values.set(v, inputs[i]!));
  const saved = g.nodes.map(() => ({}) as Record<string, unknown>);
  g.nodes.forEach((n, k) => {
    const args = n.inputs.map((v) => (v ? values.get(v) : undefined));
    const r = GRADS[n.op], a = attrs[k]!;
    let outs: Tensor[];
    try {
      outs = r?.forward
        ? r.forward({ node: n, attrs: a, inputs: args, ...mode, saved: saved[k]!, state })
        : getOp(n.op)!.kernel(args, a, n.outputs.map((o) => g.values[o]!));
    } catch (e) {
      if (e instanceof OpError) fail('OP_INVALID', e.message, { node: n });
      throw e;
    }
    n.outputs.forEach((o, i) => values.set(o, outs[i]!));
  });
  return { values, saved };
}

/** Gradients of the parameters given the gradient of the first output. */
export function backward(g: Graph, plan: GradPlan, fwd: Forward, dOut: Float32Array): Map<string, Float32Array> {
  const grads = new Map<string, Float32Array>([[g.outputs[0]!, dOut]]);
  const add = (v: string, d: Float32Array) => {
    const prev = grads.get(v);
    if (!prev) return void grads.set(v, d);
    const sum = new Float32Array(prev); // never write into an array another value may share
    for (let i = 0; i < sum.length; i++) sum[i] += d[i]!;
    grads.set(v, sum);
  };
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!, dy = grads.get(n.outputs[0]!);
    if (!dy || !plan.requires.has(n.outputs[0]!)) continue;
    const r = GRADS[n.op]!;
    const need = n.inputs.map((v, i) => !!v && plan.requires.has(v) && isDiff(r, i));
    const inputs = n.inputs.map((v) => (v ? fwd.values.get(v) : undefined));
    const dx = r.backward({ node: n, attrs: plan.attrs[k]!, inputs, output: fwd.values.get(n.outputs[0]!)!, dy, saved: fwd.saved[k]!, need });
    n.inputs.forEach((v, i) => need[i] && dx[i] && add(v, dx[i]!));
  }
  return new Map(plan.params.map((p) => [p, grads.get(p) ?? new Float32Array(fwd.values.get(p)!.data.length)]));
}

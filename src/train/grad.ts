// The backward table: one GradRule per op name, as data (the training twin of the op table).
// A rule names its differentiable operands, may replace the op's kernel in training (batch norm
// uses batch statistics, a QAT fake quantizer observes first), and maps the result gradient to
// operand gradients. Gradients are float32 arrays in the operand's layout.
import type { Node } from '../ir/graph.js';
import type { ResolvedAttrs } from '../ir/ops/index.js';
import type { Tensor } from '../ir/tensor.js';
import { forEachBroadcast2 } from '../ir/compute/broadcast.js';
import { sameShape } from '../ir/types.js';
import type { FakeQuantState } from './observer.js';

/** What a training-mode forward may change: buffers (running statistics) and fake-quant groups. */
export interface TrainState {
  setBuffer(name: string, data: Float32Array): void;
  fakeQuant: Map<number | string, FakeQuantState>;
}

export interface ForwardCtx {
  node: Node;
  attrs: ResolvedAttrs;
  inputs: (Tensor | undefined)[];
  /** Batch norms use (and update) batch statistics. */
  training: boolean;
  /** Fake quantizers with observer_enabled observe the batch. */
  observe: boolean;
  /** Anything the backward needs besides inputs and outputs. */
  saved: Record<string, unknown>;
  state: TrainState;
}

export interface BackwardCtx {
  node: Node;
  attrs: ResolvedAttrs;
  inputs: (Tensor | undefined)[];
  output: Tensor;
  dy: Float32Array;
  saved: Record<string, unknown>;
  /** need[i]: operand i wants a gradient (differentiable and on a path to a parameter). */
  need: boolean[];
}

export interface GradRule {
  /** Differentiable operand indices; 'all' for every operand (concat's variadic list). */
  diff: readonly number[] | 'all';
  /** Training-mode forward replacing the op's kernel (default: the kernel). */
  forward?(ctx: ForwardCtx): Tensor[];
  backward(ctx: BackwardCtx): (Float32Array | undefined)[];
}

export const isDiff = (r: GradRule, i: number): boolean => r.diff === 'all' || r.diff.includes(i);

/** Sum of a result-shaped gradient over the axes an operand was broadcast along. */
export function reduceTo(dy: Float32Array, outShape: readonly number[], shape: readonly number[]): Float32Array {
  if (sameShape(outShape, shape)) return dy;
  const n = shape.reduce((a, b) => a * b, 1), acc = new Float64Array(n);
  forEachBroadcast2(outShape, shape, outShape, (o, p) => (acc[p] += dy[o]!));
  return Float32Array.from(acc);
}

/** dy where the fused clamp [lo, hi] let the value through, else 0 (conv/gemm clamp_min/clamp_max). */
export function clampMask(dy: Float32Array, y: Tensor, attrs: ResolvedAttrs): Float32Array {
  const lo = attrs['clamp_min'] as number | undefined, hi = attrs['clamp_max'] as number | undefined;
  if ((lo === undefined || lo === -Infinity) && (hi === undefined || hi === Infinity)) return dy;
  const d = y.data as Float32Array, out = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) out[i] = d[i]! > lo! && d[i]! < hi! ? dy[i]! : 0;
  return out;
}

export const f32 = (t: Tensor | undefined): Float32Array => t!.data as Float32Array;

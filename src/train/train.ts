// The training loop: mini-batches of a dataset with integer class labels, softmax cross-entropy
// on the first graph output, gradients from the tape, an optimizer step; batch norms train on
// batch statistics, QAT fake quantizers observe every batch. The trained parameters, running
// statistics and fake-quant qparams are written back into a new graph.
import { fail } from '../diagnostics/index.js';
import { lookup, type Graph } from '../ir/graph.js';
import { run } from '../ir/interpreter.js';
import { tensor, type Tensor } from '../ir/tensor.js';
import { formatType, numel } from '../ir/types.js';
import type { Dataset } from '../passes/quantize/dataset.js';
import { mulberry32 } from '../util/prng.js';
import type { TrainState } from './grad.js';
import { softmaxCrossEntropy } from './loss.js';
import { withState, type FakeQuantState } from './observer.js';
import { makeOptimizer, type OptimizerName } from './optim.js';
import type { ResolvedAttrs } from '../ir/ops/index.js';
import { backward, EVAL, forward, nodeAttrs, planGradients } from './tape.js';

export interface Labeled {
  data: Dataset;
  /** One class index per sample. */
  labels: Int32Array;
}

export interface EpochStats {
  epoch: number;
  /** Mean training loss and accuracy over the epoch's batches (as the model was while training). */
  loss: number;
  accuracy: number;
  valAccuracy?: number;
  seconds: number;
}

export interface TrainOptions {
  epochs?: number;
  lr?: number;
  batch?: number;
  optimizer?: OptimizerName;
  momentum?: number;
  /** Shuffling seed. */
  seed?: number;
  val?: Labeled;
  /** From this epoch on (1-based), batch norms use and keep their running statistics (PyTorch freeze_bn_stats). */
  freezeBnFrom?: number;
  /** From this epoch on, fake quantizers stop observing and keep their qparams (PyTorch disable_observer). */
  freezeObserversFrom?: number;
  /** Constants that must not train. */
  frozen?: string[];
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number }): void;
  onEpoch?(stats: EpochStats): void;
}

export interface TrainResult {
  graph: Graph;
  history: EpochStats[];
  params: string[];
}

/** Class indices from an int64/int32 tensor of shape [N] or [N, 1], checked against the data. */
export function labelsFrom(t: Tensor, samples: number, source: string): Int32Array {
  if (t.dtype !== 'i64' && t.dtype !== 'i32') fail('TRAIN_LABELS', `${source} holds ${t.dtype} values; labels must be int64 or int32 class indices`);
  if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) fail('TRAIN_LABELS', `${source} has shape [${t.shape.join(',')}]; labels must be [N] (one class index per sample)`);
  if (t.shape[0] !== samples) fail('TRAIN_LABELS', `${source} has ${t.shape[0]} labels for ${samples} samples`);
  return Int32Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Mutable training state around a graph: parameters, buffers and fake-quant groups. */
class Session implements TrainState {
  readonly env = new Map<string, Tensor>();
  readonly fakeQuant = new Map<number | string, FakeQuantState>();
  constructor(readonly g: Graph) {
    for (const [name, t] of Object.entries(g.constants)) this.env.set(name, t.dtype === 'f32' ? tensor('f32', t.shape, (t.data as Float32Array).slice()) : t);
  }
  setBuffer(name: string, data: Float32Array): void {
    this.env.set(name, tensor('f32', this.env.get(name)!.shape, data));
  }
  /** The graph with the current constants and fake-quant states. */
  result(): Graph {
    const constants: Graph['constants'] = {};
    for (const name of Object.keys(this.g.constants)) constants[name] = this.env.get(name)!;
    const nodes = this.g.nodes.map((n) => {
      if (n.op !== 'fake_quantize') return n;
      const s = this.fakeQuant.get((n.attrs['group'] as number | undefined) ?? n.name);
      return s ? withState(n, s) : n;
    });
    return { ...this.g, constants, nodes };
  }
}

/** Samples `idx` stacked along the batch axis (the model input's leading dimension, which must be 1). */
function batchOf(data: Dataset, idx: ArrayLike<number>): Tensor[] {
  const first = data.sample(idx[0]!);
  return first.map((t, k) => {
    const n = numel(t.shape), out = new Float32Array(n * idx.length);
    for (let i = 0; i < idx.length; i++) out.set(data.sample(idx[i]!)[k]!.data as Float32Array, i * n);
    return tensor('f32', [idx.length, ...t.shape.slice(1)], out);
  });
}

function checkInputs(g: Graph): void {
  for (const v of g.inputs) {
    const t = lookup(g.values, v)!;
    if (t.dtype !== 'f32' || t.shape[0] !== 1) fail('TRAIN_OPTIONS', `input '${v}' is ${formatType(t)}; training batches samples along a leading batch dimension of size 1`);
  }
}

function evaluateIn(s: Session, attrs: readonly ResolvedAttrs[], set: Labeled, batch: number): { loss: number; accuracy: number } {
  let loss = 0, correct = 0;
  for (let i = 0; i < set.data.size; i += batch) {
    const idx = Array.from({ length: Math.min(batch, set.data.size - i) }, (_, k) => i + k);
    const out = forward(s.g, attrs, s.env, batchOf(set.data, idx), EVAL, s).values.get(s.g.outputs[0]!)!;
    const r = softmaxCrossEntropy(out, set.labels.subarray(i, i + idx.length));
    loss += r.loss * idx.length;
    correct += r.correct;
  }
  return { loss: loss / set.data.size, accuracy: correct / set.data.size };
}

/** Accuracy and mean loss of the graph (eval mode: running statistics, no observing) on a labeled set. */
export function evaluate(g: Graph, set: Labeled, batch = 256): { loss: number; accuracy: number } {
  checkInputs(g);
  const s = new Session(g);
  return evaluateIn(s, nodeAttrs(g), set, batch);
}

export function train(g: Graph, set: Labeled, opts: TrainOptions = {}): TrainResult {
  const epochs = opts.epochs ?? 3, batch = opts.batch ?? 32;
  if (!(Number.isInteger(epochs) && epochs >= 1)) fail('TRAIN_OPTIONS', `epochs must be a positive integer, got ${epochs}`);
  if (!(Number.isInteger(batch) && batch >= 1)) fail('TRAIN_OPTIONS', `batch size must be a positive integer, got ${batch}`);
  if (set.labels.length !== set.data.size) fail('TRAIN_LABELS', `${set.labels.length} labels for ${set.data.size} samples`);
  checkInputs(g);
  const plan = planGradients(g, new Set(opts.frozen ?? []));
  const s = new Session(g);
  const optimizer = makeOptimizer(opts.optimizer ?? 'sgd', opts.lr ?? 0.005, opts.momentum ?? 0.9);
  const rnd = mulberry32(opts.seed ?? 7);
  const order = Int32Array.from({ length: set.data.size }, (_, i) => i);
  const batches = Math.ceil(set.data.size / batch);
  const history: EpochStats[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let loss = 0, correct = 0;
    const mode = { training: epoch < (opts.freezeBnFrom ?? Infinity), observe: epoch < (opts.freezeObserversFrom ?? Infinity) };
    for (let b = 0; b < batches; b++) {
      const idx = order.subarray(b * batch, Math.min((b + 1) * batch, order.length));
      const fwd = forward(g, plan.attrs, s.env, batchOf(set.data, idx), mode, s);
      const r = softmaxCrossEntropy(fwd.values.get(g.outputs[0]!)!, Array.from(idx, (i) => set.labels[i]!));
      const grads = backward(g, plan, fwd, r.grad);
      const params = new Map(plan.params.map((p) => [p, s.env.get(p)!.data as Float32Array]));
      optimizer.step(params, grads);
      loss += r.loss * idx.length;
      correct += r.correct;
      opts.onBatch?.({ epoch, batch: b + 1, batches, loss: r.loss });
    }
    const stats: EpochStats = { epoch, loss: loss / order.length, accuracy: correct / order.length, seconds: (performance.now() - t0) / 1000 };
    if (opts.val) stats.valAccuracy = evaluateIn(s, plan.attrs, opts.val, 256).accuracy;
    history.push(stats);
    opts.onEpoch?.(stats);
  }
  return { graph: s.result(), history, params: plan.params };
}

/** Top-1 accuracy of any runnable graph (e.g. a converted int8 model), one sample at a time through the interpreter. */
export function accuracy(g: Graph, set: Labeled): number {
  let correct = 0;
  for (let i = 0; i < set.data.size; i++) {
    const out = run(g, set.data.sample(i)).outputs[0]!.data as ArrayLike<number>;
    let arg = 0;
    for (let k = 1; k < out.length; k++) if (out[k]! > out[arg]!) arg = k;
    if (arg === set.labels[i]) correct++;
  }
  return correct / set.data.size;
}

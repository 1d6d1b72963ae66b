// Public API of quantization-aware training: the training loop, its gradient table and the QAT
// flow (prepareQat → train → convertQat) as one call for the CLI.
export { train, evaluate, accuracy, labelsFrom, type Labeled, type TrainOptions, type TrainResult, type EpochStats } from './train.js';
export { GRADS, planGradients, forward, backward, type GradPlan, type Mode } from './tape.js';
export type { GradRule, ForwardCtx, BackwardCtx, TrainState } from './grad.js';
export { softmaxCrossEntropy } from './loss.js';
export { sgd, adam, makeOptimizer, OPTIMIZERS, type Optimizer, type OptimizerName } from './optim.js';
export { observeBatch, setQatSwitches, type FakeQuantState } from './observer.js';
export { qatGraph, type QatOptions, type QatResult } from './flow.js';

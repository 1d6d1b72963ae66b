// Softmax cross-entropy over logits [N, classes] with integer class labels (PyTorch
// F.cross_entropy, mean over the batch): loss, its gradient (softmax − one-hot) / N, and hits.
import { fail } from '../diagnostics/index.js';
import type { Tensor } from '../ir/tensor.js';

export interface LossResult {
  loss: number;
  grad: Float32Array;
  correct: number;
}

export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): LossResult {
  if (logits.shape.length !== 2) fail('TRAIN_LABELS', `the loss needs logits [batch, classes]; the model output is [${logits.shape.join(',')}]`);
  const [N, K] = logits.shape as [number, number];
  const x = logits.data as Float32Array, grad = new Float32Array(N * K);
  let loss = 0, correct = 0;
  for (let n = 0; n < N; n++) {
    const y = labels[n]!, row = n * K;
    if (!(Number.isInteger(y) && y >= 0 && y < K)) fail('TRAIN_LABELS', `label ${y} of sample ${n} is not a class index in [0, ${K})`);
    let max = -Infinity, arg = 0;
    for (let k = 0; k < K; k++) if (x[row + k]! > max) [max, arg] = [x[row + k]!, k];
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(x[row + k]! - max);
    loss += Math.log(sum) + max - x[row + y]!;
    for (let k = 0; k < K; k++) grad[row + k] = (Math.exp(x[row + k]! - max) / sum - (k === y ? 1 : 0)) / N;
    if (arg === y) correct++;
  }
  if (!Number.isFinite(loss)) fail('TRAIN_NONFINITE', `the loss became ${loss / N}`, { hint: 'lower the learning rate (--lr) or check the data' });
  return { loss: loss / N, grad, correct };
}

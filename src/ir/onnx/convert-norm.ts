// ONNX InstanceNormalization and LRN -> norm.ts ops; MeanVarianceNormalization spelled with
// reductions exactly as ONNX's function body defines it (each step rounded like ONNX's).
import { tensor } from '../tensor.js';
import type { Converter } from './convert-math.js';

/** MVN = (x - E[x]) / (sqrt(E[x²] - E[x]²) + 1e-9) over `axes` (default [0, 2, 3]). */
const mvn: Converter = (c) => {
  const axes = c.ints('axes', [0, 2, 3]), x = c.input(0), keep = { axes, keepdims: true };
  const mean = c.emit1('reduce_mean', [x], keep, c.temp('mean'));
  const meanSq = c.emit1('mul', [mean, mean], {}, c.temp('mean_sq'));
  const sqMean = c.emit1('reduce_mean', [c.emit1('mul', [x, x], {}, c.temp('sq'))], keep, c.temp('sq_mean'));
  const std = c.emit1('sqrt', [c.emit1('sub', [sqMean, meanSq], {}, c.temp('var'))], {}, c.temp('std'));
  const eps = c.addConstant('epsilon', tensor(c.type(0).dtype, [], [1e-9]));
  const den = c.emit1('add', [std, eps], {}, c.temp('den'));
  c.emit('div', [c.emit1('sub', [x, mean], {}, c.temp('centered')), den]);
};

export const NORM_CONVERTERS: Record<string, Converter> = {
  InstanceNormalization: (c) => void c.emit('instance_norm', [c.input(0), c.input(1), c.input(2)], { epsilon: c.float('epsilon', 1e-5) }),
  LRN: (c) =>
    void c.emit('lrn', [c.input(0)], {
      size: c.int('size') ?? c.invalid("attribute 'size' is required"),
      alpha: c.float('alpha', 1e-4),
      beta: c.float('beta', 0.75),
      bias: c.float('bias', 1),
    }),
  MeanVarianceNormalization: mvn,
};

// Optimizers with PyTorch's update rules (torch.optim.SGD with momentum, torch.optim.Adam),
// applied in place to the parameter arrays.
import { fail } from '../diagnostics/index.js';

export const OPTIMIZERS = ['sgd', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface Optimizer {
  step(params: Map<string, Float32Array>, grads: Map<string, Float32Array>): void;
}

/** SGD: buf = momentum·buf + g (buf = g on the first step), p −= lr·buf. */
export function sgd(lr: number, momentum = 0.9): Optimizer {
  const bufs = new Map<string, Float32Array>();
  return {
    step(params, grads) {
      for (const [name, p] of params) {
        const g = grads.get(name)!;
        let b = bufs.get(name);
        if (!b) bufs.set(name, (b = Float32Array.from(g)));
        else for (let i = 0; i < b.length; i++) b[i] = momentum * b[i]! + g[i]!;
        for (let i = 0; i < p.length; i++) p[i] -= lr * (momentum ? b[i]! : g[i]!);
      }
    },
  };
}

/** Adam: m, v moving averages of g and g², bias-corrected; p −= lr·m̂ / (√v̂ + eps). */
export function adam(lr: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): Optimizer {
  const m = new Map<string, Float64Array>(), v = new Map<string, Float64Array>();
  let t = 0;
  return {
    step(params, grads) {
      t++;
      const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
      for (const [name, p] of params) {
        const g = grads.get(name)!;
        if (!m.has(name)) [m.set(name, new Float64Array(p.length)), v.set(name, new Float64Array(p.length))];
        const mm = m.get(name)!, vv = v.get(name)!;
        for (let i = 0; i < p.length; i++) {
          mm[i] = beta1 * mm[i]! + (1 - beta1) * g[i]!;
          vv[i] = beta2 * vv[i]! + (1 - beta2) * g[i]! * g[i]!;
          p[i] -= (lr * (mm[i]! / c1)) / (Math.sqrt(vv[i]! / c2) + eps);
        }
      }
    },
  };
}

export function makeOptimizer(name: string, lr: number, momentum?: number): Optimizer {
  if (!(lr > 0 && Number.isFinite(lr))) fail('TRAIN_OPTIONS', `learning rate ${lr} must be positive and finite`);
  if (name === 'sgd') return sgd(lr, momentum);
  if (name === 'adam') return adam(lr);
  return fail('TRAIN_OPTIONS', `unknown optimizer '${name}' (${OPTIMIZERS.join(', ')})`);
}

// Gradients of elementwise, activation and shape ops, and the straight-through estimator of
// fake_quantize. Broadcast operands get the gradient summed over the broadcast axes.
import { forEachBroadcast2 } from '../ir/compute/broadcast.js';
import { fakeQuantizeInto } from '../ir/ops/quant.js';
import type { QuantScaling } from '../ir/quant-math.js';
import { tensor } from '../ir/tensor.js';
import { normAxis } from '../ir/ops/infer-util.js';
import { f32, reduceTo, type GradRule } from './grad.js';
import { observeBatch, stateOf } from './observer.js';

/** d(a∘b)/da and /db per element, given a, b, y. */
function binaryGrad(da: (a: number, b: number, y: number) => number, db: (a: number, b: number, y: number) => number): GradRule {
  return {
    diff: [0, 1],
    backward({ inputs: [a, b], output, dy, need }) {
      const ad = f32(a), bd = f32(b), yd = f32(output);
      const ga = need[0] ? new Float64Array(ad.length) : undefined, gb = need[1] ? new Float64Array(bd.length) : undefined;
      forEachBroadcast2(output.shape, a!.shape, b!.shape, (o, p, q) => {
        if (ga) ga[p] += dy[o]! * da(ad[p]!, bd[q]!, yd[o]!);
        if (gb) gb[q] += dy[o]! * db(ad[p]!, bd[q]!, yd[o]!);
      });
      return [ga && Float32Array.from(ga), gb && Float32Array.from(gb)];
    },
  };
}

const addGrad: GradRule = {
  diff: [0, 1],
  backward: ({ inputs: [a, b], output, dy, need }) => [need[0] ? reduceTo(dy, output.shape, a!.shape) : undefined, need[1] ? reduceTo(dy, output.shape, b!.shape) : undefined],
};

/** y = f(x): dx = dy · f'(x, y). */
function unaryGrad(d: (x: number, y: number, attrs: Record<string, unknown>) => number): GradRule {
  return {
    diff: [0],
    backward({ inputs: [x], output, attrs, dy }) {
      const xd = f32(x), yd = f32(output), dx = new Float32Array(dy.length);
      for (let i = 0; i < dx.length; i++) dx[i] = dy[i]! * d(xd[i]!, yd[i]!, attrs);
      return [dx];
    },
  };
}

/** Same data, another shape: the gradient is dy read in the operand's shape. */
const passGrad: GradRule = { diff: [0], backward: ({ dy }) => [dy] };

const concatGrad: GradRule = {
  diff: 'all',
  backward({ inputs, output, attrs, dy, need }) {
    const axis = normAxis(attrs['axis'] as number, output.shape.length);
    const outer = output.shape.slice(0, axis).reduce((p, q) => p * q, 1), inner = output.shape.slice(axis + 1).reduce((p, q) => p * q, 1);
    const total = output.shape[axis]! * inner;
    let off = 0;
    return inputs.map((t, k) => {
      const len = t!.shape[axis]! * inner, start = off;
      off += len;
      if (!need[k]) return undefined;
      const dx = new Float32Array(outer * len);
      for (let o = 0; o < outer; o++) dx.set(dy.subarray(o * total + start, o * total + start + len), o * len);
      return dx;
    });
  },
};

/**
 * Fake quantization in training: observe the batch first (when enabled; the state is the sharing
 * group's), fake-quantize with the group's current qparams, and keep the in-range mask: the
 * straight-through estimator passes the gradient only where the value was not clamped.
 */
const fakeQuantizeGrad: GradRule = {
  diff: [0],
  forward({ node, attrs, inputs: [x], observe, saved, state }) {
    const key = (attrs['group'] as number | undefined) ?? node.name;
    let s = state.fakeQuant.get(key) ?? stateOf(attrs);
    if (observe && attrs['observer_enabled']) s = observeBatch(node, attrs, s, x!);
    state.fakeQuant.set(key, s);
    if (!attrs['fake_quant_enabled']) return [x!];
    const out = tensor('f32', x!.shape), mask = new Uint8Array(x!.data.length);
    const quant = { scale: s.scale, zeroPoint: s.zeroPoint, ...(s.scale.length > 1 ? { axis: normAxis(attrs['axis'] as number, x!.shape.length) } : {}) };
    fakeQuantizeInto(f32(x), x!.shape, quant, attrs['qmin'] as number, attrs['qmax'] as number, attrs['scaling'] as QuantScaling, out.data as Float32Array, mask);
    saved['mask'] = mask;
    return [out];
  },
  backward({ dy, saved }) {
    const mask = saved['mask'] as Uint8Array | undefined;
    return [mask ? dy.map((v, i) => (mask[i] ? v : 0)) : dy];
  },
};

const num = (a: Record<string, unknown>, k: string) => a[k] as number;

export const ELEMENTWISE_GRADS: Record<string, GradRule> = {
  add: addGrad,
  sub: binaryGrad(() => 1, () => -1),
  mul: binaryGrad((_a, b) => b, (a) => a),
  div: binaryGrad((_a, b) => 1 / b, (a, b) => -a / (b * b)),
  relu: unaryGrad((x) => (x > 0 ? 1 : 0)),
  // torch.clamp's gradient: 1 on the closed range.
  clip: unaryGrad((x, _y, a) => (x >= num(a, 'min') && x <= num(a, 'max') ? 1 : 0)),
  hardswish: unaryGrad((x) => (x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1)),
  sigmoid: unaryGrad((_x, y) => y * (1 - y)),
  tanh: unaryGrad((_x, y) => 1 - y * y),
  sqrt: unaryGrad((_x, y) => 0.5 / y),
  identity: passGrad,
  flatten: passGrad,
  reshape: passGrad,
  squeeze: passGrad,
  unsqueeze: passGrad,
  concat: concatGrad,
  fake_quantize: fakeQuantizeGrad,
};


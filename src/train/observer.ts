// The observer of a QAT fake_quantize (PyTorch FakeQuantize with MovingAverageMinMaxObserver or
// MovingAveragePerChannelMinMaxObserver): each training batch updates min/max, then scale and
// zero point, before the batch is fake-quantized. The state is plain data kept per sharing group
// and written back into the node's attributes (min, max, scale, zero_point) after training.
import { fail } from '../diagnostics/index.js';
import type { Attrs, Graph, Node } from '../ir/graph.js';
import type { ResolvedAttrs } from '../ir/ops/index.js';
import { fround } from '../ir/quant-math.js';
import type { Tensor } from '../ir/tensor.js';
import type { DType } from '../ir/dtype.js';
import { calculateQParams, makeRange, type QScheme } from '../passes/quantize/qparams.js';

export interface FakeQuantState {
  /** Observed range per channel (one entry per tensor); empty before the first batch. */
  min: number[];
  max: number[];
  scale: number[];
  zeroPoint: number[];
}

export const stateOf = (a: ResolvedAttrs | Attrs): FakeQuantState => ({
  min: [...((a['min'] as number[] | undefined) ?? [])],
  max: [...((a['max'] as number[] | undefined) ?? [])],
  scale: [...(a['scale'] as number[])],
  zeroPoint: [...(a['zero_point'] as number[])],
});

/** The node's attributes with the group's state written in. */
export function withState(n: Node, s: FakeQuantState): Node {
  const attrs: Attrs = { ...n.attrs, scale: [...s.scale], zero_point: [...s.zeroPoint] };
  if (s.min.length) [attrs['min'], attrs['max']] = [[...s.min], [...s.max]];
  return { ...n, attrs };
}

/** Per channel (along `axis`, or the whole tensor) [min, max] of one batch. */
function batchRange(x: Tensor, axis: number | undefined): [number[], number[]] {
  const d = x.data as Float32Array;
  const len = axis === undefined ? 1 : x.shape[axis]!;
  const inner = axis === undefined ? d.length : x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const lo = new Array<number>(len).fill(Infinity), hi = new Array<number>(len).fill(-Infinity);
  for (let base = 0, c = 0; base < d.length; base += inner, c = (c + 1) % len) {
    let l = lo[c]!, h = hi[c]!;
    for (let i = base; i < base + inner; i++) {
      const v = d[i]!;
      if (v < l) l = v;
      if (v > h) h = v;
    }
    lo[c] = l;
    hi[c] = h;
  }
  return [lo, hi];
}

/**
 * The state after observing batch `x`: minmax keeps the running extremes; moving-average takes the
 * first batch as is and then min += c·(batch min − min) in float32 (PyTorch's update); qparams
 * follow with the PTQ observers' formula (calculate_qparams at every step, as FakeQuantize does).
 */
export function observeBatch(n: Node, a: ResolvedAttrs, s: FakeQuantState, x: Tensor): FakeQuantState {
  const kind = a['observer'] as string | undefined;
  if (kind !== 'moving-average' && kind !== 'minmax') return s;
  const d = x.data as Float32Array;
  for (let i = 0; i < d.length; i++)
    if (!Number.isFinite(d[i]!)) fail('TRAIN_NONFINITE', `fake quantizer of '${a['tensor'] ?? n.inputs[0]}' saw ${d[i]} during training`, { node: n, hint: 'lower the learning rate' });
  const perChannel = a['granularity'] === 'per-channel';
  const axis = perChannel ? ((a['axis'] as number) + x.shape.length) % x.shape.length : undefined;
  const [lo, hi] = batchRange(x, axis);
  const c = a['averaging_constant'] as number;
  let min: number[], max: number[];
  if (!s.min.length) [min, max] = [lo, hi];
  else if (kind === 'minmax') [min, max] = [s.min.map((m, i) => Math.min(m, lo[i]!)), s.max.map((m, i) => Math.max(m, hi[i]!))];
  else {
    min = s.min.map((m, i) => fround(m + fround(c * fround(lo[i]! - m))));
    max = s.max.map((m, i) => fround(m + fround(c * fround(hi[i]! - m))));
  }
  const range = makeRange(a['dtype'] as DType, a['scheme'] as QScheme, { qmin: a['qmin'] as number, qmax: a['qmax'] as number, eps: a['eps'] as number });
  const q = min.map((m, i) => calculateQParams(m, max[i]!, range));
  return { min: min.map(fround), max: max.map(fround), scale: q.map((v) => fround(v.scale)), zeroPoint: q.map((v) => v.zeroPoint) };
}

/**
 * The graph with every QAT fake quantizer's switches set (PyTorch's enable/disable_observer and
 * enable/disable_fake_quant applied to the whole model); an absent switch is left as it is.
 */
export function setQatSwitches(g: Graph, s: { observe?: boolean; fakeQuant?: boolean }): Graph {
  const nodes = g.nodes.map((n) => {
    if (n.op !== 'fake_quantize' || n.attrs['observer'] === undefined) return n;
    const attrs: Attrs = { ...n.attrs };
    // Derived (bias) quantizers stay off while training: their qparams exist only after convert.
    if (s.fakeQuant !== undefined && n.attrs['observer'] !== 'derived') attrs['fake_quant_enabled'] = s.fakeQuant;
    if (s.observe !== undefined && n.attrs['observer'] !== 'fixed' && n.attrs['observer'] !== 'derived') attrs['observer_enabled'] = s.observe;
    return { ...n, attrs };
  });
  return { ...g, nodes };
}

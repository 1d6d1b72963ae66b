// A depthwise convolution and the pointwise GEMM right after it, as one parallel step (qf_par_dw_pw):
// each thread runs its rows of the depthwise and then the GEMM of those pixels, with no barrier in
// between. MobileNetV2 has 17 such pairs; each barrier made both threads wait for the slower one and
// paid a hand-off (~1 us a job on the build machine). The depthwise step is emitted as usual and
// noted; the pointwise emitter, finding it as the step just before with its output as the GEMM's
// input, empties it and emits the fused call instead (same kernels on the same rows: same bytes).
import { SLACK, type Lowering, type Val } from '../emit/lower.js';

interface Depthwise {
  step: number;
  k3: boolean;
  geom: string;
  x: Val;
  w: string;
  rq: string;
  y: Val;
}

const last = new WeakMap<Lowering, Depthwise>();

/** Records the depthwise step just emitted (single image: its call covers the whole tensor). */
export function noteDepthwise(L: Lowering, d: Omit<Depthwise, 'step'>): void {
  last.set(L, { ...d, step: L.steps.length - 1 });
}

/** Emits the depthwise just before and this pointwise GEMM (N columns of x's C channels) as one step, when
 *  x is that depthwise's output, unconverted; false otherwise. */
export function fuseDepthwise(L: Lowering, x: Val, C: number, N: number, w: string, rq: string, y: Val, what: string): boolean {
  const d = last.get(L);
  if (!d || d.step !== L.steps.length - 1 || d.y !== x) return false;
  const prev = L.steps[d.step]!;
  prev.comment += ' (runs in the next step, with its pointwise GEMM)';
  prev.lines = [];
  // The last pixel of a thread's rows, copied: the GEMM's loads may run past a row (qforge_threads.c).
  const row = L.scratch(C + SLACK, `${y.name}_row`, { perThread: true });
  L.emit(`depthwise + ${what}`, [`qf_par_dw_pw(ctx, ${d.k3 ? 1 : 0}, &${d.geom}, ${d.x.cname}, ${d.w}, &${d.rq}, ${x.cname}, ${N}, ${w}, &${rq}, ${y.cname}, ${row});`], [d.x]);
  return true;
}

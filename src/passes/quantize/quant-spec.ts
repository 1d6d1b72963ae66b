// Quantization specs: how one edge or value is to be quantized. These mirror PT2E's
// QuantizationSpec / FixedQParamsQuantizationSpec / SharedQuantizationSpec /
// DerivedQuantizationSpec (pt2e-semantics.md §2); an annotation attaches them to input edges and outputs.
import { fail } from '../../diagnostics/index.js';
import { dtypeRange, isIntDType, type DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import type { DeriveFn } from './derive.js';
import { F32_EPS, type QScheme } from './qparams.js';

export type Granularity = 'per-tensor' | 'per-channel' | 'per-group';
export const STAT_OBSERVERS = ['minmax', 'moving-average', 'histogram', 'percentile'] as const;
export type StatObserver = (typeof STAT_OBSERVERS)[number];

export interface ObserverOptions {
  /** moving-average: EMA constant (PyTorch 0.01). */
  averagingConstant?: number;
  /** histogram/percentile: bins (2048) and upsample rate (128 in torch 1.13, 16 in torchao). */
  bins?: number;
  upsampleRate?: number;
  /** percentile: the kept central mass in percent (99.99). */
  percentile?: number;
}

/** Quantize with qparams from an observer of the calibration data (or, if dynamic, at run time). */
export interface QuantSpec {
  kind: 'quant';
  dtype: DType;
  qmin: number;
  qmax: number;
  scheme: QScheme;
  granularity: Granularity;
  /** per-channel / per-group axis; 'out' = the output-channel axis of the weight it annotates (see OUT_AXIS). */
  axis?: number | 'out';
  groupSize?: number;
  dynamic: boolean;
  observer: StatObserver;
  observerOptions: ObserverOptions;
  eps: number;
}

/** Fixed qparams, for ops whose output range is known (sigmoid, tanh, softmax, hardsigmoid). */
export interface FixedSpec {
  kind: 'fixed';
  dtype: DType;
  qmin: number;
  qmax: number;
  scale: number;
  zeroPoint: number;
}

/** An input edge (operand `input` of `node`) or, without `input`, the output of `node`. */
export interface EdgeOrNode {
  node: string;
  input?: number;
}

/** Use the same observer (hence the same qparams) as another edge or output. */
export interface SharedSpec {
  kind: 'shared';
  with: EdgeOrNode;
}

/**
 * qparams computed from other groups' qparams (in `from` order). The built-in rule `bias`:
 * zero point 0, scale[c] = fround(scale(from[0]) · scale(from[1])[c]) — the bias scale of the
 * integer kernels. Any other rule is a function of the sources' qparams (derive_qparams_fn).
 */
export interface DerivedSpec {
  kind: 'derived';
  rule: 'bias' | DeriveFn;
  from: EdgeOrNode[];
  dtype: DType;
  qmin: number;
  qmax: number;
}

export type Spec = QuantSpec | FixedSpec | SharedSpec | DerivedSpec;
export type ConcreteSpec = QuantSpec | FixedSpec | DerivedSpec;

/** A QuantSpec with PyTorch's defaults for whatever is left out: the dtype's range, affine, per tensor, MinMax, eps 2^-23. */
export function quantSpec(s: Partial<Omit<QuantSpec, 'kind'>> & { dtype: DType }): QuantSpec {
  const [lo, hi] = dtypeRange(s.dtype);
  return {
    kind: 'quant',
    dtype: s.dtype,
    qmin: s.qmin ?? lo,
    qmax: s.qmax ?? hi,
    scheme: s.scheme ?? 'affine',
    granularity: s.granularity ?? 'per-tensor',
    ...(s.axis !== undefined ? { axis: s.axis } : {}),
    ...(s.groupSize !== undefined ? { groupSize: s.groupSize } : {}),
    dynamic: s.dynamic ?? false,
    observer: s.observer ?? 'minmax',
    observerOptions: { ...s.observerOptions },
    eps: s.eps ?? F32_EPS,
  };
}

/** Fixed qparams of output-bounded ops (PyTorch's default_fixed_qparams_range_0to1 / neg1to1 observers). */
export const FIXED_QPARAMS: Record<'0to1' | 'neg1to1', Partial<Record<DType, [number, number]>>> = {
  '0to1': { u8: [1 / 256, 0], i8: [1 / 256, -128] },
  neg1to1: { u8: [2 / 256, 128], i8: [2 / 256, 0] },
};

export function fixedSpec(range: keyof typeof FIXED_QPARAMS, dtype: DType): FixedSpec {
  const q = FIXED_QPARAMS[range][dtype];
  if (!q) fail('QUANT_SPEC', `no fixed qparams for range ${range} and dtype ${dtype} (u8 or i8)`);
  const [qmin, qmax] = dtypeRange(dtype);
  return { kind: 'fixed', dtype, qmin, qmax, scale: q[0], zeroPoint: q[1] };
}

export function biasSpec(input: EdgeOrNode, weight: EdgeOrNode): DerivedSpec {
  const [qmin, qmax] = dtypeRange('i32');
  return { kind: 'derived', rule: 'bias', from: [input, weight], dtype: 'i32', qmin, qmax };
}

/**
 * The output-channel axis of a weight operand, by op and operand index (undefined: the op has no
 * per-channel form for it; the spec falls back to per tensor). Conv-transpose weights are
 * [Cin, Cout/group, kh, kw]: axis 1 is the output channel only when group is 1.
 */
export const OUT_AXIS: Record<string, Record<number, (n: Node, rank: number) => number | undefined>> = {
  conv2d: { 1: () => 0 },
  conv_transpose2d: { 1: (n) => ((n.attrs['group'] ?? 1) === 1 ? 1 : undefined) },
  gemm: { 1: (n) => (n.attrs['trans_b'] ? 0 : 1) },
  matmul: { 1: (_, rank) => rank - 1 },
};

/** The spec with an 'out' axis replaced by the operand's channel axis (or made per tensor where there is none). */
export function resolveAxis(s: QuantSpec, node: Node, operand: number, rank: number): QuantSpec {
  if (s.axis !== 'out' || s.granularity === 'per-tensor') return s;
  const axis = OUT_AXIS[node.op]?.[operand]?.(node, rank);
  if (axis === undefined) {
    const { axis: _drop, ...rest } = s;
    return { ...rest, granularity: 'per-tensor' };
  }
  return { ...s, axis };
}

const where = (node: { name: string; op: string }, what: string) => ({ node: { name: node.name, op: node.op }, hint: what });

/** Checks a concrete spec's numbers; `rank` (when known) bounds the axis. Errors name the node. */
export function checkSpec(s: Spec, node: { name: string; op: string }, what: string, rank?: number): void {
  if (s.kind === 'shared') return;
  const bad = (msg: string): never => fail('QUANT_SPEC', `${what}: ${msg}`, where(node, 'fix the quantizer spec for this node'));
  if (!isIntDType(s.dtype) || s.dtype === 'i64' || s.dtype === 'u16') bad(`dtype ${s.dtype} is not a quantized integer type (i4, u4, i8, u8, i16, i32)`);
  const [lo, hi] = dtypeRange(s.dtype);
  if (!Number.isInteger(s.qmin) || !Number.isInteger(s.qmax)) bad(`qmin ${s.qmin} and qmax ${s.qmax} must be integers`);
  if (s.qmin > s.qmax) bad(`qmin ${s.qmin} is greater than qmax ${s.qmax}`);
  if (s.qmin < lo || s.qmax > hi) bad(`range [${s.qmin}, ${s.qmax}] does not fit ${s.dtype} [${lo}, ${hi}]`);
  if (s.kind === 'fixed') {
    if (!(s.scale > 0 && Number.isFinite(s.scale))) bad(`fixed scale ${s.scale} must be positive and finite`);
    if (!Number.isInteger(s.zeroPoint) || s.zeroPoint < s.qmin || s.zeroPoint > s.qmax) bad(`fixed zero point ${s.zeroPoint} is outside [${s.qmin}, ${s.qmax}]`);
    return;
  }
  if (s.kind === 'derived') {
    if (s.rule === 'bias' && s.from.length !== 2) bad(`a derived bias spec needs two sources (input and weight), got ${s.from.length}`);
    if (s.rule !== 'bias' && typeof s.rule !== 'function') bad(`a derived spec's rule is 'bias' or a function, got ${JSON.stringify(s.rule)}`);
    if (!s.from.length) bad('a derived spec needs at least one source');
    return;
  }
  if (s.qmin === s.qmax) bad(`qmin and qmax are both ${s.qmin}; an observer needs at least two levels`);
  if (!(s.eps > 0 && Number.isFinite(s.eps))) bad(`eps ${s.eps} must be positive and finite`);
  if (!STAT_OBSERVERS.includes(s.observer)) bad(`unknown observer '${s.observer}' (${STAT_OBSERVERS.join(', ')})`);
  if (s.granularity !== 'per-tensor') {
    if ((s.observer === 'histogram' || s.observer === 'percentile') && !s.dynamic) bad(`the ${s.observer} observer is per tensor only; use minmax for ${s.granularity}`);
    if (s.axis === undefined) bad(`${s.granularity} quantization needs an axis`);
    if (typeof s.axis === 'number' && rank !== undefined && (s.axis < -rank || s.axis >= rank))
      bad(`${s.granularity} axis ${s.axis} is out of range for a rank-${rank} tensor`);
    if (s.granularity === 'per-group' && !(Number.isInteger(s.groupSize) && s.groupSize! > 0)) bad(`per-group quantization needs a positive group size, got ${s.groupSize}`);
  }
  if (s.dynamic && s.granularity !== 'per-tensor') bad('dynamic quantization is per tensor');
  if (s.dynamic && s.dtype !== 'u8' && s.dtype !== 'i8') bad(`dynamic quantization is to u8 or i8, not ${s.dtype}`);
}

/**
 * Equality for implicit sharing: every numeric attribute (PT2E PR #135736 widened the check to
 * dtype, dynamic, range, scheme, axis and fixed qparams). Derived specs never share implicitly.
 */
export function sameSpec(a: ConcreteSpec, b: ConcreteSpec): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || a.kind === 'derived' || b.kind === 'derived') return false;
  if (a.dtype !== b.dtype || a.qmin !== b.qmin || a.qmax !== b.qmax) return false;
  if (a.kind === 'fixed') return a.scale === (b as FixedSpec).scale && a.zeroPoint === (b as FixedSpec).zeroPoint;
  const q = b as QuantSpec;
  return a.scheme === q.scheme && a.dynamic === q.dynamic && a.granularity === q.granularity && a.axis === q.axis && a.groupSize === q.groupSize;
}

export function describeKey(k: EdgeOrNode): string {
  return k.input === undefined ? `the output of '${k.node}'` : `input ${k.input} of '${k.node}'`;
}

// The numeric debugger (PT2E's _numeric_debugger, pt2e-semantics.md §6): runs a float graph and its quantized
// form on the same inputs, captures the value of every handle the two share (interpreter onNode
// hook, so nothing else is kept alive), dequantizes integer results, and reports per handle the
// SQNR and the largest absolute error, accumulated over all samples. SQNR uses the float value
// as the signal, as the quantization report does: 10·log10(Σ f² / Σ (f − q)²).
import { fail } from '../diagnostics/index.js';
import { lookup, type Graph } from '../ir/graph.js';
import { run } from '../ir/interpreter.js';
import { dequantizeValue } from '../ir/quant-math.js';
import { strides, type Tensor } from '../ir/tensor.js';
import { formatType, sameShape, type TensorType } from '../ir/types.js';
import { matchByHandle } from './match.js';

export interface LayerStats {
  handle: number;
  /** Result index (0 unless the node has several results). */
  result: number;
  /** The float node's op, name and result value. */
  op: string;
  floatNode: string;
  floatValue: string;
  /** The quantized node standing for it (e.g. the dequantize after the op, or an integer op). */
  quantOp: string;
  quantNode: string;
  quantValue: string;
  shape: number[];
  /** Position of the float node in its graph (the order of the HTML chart). */
  order: number;
  /** +Infinity: identical; -Infinity: the float value is all zeros but the quantized one is not. */
  sqnrDb: number;
  maxAbsError: number;
  /** Element pairs compared, over all samples; pairs with a NaN or infinity are skipped and counted. */
  elements: number;
  nonFinite: number;
}

export interface OutputStats {
  name: string;
  sqnrDb: number;
  maxAbsError: number;
}

export interface DebugReport {
  float: string;
  quant: string;
  samples: number;
  /** Graph order of the float model. */
  layers: LayerStats[];
  /** The graph outputs, paired by position. */
  outputs: OutputStats[];
  floatOnly: number[];
  quantOnly: number[];
}

type Sample = Record<string, Tensor>;

class Acc {
  signal = 0;
  noise = 0;
  maxAbs = 0;
  elements = 0;
  nonFinite = 0;
  add(ref: Tensor, got: Float32Array): void {
    const f = ref.data as Float32Array;
    for (let i = 0; i < f.length; i++) {
      const a = f[i]!, b = got[i]!;
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        this.nonFinite++;
        continue;
      }
      const e = a - b;
      this.signal += a * a;
      this.noise += e * e;
      if (Math.abs(e) > this.maxAbs) this.maxAbs = Math.abs(e);
      this.elements++;
    }
  }
  get sqnr(): number {
    if (this.noise === 0) return Infinity;
    return this.signal === 0 ? -Infinity : 10 * Math.log10(this.signal / this.noise);
  }
}

/** A result as float32: itself, or dequantized with its type's (per-tensor or per-axis) params. */
export function asFloat(t: Tensor, type: TensorType): Float32Array {
  if (t.dtype === 'f32') return t.data as Float32Array;
  const q = type.quant!;
  const out = new Float32Array(t.data.length);
  const inner = q.axis === undefined ? 0 : strides(t.shape)[q.axis]!, channels = q.axis === undefined ? 1 : t.shape[q.axis]!;
  for (let i = 0; i < out.length; i++) {
    const c = q.axis === undefined ? 0 : Math.floor(i / inner) % channels;
    out[i] = dequantizeValue(Number(t.data[i]), q.scale[c]!, q.zeroPoint[c]!);
  }
  return out;
}

function checkInputs(float: Graph, quant: Graph, samples: Sample[]): void {
  const sig = (g: Graph) => g.inputs.map((n) => `${n}: ${formatType(lookup(g.values, n)!)}`).join(', ');
  const same = float.inputs.length === quant.inputs.length && float.inputs.every((n, i) => n === quant.inputs[i] && sameShape(lookup(float.values, n)!.shape, lookup(quant.values, n)!.shape));
  if (!same) fail('DEBUG_INPUTS', `the float graph takes (${sig(float)}) but the quantized graph takes (${sig(quant)})`);
  if (!samples.length) fail('DEBUG_INPUTS', 'no input samples given');
  samples.forEach((s, i) => {
    const missing = float.inputs.filter((n) => !Object.hasOwn(s, n));
    if (missing.length)
      fail('DEBUG_INPUTS', `sample ${i} lacks input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}' (${formatType(lookup(float.values, n)!)})`).join(', ')}`);
  });
}

/** Compares `quant` against `float` on every sample (one tensor per graph input, by name). */
export function debugNumerics(float: Graph, quantInput: Graph, samplesIn: Sample | Sample[]): DebugReport {
  const samples = Array.isArray(samplesIn) ? samplesIn : [samplesIn];
  checkInputs(float, quantInput, samples);
  const { pairs, floatOnly, quantOnly, quant } = matchByHandle(float, quantInput);
  const wantF = new Set(pairs.map((p) => p.float.node.name)), wantQ = new Set(pairs.map((p) => p.quant.node.name));
  const accs = pairs.map(() => new Acc());
  const outAccs = float.outputs.map(() => new Acc());
  for (const s of samples) {
    const fCap = new Map<string, Tensor[]>(), qCap = new Map<string, Tensor[]>();
    const f = run(float, s, { onNode: (n, outs) => wantF.has(n.name) && fCap.set(n.name, outs) });
    const q = run(quant, s, { onNode: (n, outs) => wantQ.has(n.name) && qCap.set(n.name, outs) });
    pairs.forEach((p, i) => {
      const qt = qCap.get(p.quant.node.name)![p.quant.node.outputs.indexOf(p.quant.value)]!;
      accs[i]!.add(fCap.get(p.float.node.name)![p.result]!, asFloat(qt, lookup(quant.values, p.quant.value)!));
    });
    float.outputs.forEach((_name, k) => {
      const qv = quant.outputs[k], qt = q.outputs[k];
      const type = qv === undefined ? undefined : lookup(quant.values, qv);
      if (!qt || !type || !sameShape(qt.shape, f.outputs[k]!.shape) || (qt.dtype !== 'f32' && !type.quant)) return;
      outAccs[k]!.add(f.outputs[k]!, asFloat(qt, type));
    });
  }
  const layers = pairs.map((p, i): LayerStats => ({
    handle: p.handle,
    result: p.result,
    op: p.float.node.op,
    floatNode: p.float.node.name,
    floatValue: p.float.value,
    quantOp: p.quant.node.op,
    quantNode: p.quant.node.name,
    quantValue: p.quant.value,
    shape: [...lookup(float.values, p.float.value)!.shape],
    order: p.float.index,
    sqnrDb: accs[i]!.sqnr,
    maxAbsError: accs[i]!.maxAbs,
    elements: accs[i]!.elements,
    nonFinite: accs[i]!.nonFinite,
  }));
  const outputs = float.outputs.flatMap((name, k) => (outAccs[k]!.elements || outAccs[k]!.nonFinite ? [{ name, sqnrDb: outAccs[k]!.sqnr, maxAbsError: outAccs[k]!.maxAbs }] : []));
  return { float: float.name, quant: quant.name, samples: samples.length, layers, outputs, floatOnly, quantOnly };
}

/** Worst first: lowest SQNR, then largest error; identical results last. */
export function worstFirst(layers: readonly LayerStats[]): LayerStats[] {
  return [...layers].sort((a, b) => a.sqnrDb - b.sqnrDb || b.maxAbsError - a.maxAbsError || a.order - b.order);
}

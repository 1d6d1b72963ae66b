// The state of one ONNX import and the view a converter gets of one ONNX node: attribute
// readers, operand types and constants, and `emit`, which adds our op (or folds it to a constant
// when all its operands are constants, so shape computations disappear at import).
import { fail, QforgeError } from '../../diagnostics/index.js';
import type { DType } from '../dtype.js';
import type { AttrValue, Attrs, Node } from '../graph.js';
import { freshName } from '../graph.js';
import { getOp, OpError, resolveAttrs, type OpDef } from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import { numel, type TensorType } from '../types.js';
import { ATTR, int64ToNumber, type OnnxAttribute, type OnnxNode } from './schema.js';
import { dtypeFromOnnx, onnxTypeName, tensorFromProto } from './tensors.js';

// Size limits, so a hostile model fails with a diagnostic rather than exhausting memory: a value's
// element count (typed arrays stop near 2^32 elements; no target of qforge has tensors near it),
// and the element count of a constant the importer computes (folds or fills) itself.
export const MAX_VALUE_ELEMENTS = 2 ** 31 - 1;
export const MAX_FOLDED_ELEMENTS = 2 ** 26;

export class ImportState {
  /** No prototype: a value named `__proto__` or `constructor` is a plain entry here. */
  values: Record<string, TensorType> = Object.create(null);
  /** Every value known to be constant: initializers, Constant nodes and folded results. */
  constants = new Map<string, Tensor>();
  /** Folded Identity/Dropout results -> the value they stand for. */
  aliases = new Map<string, string>();
  nodes: Node[] = [];
  nodeNames = new Set<string>();
  tempNames = new Set<string>();

  constructor(
    readonly opset: number,
    readonly baseDir: string | undefined,
  ) {}

  resolve(name: string): string {
    return this.aliases.get(name) ?? name;
  }

  defineConstant(name: string, t: Tensor): void {
    this.constants.set(name, t);
    this.values[name] = { dtype: t.dtype, shape: [...t.shape] };
  }

  taken = { has: (n: string) => Object.hasOwn(this.values, n) || this.tempNames.has(n) };
}

export class NodeContext {
  private attrMap = new Map<string, OnnxAttribute>();
  private emitted = 0;

  constructor(
    readonly st: ImportState,
    readonly onnx: OnnxNode,
    /** Unique node name (ONNX's, or `<OpType>_<i>` when empty). */
    readonly name: string,
  ) {
    for (const a of onnx.attribute) this.attrMap.set(a.name, a);
  }

  get opset(): number {
    return this.st.opset;
  }
  get opType(): string {
    return this.onnx.opType;
  }
  private get where() {
    return { node: { name: this.name, op: this.onnx.opType } };
  }

  /** A problem with this node's content (bad attribute, non-constant shape operand...). */
  invalid(message: string, hint?: string): never {
    fail('ONNX_INVALID', message, { ...this.where, ...(hint ? { hint } : {}) });
  }
  /** A valid ONNX feature that qforge does not handle. */
  unsupported(message: string, hint?: string): never {
    fail('ONNX_UNSUPPORTED', message, { ...this.where, ...(hint ? { hint } : {}) });
  }

  // ---- attributes ----

  has(name: string): boolean {
    return this.attrMap.has(name);
  }
  private attr(name: string, type: number, typeName: string): OnnxAttribute | undefined {
    const a = this.attrMap.get(name);
    if (a?.refAttrName) this.unsupported(`attribute '${name}' refers to a function attribute`);
    if (a && a.type !== type && a.type !== 0) this.invalid(`attribute '${name}' must be ${typeName}`);
    return a;
  }
  int(name: string, def: number): number;
  int(name: string): number | undefined;
  int(name: string, def?: number): number | undefined {
    const a = this.attr(name, ATTR.INT, 'an int');
    return a ? int64ToNumber(a.i) : def;
  }
  float(name: string, def: number): number;
  float(name: string): number | undefined;
  float(name: string, def?: number): number | undefined {
    const a = this.attr(name, ATTR.FLOAT, 'a float');
    return a ? a.f : def;
  }
  ints(name: string, def: number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, def?: number[]): number[] | undefined {
    const a = this.attr(name, ATTR.INTS, 'a list of ints');
    return a ? a.ints.map(int64ToNumber) : def;
  }
  floats(name: string): number[] | undefined {
    const a = this.attr(name, ATTR.FLOATS, 'a list of floats');
    return a ? [...a.floats] : undefined;
  }
  str(name: string, def: string): string;
  str(name: string): string | undefined;
  str(name: string, def?: string): string | undefined {
    const a = this.attr(name, ATTR.STRING, 'a string');
    return a ? new TextDecoder().decode(a.s) : def;
  }
  tensorAttr(name: string): Tensor | undefined {
    const a = this.attr(name, ATTR.TENSOR, 'a tensor');
    if (!a?.t) return undefined;
    return tensorFromProto(a.t, { what: `node '${this.name}' attribute '${name}'`, baseDir: this.st.baseDir });
  }
  /** ONNX element-type attribute (Cast's `to`) as our dtype. */
  dtypeAttr(name: string): DType {
    const t = this.int(name);
    if (t === undefined) this.invalid(`attribute '${name}' is required`);
    const d = dtypeFromOnnx(t!);
    if (!d) this.unsupported(`element type ${onnxTypeName(t!)} is not supported`);
    return d!;
  }
  bool(name: string, def: boolean): boolean {
    return this.int(name, def ? 1 : 0) !== 0;
  }

  // ---- operands ----

  get numInputs(): number {
    return this.onnx.input.length;
  }
  /** Resolved name of input i, '' when absent. */
  input(i: number): string {
    const n = this.onnx.input[i] ?? '';
    return n ? this.st.resolve(n) : '';
  }
  hasInput(i: number): boolean {
    return this.input(i) !== '';
  }
  type(i: number): TensorType {
    const n = this.input(i);
    if (!n) this.invalid(`input ${i} is required`);
    return this.st.values[n]!;
  }
  rank(i: number): number {
    return this.type(i).shape.length;
  }
  /** Constant value of input i, or undefined when absent or computed at run time. */
  constantOrUndefined(i: number): Tensor | undefined {
    const n = this.input(i);
    return n ? this.st.constants.get(n) : undefined;
  }
  /** Input i, which must be known at import time (initializer, Constant, or foldable). */
  constant(i: number, what: string): Tensor {
    const n = this.input(i);
    if (!n) this.invalid(`input ${i} (${what}) is required`);
    const t = this.st.constants.get(n);
    if (!t) this.unsupported(`input '${n}' (${what}) must be a constant; it is computed at run time`, 'qforge needs static shapes and parameters');
    return t!;
  }
  /** A constant input's values as JS numbers (i64 converted). */
  constantNumbers(i: number, what: string): number[] {
    return Array.from(this.constant(i, what).data, Number);
  }
  /** A constant input of integers (shapes, axes, bounds): a float that is not whole is invalid. */
  constantInts(i: number, what: string): number[] {
    const v = this.constantNumbers(i, what);
    const bad = v.find((x) => !Number.isInteger(x));
    if (bad !== undefined) this.invalid(`input '${this.input(i)}' (${what}) must hold integers, got ${bad}`);
    return v;
  }
  /** ONNX output i's name, '' when absent. */
  output(i: number): string {
    return this.onnx.output[i] ?? '';
  }
  /** True when ONNX output i (i > 0: optional extras like masks) is named, i.e. may be used. */
  outputUsed(i: number): boolean {
    return !!this.onnx.output[i];
  }

  // ---- results ----

  /** A fresh value name for an intermediate result. */
  temp(suffix: string): string {
    const n = freshName(this.st.taken, `${this.output(0) || this.name}/${suffix}`);
    this.st.tempNames.add(n);
    return n;
  }

  /** Output i stands for an existing value (folded Identity, Dropout...). */
  alias(i: number, value: string): void {
    this.st.aliases.set(this.output(i), value);
    this.st.values[this.output(i)] ??= this.st.values[value]!;
  }

  /** Fails unless a constant of `shape` is small enough to compute at import (call before making it). */
  checkConstantSize(shape: readonly number[], what: string): void {
    const n = numel(shape as number[]);
    if (!(n <= MAX_FOLDED_ELEMENTS)) this.invalid(`${what} [${shape.join(',')}] would hold ${n} elements, more than the ${MAX_FOLDED_ELEMENTS} qforge computes at import`);
  }

  /** Output i is a constant computed at import time. */
  setConstant(i: number, t: Tensor): void {
    this.st.defineConstant(this.output(i), t);
  }

  /** A new constant operand (e.g. a reshaped weight); returns its name. */
  addConstant(suffix: string, t: Tensor): string {
    const n = this.temp(suffix);
    this.st.defineConstant(n, t);
    return n;
  }

  /**
   * Adds our op `op` with the given operands; results are named `outputs` (default: this node's
   * ONNX outputs). Attributes equal to the op's defaults are dropped. Folds when every operand is
   * constant. Returns the result names.
   */
  emit(op: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, outputs?: string[]): string[] {
    const def = getOp(op);
    if (!def) fail('VERIFY_UNKNOWN_OP', `qforge op '${op}' (needed for ONNX ${this.opType}) is not registered`, this.where);
    const set = dropDefaults(def, attrs);
    const types = this.infer(def, inputs, set);
    const outs = outputs ?? this.onnx.output.slice(0, Math.max(types.length, 1));
    if (outs.length !== types.length) this.invalid(`${op} gives ${types.length} result(s), the node has ${outs.length} output(s)`);
    for (const t of types) if (!(numel(t.shape) <= MAX_VALUE_ELEMENTS)) this.invalid(`${op} would give ${formatShape(t)} (${numel(t.shape)} elements), more than ${MAX_VALUE_ELEMENTS}`);

    const args = inputs.map((v) => (v ? this.st.constants.get(v) : undefined));
    // Quantization markers (OpDef.qdq) are never folded: they carry the model's quantization.
    const foldable = !def.qdq && inputs.some((v) => v) && inputs.every((v, k) => !v || args[k]);
    if (foldable) {
      for (const t of types) this.checkConstantSize(t.shape, `folding ${op} gives`);
      const results = this.run(def, args, set, types);
      outs.forEach((o, k) => this.st.defineConstant(o, results[k]!));
      return outs;
    }
    outs.forEach((o, k) => (this.st.values[o] = types[k]!));
    const nodeName = freshName(this.st.nodeNames, this.emitted++ === 0 ? this.name : `${this.name}/${op}`);
    this.st.nodeNames.add(nodeName);
    this.st.nodes.push({ name: nodeName, op, inputs: [...inputs], outputs: [...outs], attrs: set });
    return outs;
  }

  /** emit() for a single result. */
  emit1(op: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, output?: string): string {
    return this.emit(op, inputs, attrs, output === undefined ? undefined : [output])[0]!;
  }

  private infer(def: OpDef, inputs: string[], attrs: Attrs): TensorType[] {
    for (const v of inputs) if (v && !Object.hasOwn(this.st.values, v)) this.invalid(`input '${v}' is not defined by a graph input, initializer or earlier node`);
    return this.guard(() => def.infer({ inputs: inputs.map((v) => (v ? this.st.values[v] : undefined)), attrs: resolveAttrs(def, attrs) }));
  }

  private run(def: OpDef, args: (Tensor | undefined)[], attrs: Attrs, types: TensorType[]): Tensor[] {
    return this.guard(() => def.kernel(args, resolveAttrs(def, attrs), types));
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof QforgeError) throw e;
      if (e instanceof OpError) fail('OP_INVALID', e.message, this.where);
      throw e;
    }
  }
}

const formatShape = (t: TensorType) => `${t.dtype}[${t.shape.join(',')}]`;

function dropDefaults(def: OpDef, attrs: Record<string, AttrValue | undefined>): Attrs {
  const out: Attrs = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    const d = def.attrs[k]?.default;
    if (d !== undefined && sameAttr(d, v)) continue;
    out[k] = v;
  }
  return out;
}

function sameAttr(a: AttrValue, b: AttrValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

// The op table: one OpDef per op holds its signature, attributes with types and defaults, type
// inference and the reference kernel. Adding an op is adding an entry (see ops/index.ts).
import type { DType } from '../dtype.js';
import type { AttrValue, Attrs, Node } from '../graph.js';
import type { Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';

export type AttrType = 'int' | 'float' | 'string' | 'bool' | 'ints' | 'floats' | 'strings' | 'dtype';

export interface AttrSpec {
  type: AttrType;
  /** Absent (and not `optional`) means the attribute is required. */
  default?: AttrValue;
  /** May be left out with no default (e.g. quantize's qmin, which defaults to the dtype's range). */
  optional?: boolean;
  /** For 'string'/'dtype': the allowed values. */
  oneOf?: readonly string[];
  doc?: string;
}

export interface OperandSpec {
  name: string;
  optional?: boolean;
  /** The last operand may be variadic (one or more values), e.g. concat's inputs. */
  variadic?: boolean;
  /** Allowed dtypes; absent means any. */
  dtypes?: readonly DType[];
}

/** Resolved attributes: every declared attribute present, defaults filled in. */
export type ResolvedAttrs = Record<string, AttrValue>;

export interface InferContext {
  /** Operand types; undefined for absent optional operands. */
  inputs: (TensorType | undefined)[];
  attrs: ResolvedAttrs;
}

/**
 * The op's ONNX counterpart (default domain). Where one ONNX op type means exactly this op, the
 * importer turns `opType` (and any type in `alsoFrom`) into this op and the exporter writes this
 * op as `opType`. Ops whose ONNX form is several nodes (QDQ, composites) have no `opType`; their
 * exporter writes them, and `since` alone says what opset those nodes need.
 */
export interface OnnxFacts {
  opType?: string;
  /** Further ONNX op types that import as this op (older or alias names, e.g. Scatter). */
  alsoFrom?: readonly string[];
  /** The lowest opset that has what qforge writes for this op (export uses at least 13). */
  since?: number;
}

export interface OpDef {
  name: string;
  /** One-line description for the op table in docs/ir.md and `qforge ops`. */
  doc: string;
  /** Category, for grouping in docs: 'nn', 'elementwise', 'activation', 'shape', 'reduce', 'quant', 'quantized'. */
  category: string;
  operands: readonly OperandSpec[];
  /** Number of results; -1 means as many as `infer` returns (e.g. split). */
  results: number;
  attrs: Readonly<Record<string, AttrSpec>>;
  /** Result types from operand types and attributes; throws OpError (a plain message) when invalid. */
  infer(ctx: InferContext): TensorType[];
  /** The reference semantics. `outTypes` are the node's declared result types (carry quant params). */
  kernel(inputs: (Tensor | undefined)[], attrs: ResolvedAttrs, outTypes: TensorType[]): Tensor[];
  /** Commutative in its first two operands (add, mul): used by pattern matching. */
  commutative?: boolean;
  /**
   * When the node returns its first operand unchanged, bit for bit, given that its single result
   * has exactly the operand's type (reshape to the same shape, a one-piece concat, ...).
   * `remove-identity` drops such nodes; an op without it is never dropped.
   */
  identityWhen?: (node: Node, attrs: ResolvedAttrs, operand: TensorType) => boolean;
  /**
   * A quantization marker (observe, quantize, dequantize, fake_quantize): it says where and how
   * values are quantized, so constant folding at import and convert keeps it (a dequantized weight
   * stays integer with its params), and it carries the debug handle of the node it serves.
   */
  qdq?: boolean;
  onnx?: OnnxFacts;
}

/** Thrown by infer/kernel with a message about the operands; callers attach the node name. */
export class OpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpError';
  }
}

export function check(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new OpError(typeof message === 'string' ? message : message());
}

/** A family's ops with their ONNX counterparts attached: op name -> ONNX op type, or the full facts. */
export function withOnnx(defs: readonly OpDef[], facts: Readonly<Record<string, string | OnnxFacts>>): OpDef[] {
  const names = new Set(defs.map((d) => d.name));
  for (const op of Object.keys(facts)) if (!names.has(op)) throw new Error(`ONNX facts for '${op}', which is not in this family`);
  return defs.map((d) => {
    const f = Object.hasOwn(facts, d.name) ? facts[d.name]! : undefined;
    return f === undefined ? d : { ...d, onnx: typeof f === 'string' ? { opType: f } : f };
  });
}

const TABLE = new Map<string, OpDef>();

export function registerOp(def: OpDef): void {
  if (TABLE.has(def.name)) throw new Error(`op ${def.name} registered twice`);
  TABLE.set(def.name, def);
}
export function registerOps(defs: readonly OpDef[]): void {
  defs.forEach(registerOp);
}
export const getOp = (name: string): OpDef | undefined => TABLE.get(name);
/** Whether an op is a quantization marker (OpDef.qdq). */
export const isQdqOp = (name: string): boolean => TABLE.get(name)?.qdq === true;
export const opNames = (): string[] => [...TABLE.keys()].sort();
export const allOps = (): OpDef[] => [...TABLE.values()];

/** Fill defaults; throws OpError for unknown attributes, missing required ones and wrong types. */
export function resolveAttrs(def: OpDef, attrs: Attrs): ResolvedAttrs {
  const out: ResolvedAttrs = {};
  // for-in rather than Object.keys/entries: this runs for every node the pattern engine looks at.
  for (const key in attrs) {
    if (!(key in def.attrs)) {
      const known = Object.keys(def.attrs);
      throw new OpError(`unknown attribute '${key}' for ${def.name}` + (known.length ? ` (known: ${known.join(', ')})` : ' (it has none)'));
    }
  }
  for (const key in def.attrs) {
    const spec = def.attrs[key]!;
    const v = key in attrs ? attrs[key]! : spec.default;
    if (v === undefined) {
      if (spec.optional) continue;
      throw new OpError(`${def.name} needs attribute '${key}' (${spec.type})`);
    }
    if (!attrMatches(spec, v)) throw new OpError(`attribute '${key}' of ${def.name} must be ${describeAttr(spec)}, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  return out;
}

function attrMatches(spec: AttrSpec, v: AttrValue): boolean {
  switch (spec.type) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
    case 'dtype':
      return typeof v === 'string' && (!spec.oneOf || spec.oneOf.includes(v));
    case 'ints':
      return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x));
    case 'floats':
      return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

export function describeAttr(spec: AttrSpec): string {
  return spec.oneOf ? `${spec.type} (one of ${spec.oneOf.join(', ')})` : spec.type;
}

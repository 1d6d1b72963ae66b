// The JSON quantizer config format (documented with an example in spec/quantizers/README.md).
import type { Granularity, StatObserver } from './quant-spec.js';

/** A named spec. Exactly one of: a quant spec (the fields), `fixed`, or `derived`. */
export interface SpecConfig {
  /** i8 | u8 | i4 | u4 | i16 | i32. */
  dtype?: string;
  /** Default: the dtype's range. */
  qmin?: number;
  qmax?: number;
  /** affine (default) | symmetric. */
  scheme?: 'affine' | 'symmetric';
  /** per-tensor (default) | per-channel | per-group. */
  granularity?: Granularity;
  /** A number, or "out": the output-channel axis of the weight operand it annotates. */
  axis?: number | 'out';
  groupSize?: number;
  dynamic?: boolean;
  /** minmax (default) | moving-average | histogram | percentile. */
  observer?: StatObserver;
  /** Smallest scale (default 2^-23, PyTorch's float32 eps; PT2E quantizers use 2^-12). */
  eps?: number;
  bins?: number;
  upsampleRate?: number;
  averagingConstant?: number;
  percentile?: number;
  /** Fixed qparams: "0to1" (sigmoid/softmax: 1/256), "neg1to1" (tanh: 2/256), or explicit numbers. */
  fixed?: '0to1' | 'neg1to1' | { scale: number; zeroPoint: number };
  /** Derived int32 bias: scale = scale(from[0]) · scale(from[1]), zero point 0; `from` are operand selectors of the rule. */
  derived?: { from: [string, string] };
}

/** A spec name from `specs`, a share with an edge of the match (`{share: "x"}`) or with a producer's output (`{share: "producer:x"}`). */
export type SpecRef = string | { share: string };

export interface RuleConfig {
  /** A chain of ops; `a|b` alternatives, a trailing `?` marks an optional member. Each member is the only user of the one before. */
  match: string[];
  /** Conditions: constant:<sel> (a constant, or computed from constants only), not-constant:<sel>, observed:<sel> (its producer has an output spec), quantized:<sel> (its producer ends a quantized pattern), no-large-scalar:<sel> (no one-element constant beyond 2^23), feeds:<op|op...> (a user of the last member is one of these ops), same-shape. */
  when?: string[];
  /** Operand selector -> spec (null: explicitly not quantized). Selectors: x, xs[0], xs[1:], *, <op>.<operand>, <op>.other. */
  inputs?: Record<string, SpecRef | null>;
  /** Spec of the last member's result. */
  output?: SpecRef | null;
  /** PT2E allow_implicit_sharing (default true). */
  implicitSharing?: boolean;
  comment?: string;
}

export interface QuantizerConfig {
  name: string;
  description?: string;
  /** Start from a built-in quantizer: its specs (overridable by name), its rules (after ours) and its skips. */
  extends?: string;
  specs?: Record<string, SpecConfig>;
  rules?: RuleConfig[];
  /** Never quantize these nodes (by name) or op types. */
  skip?: { nodes?: string[]; ops?: string[] };
  /**
   * Quantize only nodes in scope (PT2E set_module_name / set_module_type): a name that starts with
   * one of `prefixes` or matches `pattern` (a regular expression), when either is given; an op
   * in `ops`, when given. A node must meet every criterion given.
   */
  scope?: { prefixes?: string[]; pattern?: string; ops?: string[] };
  /** With `extends`: leave out the base rules whose first op is one of these ("*": every base rule). */
  dropRules?: string[];
}

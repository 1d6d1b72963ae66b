// The emitter table: op name -> how to compile it. Ops defined on both integers and floats
// (relu, clip, maxpool2d) pick the integer kernel for u8/i8 operands.
import { diag, QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import type { Graph, Node } from '../../ir/graph.js';
import { DYNAMIC_EMITTERS } from './dynamic.js';
import { FLOAT_EMITTERS } from './float.js';
import { MATMUL_EMITTERS } from './matmul.js';
import { QCONV_EMITTERS } from './qconv.js';
import { QCONV_ADD_EMITTERS } from './qconv-add.js';
import { QLINEAR_F32_EMITTERS } from './qlinear-f32.js';
import { INT_CLAMP, INT_MAXPOOL, QELEMENTWISE_EMITTERS, requantScaleIssue } from './qelementwise.js';
import { QNORM_EMITTERS } from './qnorm.js';
import { QSOFTMAX_EMITTERS } from './qsoftmax.js';
import { SELECT_EMITTERS } from './select.js';
import { SHAPE_EMITTERS } from './shape.js';
import { UNCOMPILED } from './uncompiled.js';
import { WEIGHT_ONLY_EMITTERS } from './weight-only.js';
import { attrsOf, type OpEmitter } from './util.js';

export type { OpEmitter } from './util.js';
export { UNCOMPILED } from './uncompiled.js';
export { APPROXIMATE_FLOAT_OPS } from './approximate.js';

const isInt8 = (n: Node, g: Graph) => ['u8', 'i8'].includes(g.values[n.inputs[0]!]!.dtype);

function byDtype(int: OpEmitter, float: OpEmitter): OpEmitter {
  return {
    unsupported: (n, g) => (isInt8(n, g) ? int.unsupported?.(n, g) : float.unsupported?.(n, g)),
    emit: (n, L) => (isInt8(n, L.graph) ? int.emit(n, L) : float.emit(n, L)),
  };
}

/** Adds the float32-multiplier check to the accumulating quantized ops. */
function withScaleCheck(e: OpEmitter): OpEmitter {
  return { emit: e.emit, unsupported: (n, g) => e.unsupported?.(n, g) ?? requantScaleIssue(attrsOf(n).requant_scale as number[]) };
}

export const EMITTERS: Record<string, OpEmitter> = {
  ...FLOAT_EMITTERS,
  ...SHAPE_EMITTERS,
  ...MATMUL_EMITTERS,
  ...QELEMENTWISE_EMITTERS,
  ...DYNAMIC_EMITTERS,
  ...WEIGHT_ONLY_EMITTERS,
  ...SELECT_EMITTERS,
  ...QCONV_ADD_EMITTERS,
  ...QLINEAR_F32_EMITTERS,
  ...QSOFTMAX_EMITTERS,
  ...QNORM_EMITTERS,
  qconv2d: withScaleCheck(QCONV_EMITTERS.qconv2d!),
  qconv_transpose2d: withScaleCheck(QCONV_EMITTERS.qconv_transpose2d!),
  qlinear: withScaleCheck(QCONV_EMITTERS.qlinear!),
  relu: byDtype(INT_CLAMP, FLOAT_EMITTERS.relu!),
  clip: byDtype(INT_CLAMP, FLOAT_EMITTERS.clip!),
  maxpool2d: byDtype(INT_MAXPOOL, FLOAT_EMITTERS.maxpool2d!),
};

/** Ops the code generator compiles. */
export const compiledOps = (): string[] => Object.keys(EMITTERS).sort();

/** Every node the code generator cannot compile, as one error listing them all. */
export function checkSupported(g: Graph): void {
  const issues: Diagnostic[] = [];
  for (const n of g.nodes) {
    const e = EMITTERS[n.op];
    const why = e ? e.unsupported?.(n, g) : (Object.hasOwn(UNCOMPILED, n.op) ? UNCOMPILED[n.op] : `no C implementation of '${n.op}'`);
    const f64 = [...n.inputs, ...n.outputs].find((v) => v && g.values[v]!.dtype === 'f64');
    const reason = why ?? (f64 && !(n.op in SHAPE_EMITTERS) ? `f64 value '${f64}' (only f32 floats are compiled)` : undefined);
    if (reason) issues.push(diag('CODEGEN_UNSUPPORTED', reason, { node: { name: n.name, op: n.op } }));
  }
  if (issues.length) {
    const ops = [...new Set(issues.map((d) => d.node!.op))].join(', ');
    issues[issues.length - 1]!.hint = `${issues.length} node(s) cannot be compiled (${ops}); compiled ops: ${compiledOps().join(', ')}`;
    throw new QforgeError(issues);
  }
}

// lower-quantized: turns dequantize → float op → quantize into the integer ops of
// src/ir/ops/quantized.ts (spec/patterns/lower-quantized.qpat), folding relu/clip and fused
// clamps into the output range, together with fold-qdq's patterns, so that one run leaves
// integer ops wherever a quantized form exists and float ops between dq/q everywhere else.
import { definePass } from './manager/pass.js';
import { applyLibrary } from './util/apply-library.js';

export const lowerQuantizedPass = definePass({
  kind: 'transform',
  name: 'lower-quantized',
  description:
    'dq → conv2d/conv_transpose2d/gemm/matmul/add/mul/avgpool/global_avgpool → q ⇒ qconv2d/qconv_transpose2d/qlinear/qmatmul/qadd/qmul/qavgpool2d/qglobal_avgpool, elementwise functions (sigmoid, tanh, gelu, x·sigmoid(x)…) ⇒ qlut tables, plus fold-qdq (spec/patterns/lower-quantized.qpat, qdq.qpat)',
  options: {},
  idempotent: true,
  run: (_draft, ctx) => applyLibrary(['lower-quantized', 'qdq'], ctx),
});

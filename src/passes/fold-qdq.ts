// fold-qdq: removes the quantize/dequantize pairs of the q/dq form that carry no computation
// (spec/patterns/qdq.qpat): dequantize → quantize with equal params is the integer tensor,
// with other params one requantize; data movement between a dequantize and a quantize of the
// same params runs on the integers. Every rewrite is exact.
import { definePass } from './manager/pass.js';
import { applyLibrary } from './util/apply-library.js';

export const foldQdqPass = definePass({
  kind: 'transform',
  name: 'fold-qdq',
  description: 'folds dequantize→quantize pairs (identity or requantize) and moves reshape/transpose/slice/maxpool onto the integers (spec/patterns/qdq.qpat)',
  options: {},
  idempotent: true,
  run: (_draft, ctx) => applyLibrary(['qdq'], ctx),
});

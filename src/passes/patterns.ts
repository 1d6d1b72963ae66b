// Pattern passes: `patterns{file=my.qpat}` applies a user pattern file; the library passes apply
// built-in files of spec/patterns and are declared as data below. All of them run through
// runPatternSet, so they share the max-rewrites and trace options and --trace-patterns.
import { diag, QforgeError } from '../diagnostics/index.js';
import { builtinPatterns, loadPatternFile } from '../patterns/index.js';
import { definePass, type PassDef } from './manager/pass.js';
import { PATTERN_OPTIONS, runPatternSet } from './util/run-patterns.js';

export { tracePatternsTo } from './util/run-patterns.js';

export const patternsPass = definePass({
  kind: 'transform',
  name: 'patterns',
  description: 'applies the rewrite patterns of a .qpat file (greedy, by benefit) and counts rewrites per pattern',
  options: { file: { type: 'string', default: '', doc: "the .qpat file to apply (default: runPipeline's in-memory patterns option)" }, ...PATTERN_OPTIONS },
  transform(ctx) {
    const set = ctx.options.file ? loadPatternFile(ctx.options.file) : ctx.patterns;
    if (!set) throw new QforgeError(diag('PASS_OPTION', 'patterns needs a pattern file: patterns{file=my.qpat} (or, from the API, runPipeline(g, p, { patterns: set }))'));
    return runPatternSet(ctx, set);
  },
});

/** A pass that applies the union of built-in pattern files (names in spec/patterns, no .qpat). */
export interface LibraryPass {
  name: string;
  files: readonly string[];
  description: string;
}

export const LIBRARY_PASSES: readonly LibraryPass[] = [
  {
    name: 'fold-batchnorm',
    files: ['fold-batchnorm'],
    description: 'folds inference batch_norm into the constant weights and bias of conv2d, conv_transpose2d, gemm and 2-D matmul (spec/patterns/fold-batchnorm.qpat)',
  },
  {
    name: 'fuse-activation',
    files: ['fuse-activation'],
    description: 'fuses relu, relu6 and clip into the clamp_min/clamp_max of conv2d, conv_transpose2d and gemm (spec/patterns/fuse-activation.qpat)',
  },
  {
    name: 'fuse-decomposed',
    files: ['fuse-decomposed'],
    description:
      'puts back ops that exporters write out piece by piece: LayerNorm (ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add, opset < 17) and erf-GELU become layer_norm and gelu (spec/patterns/fuse-decomposed.qpat)',
  },
  // Removes the quantize/dequantize pairs of the q/dq form that carry no computation: dequantize →
  // quantize with equal params is the integer tensor, with other params one requantize; data
  // movement between a dequantize and a quantize of the same params runs on the integers. Exact.
  {
    name: 'fold-qdq',
    files: ['qdq'],
    description: 'folds dequantize→quantize pairs (identity or requantize) and moves reshape/transpose/slice/maxpool onto the integers (spec/patterns/qdq.qpat)',
  },
  // Together with fold-qdq's patterns, so that one run leaves integer ops wherever a quantized
  // form exists and float ops between dq/q everywhere else.
  {
    name: 'lower-quantized',
    files: ['lower-quantized', 'qdq'],
    description:
      'dq → conv2d/conv_transpose2d/gemm/matmul/add/mul/avgpool/global_avgpool → q ⇒ qconv2d/qconv_transpose2d/qlinear/qmatmul/qadd/qmul/qavgpool2d/qglobal_avgpool, conv/linear → add(dq r) → q ⇒ qconv2d_add/qlinear_add, elementwise functions (sigmoid, tanh, gelu, x·sigmoid(x)…) ⇒ qlut tables, plus fold-qdq (spec/patterns/lower-quantized.qpat, qdq.qpat)',
  },
  // Weight-only graphs (quantize-weight-only's dequantize → gemm/matmul) as one op that keeps the
  // int8/int4 weight: what codegen compiles. Bit-exact (the op sums as gemm does).
  {
    name: 'lower-weight-only',
    files: ['lower-weight-only'],
    description: 'dq(int8/int4 constant weight) → gemm/matmul ⇒ qlinear_weight_only, which keeps the integer weight and dequantizes it inside the GEMM; bit-exact (spec/patterns/lower-weight-only.qpat)',
  },
];

const libraryPass = ({ name, files, description }: LibraryPass): PassDef =>
  definePass({
    kind: 'transform',
    name,
    description,
    options: PATTERN_OPTIONS,
    idempotent: true,
    transform: (ctx) => runPatternSet(ctx, builtinPatterns(...files)),
  });

export const PATTERN_PASSES: readonly PassDef[] = [patternsPass, ...LIBRARY_PASSES.map(libraryPass)];

// Ops with no C path, each with the sentence a user sees when a graph holding one is compiled.
// Every op of the op table is either in the emitter table or here (a test checks it), so a
// missing kernel is a declared fact rather than a surprise at compile time.
const noKernel = (op: string, advice = '') => `'${op}' has no C kernel yet${advice}`;
const notYet = (...ops: string[]) => Object.fromEntries(ops.map((op) => [op, noKernel(op)]));

export const UNCOMPILED: Readonly<Record<string, string>> = {
  observe: 'observe is a calibration op: convert the graph first (qforge quantize)',
  dynamic_quantize_linear: noKernel('dynamic_quantize_linear', " (imported ONNX DynamicQuantizeLinear); qforge's own dynamic mode lowers to qlinear_dynamic, which compiles"),
  matmul_integer: noKernel('matmul_integer', ' (imported ONNX MatMulInteger); QDQ and QLinearMatMul models lower to qlinear/qmatmul, which compile'),
  conv_integer: noKernel('conv_integer', ' (imported ONNX ConvInteger); QDQ and QLinearConv models lower to qconv2d, which compiles'),
  einsum: noKernel('einsum', ': write it as matmul/transpose before compiling'),
  ...Object.fromEntries(['choose_qparams', 'quantize_tensor', 'dequantize_tensor'].map((op) => [op, noKernel(op, ': a dynamic (run-time qparams) activation compiles where lower-quantized folds it into qlinear_dynamic; elsewhere it has none')])),
  ...notYet('instance_norm', 'lrn', 'mod', 'top_k', 'hardmax', 'cumsum', 'reduce_log_sum_exp'),
  ...notYet('gather_elements', 'gather_nd', 'scatter_elements', 'scatter_nd', 'one_hot', 'trilu'),
};

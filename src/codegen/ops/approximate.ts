// Float ops whose C is not bit for bit the interpreter's: the hot activations (hardswish and hardsigmoid as float32 loops) and softmax /
// layer_norm run in float32 with qforge_fmath.h's approximations (qf_expf, qf_erff, …) instead of
// the interpreter's float64 formula, within the bounds docs/codegen.md states. Every other float
// op's C (log_softmax included: it takes the float64 path) equals the interpreter bit for bit, given
// float attributes that are float32 values as ONNX's are; test/codegen/approximate.test.ts checks
// both halves against the compiled C, so this list is where tests (and users) learn which is which.
export const APPROXIMATE_FLOAT_OPS: ReadonlySet<string> = new Set(['softmax', 'layer_norm', 'exp', 'sigmoid', 'tanh', 'erf', 'gelu', 'hardswish', 'hardsigmoid']);

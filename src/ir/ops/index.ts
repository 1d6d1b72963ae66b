// Registers every op family into the op table. To add an op: add an OpDef to a family file
// (or a new family file listed here); nothing else needs to know about it.
import { ELEMENTWISE_OPS } from './elementwise.js';
import { NN_OPS } from './nn.js';
import { registerOps } from './registry.js';
import { QUANTIZED_OPS } from './quantized.js';
import { QUANTIZED_DYNAMIC_OPS } from './quantized-dynamic.js';
import { QUANTIZED_WEIGHT_ONLY_OPS } from './quantized-weight-only.js';
import { QUANTIZED_RESIDUAL_OPS } from './quantized-residual.js';
import { ACTIVATION_OPS } from './activation.js';
import { MATH_OPS } from './math.js';
import { REDUCE_OPS } from './reduce.js';
import { SHAPE_OPS } from './shape.js';
import { QUANT_OPS } from './quant.js';
import { OBSERVE_OPS } from './observe.js';
import { COMPARE_OPS } from './compare.js';
import { UNARY_MATH_OPS } from './unary-math.js';
import { ARGREDUCE_OPS } from './argreduce.js';
import { SCATTER_GATHER_OPS } from './scatter-gather.js';
import { NORM_OPS } from './norm.js';
import { RESIZE_OPS } from './resize.js';
import { INTEGER_OPS } from './integer.js';
import { EINSUM_OPS } from './einsum.js';
import { QUANT_TENSOR_OPS } from './quant-tensor.js';

registerOps(ELEMENTWISE_OPS);
registerOps(ACTIVATION_OPS);
registerOps(MATH_OPS);
registerOps(REDUCE_OPS);
registerOps(SHAPE_OPS);
registerOps(QUANT_OPS);
registerOps(NN_OPS);
registerOps(QUANTIZED_OPS);
registerOps(QUANTIZED_DYNAMIC_OPS);
registerOps(QUANTIZED_WEIGHT_ONLY_OPS);
registerOps(QUANTIZED_RESIDUAL_OPS);
registerOps(OBSERVE_OPS);
registerOps(COMPARE_OPS);
registerOps(UNARY_MATH_OPS);
registerOps(ARGREDUCE_OPS);
registerOps(SCATTER_GATHER_OPS);
registerOps(NORM_OPS);
registerOps(RESIZE_OPS);
registerOps(INTEGER_OPS);
registerOps(EINSUM_OPS);
registerOps(QUANT_TENSOR_OPS);

export * from './registry.js';

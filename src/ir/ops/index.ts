// Registers every op family into the op table. To add an op: add an OpDef to a family file
// (or a new family file listed here); nothing else needs to know about it.
import { ELEMENTWISE_OPS } from './elementwise.js';
import { NN_OPS } from './nn.js';
import { registerOps } from './registry.js';
import { QUANTIZED_OPS } from './quantized.js';
import { QUANTIZED_DYNAMIC_OPS } from './quantized-dynamic.js';
import { ACTIVATION_OPS } from './activation.js';
import { MATH_OPS } from './math.js';
import { REDUCE_OPS } from './reduce.js';
import { SHAPE_OPS } from './shape.js';
import { QUANT_OPS } from './quant.js';
import { OBSERVE_OPS } from './observe.js';

registerOps(ELEMENTWISE_OPS);
registerOps(ACTIVATION_OPS);
registerOps(MATH_OPS);
registerOps(REDUCE_OPS);
registerOps(SHAPE_OPS);
registerOps(QUANT_OPS);
registerOps(NN_OPS);
registerOps(QUANTIZED_OPS);
registerOps(QUANTIZED_DYNAMIC_OPS);
registerOps(OBSERVE_OPS);

export * from './registry.js';

// Registers every op family into the op table. To add an op: add an OpDef to a family file
// (or a new family file listed here); nothing else needs to know about it.
import { ELEMENTWISE_OPS } from './elementwise.js';
import { registerOps } from './registry.js';

registerOps(ELEMENTWISE_OPS);

export * from './registry.js';

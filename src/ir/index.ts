// Public API of the IR layer.
export * from './dtype.js';
export * from './types.js';
export * from './tensor.js';
export * from './graph.js';
export * from './quant-math.js';
export * from './ops/index.js';
export { run, type RunOptions, type RunResult } from './interpreter.js';
export { GraphBuilder } from './builder.js';
export { NONE, NumberedGraph, type NewNode, type NodeId, type ValueId } from './numbered/index.js';
export { verify, verifyOrThrow, verifyIssues, typeProblem, type VerifyIssue } from './verify.js';
export * from './text/index.js';

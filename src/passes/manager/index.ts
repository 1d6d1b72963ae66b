// Public API of the pass manager.
export * from './options.js';
export * from './pass.js';
export * from './registry.js';
export { parseSpec, type SpecItem, type SpecOption } from './pipeline-spec.js';
export { parsePipeline, resolvePipeline, formatPipeline, FIXPOINT_OPTIONS } from './resolve.js';
export * from './run.js';

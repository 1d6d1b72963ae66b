// Public API of the pass layer: the manager, the pipeline runner and the built-in passes.
import './builtin.js';

export * from './manager/index.js';
export { BUILTIN_PASSES } from './builtin.js';
export { EditBatch, type EditSummary } from '../ir/numbered/index.js';
export { defineEditPass, type EditPass } from './util/edit-pass.js';

// qforge/testing: property-testing tools for people who write passes and pattern files, the same
// ones qforge's own test suite uses. Needs fast-check (a peer dependency):
//   import { arbGraph, arbInputs, compareTensors, checkPatternsPreserveSemantics } from 'qforge/testing';
export {
  arbGraph, arbInputs, arbGraphWithInputs, arbGraphText, availableGeneratorOps, buildGraph,
  type GraphGenOptions, type InputGenOptions, type Recipe,
} from './random-graph.js';
export { GENERATORS, type Generator, type GenContext, type Rng } from './random-graph-ops.js';
export { compareTensors, ulpDistance, type CompareOptions, type Comparison } from './compare.js';
export { checkPatternsPreserveSemantics, type PatternCheckOptions, type PatternCheckResult } from './check-patterns.js';

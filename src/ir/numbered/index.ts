// Graphs by number, the working forms of a Graph for code that follows its edges:
// - NumberedGraph (numbered-graph.ts): dense value and node ids, operand slots in per-value use
//   lists, edits in place (replace all uses, erase, insert, redefine) and write-back; the pattern
//   engine, the quantizer's and codegen's producer/user lookups and debug handles use it.
// - FlatGraph (flat-graph.ts): the canonicalisation passes' form, numbered by valueIds (inputs,
//   constants, then results, found with cache locality in mind for graphs of millions of values);
//   edits are recorded and applied in batches that keep output names.
export { FlatGraph, type EditSummary } from './flat-graph.js';
export { grown, NONE, type NodeId, type ValueId } from './ids.js';
export { NumberedGraph, resolvedAttrs, type NewNode } from './numbered-graph.js';
export { valueIds, type ValueIds } from './value-ids.js';

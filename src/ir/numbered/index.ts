// Graphs by number: NumberedGraph (numbered-graph.ts), the working form of a Graph for code that
// follows its edges — dense value and node ids (valueIds: inputs, constants, then results), operand
// slots in per-value use lists, edits in place (replace all uses, erase, insert, redefine, take a
// name) and write-back. The pattern engine, the passes, the quantizer's and codegen's
// producer/user lookups and debug handles use it; the passes record their edits in an EditBatch
// (edit-batch.ts), applied in batches that keep output names.
export { EditBatch, type EditSummary } from './edit-batch.js';
export { grown, NONE, type NodeId, type ValueId } from './ids.js';
export { NumberedGraph, resolvedAttrs, type NewNode } from './numbered-graph.js';
export { valueIds, type ValueIds } from './value-ids.js';

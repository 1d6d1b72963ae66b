// The numbered graph: the one mutable, integer-indexed form of a Graph (see numbered-graph.ts).
export { grown, NONE, type NodeId, type ValueId } from './ids.js';
export { NumberedGraph, resolvedAttrs, type NewNode } from './numbered-graph.js';

// Public API of the numeric debugger: compare a quantized graph with its float origin by debug
// handle, and render the result as a table, JSON or an HTML page.
export { debugNumerics, worstFirst, asFloat, type DebugReport, type LayerStats, type OutputStats } from './compare.js';
export { matchByHandle, type Matching, type Pair } from './match.js';
export { formatTable, toJson, formatSqnr, type JsonReport, type JsonLayer, type TableOptions } from './report.js';
export { toHtml } from './html.js';

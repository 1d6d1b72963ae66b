// Public API of the pattern DSL: load .qpat files, register helpers, apply, explain.
export { checkPatterns, compilePatterns, loadPatterns, loadPatternFile, readPatternFile, type LoadOptions } from './load.js';
export { builtinPatterns, libraryFiles, libraryPatterns, libraryDir } from './library.js';
export { PatternSet } from './engine/pattern-set.js';
export { applyPatterns, brokeGraph, type ApplyOptions, type ApplyResult, type RewriteEvent, type RewriteSite } from './engine/driver.js';
export { explainMatch, formatExplanation, type Explanation } from './engine/explain.js';
export { defineHelper, HelperRegistry, signature, type Helper, type HelperDef, type Param, type ParamType, type ResultType } from './helpers/registry.js';
export { defaultHelpers, BUILTIN_HELPERS } from './helpers/builtins.js';
export { INTRINSICS, PRESENT_DOC } from './compile/intrinsics.js';
export type { CompiledPattern, Variant } from './engine/program.js';
export { parseQpat } from './syntax/to-ast.js';
export { formatRewriteEvent } from './engine/trace.js';

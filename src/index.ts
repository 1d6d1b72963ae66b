// qforge's public API: one import for users of the library (the CLI is built on the same calls).
//   import { importOnnx, quantizeGraph, generateC, buildC, runC } from 'qforge';
export * from './ir/index.js';
export { readNpy, writeNpy, parseNpy, encodeNpy } from './ir/npy.js';
export { importOnnx, exportOnnx, toOnnxModel, type ImportOptions } from './ir/onnx/index.js';
export { QforgeError, diag, formatDiagnostic, CATALOG, type Diagnostic } from './diagnostics/index.js';
export * from './passes/index.js';
export * from './passes/quantize/index.js';
export { quantizeGraph, QUANT_MODES, type QuantizeOptions, type QuantizeResult, type QuantMode } from './passes/quantize/flow.js';
export {
  loadPatterns, loadPatternFile, checkPatterns, builtinPatterns, applyPatterns, explainMatch, formatExplanation,
  defineHelper, defaultHelpers, HelperRegistry, PatternSet,
} from './patterns/index.js';
export { debugNumerics, formatTable, toJson, toHtml, type DebugReport } from './debug/index.js';
export { generateC, writeGenerated, buildC, runC, TARGETS, TARGET_NAMES, getTarget, nativeTarget, type GenerateOptions, type Generated } from './codegen/index.js';
export { prepareQat, fuseConvBnQat, observersToFakeQuant, type PreparedQat } from './passes/quantize/prepare-qat.js';
export { convertQat, convertQat as convert, foldConvBnQat, fakeQuantToObservers, type ConvertedQat, type ConvertQatOptions } from './passes/quantize/convert-qat.js';
export * from './train/index.js';

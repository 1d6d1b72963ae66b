// Public API of the quantization flow: quantizers and specs, prepare / calibrate / convert (as
// functions and as passes), datasets and reports.
import { calibratePass } from './calibrate.js';
import { convertPass } from './convert.js';
import { insertObserversPass, preparePass } from './prepare.js';
import { prepareQatPass } from './prepare-qat.js';
import { convertQatPass } from './convert-qat.js';
import type { PassDef } from '../manager/pass.js';

export * from './quant-spec.js';
export * from './quantizer.js';
export type { QuantizerConfig, RuleConfig, SpecConfig, SpecRef } from './config-types.js';
export { checkConfigShape, mergeConfig, readConfigFile } from './config.js';
export { RuleQuantizer } from './rules.js';
export { composeQuantizers } from './compose.js';
export type { DeriveFn } from './derive.js';
export { builtinConfig, resolveQuantizer } from './quantizers.js';
export { resolveSharing, keyOf, observerOf, sameObserver, observedBy, type Sharing, type ObservedAt } from './sharing.js';
export { prepareGraph, preparePassFor, type PrepareOptions, type Prepared } from './prepare.js';
export { calibrate, observerConfig, type CalibrateOptions, type Calibrated } from './calibrate.js';
export { convertGraph, qdqAttrs, type ConvertOptions, type Converted } from './convert.js';
export { loadDataset, datasetFromTensors, inputFileName, type Dataset } from './dataset.js';

export const QUANTIZE_PASSES: readonly PassDef[] = [preparePass, insertObserversPass, calibratePass, convertPass, prepareQatPass, convertQatPass];

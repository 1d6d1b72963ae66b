// The ONNX op table: ONNX op type (default domain) -> converter. Supporting another ONNX op is
// adding an entry in one of the family files.
import { COMPOSED_CONVERTERS } from './convert-compose.js';
import { MATH_CONVERTERS, type Converter } from './convert-math.js';
import { NN_CONVERTERS } from './convert-nn.js';
import { QUANT_CONVERTERS } from './convert-quant.js';
import { SHAPE_CONVERTERS } from './convert-shape.js';
import { LOGIC_CONVERTERS } from './convert-logic.js';
import { INDEX_CONVERTERS } from './convert-index.js';
import { RESIZE_CONVERTERS } from './convert-resize.js';
import { NORM_CONVERTERS } from './convert-norm.js';
import { QOPERATOR_CONVERTERS } from './convert-qoperator.js';

export type { Converter } from './convert-math.js';

export const CONVERTERS: Readonly<Record<string, Converter>> = {
  ...MATH_CONVERTERS,
  ...NN_CONVERTERS,
  ...SHAPE_CONVERTERS,
  ...QUANT_CONVERTERS,
  ...COMPOSED_CONVERTERS,
  ...LOGIC_CONVERTERS,
  ...INDEX_CONVERTERS,
  ...RESIZE_CONVERTERS,
  ...NORM_CONVERTERS,
  ...QOPERATOR_CONVERTERS,
};

/** ONNX op types qforge imports, sorted. */
export const supportedOnnxOps = (): string[] => Object.keys(CONVERTERS).sort();

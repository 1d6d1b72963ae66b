// The ONNX op table: ONNX op type (default domain) -> converter. An ONNX type that means exactly
// one of our ops with the same operands and no attributes needs only the op's OnnxFacts (the op
// table); the others have a converter in one of the family files.
import { allOps } from '../ops/index.js';
import { COMPOSED_CONVERTERS } from './convert-compose.js';
import { direct, MATH_CONVERTERS, type Converter } from './convert-math.js';
import { NN_CONVERTERS } from './convert-nn.js';
import { QUANT_CONVERTERS } from './convert-quant.js';
import { SHAPE_CONVERTERS } from './convert-shape.js';
import { LOGIC_CONVERTERS } from './convert-logic.js';
import { INDEX_CONVERTERS } from './convert-index.js';
import { RESIZE_CONVERTERS } from './convert-resize.js';
import { NORM_CONVERTERS } from './convert-norm.js';
import { QOPERATOR_CONVERTERS } from './convert-qoperator.js';

export type { Converter } from './convert-math.js';

const OWN: Readonly<Record<string, Converter>> = {
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

/** ONNX op type -> the op it imports as, from the op table's OnnxFacts (opType and alsoFrom). */
export function onnxImportTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (const def of allOps())
    for (const t of def.onnx?.opType ? [def.onnx.opType, ...(def.onnx.alsoFrom ?? [])] : []) {
      const other = table.get(t);
      if (other) throw new Error(`ONNX op type ${t} claimed by both ${other} and ${def.name}`);
      table.set(t, def.name);
    }
  return table;
}

let cached: { ops: number; table: Readonly<Record<string, Converter>> } | undefined;

/** Every converter: the family files' own, and a direct one for each other type of the import table. */
export function converters(): Readonly<Record<string, Converter>> {
  // Ops are only ever added to the op table, so its size says whether the cache is current.
  const ops = allOps().length;
  if (cached?.ops === ops) return cached.table;
  const table: Record<string, Converter> = Object.create(null);
  for (const [t, op] of onnxImportTable()) table[t] = direct(op);
  cached = { ops, table: Object.assign(table, OWN) };
  return cached.table;
}

/** ONNX op types qforge imports, sorted. */
export const supportedOnnxOps = (): string[] => Object.keys(converters()).sort();

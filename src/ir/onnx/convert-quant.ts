// ONNX QuantizeLinear/DequantizeLinear (QDQ models) -> quantize/dequantize with constant parameters.
// QuantizeLinear divides, q = saturate(rint(x / scale) + zp) in float32 (onnxruntime), so it
// becomes quantize { scaling: divide }; the one exception is a QuantizeLinear that qforge's
// exporter wrote for a PyTorch-style (reciprocal) quantization and tagged with
// metadata_props qforge.quantize_scaling = reciprocal, which comes back as it was.
import type { DType } from '../dtype.js';
import type { QuantScaling } from '../quant-math.js';
import type { NodeContext } from './context.js';
import type { Converter } from './convert-math.js';

interface QParams {
  scale: number[];
  zeroPoint: number[];
  /** Only for per-axis parameters. */
  axis?: number;
  zpDtype?: DType;
}

function qparams(c: NodeContext, dataRank: number): QParams {
  if (c.int('block_size', 0) !== 0) c.unsupported('blocked quantization (block_size) is not supported');
  const scaleT = c.constant(1, 'scale');
  const scale = Array.from(scaleT.data, Number);
  const zpT = c.constantOrUndefined(2);
  if (c.hasInput(2) && !zpT) c.constant(2, 'zero_point');
  const zeroPoint = zpT ? Array.from(zpT.data, Number) : scale.map(() => 0);
  if (zeroPoint.length !== scale.length) c.invalid(`scale has ${scale.length} values, zero_point ${zeroPoint.length}`);
  if (scaleT.shape.length > 1) c.unsupported('scale must be a scalar or 1-D');
  // One scale is per-tensor even when held in a 1-D tensor (a per-axis scale over a size-1 axis).
  const perAxis = scale.length > 1;
  let axis: number | undefined;
  if (perAxis) {
    const a = c.int('axis', 1);
    axis = a < 0 ? a + dataRank : a;
  }
  return { scale, zeroPoint, ...(axis !== undefined ? { axis } : {}), ...(zpT ? { zpDtype: zpT.dtype } : {}) };
}

/** NodeProto metadata key naming the scaling of a QuantizeLinear qforge exported (absent: divide). */
export const SCALING_KEY = 'qforge.quantize_scaling';

function scalingOf(c: NodeContext): QuantScaling {
  const tag = c.onnx.metadataProps?.find((p) => p.key === SCALING_KEY)?.value;
  return tag === 'reciprocal' ? 'reciprocal' : 'divide';
}

const quantizeLinear: Converter = (c) => {
  const q = qparams(c, c.rank(0));
  const out = c.int('output_dtype', 0);
  if (out !== 0 && !q.zpDtype) c.unsupported('output_dtype without a zero_point is not supported');
  const scaling = scalingOf(c);
  c.emit('quantize', [c.input(0)], { scale: q.scale, zero_point: q.zeroPoint, axis: q.axis, dtype: q.zpDtype ?? 'u8', ...(scaling === 'divide' ? { scaling } : {}) });
};

const dequantizeLinear: Converter = (c) => {
  const q = qparams(c, c.rank(0));
  c.emit('dequantize', [c.input(0)], { scale: q.scale, zero_point: q.zeroPoint, axis: q.axis });
};

export const QUANT_CONVERTERS: Record<string, Converter> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
};

// quantize-dynamic (`--mode dynamic`): int8 per-channel weights for the linear layers (the 8-bit
// weight-only form), then spec/patterns/lower-dynamic.qpat turns each into qlinear_dynamic: its
// activation is quantized at run time (u8 affine, per tensor, from its own min/max — PyTorch's
// dynamic linear), it accumulates in integers and returns floats. fuse-activation's patterns run
// with it, so a relu/clip after a gemm becomes the op's clamp. No calibration.
import { diag } from '../../diagnostics/index.js';
import { definePass } from '../manager/pass.js';
import { builtinPatterns } from '../../patterns/index.js';
import { PATTERN_OPTIONS, runPatternSet } from '../util/run-patterns.js';
import { quantizeWeightsOnly } from './weight-only.js';

export const quantizeDynamicPass = definePass({
  kind: 'transform',
  name: 'quantize-dynamic',
  description: 'dynamic quantization: gemm/matmul with constant weights become qlinear_dynamic (int8 per-channel weights, activations quantized at run time)',
  options: PATTERN_OPTIONS,
  transform(ctx) {
    const w = quantizeWeightsOnly(ctx.input, { bits: 8, groupSize: 1 });
    ctx.count('quantized-weights', w.quantized);
    if (!w.quantized) ctx.warn(diag('QUANT_NO_LINEAR', 'no gemm or matmul with a constant 2-D f32 weight: nothing to quantize dynamically'));
    return runPatternSet(ctx, builtinPatterns('fuse-activation', 'lower-dynamic'), w.graph);
  },
});

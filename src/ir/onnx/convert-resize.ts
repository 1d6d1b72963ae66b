// ONNX Resize (opsets 10-19) and Upsample (7-9) -> resize with a static output shape. Scales, sizes
// and roi must be constants. Resize-10 and Upsample predate the coordinate modes: they map
// coordinates asymmetrically (x / scale) and nearest takes the floor (NumPy's repeat for integer scales).
import type { NodeContext } from './context.js';
import type { Converter } from './convert-math.js';

/** Output dims from scales: floor(in · scale), tf_crop_and_resize scaling the roi's extent. */
function sizesFrom(inShape: number[], scales: number[], roi: number[] | undefined): number[] {
  const r = inShape.length;
  return inShape.map((n, d) => Math.floor(n * (roi ? roi[d + r]! - roi[d]! : 1) * scales[d]!));
}

function legacy(c: NodeContext, scales: number[]): void {
  const mode = c.str('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') c.unsupported(`mode '${mode}' is not supported`);
  const shape = c.type(0).shape;
  if (scales.length !== shape.length) c.invalid(`scales needs ${shape.length} values, got ${scales.length}`);
  c.emit('resize', [c.input(0)], {
    sizes: sizesFrom(shape, scales, undefined), scales, mode,
    coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
  });
}

const upsample: Converter = (c) => {
  if (c.opset < 7) c.unsupported('Upsample before opset 7 (height_scale/width_scale) is not supported');
  legacy(c, c.opset < 9 ? c.floats('scales') ?? c.invalid("attribute 'scales' is required") : c.constantNumbers(1, 'scales'));
};

/** Spreads values given for `axes` over all dims (the others keep `fill`). */
function spread(values: number[], axes: number[] | undefined, rank: number, fill: (d: number) => number): number[] {
  if (!axes) return values;
  const out = Array.from({ length: rank }, (_, d) => fill(d));
  axes.forEach((a, k) => (out[a < 0 ? a + rank : a] = values[k]!));
  return out;
}

const resize: Converter = (c) => {
  if (c.opset < 11) return legacy(c, c.constantNumbers(1, 'scales'));
  const shape = c.type(0).shape, rank = shape.length;
  if (c.int('antialias', 0) !== 0) c.unsupported('antialias is not supported');
  if (c.str('keep_aspect_ratio_policy', 'stretch') !== 'stretch') c.unsupported("keep_aspect_ratio_policy other than 'stretch' is not supported");
  const axes = c.ints('axes');
  const mode = c.str('coordinate_transformation_mode', 'half_pixel');
  const given = (i: number, what: string) => (c.hasInput(i) ? c.constantNumbers(i, what) : []);
  const roiIn = mode === 'tf_crop_and_resize' ? given(1, 'roi') : [];
  const roi = roiIn.length && axes
    ? [...spread(roiIn.slice(0, axes.length), axes, rank, () => 0), ...spread(roiIn.slice(axes.length), axes, rank, () => 1)]
    : roiIn;
  let scales = given(2, 'scales'), sizes = given(3, 'sizes');
  if (scales.length && sizes.length) c.invalid('only one of scales and sizes may be given');
  if (!scales.length && !sizes.length) c.invalid('one of scales and sizes is required');
  scales = spread(scales, scales.length ? axes : undefined, rank, () => 1);
  sizes = spread(sizes, sizes.length ? axes : undefined, rank, (d) => shape[d]!);
  if (mode === 'tf_crop_and_resize' && roi.length !== 2 * rank) c.invalid(`tf_crop_and_resize needs roi with ${2 * rank} values`);
  c.emit('resize', [c.input(0)], {
    sizes: sizes.length ? sizes : sizesFrom(shape, scales, mode === 'tf_crop_and_resize' ? roi : undefined),
    scales: sizes.length ? [] : scales,
    mode: c.str('mode', 'nearest'),
    coordinate_transformation_mode: mode,
    nearest_mode: c.str('nearest_mode', 'round_prefer_floor'),
    cubic_coeff_a: c.float('cubic_coeff_a', -0.75),
    exclude_outside: c.bool('exclude_outside', false),
    extrapolation_value: c.float('extrapolation_value', 0),
    roi: mode === 'tf_crop_and_resize' ? roi : [],
  });
};

export const RESIZE_CONVERTERS: Record<string, Converter> = {
  Resize: resize,
  Upsample: upsample,
};

// ONNX ops with no qforge op of their own, spelled with ours (each step exact or rounded once
// more than ONNX's single formula, as noted).
import { tensor } from '../tensor.js';
import type { NodeContext } from './context.js';
import type { Converter } from './convert-math.js';

const MAX_TILE = 4096;

/** Tile = for each repeated axis, concat of that many copies (static repeats). */
const tile: Converter = (c) => {
  const reps = c.constantInts(1, 'repeats');
  const rank = c.rank(0);
  if (reps.length !== rank) c.invalid(`repeats has ${reps.length} values for rank ${rank}`);
  if (reps.some((r) => r < 0)) c.invalid('repeats must not be negative');
  // Each repeat is one concat operand: a graph node with millions of operands helps no one.
  if (reps.some((r) => r > MAX_TILE)) c.unsupported(`repeats above ${MAX_TILE} are not supported, got [${reps.join(',')}]`);
  let x = c.input(0);
  const axes = reps.flatMap((r, a) => (r !== 1 ? [a] : []));
  if (axes.length === 0) return c.alias(0, x);
  axes.forEach((a, k) => {
    const last = k === axes.length - 1;
    x = c.emit1('concat', new Array<string>(reps[a]!).fill(x), { axis: a }, last ? c.output(0) : c.temp(`tile${a}`));
  });
};

const scalar = (c: NodeContext, suffix: string, v: number) => c.addConstant(suffix, tensor(c.type(0).dtype, [], [v]));

/** Softsign = x / (1 + |x|), the same roundings as the formula. */
const softsign: Converter = (c) => {
  const x = c.input(0);
  const d = c.emit1('add', [c.emit1('abs', [x], {}, c.temp('abs')), scalar(c, 'one', 1)], {}, c.temp('den'));
  c.emit('div', [x, d]);
};

/** Selu = gamma * elu(x, alpha) (one extra rounding of the elu result). */
const selu: Converter = (c) => {
  const alpha = c.float('alpha', 1.67326319217681884765625), gamma = c.float('gamma', 1.05070102214813232421875);
  const e = c.emit1('elu', [c.input(0)], { alpha }, c.temp('elu'));
  c.emit('mul', [e, scalar(c, 'gamma', gamma)]);
};

/** DepthToSpace / SpaceToDepth: a reshape to 6-D, a transpose and a reshape back (exact). */
const depthToSpace: Converter = (c) => {
  const [n, ch, h, w] = c.type(0).shape as [number, number, number, number];
  const b = c.int('blocksize') ?? c.invalid("attribute 'blocksize' is required");
  if (c.rank(0) !== 4 || ch % (b * b) !== 0) c.invalid(`input [${c.type(0).shape.join(',')}] does not split into ${b}x${b} blocks`);
  const crd = c.str('mode', 'DCR') === 'CRD';
  const six = crd ? [n, ch / (b * b), b, b, h, w] : [n, b, b, ch / (b * b), h, w];
  const perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
  const r = c.emit1('reshape', [c.input(0)], { shape: six }, c.temp('blocks'));
  const t = c.emit1('transpose', [r], { perm }, c.temp('moved'));
  c.emit('reshape', [t], { shape: [n, ch / (b * b), h * b, w * b] });
};

const spaceToDepth: Converter = (c) => {
  const [n, ch, h, w] = c.type(0).shape as [number, number, number, number];
  const b = c.int('blocksize') ?? c.invalid("attribute 'blocksize' is required");
  if (c.rank(0) !== 4 || h % b !== 0 || w % b !== 0) c.invalid(`input [${c.type(0).shape.join(',')}] does not split into ${b}x${b} blocks`);
  const r = c.emit1('reshape', [c.input(0)], { shape: [n, ch, h / b, b, w / b, b] }, c.temp('blocks'));
  const t = c.emit1('transpose', [r], { perm: [0, 3, 5, 1, 2, 4] }, c.temp('moved'));
  c.emit('reshape', [t], { shape: [n, ch * b * b, h / b, w / b] });
};

export const COMPOSED_CONVERTERS: Record<string, Converter> = {
  Tile: tile,
  Softsign: softsign,
  Selu: selu,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
};

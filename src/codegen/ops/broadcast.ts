// Binary elementwise ops with NumPy broadcasting, shared by qadd/qmul and the float binaries.
// They are layout-agnostic: NHWC operands stay NHWC when the other operand is the same shape, a
// scalar, or a tensor whose NCHW and NHWC bytes coincide (per-channel [1,C,1,1]); broadcast strides
// are then computed on the physical (NHWC) shapes.
import { broadcastStrides } from '../../ir/compute/broadcast.js';
import type { Node } from '../../ir/graph.js';
import { numel, type TensorType } from '../../ir/types.js';
import type { Lowering, Val } from '../emit/lower.js';
import { layoutsCoincide, physicalShape, type Form, type Layout } from '../plan/forms.js';

const pad4 = (s: readonly number[]): number[] => [...new Array<number>(Math.max(0, 4 - s.length)).fill(1), ...s];
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export interface BinaryCall {
  a: Val;
  b: Val;
  layout: Layout;
  /** C statement: `flat` is called as flat(lead, n, a, sa, b, sb, params, y) when no real broadcast is needed
   *  (`lead`: leading arguments such as the ctx of a parallel kernel, none by default), else qf_broadcast2
   *  with `row` (qf_par_broadcast2(lead, …), split over rows, when there is a `lead`). */
  call(flat: string, row: string, esize: [number, number, number], params: string, y: Val, lead?: string): string;
}

/**
 * The broadcast with axes of size 1 dropped and adjacent axes merged where both operands step through
 * them as through one (contiguous, or both broadcast): the same element pairs in fewer, longer rows
 * (a per-channel [1,C,1,1] operand on [1,C,H,W] gives C rows of H·W, not C·H rows of W).
 */
function coalesce(shape: readonly number[], sa: readonly number[], sb: readonly number[]): [number[], number[], number[]] {
  const s: number[] = [], a: number[] = [], b: number[] = [];
  shape.forEach((d, i) => {
    const k = s.length - 1;
    if (d === 1) return;
    if (k >= 0 && a[k] === sa[i]! * d && b[k] === sb[i]! * d) {
      s[k]! *= d;
      a[k] = sa[i]!;
      b[k] = sb[i]!;
    } else s.push(d), a.push(sa[i]!), b.push(sb[i]!);
  });
  return s.length ? [s, a, b] : [[1], [0], [0]];
}

export function binaryOperands(L: Lowering, node: Node, form: (t: TensorType, layout: Layout) => Form): BinaryCall {
  const [an, bn] = node.inputs as [string, string];
  const at = L.type(an), bt = L.type(bn), out = L.type(node.outputs[0]!).shape;
  const fits = (s: readonly number[]) => sameShape(s, out) || numel(s) === 1 || (s.length <= 4 && layoutsCoincide(pad4(s)));
  const nhwcNow = [an, bn].some((n) => (L.isConst(n) ? false : L.val(n).form.layout === 'nhwc'));
  const layout: Layout = out.length === 4 && nhwcNow && fits(at.shape) && fits(bt.shape) ? 'nhwc' : 'plain';
  // Operands not of the full shape are read in plain form: their bytes equal the NHWC ones.
  const operandLayout = (s: readonly number[]): Layout => (layout === 'nhwc' && sameShape(s, out) ? 'nhwc' : 'plain');
  const a = L.need(an, form(at, operandLayout(at.shape)));
  const b = L.need(bn, form(bt, operandLayout(bt.shape)));
  const phys = (s: readonly number[]) => (layout === 'nhwc' ? physicalShape(pad4(s), 'nhwc') : [...s]);
  const po = phys(out), pa = phys(at.shape), pb = phys(bt.shape);
  const n = numel(out);
  return {
    a, b, layout,
    call(flat, row, esize, params, y, lead) {
      const na = numel(at.shape), nb = numel(bt.shape);
      if ((na === n || na === 1) && (nb === n || nb === 1))
        return `${flat}(${lead ? `${lead}, ` : ''}${n}, ${a.cname}, ${na === 1 && n > 1 ? 0 : 1}, ${b.cname}, ${nb === 1 && n > 1 ? 0 : 1}, ${params}, ${y.cname});`;
      const [shape, sa, sb] = coalesce(po, broadcastStrides(po, pa), broadcastStrides(po, pb));
      const arr = (v: number[], h: string) => L.pool.decl(`${node.name}_${h}`, 'int32_t', `{${v.join(',')}}`, `[${v.length}]`);
      return `${lead ? `qf_par_broadcast2(${lead}, ` : 'qf_broadcast2('}${shape.length}, ${arr(shape, 'shape')}, ${arr(sa, 'sa')}, ${arr(sb, 'sb')}, ${esize.join(', ')}, ${a.cname}, ${b.cname}, ${y.cname}, ${row}, ${params});`;
    },
  };
}

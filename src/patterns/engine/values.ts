// Printing run-time values of pattern expressions (explanations, traces, error messages).
import type { Tensor } from '../../ir/tensor.js';
import { ValueRef, type RtVal } from '../lang/types.js';
import { NONE } from '../../ir/numbered/index.js';
import type { EvalCtx } from './program.js';

function showNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
}

export function showValue(v: RtVal): string {
  if (v === undefined) return 'absent';
  if (v instanceof ValueRef) return `'${v.name}'`;
  if (typeof v === 'number') return showNumber(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${(v as (number | string | ValueRef)[]).map((x) => (typeof x === 'number' ? showNumber(x) : x instanceof ValueRef ? `'${x.name}'` : JSON.stringify(x))).join(', ')}]`;
  const t = v as Tensor;
  const head = Array.from(t.data.slice(0, 4) as ArrayLike<number | bigint>, (x) => showNumber(Number(x))).join(', ');
  return `${t.dtype}[${t.shape.join(',')}] {${head}${t.data.length > 4 ? ', …' : ''}}`;
}

/** The operands of the node bound to `binding` from index `from` on (`%xs...`), absent ones left out. */
export function restValues(ctx: EvalCtx, binding: string, from: number): ValueRef[] {
  const g = ctx.g, n = ctx.st.nodes.get(binding)!;
  const out: ValueRef[] = [];
  for (let i = from, k = g.operandCount(n); i < k; i++) {
    const w = g.operand(n, i);
    if (w !== NONE) out.push(new ValueRef(g.valueName(w), w));
  }
  return out;
}

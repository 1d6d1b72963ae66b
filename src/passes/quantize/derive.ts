// Derived qparams (PT2E DerivedQuantizationSpec.derive_qparams_fn): a derived group's scale and
// zero point are a function of other groups' qparams. `bias` is built in; a spec may carry its
// own function, which prepare names here so that the observe node (plain attributes) can refer
// to it — such a name is valid in this process only, like the quantizer object it came from.
import { fail } from '../../diagnostics/index.js';
import type { Node } from '../../ir/graph.js';
import { fround } from '../../ir/quant-math.js';
import type { QuantParams } from '../../ir/types.js';

/** Sources' qparams (in `from` order) -> the derived qparams. */
export type DeriveFn = (sources: QuantParams[]) => QuantParams;

/** Bias qparams: scale[c] = fround(s_in · s_w[c]), zero point 0 (the integer kernels' bias scale). */
const bias: DeriveFn = (sources) => {
  const [x, w] = sources as [QuantParams, QuantParams];
  if (x.scale.length !== 1) throw new Error(`a derived bias needs a per-tensor input scale, got ${x.scale.length} scales`);
  const scale = w.scale.map((s) => fround(x.scale[0]! * s));
  return { scale, zeroPoint: scale.map(() => 0), ...(scale.length > 1 ? { axis: 0 } : {}) };
};

const BUILTIN: Record<string, DeriveFn> = { bias };
const named = new Map<DeriveFn, string>();
const byName = new Map<string, DeriveFn>();

/** The name an observe node records for a derive rule ('bias', or a name given to a function). */
export function deriveName(rule: 'bias' | DeriveFn): string {
  if (typeof rule === 'string') return rule;
  let name = named.get(rule);
  if (!name) {
    name = `fn${named.size + 1}${rule.name ? `:${rule.name}` : ''}`;
    named.set(rule, name);
    byName.set(name, rule);
  }
  return name;
}

/** Runs the derive rule an observe node names on its sources' qparams, checking the result. */
export function derive(n: Node, sources: QuantParams[]): QuantParams {
  const name = (n.attrs['derive'] as string | undefined) ?? 'bias';
  const fn = BUILTIN[name] ?? byName.get(name);
  if (!fn) fail('QUANT_SPEC', `derive function '${name}' is not known here; a derived spec's own function lives only as long as the quantizer object that made it`, { node: n });
  let q: QuantParams;
  try {
    q = fn(sources);
  } catch (e) {
    fail('QUANT_SPEC', `derive function '${name}' failed: ${(e as Error).message}`, { node: n });
  }
  const ok = q && q.scale.length > 0 && q.scale.length === q.zeroPoint.length && q.scale.every((s) => s > 0 && Number.isFinite(s)) && q.zeroPoint.every(Number.isInteger);
  if (!ok) fail('QUANT_SPEC', `derive function '${name}' must return positive finite scales and as many integer zero points, got ${JSON.stringify(q)}`, { node: n });
  return q;
}

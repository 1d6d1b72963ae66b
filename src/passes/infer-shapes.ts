// infer-shapes: recomputes every result type from the op table, in topological order, so a
// corrected type flows on to its users. Where the declared type disagrees it reports the node
// and, by default, takes the inferred type. Inference that cannot say (no quantization params
// in its answer) keeps the declared params: they are annotations, not something shapes imply.
import { diag, QforgeError, type Diagnostic } from '../diagnostics/index.js';
import { store } from '../ir/graph.js';
import { getOp, OpError, resolveAttrs } from '../ir/ops/index.js';
import { formatType, sameQuant, sameShape, type TensorType } from '../ir/types.js';
import { definePass } from './manager/pass.js';

const show = (t: TensorType) => formatType(t) + (t.quant ? ` (quant scale=[${t.quant.scale.join(',')}] zp=[${t.quant.zeroPoint.join(',')}]${t.quant.axis !== undefined ? ` axis=${t.quant.axis}` : ''})` : '');

export const inferShapesPass = definePass({
  kind: 'transform',
  name: 'infer-shapes',
  description: 'recomputes every value type from the op table and reports where the declared type disagrees',
  options: {
    'on-mismatch': {
      type: 'enum',
      values: ['update', 'warn', 'error'],
      default: 'update',
      doc: 'update: take the inferred type and warn; warn: only warn; error: fail listing every disagreement',
    },
  },
  idempotent: true,
  transform(ctx) {
    const g = ctx.input;
    const mode = ctx.options['on-mismatch'];
    const fixed = new Map<string, TensorType>();
    const found: Diagnostic[] = [];
    const typeOf = (v: string): TensorType | undefined => (mode === 'update' ? fixed.get(v) : undefined) ?? g.values[v];

    for (const [name, t] of Object.entries(g.constants)) {
      const d = g.values[name];
      if (d && d.dtype === t.dtype && sameShape(d.shape, t.shape)) continue;
      const inferred: TensorType = { dtype: t.dtype, shape: [...t.shape], ...(d?.quant ? { quant: d.quant } : {}) };
      fixed.set(name, inferred);
      found.push(diag('PASS_TYPE_MISMATCH', `constant '${name}' is declared ${d ? show(d) : 'without a type'}, its data is ${formatType(inferred)}`));
    }
    for (const n of g.nodes) {
      const def = getOp(n.op);
      if (!def) continue; // the verifier names unknown ops
      let inferred: TensorType[];
      try {
        inferred = def.infer({ inputs: n.inputs.map((v) => (v ? typeOf(v) : undefined)), attrs: resolveAttrs(def, n.attrs) });
      } catch (e) {
        if (!(e instanceof OpError)) throw e;
        found.push(diag('PASS_TYPE_MISMATCH', `type inference failed: ${e.message}`, { node: { name: n.name, op: n.op } }));
        continue;
      }
      if (inferred.length !== n.outputs.length) {
        found.push(diag('PASS_TYPE_MISMATCH', `op infers ${inferred.length} result(s), node has ${n.outputs.length}`, { node: { name: n.name, op: n.op } }));
        continue;
      }
      n.outputs.forEach((o, k) => {
        const d = g.values[o], t = inferred[k]!;
        const quant = t.quant ?? (d && d.dtype === t.dtype ? d.quant : undefined);
        if (d && d.dtype === t.dtype && sameShape(d.shape, t.shape) && sameQuant(d.quant, quant)) return;
        const want: TensorType = { dtype: t.dtype, shape: [...t.shape], ...(quant ? { quant } : {}) };
        fixed.set(o, want);
        found.push(diag('PASS_TYPE_MISMATCH', `'${o}' is declared ${d ? show(d) : 'without a type'}, the op table infers ${show(want)}`, { node: { name: n.name, op: n.op } }));
      });
    }
    if (found.length === 0) return g;
    ctx.count('mismatches', found.length);
    if (mode === 'error') throw new QforgeError(found);
    found.forEach((d) => ctx.warn(d));
    if (mode !== 'update') return g;
    // store: a value named `__proto__` must become an entry, not the record's prototype.
    const values = { ...g.values };
    for (const [name, t] of fixed) store(values, name, t);
    ctx.count('updated', fixed.size);
    return { ...g, values };
  },
});

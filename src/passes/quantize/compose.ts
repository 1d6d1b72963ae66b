// ComposableQuantizer (PT2E composable_quantizer.py): several quantizers applied in order to one
// graph. Their graph transforms run in order; then each annotates what the ones before left
// free — first annotation wins. A quantizer that annotates an already annotated node anyway
// (PT2E: "changed annotations") is an error naming both.
import { fail } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import type { AnnotationTable, Quantizer, SpecAdjustments } from './quantizer.js';

export function composeQuantizers(name: string, quantizers: readonly Quantizer[]): Quantizer {
  return {
    name,
    description: `composition of ${quantizers.map((q) => q.name).join(', ')}`,
    transformForAnnotation: (g: Graph) => quantizers.reduce((acc, q) => q.transformForAnnotation?.(acc) ?? acc, g),
    annotate(g: Graph, taken: ReadonlySet<string> = new Set()): AnnotationTable {
      const table: AnnotationTable = new Map();
      const by = new Map<string, string>();
      for (const q of quantizers) {
        const busy = new Set([...taken, ...table.keys()]);
        for (const [node, a] of q.annotate(g, busy)) {
          if (busy.has(node))
            fail('QUANT_ANNOTATION', `quantizer '${q.name}' annotates node '${node}', already annotated by '${by.get(node) ?? 'an enclosing quantizer'}'`, {
              hint: 'in a composition each quantizer annotates only the nodes the ones before it left free',
            });
          table.set(node, a);
          by.set(node, q.name);
        }
      }
      return table;
    },
    adjustSpecs(g, sharing): SpecAdjustments {
      return new Map(quantizers.flatMap((q) => [...(q.adjustSpecs?.(g, sharing) ?? [])]));
    },
  };
}

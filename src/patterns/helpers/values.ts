// Helpers that read a constant's value, for patterns that turn a matched constant into an
// attribute (a decomposed LayerNorm's epsilon becomes layer_norm's `epsilon`).
import { OpError } from '../../ir/ops/index.js';
import { defineHelper, type Helper } from './registry.js';

export const VALUE_HELPERS: Helper[] = [
  defineHelper({
    name: 'item',
    doc: 'the value of a one-element tensor (a scalar constant), as a number',
    params: [{ name: 't', type: 'tensor' }],
    result: 'float',
    fn: (t) => {
      if (t.data.length !== 1) throw new OpError(`item: expected one element, got shape [${t.shape.join(',')}]`);
      return Number(t.data[0]);
    },
  }),
];

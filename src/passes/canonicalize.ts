// canonicalize: the cleanup every other pass can rely on having run, as one name. It expands to
// a fixpoint group of the small passes, so each keeps its own record, timing and statistics:
// folding exposes identities, removing identities exposes common subexpressions, and so on.
import { foldConstantsPass } from './fold-constants.js';
import { definePass } from './manager/pass.js';

export const canonicalizePass = definePass({
  kind: 'composite',
  name: 'canonicalize',
  description: 'fixpoint(remove-identity, fold-constants, cse, dce): the standard cleanup, to a fixpoint',
  options: {
    'max-iterations': { type: 'int', default: 10, min: 1, doc: 'rounds of the group at most' },
    fold: { type: 'bool', default: true, doc: 'include fold-constants' },
    'max-elements': { ...foldConstantsPass.options['max-elements'], doc: 'fold-constants: largest result folded' },
  },
  expand(o) {
    const fold = o.fold ? [{ pass: 'fold-constants', options: { 'max-elements': o['max-elements'] } }] : [];
    return [{ fixpoint: ['remove-identity', ...fold, 'cse', 'dce'], maxIterations: o['max-iterations'] }];
  },
});

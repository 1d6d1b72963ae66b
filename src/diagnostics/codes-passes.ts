// Diagnostics of the pass layer: pipeline specs, pass options, the pass manager and its passes.
export const PASS_CODES = {
  PASS_SPEC: { code: 'QF1001', title: 'pipeline spec does not parse', location: 'pipeline' },
  PASS_UNKNOWN: { code: 'QF1002', title: 'unknown pass', location: 'pipeline' },
  PASS_OPTION: { code: 'QF1003', title: 'unknown or ill-typed pass option', location: 'pipeline' },
  PASS_VERIFY: { code: 'QF1004', title: 'graph is invalid after a pass', location: 'node' },
  PASS_FAILED: { code: 'QF1005', title: 'a pass failed', location: 'none' },
  PASS_NO_FIXPOINT: { code: 'QF1006', title: 'fixpoint group did not converge', location: 'pipeline' },
  PASS_TYPE_MISMATCH: { code: 'QF1007', title: 'declared type disagrees with the op table', location: 'node' },
  PASS_FOLD_SKIPPED: { code: 'QF1008', title: 'constant folding skipped a node', location: 'node' },
} as const;

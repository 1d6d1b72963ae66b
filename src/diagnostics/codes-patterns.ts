// Diagnostics of the pattern DSL: .qpat syntax and checking, rewriting, and the explain tool.
export const PATTERN_CODES = {
  PAT_SYNTAX: { code: 'QF2001', title: 'pattern file does not parse', location: 'source' },
  PAT_UNKNOWN_OP: { code: 'QF2002', title: 'unknown op in a pattern', location: 'source' },
  PAT_OPERANDS: { code: 'QF2003', title: 'wrong operand count for the op', location: 'source' },
  PAT_UNKNOWN_ATTR: { code: 'QF2004', title: 'unknown attribute of the op', location: 'source' },
  PAT_UNKNOWN_FN: { code: 'QF2005', title: 'unknown helper or function', location: 'source' },
  PAT_UNBOUND: { code: 'QF2006', title: 'unbound capture or name', location: 'source' },
  PAT_TYPE: { code: 'QF2007', title: 'type error in a constraint or rewrite', location: 'source' },
  PAT_STRUCTURE: { code: 'QF2008', title: 'malformed pattern', location: 'source' },
  PAT_DUPLICATE: { code: 'QF2009', title: 'name defined twice', location: 'source' },
  PAT_MAYBE_ABSENT: { code: 'QF2010', title: 'a value that may be absent is used where it is required', location: 'source' },
  PAT_ARGS: { code: 'QF2011', title: 'wrong arguments for a helper or function', location: 'source' },
  PAT_REWRITE: { code: 'QF2012', title: 'a rewrite failed while building its replacement', location: 'source' },
  PAT_NO_CONVERGENCE: { code: 'QF2013', title: 'pattern rewriting did not converge (rewrite cycle)', location: 'pipeline' },
  PAT_EXPLAIN: { code: 'QF2014', title: 'unknown pattern or node for explain', location: 'none' },
} as const;

// The fixpoint schedule shared by `fixpoint(...)` groups and passes that iterate rewrites
// internally (canonicalize): rounds over the members until none has anything left to do.

export interface FixpointInfo<M> {
  /** Running it again right after its own change does nothing. */
  idempotent(m: M): boolean;
  /** Whether a change made by `by` can give `m` new work. */
  affects(by: M, m: M): boolean;
}

/**
 * A member runs when the graph changed since its last run, except by itself when idempotent or
 * by members that cannot affect it. `run` returns whether the member changed the graph.
 */
export function runToFixpoint<M>(members: readonly M[], max: number, info: FixpointInfo<M>, run: (m: M) => boolean): { rounds: number; converged: boolean } {
  const dirty = members.map(() => true);
  let rounds = 0;
  while (dirty.includes(true) && rounds < max) {
    rounds++;
    for (let i = 0; i < members.length; i++) {
      if (!dirty[i]) continue;
      const m = members[i]!;
      dirty[i] = false;
      if (!run(m)) continue;
      members.forEach((other, k) => {
        if (k === i ? !info.idempotent(m) : info.affects(m, other)) dirty[k] = true;
      });
    }
  }
  return { rounds, converged: !dirty.includes(true) };
}


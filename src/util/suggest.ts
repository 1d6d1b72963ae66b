// "Did you mean …?" suggestions for misspelt names (ops, dtypes, attribute keys).

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `name`, if close enough to be a plausible typo; ties go to the same length. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = editDistance(lower, c.toLowerCase()) * 2 + (c.length === name.length ? 0 : 1);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && Math.floor(bestScore / 2) <= limit ? best : undefined;
}

/** `did you mean 'x'?`, or undefined. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const n = nearest(name, candidates);
  return n === undefined ? undefined : `did you mean '${n}'?`;
}

/** `did you mean 'cse'? valid passes: a, b, c` — the nearest name (if plausible) and the full list. */
export function suggestion(name: string, known: readonly string[], what: string): string {
  const near = nearest(name, known);
  const list = known.length ? `valid ${what}: ${known.join(', ')}` : `there are no ${what}`;
  return near ? `did you mean '${near}'? ${list}` : list;
}

// "Did you mean" hints: the known name nearest to a misspelt one (Damerau-free Levenshtein).

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The nearest known name if it is close enough to be a plausible typo. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** `did you mean 'cse'? valid names: a, b, c` */
export function suggestion(name: string, known: readonly string[], what: string): string {
  const near = nearest(name, known);
  const list = known.length ? `valid ${what}: ${known.join(', ')}` : `there are no ${what}`;
  return near ? `did you mean '${near}'? ${list}` : list;
}

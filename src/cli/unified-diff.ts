// Line-based unified diff (Myers' O(ND) algorithm) for `qforge opt --print-changes`. Common
// leading and trailing lines are trimmed first, so a local rewrite of a big graph costs little;
// past MAX_EDITS differing lines the middle is shown as one replaced block, which is still a
// valid diff, just not a minimal one.

const MAX_EDITS = 4000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/** Shortest edit script between a and b (indices relative to the slices), or undefined when too long. */
function myers(a: readonly string[], b: readonly string[]): Op[] | undefined {
  const n = a.length, m = b.length, max = Math.min(n + m, MAX_EDITS);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice()); // the state before round d, for the walk back
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) x++, y++;
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d, k, off);
    }
  }
  return undefined;
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[], d: number, k: number, off: number): Op[] {
  const ops: Op[] = [];
  let x = a.length, y = b.length;
  for (; d > 0; d--) {
    const v = trace[d]!;
    const down = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!);
    const pk = down ? k + 1 : k - 1;
    const px = v[off + pk]!, py = px - pk;
    while (x > px + (down ? 0 : 1) && y > py + (down ? 1 : 0)) ops.push({ kind: ' ', line: a[--x]!, a: x, b: --y });
    if (down) ops.push({ kind: '+', line: b[--y]!, a: x, b: y });
    else ops.push({ kind: '-', line: a[--x]!, a: x, b: y });
    k = pk;
  }
  while (x > 0 && y > 0) ops.push({ kind: ' ', line: a[--x]!, a: x, b: --y });
  return ops.reverse();
}

/** A unified diff of two texts with `context` lines around each change; '' when they are equal. */
export function unifiedDiff(before: string, after: string, labels: [string, string], context = 3): string {
  if (before === after) return '';
  const a = before.split('\n'), b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail), bm = b.slice(head, b.length - tail);
  const middle = myers(am, bm) ?? [...am.map((line, i) => ({ kind: '-' as const, line, a: i, b: 0 })), ...bm.map((line, i) => ({ kind: '+' as const, line, a: am.length, b: i }))];
  const ops: Op[] = [
    ...a.slice(0, head).map((line, i): Op => ({ kind: ' ', line, a: i, b: i })),
    ...middle.map((o) => ({ ...o, a: o.a + head, b: o.b + head })),
    ...a.slice(a.length - tail).map((line, i): Op => ({ kind: ' ', line, a: a.length - tail + i, b: b.length - tail + i })),
  ];
  let out = `--- ${labels[0]}\n+++ ${labels[1]}\n`;
  for (let i = 0; i < ops.length; ) {
    if (ops[i]!.kind === ' ') {
      i++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is at most 2*context lines further on.
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < ops.length && j - end <= 2 * context; j++) if (ops[j]!.kind !== ' ') end = j;
    const stop = Math.min(ops.length, end + context + 1);
    const hunk = ops.slice(start, stop);
    const aLen = hunk.filter((o) => o.kind !== '+').length, bLen = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aLen ? hunk.find((o) => o.kind !== '+')!.a + 1 : hunk[0]!.a, bStart = bLen ? hunk.find((o) => o.kind !== '-')!.b + 1 : hunk[0]!.b;
    out += `@@ -${aStart},${aLen} +${bStart},${bLen} @@\n`;
    for (const o of hunk) out += `${o.kind}${o.line}\n`;
    i = stop;
  }
  return out;
}

// Static memory planning: every arena buffer lives from the step that writes it to the last step
// that reads it; buffers are placed in one arena by greedy best fit, largest first (the classic
// offline interval-colouring heuristic of TFLite's and XNNPACK's planners). The lower bound is the
// peak of live bytes over the schedule, which no placement can beat.

export interface Interval {
  id: number;
  bytes: number;
  /** First and last step (inclusive) that touch the buffer. */
  start: number;
  end: number;
}

export interface ArenaPlan {
  offsets: Map<number, number>;
  /** Bytes the placed buffers span. */
  size: number;
  /** Peak of live bytes over the schedule. */
  lowerBound: number;
}

export const ALIGN = 64;
export const alignUp = (n: number, a = ALIGN): number => Math.ceil(n / a) * a;

export function planArena(bufs: readonly Interval[]): ArenaPlan {
  const order = [...bufs].sort((a, b) => b.bytes - a.bytes || a.start - b.start || a.id - b.id);
  const placed: { off: number; bytes: number; start: number; end: number }[] = [];
  const offsets = new Map<number, number>();
  let size = 0;
  for (const b of order) {
    const bytes = alignUp(b.bytes);
    const live = placed.filter((p) => p.start <= b.end && b.start <= p.end).sort((p, q) => p.off - q.off);
    let best = -1, bestGap = Infinity, cursor = 0;
    for (const p of live) {
      const gap = p.off - cursor;
      if (gap >= bytes && gap < bestGap) (best = cursor), (bestGap = gap);
      cursor = Math.max(cursor, p.off + p.bytes);
    }
    const off = best >= 0 ? best : cursor;
    placed.push({ off, bytes, start: b.start, end: b.end });
    offsets.set(b.id, off);
    size = Math.max(size, off + bytes);
  }
  const steps = bufs.reduce((m, b) => Math.max(m, b.end + 1), 0);
  const live = new Array<number>(steps + 1).fill(0);
  for (const b of bufs) {
    live[b.start]! += alignUp(b.bytes);
    live[b.end + 1]! -= alignUp(b.bytes);
  }
  let lowerBound = 0, cur = 0;
  for (const d of live) lowerBound = Math.max(lowerBound, (cur += d));
  return { offsets, size, lowerBound };
}

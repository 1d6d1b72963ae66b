// The operand slots of a numbered graph's nodes, each linked into the use list of the value it
// reads. A node's operands are consecutive slots, so operand i of a node is one array read; adding
// or dropping a use is O(1) and allocates nothing. A list keeps the order in which its uses were
// added (the pattern driver revisits users in that order). A redefined node gets fresh slots; the old
// ones are unlinked and stay unused.
//
// The lists are built on first need (a question about a value's uses): the passes never ask, and
// for them the slots are just the operand array. Until then, `link` and `unlink` only write the
// slot, and `redirect` rewrites operands in one walk over the slots; lists built later follow
// slot order.
import { grown, NONE, type NodeId, type ValueId } from './ids.js';

export class UseLists {
  /** Per slot: the value read (NONE: an absent operand) and the reading node. */
  private slotValue: Int32Array;
  private slotNode: Int32Array;
  private top = 0;
  /** Whether the lists below exist (see linkAll). */
  private linked = false;
  /** Per slot: the neighbours in its value's list. */
  private nextSlot = new Int32Array(0);
  private prevSlot = new Int32Array(0);
  /** Per value: the first and last slot of its list (valid while it is not empty) and the list's length. */
  private firstSlot = new Int32Array(0);
  private lastSlot = new Int32Array(0);
  private counts = new Int32Array(0);

  constructor(slots: number) {
    this.slotValue = new Int32Array(slots);
    this.slotNode = new Int32Array(slots);
  }

  /**
   * Takes the first slots from the operands of `nodes` nodes, laid out as valueIds gives them
   * (node i's are ins[inStart[i] .. inStart[i + 1] - 1]); `ins` becomes the slot array.
   */
  adopt(ins: Int32Array, inStart: Int32Array, nodes: number): void {
    this.slotValue = ins;
    this.slotNode = new Int32Array(ins.length);
    for (let i = 0; i < nodes; i++) this.slotNode.fill(i, inStart[i]!, inStart[i + 1]!);
    this.top = ins.length;
  }

  /** Reserves n consecutive slots for the operands of `node`; returns the first. Fill them with `link`. */
  allocate(node: NodeId, n: number): number {
    const start = this.top, end = start + n;
    this.slotValue = grown(this.slotValue, end);
    this.slotNode = grown(this.slotNode, end);
    if (this.linked && end > this.nextSlot.length) {
      this.nextSlot = grown(this.nextSlot, end);
      this.prevSlot = grown(this.prevSlot, end);
    }
    for (let s = start; s < end; s++) this.slotNode[s] = node;
    this.top = end;
    return start;
  }

  /** Builds every list from the slots, in slot order. */
  private linkAll(): void {
    this.linked = true;
    this.nextSlot = new Int32Array(this.slotValue.length);
    this.prevSlot = new Int32Array(this.slotValue.length);
    let values = 0;
    for (let s = 0; s < this.top; s++) values = Math.max(values, this.slotValue[s]! + 1);
    this.firstSlot = new Int32Array(values);
    this.lastSlot = new Int32Array(values);
    this.counts = new Int32Array(values);
    for (let s = 0; s < this.top; s++) this.append(s, this.slotValue[s]!);
  }

  /** Points slot s at v (NONE: absent) and appends it to v's list. */
  link(s: number, v: ValueId): void {
    this.slotValue[s] = v;
    if (this.linked) this.append(s, v);
  }

  private append(s: number, v: ValueId): void {
    this.nextSlot[s] = NONE;
    if (v === NONE) return;
    if (v >= this.counts.length) {
      // Values are numbered from 0 up, and a new one has no uses: zeros are its empty list.
      this.firstSlot = grown(this.firstSlot, v + 1);
      this.lastSlot = grown(this.lastSlot, v + 1);
      this.counts = grown(this.counts, v + 1);
    }
    if (this.counts[v] === 0) {
      this.prevSlot[s] = NONE;
      this.firstSlot[v] = s;
    } else {
      const last = this.lastSlot[v]!;
      this.prevSlot[s] = last;
      this.nextSlot[last] = s;
    }
    this.lastSlot[v] = s;
    this.counts[v]!++;
  }

  /** Takes slot s out of its value's list; returns that value (NONE if it read none). */
  unlink(s: number): ValueId {
    const v = this.slotValue[s]!;
    if (v === NONE) return v;
    this.slotValue[s] = NONE;
    if (!this.linked) return v;
    const prev = this.prevSlot[s]!, next = this.nextSlot[s]!;
    if (prev === NONE) this.firstSlot[v] = next;
    else this.nextSlot[prev] = next;
    if (next === NONE) this.lastSlot[v] = prev;
    else this.prevSlot[next] = prev;
    this.counts[v]!--;
    return v;
  }

  /**
   * Points every slot reading a value v with to[v] >= 0 at to[v] instead; `from` lists those
   * values. Calls `changed` with each node whose operands changed (once per changed slot).
   */
  redirect(from: readonly ValueId[], to: Int32Array, changed: (n: NodeId) => void): void {
    if (this.linked) {
      for (const v of from)
        for (let s = this.first(v); s !== NONE; s = this.first(v)) {
          this.unlink(s);
          this.append(s, to[v]!);
          this.slotValue[s] = to[v]!;
          changed(this.slotNode[s]!);
        }
      return;
    }
    // One walk over the operands instead of building every list for a few edits.
    for (let s = 0; s < this.top; s++) {
      const v = this.slotValue[s]!;
      if (v === NONE || v >= to.length || to[v]! < 0) continue;
      this.slotValue[s] = to[v]!;
      changed(this.slotNode[s]!);
    }
  }

  valueAt(s: number): ValueId {
    return this.slotValue[s]!;
  }

  nodeAt(s: number): NodeId {
    return this.slotNode[s]!;
  }

  /** Use sites of v: the length of its list. */
  count(v: ValueId): number {
    if (!this.linked) this.linkAll();
    return v < this.counts.length ? this.counts[v]! : 0;
  }

  /** The first slot reading v (NONE when unused); walk on with `next`. */
  first(v: ValueId): number {
    return this.count(v) ? this.firstSlot[v]! : NONE;
  }

  next(s: number): number {
    return this.nextSlot[s]!;
  }
}

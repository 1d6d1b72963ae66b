// The operand slots of a numbered graph's nodes, each linked into the use list of the value it
// reads. A node's operands are consecutive slots, so operand i of a node is one array read; adding
// or dropping a use is O(1) and allocates nothing. A list keeps the order in which its uses were
// added (the pattern driver revisits users in that order). A redefined node gets fresh slots; the old
// ones are unlinked and stay unused.
import { grown, NONE, type NodeId, type ValueId } from './ids.js';

export class UseLists {
  /** Per slot: the value read (NONE: an absent operand), the reading node, the neighbours in that value's list. */
  private slotValue: Int32Array;
  private slotNode: Int32Array;
  private nextSlot: Int32Array;
  private prevSlot: Int32Array;
  private top = 0;
  /** Per value: the first and last slot of its list (valid while it is not empty) and the list's length. */
  private firstSlot: Int32Array;
  private lastSlot: Int32Array;
  private counts: Int32Array;

  constructor(slots: number, values: number) {
    this.slotValue = new Int32Array(slots);
    this.slotNode = new Int32Array(slots);
    this.nextSlot = new Int32Array(slots);
    this.prevSlot = new Int32Array(slots);
    this.firstSlot = new Int32Array(values);
    this.lastSlot = new Int32Array(values);
    this.counts = new Int32Array(values);
  }

  /**
   * Fills the first slots with the operands of `nodes` nodes, laid out as valueIds gives them
   * (node i's are ins[inStart[i] .. inStart[i + 1] - 1]), each linked into its value's list.
   */
  adopt(ins: Int32Array, inStart: Int32Array, nodes: number): void {
    this.allocate(0, ins.length);
    for (let i = 0; i < nodes; i++) this.slotNode.fill(i, inStart[i]!, inStart[i + 1]!);
    for (let s = 0; s < ins.length; s++) this.link(s, ins[s]!);
  }

  /** Reserves n consecutive slots for the operands of `node`; returns the first. Fill them with `link`. */
  allocate(node: NodeId, n: number): number {
    const start = this.top, end = start + n;
    if (end > this.slotValue.length) {
      this.slotValue = grown(this.slotValue, end);
      this.slotNode = grown(this.slotNode, end);
      this.nextSlot = grown(this.nextSlot, end);
      this.prevSlot = grown(this.prevSlot, end);
    }
    for (let s = start; s < end; s++) this.slotNode[s] = node;
    this.top = end;
    return start;
  }

  /** Points slot s at v (NONE: absent) and appends it to v's list. */
  link(s: number, v: ValueId): void {
    this.slotValue[s] = v;
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
    const prev = this.prevSlot[s]!, next = this.nextSlot[s]!;
    if (prev === NONE) this.firstSlot[v] = next;
    else this.nextSlot[prev] = next;
    if (next === NONE) this.lastSlot[v] = prev;
    else this.prevSlot[next] = prev;
    this.counts[v]!--;
    this.slotValue[s] = NONE;
    return v;
  }

  valueAt(s: number): ValueId {
    return this.slotValue[s]!;
  }

  nodeAt(s: number): NodeId {
    return this.slotNode[s]!;
  }

  /** Use sites of v: the length of its list. */
  count(v: ValueId): number {
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

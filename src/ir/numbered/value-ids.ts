// Dense integer ids for a graph's value names (and its ops), found with memory locality in mind.
// A string-keyed Map of a million names costs ~10-20x more per lookup than one of 100k on a
// typical CPU (every probe is a cache and TLB miss), so a name table that is one big hash table
// makes a linear pass superlinear in practice. But operands are nearly always defined a few nodes
// earlier, and constants are mostly used in the order they are stored. So names are kept in small
// per-block tables in definition order: an operand is looked up in its node's block and the two
// before it, a constant near the last constant found; those tables stay in cache. Names from
// further away are found by walking the blocks, and remembered; if walking ever costs more than a
// fixed share of the graph's size, one whole-range Map takes over, so the total stays linear.
import type { Graph } from '../graph.js';

const BLOCK = 4096; // node results per block
const SLOTS = 2 * BLOCK; // open addressing at load <= 1/2
const MASK = SLOTS - 1;
const NEAR_BLOCKS = 3;

/** FNV-1a over the UTF-16 code units. */
function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface ValueIds {
  /** Name of every id: graph inputs first, then constants (record order), then node results in node order. */
  names: string[];
  /** Number of graph inputs and of constants: ids [0, inputs) are inputs, [inputs, inputs + constants) constants. */
  inputs: number;
  constants: number;
  /** Node results of node i are ids outStart[i] .. outStart[i + 1] - 1. */
  outStart: Int32Array;
  /** Operands of node i are inIds[inStart[i] .. inStart[i + 1] - 1]; -1 marks an absent operand (''). */
  inStart: Int32Array;
  inIds: Int32Array;
  /** Ids of the graph outputs. */
  outputs: Int32Array;
  /** The op of node i is ops[opCode[i]]: passes test ops without touching every node object. */
  opCode: Int32Array;
  ops: string[];
}

/**
 * Numbers every value of `g` and resolves every operand and graph output to its id. A name that
 * nothing defines (an invalid graph) gets its own id past the defined ones, so passes can still
 * treat it as an opaque value.
 */
export function valueIds(g: Graph): ValueIds {
  const names: string[] = [...g.inputs];
  const inputs = new Map<string, number>();
  g.inputs.forEach((v, id) => inputs.has(v) || inputs.set(v, id));
  for (const v of Object.keys(g.constants)) names.push(v);
  const first = names.length;
  const n = g.nodes.length;
  const outStart = new Int32Array(n + 1);
  const opCode = new Int32Array(n);
  const ops: string[] = [];
  const opIndex = new Map<string, number>();
  let operands = 0;
  for (let i = 0; i < n; i++) {
    const node = g.nodes[i]!;
    outStart[i] = names.length;
    for (const o of node.outputs) names.push(o);
    operands += node.inputs.length;
    let code = opIndex.get(node.op);
    if (code === undefined) opIndex.set(node.op, (code = ops.push(node.op) - 1));
    opCode[i] = code;
  }
  outStart[n] = names.length;
  const results = new BlockTable(names, first, names.length);
  const constants = new BlockTable(names, g.inputs.length, first);
  let lastConstant = g.inputs.length;
  const used = new Uint8Array(first - g.inputs.length);
  const moveTo = (id: number): number => {
    if (!used[id - g.inputs.length]) lastConstant = id;
    used[id - g.inputs.length] = 1;
    return id;
  };

  const inStart = new Int32Array(n + 1);
  const inIds = new Int32Array(operands);
  const far = new Map<string, number>(); // names found outside their near blocks, remembered
  let undefinedNames: Map<string, number> | undefined;
  const resolve = (v: string, near: number): number => {
    let id = results.find(v, near);
    if (id >= 0) return id;
    // Constants are mostly first used in storage order; a shared one used again must not pull
    // the cursor back.
    id = constants.find(v, lastConstant, 1);
    if (id >= 0) return moveTo(id);
    id = inputs.get(v) ?? far.get(v) ?? -1;
    if (id >= 0) return id;
    id = constants.findFar(v, lastConstant);
    if (id >= 0) moveTo(id);
    else id = results.findFar(v, near);
    if (id >= 0) {
      far.set(v, id);
      return id;
    }
    undefinedNames ??= new Map();
    id = undefinedNames.get(v) ?? -1;
    if (id < 0) undefinedNames.set(v, (id = names.push(v) - 1));
    return id;
  };
  let k = 0;
  for (let i = 0; i < n; i++) {
    inStart[i] = k;
    // The block of the last result defined before this node: its operands are nearly always there.
    const near = Math.max(outStart[i]! - 1, first);
    for (const v of g.nodes[i]!.inputs) inIds[k++] = v ? resolve(v, near) : -1;
  }
  inStart[n] = k;
  const last = Math.max(outStart[n]! - 1, first);
  const outputs = Int32Array.from(g.outputs, (v) => resolve(v, last));
  return { names, inputs: g.inputs.length, constants: first - g.inputs.length, outStart, inStart, inIds, outputs, opCode, ops };
}

/** The names of ids [first, end) in per-block open-addressing tables (slots hold id - first). */
class BlockTable {
  private readonly slots: Int32Array;
  private readonly blocks: number;
  private whole?: Map<string, number>;
  /** Block probes left for walking before the whole-range Map takes over. */
  private budget: number;

  constructor(
    private readonly names: readonly string[],
    private readonly first: number,
    private readonly end: number,
  ) {
    const count = end - first;
    this.blocks = Math.max(1, Math.ceil(count / BLOCK));
    this.slots = new Int32Array(count ? this.blocks * SLOTS : 0).fill(-1);
    this.budget = count + 64; // walking may cost about what building the whole Map would
    for (let r = 0; r < count; r++) {
      const base = ((r / BLOCK) | 0) * SLOTS;
      let h = hashName(names[first + r]!) & MASK;
      while (this.slots[base + h]! >= 0) h = (h + 1) & MASK;
      this.slots[base + h] = r;
    }
  }

  private probe(block: number, v: string, h: number): number {
    const base = block * SLOTS;
    for (;;) {
      const r = this.slots[base + h]!;
      if (r < 0) return -1;
      if (this.names[this.first + r] === v) return this.first + r;
      h = (h + 1) & MASK;
    }
  }

  private blockOf(id: number): number {
    return Math.min(Math.max(((id - this.first) / BLOCK) | 0, 0), this.blocks - 1);
  }

  /**
   * Looks in the block of id `near`, the NEAR_BLOCKS - 1 before it and `ahead` blocks after it;
   * -1 when not there.
   */
  find(v: string, near: number, ahead = 0): number {
    if (this.end === this.first) return -1;
    const h = hashName(v) & MASK;
    const at = this.blockOf(near);
    for (let b = Math.min(at + ahead, this.blocks - 1); b >= 0 && b > at - NEAR_BLOCKS; b--) {
      const id = this.probe(b, v, h);
      if (id >= 0) return id;
    }
    return -1;
  }

  /** Everywhere else: a walk over the other blocks (or, once that got too costly, the whole Map). */
  findFar(v: string, near: number): number {
    if (this.end === this.first) return -1;
    if (!this.whole && this.budget < this.blocks) {
      this.whole = new Map();
      for (let id = this.end - 1; id >= this.first; id--) this.whole.set(this.names[id]!, id);
    }
    if (this.whole) return this.whole.get(v) ?? -1;
    const h = hashName(v) & MASK;
    const top = this.blockOf(near);
    let found = -1;
    // Back from the near blocks first (the usual case), then forward (a probe twice is harmless).
    for (let b = top - NEAR_BLOCKS; b >= 0 && found < 0; b--, this.budget--) found = this.probe(b, v, h);
    for (let b = top + 1; b < this.blocks && found < 0; b++, this.budget--) found = this.probe(b, v, h);
    return found;
  }
}

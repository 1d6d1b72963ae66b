// The values of a numbered graph (numbered-graph.ts), numbered densely by valueIds
// (value-ids.ts): graph inputs, then constants in record order, then node results in node order,
// then names nothing defines; values a rewrite adds come after. Per value: its name, flags,
// producer, and its type and constant — read from the source graph on first use, or set by a
// rewrite. The new types and constants are written back after the source's, in the order they
// were set, as a Map would keep them; a renamed value (takeName) counts as new under its new name.
import { lookup, store, type Graph } from '../graph.js';
import type { Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { grown, NONE, type NodeId, type ValueId } from './ids.js';
import type { ValueIds } from './value-ids.js';

// SRC_*: the slot holds the source's entry, read on first use. NEW_*: it holds one a rewrite set.
// REMOVED: the value's definition went away (a dropped result, a constant that lost its last use).
// IN_SOURCE: a key of source.values (set once the source's names are listed, see sourceNames).
// MOVED: renamed (takeName); the source's entries under its first name are gone.
const OUTPUT = 1, SRC_TYPE = 2, SRC_CONST = 4, NEW_TYPE = 8, NEW_CONST = 16, REMOVED = 32, IN_SOURCE = 64, MOVED = 128;

/** The keys of source.values in order, with their ids (undefined: no value of the graph has that name). */
interface SourceNames {
  keys: string[];
  ids: (ValueId | undefined)[];
  /** The keys without an id. */
  unreferenced: Set<string>;
}

/** JS objects list integer-like keys first, ascending. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

/** Property names `in` finds on o's prototype chain. */
function protoNames(o: object): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(o); p; p = Object.getPrototypeOf(p)) names.push(...Object.getOwnPropertyNames(p));
  return names;
}

export class ValueTable {
  /** Name -> id, built on first lookup by name (the passes never need it). */
  private byName: Map<string, ValueId> | undefined;
  /** The first owner of every name a rename moved (the source's keys keep their owners). */
  private moved: Map<string, ValueId> | undefined;
  private count: number;
  /** Ids [0, inputs) are the graph inputs, [inputs, inputs + constants) the source's constants in record order. */
  readonly inputs: number;
  private readonly constants: number;
  // Per value, with room for `flags.length` values. The arrays are preallocated (holes read as
  // undefined): numbering a value writes its name and producer only.
  private readonly names: string[];
  private readonly types: (TensorType | undefined)[];
  private readonly consts: (Tensor | undefined)[];
  private flags: Uint8Array;
  private producers: Int32Array;
  /** The values given a new type / constant, each at its position of the time it was last set (typeSeqs / constSeqs). */
  private readonly typeOrder: ValueId[] = [];
  private readonly constOrder: ValueId[] = [];
  private typeSeqs: Int32Array | undefined;
  private constSeqs: Int32Array | undefined;
  private inherited: Set<string> | undefined;
  private listed: SourceNames | undefined;

  constructor(
    private readonly source: Graph,
    ids: ValueIds,
    spare: number,
  ) {
    const capacity = ids.names.length + spare;
    this.names = ids.names;
    this.count = ids.names.length;
    this.inputs = ids.inputs;
    this.constants = ids.constants;
    this.types = new Array<TensorType | undefined>(capacity);
    this.consts = new Array<Tensor | undefined>(capacity);
    this.flags = new Uint8Array(capacity);
    this.producers = new Int32Array(capacity).fill(NONE);
  }

  /** Values numbered so far: ids are 0 .. size - 1. */
  get size(): number {
    return this.count;
  }

  /** The name -> id Map, first definition first (as valueIds resolves names). */
  private map(): Map<string, ValueId> {
    if (this.byName) return this.byName;
    const m = new Map<string, ValueId>();
    for (let v = this.count - 1; v >= 0; v--) if (!(this.flags[v]! & REMOVED) || !m.has(this.names[v]!)) m.set(this.names[v]!, v);
    return (this.byName = m);
  }

  /** The id of a value name, numbering it on first reference. */
  id(name: string): ValueId {
    const v = this.map().get(name);
    return v === undefined ? this.add(name) : v;
  }

  /** The id of a value name, NONE for a name no node, input, constant or output refers to (nothing is numbered). */
  find(name: string): ValueId {
    return this.map().get(name) ?? NONE;
  }

  private add(name: string): ValueId {
    const v = this.count++;
    if (v >= this.flags.length) this.grow(v + 1);
    this.map().set(name, v);
    this.names[v] = name;
    this.producers[v] = NONE;
    return v;
  }

  private grow(need: number): void {
    this.flags = grown(this.flags, need);
    this.producers = grown(this.producers, need);
    if (this.typeSeqs) this.typeSeqs = grown(this.typeSeqs, need);
    if (this.constSeqs) this.constSeqs = grown(this.constSeqs, need);
    this.types.length = this.consts.length = this.flags.length;
  }

  name(v: ValueId): string {
    return this.names[v]!;
  }

  isOutput(v: ValueId): boolean {
    return (this.flags[v]! & OUTPUT) !== 0;
  }

  markOutput(v: ValueId): void {
    this.flags[v]! |= OUTPUT;
  }

  producer(v: ValueId): NodeId {
    return this.producers[v]!;
  }

  setProducer(v: ValueId, n: NodeId): void {
    this.producers[v] = n;
  }

  /** Node i of n produces ids outStart[i] .. outStart[i + 1] - 1. */
  setProducers(outStart: Int32Array, n: number): void {
    const producers = this.producers;
    for (let i = 0; i < n; i++) producers.fill(i, outStart[i]!, outStart[i + 1]!);
  }

  type(v: ValueId): TensorType | undefined {
    const f = this.flags[v]!;
    if (f & NEW_TYPE) return this.types[v];
    if (f & REMOVED) return undefined;
    if (!(f & SRC_TYPE)) {
      this.flags[v] = f | SRC_TYPE;
      this.types[v] = lookup(this.source.values, this.names[v]!);
    }
    return this.types[v];
  }

  constant(v: ValueId): Tensor | undefined {
    const f = this.flags[v]!;
    if (f & NEW_CONST) return this.consts[v];
    // Only the ids of the source's constants can name one of its constants (valueIds numbers them apart).
    if (f & REMOVED || v < this.inputs || v >= this.inputs + this.constants) return undefined;
    if (!(f & SRC_CONST)) {
      this.flags[v] = f | SRC_CONST;
      this.consts[v] = lookup(this.source.constants, this.names[v]!);
    }
    return this.consts[v];
  }

  /** Gives v a new type and (re)defines it. */
  define(v: ValueId, t: TensorType): void {
    const f = this.flags[v]!;
    if (!(f & NEW_TYPE)) {
      (this.typeSeqs ??= new Int32Array(this.flags.length))[v] = this.typeOrder.length;
      this.typeOrder.push(v);
    }
    this.types[v] = t;
    this.flags[v] = (f | NEW_TYPE) & ~REMOVED;
  }

  /** Gives v a new constant (define gives it its type). */
  setConstant(v: ValueId, t: Tensor): void {
    const f = this.flags[v]!;
    if (!(f & NEW_CONST)) {
      (this.constSeqs ??= new Int32Array(this.flags.length))[v] = this.constOrder.length;
      this.constOrder.push(v);
    }
    this.consts[v] = t;
    this.flags[v] = f | NEW_CONST;
  }

  isRemoved(v: ValueId): boolean {
    return (this.flags[v]! & REMOVED) !== 0;
  }

  /** v is no longer defined: it has no type (and no constant, with `constant` set). */
  remove(v: ValueId, constant: boolean): void {
    const f = this.flags[v]!;
    this.flags[v] = (f & ~(NEW_TYPE | SRC_TYPE | (constant ? NEW_CONST | SRC_CONST : 0))) | REMOVED;
    this.types[v] = undefined;
    if (constant) this.consts[v] = undefined;
  }

  /**
   * v takes w's name and w's place among the graph outputs; w, whose definition must be gone,
   * keeps no name. v's type and constant are written under the new name, after the source's.
   */
  takeName(v: ValueId, w: ValueId): void {
    const t = this.type(v), c = this.constant(v), old = this.names[v]!, name = this.names[w]!;
    this.moved ??= new Map();
    if (!this.moved.has(old)) this.moved.set(old, v);
    if (!this.moved.has(name)) this.moved.set(name, w);
    if (this.byName) {
      this.byName.delete(old);
      this.byName.set(name, v);
    }
    this.names[v] = name;
    this.flags[v] = (this.flags[v]! & ~(NEW_TYPE | NEW_CONST)) | MOVED | (this.flags[w]! & OUTPUT);
    this.flags[w]! &= ~OUTPUT;
    if (t) this.define(v, t);
    if (c) this.setConstant(v, c);
  }

  /**
   * The values defined as constants, in the order of the written constants record: the source's,
   * then the new ones in the order they were set; integer-like names first, as JS orders keys.
   */
  constantIds(): ValueId[] {
    const out: ValueId[] = [], end = this.inputs + this.constants;
    for (let v = this.inputs; v < end; v++) if (!(this.flags[v]! & MOVED) && this.constant(v) !== undefined) out.push(v);
    this.constOrder.forEach((v, i) => {
      const f = this.flags[v]!;
      if (this.constSeqs![v] === i && f & NEW_CONST && !(f & REMOVED) && (v < this.inputs || v >= end || f & MOVED)) out.push(v);
    });
    const index = out.filter((v) => isArrayIndex(this.names[v]!));
    if (!index.length) return out;
    index.sort((x, y) => Number(this.names[x]) - Number(this.names[y]));
    return [...index, ...out.filter((v) => !isArrayIndex(this.names[v]!))];
  }

  /** The value that first had the name k (renames move names; the source's keys keep their owners). */
  private ownerOf(k: string): ValueId | undefined {
    return this.moved?.get(k) ?? this.map().get(k);
  }

  /** A name no value of the source has and no rewrite has given a type. */
  isFree(name: string): boolean {
    const v = this.map().get(name);
    return !(v !== undefined && this.flags[v]! & NEW_TYPE) && !this.inSource(name, v);
  }

  /** isFree and id in one lookup: the id of a free name (numbering it), undefined for a taken one. */
  freeId(name: string): ValueId | undefined {
    const v = this.map().get(name);
    if ((v !== undefined && this.flags[v]! & NEW_TYPE) || this.inSource(name, v)) return undefined;
    return v ?? this.add(name);
  }

  /**
   * `k in source.values`, where v is k's id: a flag for the values nodes refer to, a small set for
   * the others (a lookup of a new name in the source's own table costs as much as several in ours).
   * The flag describes a value's first name: a renamed name is looked up by its first owner.
   */
  private inSource(k: string, v: ValueId | undefined): boolean {
    const listed = this.sourceNames();
    const owner = this.moved?.get(k) ?? v;
    if (owner !== undefined ? this.flags[owner]! & IN_SOURCE : listed.unreferenced.has(k)) return true;
    this.inherited ??= new Set(protoNames(this.source.values));
    return this.inherited.has(k);
  }

  /** The source's value names, listed on first need (a rewrite naming a value, or writing the result). */
  private sourceNames(): SourceNames {
    if (this.listed) return this.listed;
    const keys = Object.keys(this.source.values), ids = new Array<ValueId | undefined>(keys.length), unreferenced = new Set<string>();
    // Per region of ids (inputs, constants, results): the id after the last key found there.
    const next = [0, this.inputs, this.inputs + this.constants];
    for (let i = 0; i < keys.length; i++) {
      const v = this.idOfKey(keys[i]!, next);
      ids[i] = v;
      if (v === undefined) unreferenced.add(keys[i]!);
      else {
        this.flags[v]! |= IN_SOURCE;
        next[v < this.inputs ? 0 : v < this.inputs + this.constants ? 1 : 2] = v + 1;
      }
    }
    return (this.listed = { keys, ids, unreferenced });
  }

  /**
   * The id of k. Graphs list their values mostly in definition order, inputs, constants and
   * results each in the order ids are given in (if interleaved): the next few ids of each region
   * are tried first, as comparing names is much cheaper than a lookup in a Map of every value.
   */
  private idOfKey(k: string, next: readonly ValueId[]): ValueId | undefined {
    const names = this.names;
    if (!this.moved)
      for (const from of next) for (let j = from, end = Math.min(from + 8, this.count); j < end; j++) if (names[j] === k) return j;
    return this.ownerOf(k);
  }

  /** The source's values and constants in their order less the removed ones, then the new ones. */
  write(): Pick<Graph, 'values' | 'constants'> {
    const types = this.typeOrder.filter((v, i) => this.typeSeqs![v] === i && this.flags[v]! & NEW_TYPE);
    const consts = this.constOrder.filter((v, i) => this.constSeqs![v] === i && this.flags[v]! & NEW_CONST);
    const { keys, ids } = this.sourceNames();
    const constKeys = Object.keys(this.source.constants), constIds = constKeys.map((_, i) => this.inputs + i);
    return {
      values: this.merged(this.source.values, keys, ids, SRC_TYPE | NEW_TYPE, this.types, types),
      constants: this.merged(this.source.constants, constKeys, constIds, SRC_CONST | NEW_CONST, this.consts, consts),
    };
  }

  /**
   * src's entries in order (keys, with their ids) less the removed and renamed ones, then the
   * `added` values' entries. An entry the view has read already (a `read` flag) is taken from it,
   * not looked up again.
   */
  private merged<T>(src: Record<string, T>, keys: string[], ids: (ValueId | undefined)[], read: number, entries: (T | undefined)[], added: ValueId[]): Record<string, T> {
    const out: Record<string, T> = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!, v = ids[i] ?? this.ownerOf(k);
      if (v === undefined) store(out, k, src[k]!);
      else if (!(this.flags[v]! & (REMOVED | MOVED))) store(out, k, this.flags[v]! & read ? entries[v]! : src[k]!);
    }
    for (let i = 0; i < added.length; i++) store(out, this.names[added[i]!]!, entries[added[i]!]!);
    return out;
  }
}

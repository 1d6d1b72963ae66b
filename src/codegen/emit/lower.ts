// Lowering one graph into a schedule of C statements over named tensors. Walks the nodes in order;
// each op's emitter (src/codegen/ops) asks for its operands in the form its kernel wants (NHWC or
// plain, int8 shifted to u8 or not) and this class inserts the conversions, memoised per value and
// form: that greedy walk is the layout pass (NHWC flows through layout-agnostic ops and is
// converted back only where an op needs row-major semantics). Buffers are arena intervals planned
// afterwards (plan/memory.ts).
import { dtypeInfo } from '../../ir/dtype.js';
import { lookup, type Graph, type Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { numel, type TensorType } from '../../ir/types.js';
import type { Target } from '../targets/target.js';
import { commentSafe, type ConstPool, type Names, tensorBytes } from './consts.js';
import { formName, layoutsCoincide, NHWC_PERM, PLAIN, physicalShape, sameForm, type Form } from '../plan/forms.js';
import { axisMap } from '../../ir/compute/layout.js';
import { strides } from '../../ir/tensor.js';

export type Storage =
  | { kind: 'arena'; buf: number }
  | { kind: 'input'; index: number }
  | { kind: 'output'; index: number }
  | { kind: 'const'; sym: string }
  | { kind: 'alias'; of: Val };

export interface Val {
  name: string;
  cname: string;
  type: TensorType;
  form: Form;
  storage: Storage;
}

export interface Step {
  comment: string;
  lines: string[];
}

export interface Buf {
  id: number;
  bytes: number;
  start: number;
  end: number;
  /** C pointer name of the scratch buffer, or undefined for a value's buffer. */
  scratch?: string;
}

/** QF_SLACK: readable bytes after every uint8 buffer (kernels may over-read). */
export const SLACK = 64;

export const bytesOf = (t: TensorType, f: Form): number => numel(t.shape) * (f.shifted ? 1 : dtypeInfo(t.dtype).bytes);

export class Lowering {
  readonly vals = new Map<string, Val>();
  readonly steps: Step[] = [];
  readonly bufs: Buf[] = [];
  readonly inputs: Val[] = [];
  /** Every value created, graph values and conversions, in creation order (for declarations). */
  readonly all: Val[] = [];
  private conv = new Map<string, Val>();
  /** Values some node reads: a graph output no node reads can go straight to the caller's buffer. */
  private readonly read = new Set<string>();
  private claimed = new Set<number>();
  /** The node being lowered, for comments. */
  node?: Node;
  /** Bytes of private scratch each extra thread needs (the largest scratch of a parallel step). */
  threadScratch = 0;

  constructor(
    readonly graph: Graph,
    readonly target: Target,
    readonly pool: ConstPool,
    readonly names: Names,
  ) {
    for (const n of graph.nodes) for (const v of n.inputs) this.read.add(v);
    graph.inputs.forEach((name, index) => {
      const v = this.add(name, graph.values[name]!, PLAIN, { kind: 'input', index });
      this.inputs.push(v);
    });
  }

  private add(name: string, type: TensorType, form: Form, storage: Storage, cname?: string): Val {
    const v: Val = { name, cname: cname ?? this.names.take(name, 'v_'), type, form, storage };
    this.vals.set(name, v);
    this.all.push(v);
    return v;
  }

  /** Buffers created since the last step: they start at the next step emitted (after any conversions). */
  private pending: number[] = [];
  /** Operands fetched by need() for the next non-conversion step. */
  private pendingReads: Val[] = [];

  /** `now`: the buffer is written by the very next step (conversions), not by the node's step. */
  private newBuf(bytes: number, scratch?: string, now = false): number {
    const id = this.bufs.length, at = this.steps.length;
    this.bufs.push({ id, bytes, start: at, end: at, ...(scratch ? { scratch } : {}) });
    if (!now) this.pending.push(id);
    return id;
  }

  /** Marks a value as read by the step about to be emitted (extends its buffer's lifetime). */
  private touch(v: Val): void {
    let s = v.storage;
    while (s.kind === 'alias') s = s.of.storage;
    if (s.kind === 'arena') this.bufs[s.buf]!.end = Math.max(this.bufs[s.buf]!.end, this.steps.length);
  }

  isConst(name: string): boolean {
    return lookup(this.graph.constants, name) !== undefined;
  }
  constTensor(name: string): Tensor | undefined {
    return lookup(this.graph.constants, name);
  }
  type(name: string): TensorType {
    return this.graph.values[name]!;
  }

  /** The value as it is now (constants materialised in kernel form: int8 shifted). */
  val(name: string): Val {
    const have = this.vals.get(name);
    if (have) return have;
    const t = this.constTensor(name);
    if (!t) throw new Error(`codegen: value '${name}' used before it is defined`);
    const type = this.type(name);
    const shifted = type.dtype === 'i8';
    const data = tensorBytes(t);
    if (shifted) for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ 0x80;
    const sym = this.pool.bytes(name, data, SLACK);
    return this.add(name, type, { layout: 'plain', shifted }, { kind: 'const', sym });
  }

  /** The value in `form`, converting (transpose and/or xor 0x80) once per value and form. */
  need(name: string, form: Form, opts: { arena?: boolean } = {}): Val {
    const v = this.val(name);
    if (sameForm(v.form, form) && !(opts.arena && v.storage.kind === 'input')) {
      this.pendingReads.push(v);
      return v;
    }
    const key = `${name}\u0000${form.layout}\u0000${form.shifted}\u0000${opts.arena ?? false}`;
    const hit = this.conv.get(key);
    if (hit) {
      this.pendingReads.push(hit);
      return hit;
    }
    const out = this.convert(v, form, opts);
    this.conv.set(key, out);
    this.pendingReads.push(out);
    return out;
  }

  /** Converts into a new arena value, or into `into` (a caller's output buffer). */
  private convert(v: Val, form: Form, opts: { arena?: boolean; into?: Val } = {}): Val {
    const t = v.type, n = numel(t.shape);
    const free = v.form.layout === form.layout || layoutsCoincide(t.shape);
    if (free && v.form.shifted === form.shifted && !opts.into) {
      // Same bytes: only the description changes (a copy only for inputs that need slack).
      if (!opts.arena) {
        const view: Val = { name: v.name, type: t, form, cname: this.names.take(`${v.name}_${form.layout}`, 'v_'), storage: { kind: 'alias', of: v } };
        this.all.push(view);
        return view;
      }
      const out = this.define(`${v.name}.${form.layout}`, t, form, { internal: true });
      this.emit(`${v.name}: copy to the arena`, [`memcpy(${out.cname}, ${v.cname}, ${bytesOf(t, form)});`], [v], true);
      return out;
    }
    const out = opts.into ?? this.define(`${v.name}.${form.layout}${form.shifted ? '.u8' : ''}`, t, form, { internal: true });
    const lines: string[] = [];
    let src = v.cname;
    if (!free) {
      const esize = v.form.shifted ? 1 : dtypeInfo(t.dtype).bytes;
      lines.push(this.remapCall(esize, physicalShape(t.shape, v.form.layout), form.layout === 'nhwc' ? NHWC_PERM : [0, 3, 1, 2], src, out.cname, `${v.name}_${form.layout}`));
      src = out.cname;
    }
    if (v.form.shifted !== form.shifted) lines.push(`qf_par_xor80(ctx, ${n}, (const uint8_t *)${src}, (uint8_t *)${out.cname});`);
    if (!lines.length) lines.push(`memcpy(${out.cname}, ${src}, ${bytesOf(t, form)});`);
    this.emit(`${v.name}: ${formName(v.form)} -> ${formName(form)}`, lines, [v], !opts.into);
    return out;
  }

  /** A qf_remap call transposing a physical shape by `perm` (result axis d = source axis perm[d]). */
  remapCall(esize: number, shape: readonly number[], perm: readonly number[], src: string, dst: string, hint: string): string {
    const st = strides(shape), out = perm.map((p) => shape[p]!);
    return this.remapTables(esize, out, perm.map((p, d) => Array.from(axisMap(out[d]!, st[p]!))), src, dst, hint, 'NULL');
  }

  /** A qf_remap call with explicit per-axis maps (already scaled by source strides; -1 = fill). */
  remapTables(esize: number, shape: readonly number[], maps: number[][], src: string, dst: string, hint: string, fill: string): string {
    const mapSyms = maps.map((m, d) => this.pool.decl(`${hint}_map${d}`, 'int32_t', `{${m.join(',')}}`, `[${Math.max(1, m.length)}]`));
    const mapsSym = this.pool.decl(`${hint}_maps`, 'int32_t *const', `{${mapSyms.join(',') || 'NULL'}}`, `[${Math.max(1, maps.length)}]`);
    const shapeSym = this.pool.decl(`${hint}_shape`, 'int32_t', `{${shape.join(',') || '0'}}`, `[${Math.max(1, shape.length)}]`);
    return `qf_par_remap(ctx, ${esize}, ${shape.length}, ${shapeSym}, (const int32_t *const *)${mapsSym}, ${src}, ${dst}, ${fill});`;
  }

  /** Defines a node result (or an internal value); it lives in the arena unless it can go straight
   *  to the caller's output buffer (a graph output, in external form, that no node reads). */
  define(name: string, type: TensorType, form: Form, opts: { internal?: boolean } = {}): Val {
    if (!opts.internal && sameForm(form, PLAIN) && !this.read.has(name)) {
      const index = this.graph.outputs.findIndex((o, i) => o === name && !this.claimed.has(i));
      if (index >= 0) {
        this.claimed.add(index);
        return this.add(name, type, form, { kind: 'output', index });
      }
    }
    const storage: Storage = { kind: 'arena', buf: this.newBuf(bytesOf(type, form), undefined, opts.internal) };
    if (!opts.internal) return this.add(name, type, form, storage);
    // Conversions are not graph values: keep them out of `vals` so no graph name can collide.
    const v: Val = { name, cname: this.names.take(name, 'v_'), type, form, storage };
    this.all.push(v);
    return v;
  }

  /** A result that shares its operand's bytes (reshape and friends on plain data). */
  alias(name: string, of: Val, type: TensorType): Val {
    return this.add(name, type, of.form, { kind: 'alias', of });
  }

  /** Scratch memory for the step about to be emitted; returns its C pointer name (uint8_t *).
   *  `perThread`: a parallel step, where every extra thread gets as much from the qf_ctx. */
  scratch(bytes: number, hint: string, opts: { perThread?: boolean } = {}): string {
    const cname = this.names.take(hint, 's_');
    this.newBuf(bytes, cname);
    if (opts.perThread) this.threadScratch = Math.max(this.threadScratch, bytes);
    return cname;
  }

  /** Appends a step; `reads` are marked live up to it (operands fetched by need() already are). */
  emit(what: string, lines: string[], reads: Val[] = [], conversion = false): void {
    reads.forEach((v) => this.touch(v));
    this.pendingReads.forEach((v) => this.touch(v));
    if (!conversion) this.pendingReads = [];
    const at = this.steps.length;
    // A conversion step emitted for an operand does not use the node's pending result and scratch.
    if (!conversion) {
      for (const id of this.pending) {
        const b = this.bufs[id]!;
        b.start = at;
        b.end = Math.max(b.end, at);
      }
      this.pending = [];
    }
    const n = this.node;
    const comment = n ? `${commentSafe(n.name)} (${n.op}): ${commentSafe(what)}` : commentSafe(what);
    this.steps.push({ comment, lines });
  }

  /** After the last node: every output not already in its caller buffer is converted or copied there. */
  finish(outputs: readonly string[]): void {
    this.node = undefined;
    outputs.forEach((name, index) => {
      const v = this.vals.get(name) ?? this.val(name);
      if (v.storage.kind === 'output' && v.storage.index === index) return;
      const dst: Val = { name, cname: `out${index}`, type: v.type, form: PLAIN, storage: { kind: 'output', index } };
      this.node = { name: `output ${index}`, op: 'output', inputs: [], outputs: [], attrs: {} };
      this.convert(v, PLAIN, { into: dst });
    });
    this.node = undefined;
  }
}

// Graph -> .qir text. The output reads back to a deep-equal graph (see parser/lower.ts), so it is
// the canonical form: printing, parsing and printing again gives the same text.
import { dtypeInfo, type TypedArray } from '../dtype.js';
import { lookup, type AttrValue, type Graph, type Node } from '../graph.js';
import type { Tensor } from '../tensor.js';
import type { QuantParams, TensorType } from '../types.js';
import { IDENT, PLAIN_NAME, RESERVED_WORDS } from './lexer.js';
import { allSameBits, formatElement, formatNumber, toLEBytes } from './literals.js';

export interface PrintOptions {
  /** Constants with at most this many elements are written as literal lists (default 64); larger ones as base64 bytes. */
  inlineLimit?: number;
  /**
   * Constants of at least this many bytes go to the sidecar (`sidecar[offset, length]`). Only
   * printGraphSidecar honours it; printGraph keeps everything in the text.
   */
  sidecarThreshold?: number;
  /** Alignment of each constant in the sidecar (default 16 bytes). */
  sidecarAlign?: number;
}

export interface PrintedGraph {
  text: string;
  /** Raw little-endian constant bytes; present when some constant went to the sidecar. */
  sidecar?: Uint8Array;
}

/** Names as written after % and @: plain, or a JSON string. */
export const formatName = (sigil: '%' | '@', name: string): string => sigil + (PLAIN_NAME.test(name) ? name : JSON.stringify(name));

const formatWord = (s: string): string => (IDENT.test(s) && !RESERVED_WORDS.has(s) ? s : JSON.stringify(s));

export function formatTensorType(t: TensorType): string {
  return `${t.dtype}[${t.shape.join(',')}]${t.quant ? ` ${formatQuant(t.quant)}` : ''}`;
}

function formatQuant(q: QuantParams): string {
  const list = (xs: number[]) => (xs.length === 1 && q.axis === undefined ? formatNumber(xs[0]!) : `[${xs.map(formatNumber).join(', ')}]`);
  const axis = q.axis === undefined ? '' : `axis=${formatNumber(q.axis)}, `;
  return `quant(${axis}scale=${list(q.scale)}, zp=${list(q.zeroPoint)})`;
}

export function formatAttrValue(v: AttrValue): string {
  const one = (x: number | string | boolean): string => (typeof x === 'number' ? formatNumber(x) : typeof x === 'string' ? formatWord(x) : String(x));
  return Array.isArray(v) ? `[${(v as (number | string)[]).map(one).join(', ')}]` : one(v);
}

class Sidecar {
  private chunks: Uint8Array[] = [];
  private size = 0;
  constructor(private align: number) {}
  add(bytes: Uint8Array): number {
    const pad = (this.align - (this.size % this.align)) % this.align;
    if (pad) this.chunks.push(new Uint8Array(pad));
    const offset = this.size + pad;
    this.chunks.push(bytes);
    this.size = offset + bytes.length;
    return offset;
  }
  bytes(): Uint8Array | undefined {
    if (!this.chunks.length) return undefined;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function formatData(t: Tensor, opts: PrintOptions, sidecar: Sidecar | undefined): string {
  const a: TypedArray = t.data;
  const n = a.length;
  if (n === 0) return '[]';
  const bytes = n * dtypeInfo(t.dtype).bytes;
  if (sidecar && bytes >= (opts.sidecarThreshold ?? Infinity)) {
    return `sidecar[${sidecar.add(toLEBytes(a))}, ${bytes}]`;
  }
  const first = formatElement(t.dtype, a, 0);
  if (first !== undefined && n >= 4 && allSameBits(a)) return `splat(${first})`;
  if (n <= (opts.inlineLimit ?? 64)) {
    const items: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = formatElement(t.dtype, a, i);
      if (s === undefined) return base64(a);
      items.push(s);
    }
    return t.shape.length === 0 ? items[0]! : `[${items.join(', ')}]`;
  }
  return base64(a);
}

const base64 = (a: TypedArray): string => `b64"${Buffer.from(toLEBytes(a)).toString('base64')}"`;

function formatNode(g: Graph, n: Node): string {
  if (!n.outputs.length) throw new Error(`node '${n.name}' has no results; the text format needs at least one`);
  const results = n.outputs.map((o) => formatName('%', o) + typeSuffix(lookup(g.values, o))).join(', ');
  const operands = n.inputs.map((v) => (v === '' ? '_' : formatName('%', v))).join(', ');
  const op = IDENT.test(n.op) ? n.op : JSON.stringify(n.op);
  let line = `${results} = ${op}(${operands})`;
  const attrs = Object.entries(n.attrs);
  if (attrs.length) line += ` {${attrs.map(([k, v]) => `${IDENT.test(k) ? k : JSON.stringify(k)}=${formatAttrValue(v)}`).join(', ')}}`;
  // The node name defaults to its first result's name, which ONNX-free graphs usually use.
  if (n.name !== n.outputs[0]) line += ` ${formatName('@', n.name)}`;
  if (n.debugHandle !== undefined) line += ` #${formatNumber(n.debugHandle)}`;
  return line;
}

const typeSuffix = (t: TensorType | undefined): string => (t ? `: ${formatTensorType(t)}` : '');

function render(g: Graph, opts: PrintOptions, sidecar: Sidecar | undefined): string {
  const typeOf = (v: string): TensorType | undefined => {
    const c = lookup(g.constants, v);
    return lookup(g.values, v) ?? (c && { dtype: c.dtype, shape: c.shape });
  };
  // An untyped input prints without its type and so fails to parse, as it fails to verify.
  const params = g.inputs.map((v) => formatName('%', v) + typeSuffix(lookup(g.values, v)));
  const outs = g.outputs.map((v) => formatName('%', v) + typeSuffix(typeOf(v)));
  const name = IDENT.test(g.name) && !RESERVED_WORDS.has(g.name) ? g.name : JSON.stringify(g.name);
  const lines = [`graph ${name}(${params.join(', ')}) -> (${outs.join(', ')}) {`];
  for (const [v, t] of Object.entries(g.constants)) {
    lines.push(`  const ${formatName('%', v)}: ${formatTensorType(typeOf(v)!)} = ${formatData(t, opts, sidecar)}`);
  }
  for (const n of g.nodes) lines.push(`  ${formatNode(g, n)}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The graph as .qir text, every constant inline. */
export function printGraph(g: Graph, opts: PrintOptions = {}): string {
  return render(g, opts, undefined);
}

/** The graph as .qir text plus the sidecar bytes of constants of at least `sidecarThreshold` bytes (default 4096). */
export function printGraphSidecar(g: Graph, opts: PrintOptions = {}): PrintedGraph {
  const sidecar = new Sidecar(opts.sidecarAlign ?? 16);
  const text = render(g, { sidecarThreshold: 4096, ...opts }, sidecar);
  const bytes = sidecar.bytes();
  return bytes ? { text, sidecar: bytes } : { text };
}

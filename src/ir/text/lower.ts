// CST -> Graph for a syntactically valid .qir text. Problems found here (bad literals, dtypes,
// duplicate attributes, sidecar ranges) are collected, not thrown; the caller adds verifier
// findings. Result types left out in the text are inferred from the op table, in order.
import type { CstNode, IToken } from 'chevrotain';
import { diag, locate, type DiagKey, type Diagnostic } from '../../diagnostics/index.js';
import { DTYPES, dtypeInfo, isDType, makeArray, type TypedArray } from '../dtype.js';
import { define, lookup, type AttrValue, type Attrs, type Graph, type Node } from '../graph.js';
import { getOp, resolveAttrs } from '../ops/index.js';
import { didYouMean } from '../../util/suggest.js';
import { formatType, numel, type QuantParams, type TensorType } from '../types.js';
import { formatTensorType } from './printer.js';
import { elementValue, floatRangeError, fromLEBytes, INTEGER_SYNTAX, parseNumber } from './literals.js';

/** Largest constant a literal may expand to (splat of a huge shape must not exhaust memory). */
const MAX_ELEMENTS = 1 << 27;

/** Where things are in the text, for verifier findings. */
export interface SourceMap {
  inputs: IToken[];
  outputs: IToken[];
  values: Map<string, IToken>;
  nodes: { op: IToken; operands: IToken[]; results: IToken[] }[];
}

export interface Lowered {
  graph: Graph;
  errors: Diagnostic[];
  map: SourceMap;
  /** Results whose type was left out and could not be inferred (the verifier says why). */
  untyped: Set<string>;
  /** Values whose definition already has an error here; verifier findings about them are noise. */
  suppressed: Set<string>;
}

type Children = Record<string, (IToken | CstNode)[] | undefined>;
const toks = (n: CstNode, key: string): IToken[] => ((n.children as Children)[key] as IToken[] | undefined) ?? [];
const subs = (n: CstNode, key: string): CstNode[] => ((n.children as Children)[key] as CstNode[] | undefined) ?? [];
/** The one token of a rule made of a single choice of tokens (anyName, number, word). */
const only = (n: CstNode): IToken => Object.values(n.children as Children).find((v) => v?.length)![0] as IToken;

/** %name / @name / "string" token -> the name. */
export const nameOf = (tok: IToken): string => {
  const body = tok.image.startsWith('%') || tok.image.startsWith('@') ? tok.image.slice(1) : tok.image;
  return body.startsWith('"') ? (JSON.parse(body) as string) : body;
};

export function lower(cst: CstNode, text: string, file: string | undefined, sidecar: Uint8Array | undefined): Lowered {
  const g: Graph = { name: '', inputs: [], outputs: [], values: {}, constants: {}, nodes: [] };
  const errors: Diagnostic[] = [];
  const map: SourceMap = { inputs: [], outputs: [], values: new Map(), nodes: [] };
  const untyped = new Set<string>();
  const suppressed = new Set<string>();
  const err = (key: DiagKey, tok: IToken, message: string, hint?: string) =>
    errors.push(diag(key, message, { loc: locate(text, tok.startOffset, file, tok.image.length), ...(hint ? { hint } : {}) }));

  const lowerType = (n: CstNode): TensorType | undefined => {
    const dtTok = only(subs(n, 'anyName')[0]!);
    let ok = true;
    if (!isDType(dtTok.image)) {
      err('IR_PARSE', dtTok, `unknown dtype '${dtTok.image}'`, didYouMean(dtTok.image, DTYPES) ?? `dtypes: ${DTYPES.join(', ')}`);
      ok = false;
    }
    const shape = toks(n, 'NumberLit').map((t) => {
      if (INTEGER_SYNTAX.test(t.image) && Number.isSafeInteger(Number(t.image)) && Number(t.image) >= 0) return Number(t.image);
      err('IR_PARSE', t, `dimensions are non-negative integers, got ${t.image}`);
      ok = false;
      return 0;
    });
    const quantItems = subs(n, 'quantItem');
    const quant = quantItems.length ? lowerQuant(quantItems, toks(n, 'Kw_quant')[0]!) : undefined;
    if (!ok || quant === null) return undefined;
    return quant ? { dtype: dtTok.image as TensorType['dtype'], shape, quant } : { dtype: dtTok.image as TensorType['dtype'], shape };
  };

  const lowerQuant = (items: CstNode[], kw: IToken): QuantParams | null => {
    const seen = new Map<string, number[]>();
    let ok = true;
    for (const item of items) {
      const key = only(subs(item, 'anyName')[0]!);
      const nums = [...subs(item, 'number'), ...subs(item, 'numberList').flatMap((l) => subs(l, 'number'))].map((x) => parseNumber(only(x).image));
      if (!['scale', 'zp', 'axis'].includes(key.image)) {
        err('IR_PARSE', key, `unknown quant parameter '${key.image}'`, didYouMean(key.image, ['scale', 'zp', 'axis']) ?? 'quant takes scale, zp and axis');
        ok = false;
      } else if (seen.has(key.image)) {
        err('IR_PARSE', key, `quant parameter '${key.image}' given twice`);
        ok = false;
      } else if (key.image === 'axis' && (subs(item, 'number').length !== 1 || !Number.isInteger(nums[0]))) {
        err('IR_PARSE', key, 'quant axis is one integer');
        ok = false;
      }
      seen.set(key.image, nums);
    }
    if (ok && (!seen.has('scale') || !seen.has('zp'))) {
      err('IR_PARSE', kw, 'quant needs scale=… and zp=…');
      ok = false;
    }
    if (!ok) return null;
    const q: QuantParams = { scale: seen.get('scale')!, zeroPoint: seen.get('zp')! };
    if (seen.has('axis')) q.axis = seen.get('axis')![0]!;
    return q;
  };

  const nameTok = subs(cst, 'anyName')[0] ? only(subs(cst, 'anyName')[0]!) : toks(cst, 'StringLit')[0]!;
  g.name = nameTok.tokenType.name === 'StringLit' ? nameOf(nameTok) : nameTok.image;

  for (const p of subs(cst, 'param')) {
    const tok = toks(p, 'ValueRef')[0]!;
    const v = nameOf(tok);
    const t = lowerType(subs(p, 'type')[0]!);
    map.inputs.push(tok);
    if (!map.values.has(v)) map.values.set(v, tok);
    g.inputs.push(v);
    if (t && !lookup(g.values, v)) define(g.values, v, t);
    else if (!t) suppressed.add(v);
  }

  for (const c of subs(cst, 'constDecl')) {
    const tok = toks(c, 'ValueRef')[0]!;
    const v = nameOf(tok);
    if (map.values.has(v)) {
      err('VERIFY_REDEFINED', tok, `value '${v}' is already defined`);
      continue;
    }
    map.values.set(v, tok);
    const t = lowerType(subs(c, 'type')[0]!);
    if (!t) {
      suppressed.add(v);
      continue;
    }
    define(g.values, v, t);
    const data = lowerData(c, t, v);
    define(g.constants, v, { dtype: t.dtype, shape: [...t.shape], data: data ?? makeArray(t.dtype, 0) });
    if (!data) suppressed.add(v);
  }

  function lowerData(c: CstNode, t: TensorType, v: string): TypedArray | undefined {
    const n = numel(t.shape);
    const size = dtypeInfo(t.dtype).bytes;
    const b64 = toks(c, 'B64')[0];
    const sidecarKw = toks(c, 'Kw_sidecar')[0];
    if (b64 || sidecarKw) {
      let bytes: Uint8Array;
      if (b64) bytes = Buffer.from(b64.image.slice(4, -1), 'base64');
      else {
        const [offTok, lenTok] = toks(c, 'NumberLit') as [IToken, IToken];
        const [off, len] = [Number(offTok.image), Number(lenTok.image)];
        if (!INTEGER_SYNTAX.test(offTok.image) || !INTEGER_SYNTAX.test(lenTok.image) || off < 0 || len < 0)
          return void err('IR_PARSE', offTok, 'sidecar[offset, length] takes two non-negative integers');
        if (!sidecar) return void err('IR_SIDECAR', sidecarKw!, `constant '${v}' is stored in the sidecar file, but no sidecar was given`);
        if (off + len > sidecar.length)
          return void err('IR_SIDECAR', offTok, `constant '${v}' needs sidecar bytes [${off}, ${off + len}) but the sidecar holds ${sidecar.length} bytes`);
        bytes = sidecar.subarray(off, off + len);
      }
      if (bytes.length !== n * size)
        return void err('IR_PARSE', (b64 ?? sidecarKw)!, `constant '${v}' has ${bytes.length} bytes of data, ${formatType(t)} needs ${n * size}`);
      return fromLEBytes(t.dtype, bytes);
    }
    const splat = toks(c, 'Kw_splat')[0];
    const scalars = subs(c, 'scalar');
    const list = toks(c, 'LSquare').length > 0;
    if (!splat && !list && n !== 1)
      return void err('IR_PARSE', tokOfScalar(scalars[0]!), `a single value fills only one element; ${formatType(t)} has ${n} (use splat(x) or a list)`);
    if (list && scalars.length !== n)
      return void err('IR_PARSE', toks(c, 'LSquare')[0]!, `constant '${v}' lists ${scalars.length} values, ${formatType(t)} needs ${n}`);
    if (n > MAX_ELEMENTS) return void err('IR_PARSE', splat!, `constant '${v}' is too large to write out (${n} elements); use a sidecar`);
    const values: (number | bigint)[] = [];
    for (const s of scalars) {
      const tok = tokOfScalar(s);
      const r = elementValue(t.dtype, tok.tokenType.name === 'Kw_true' || tok.tokenType.name === 'Kw_false' ? 'bool' : 'number', tok.image);
      if ('error' in r) return void err('IR_PARSE', tok, r.error);
      values.push(r.value);
    }
    const out = makeArray(t.dtype, n);
    const slots = out as unknown as (number | bigint)[];
    for (let i = 0; i < n; i++) slots[i] = values[splat ? 0 : i]!;
    return out;
  }

  g.nodes = subs(cst, 'nodeDecl').map((nd) => lowerNode(nd));

  function lowerNode(nd: CstNode): Node {
    const opTok = subs(nd, 'anyName')[0] ? only(subs(nd, 'anyName')[0]!) : toks(nd, 'StringLit')[0]!;
    const op = opTok.tokenType.name === 'StringLit' ? nameOf(opTok) : opTok.image;
    const operandToks = [...toks(nd, 'ValueRef'), ...toks(nd, 'Absent')].sort((a, b) => a.startOffset - b.startOffset);
    const inputs = operandToks.map((t) => (t.tokenType.name === 'Absent' ? '' : nameOf(t)));
    const results = subs(nd, 'result');
    const resultToks = results.map((r) => toks(r, 'ValueRef')[0]!);
    const outputs = resultToks.map(nameOf);
    const attrs = lowerAttrs(subs(nd, 'attr'));
    const nodeTok = toks(nd, 'NodeRef')[0];
    const node: Node = { name: nodeTok ? nameOf(nodeTok) : outputs[0]!, op, inputs, outputs, attrs };
    const handle = subs(nd, 'number')[0];
    if (handle) node.debugHandle = parseNumber(only(handle).image);
    map.nodes.push({ op: opTok, operands: operandToks, results: resultToks });

    const declared = results.map((r) => (subs(r, 'type')[0] ? lowerType(subs(r, 'type')[0]!) : undefined));
    const inferred = declared.some((t, k) => !t && !subs(results[k]!, 'type')[0]) ? inferTypes(node) : undefined;
    outputs.forEach((o, k) => {
      const t = declared[k] ?? inferred?.[k];
      if (lookup(g.values, o)) return; // a redefinition; the verifier reports it
      if (t) define(g.values, o, t);
      else if (subs(results[k]!, 'type')[0]) suppressed.add(o);
      else untyped.add(o);
    });
    return node;
  }

  /** Result types from the op table; undefined when they cannot be inferred (the verifier says why). */
  function inferTypes(node: Node): TensorType[] | undefined {
    const def = getOp(node.op);
    if (!def) return undefined;
    const types = node.inputs.map((v) => (v ? lookup(g.values, v) : undefined));
    if (types.some((t, k) => node.inputs[k] && !t)) return undefined;
    try {
      const out = def.infer({ inputs: types, attrs: resolveAttrs(def, node.attrs) });
      return out.length === node.outputs.length ? out : undefined;
    } catch {
      return undefined;
    }
  }

  function lowerAttrs(items: CstNode[]): Attrs {
    const attrs: Attrs = {};
    for (const a of items) {
      const keyTok = subs(a, 'anyName')[0] ? only(subs(a, 'anyName')[0]!) : toks(a, 'StringLit')[0]!;
      const key = keyTok.tokenType.name === 'StringLit' ? nameOf(keyTok) : keyTok.image;
      const scalars = subs(a, 'attrScalar').map(attrScalar);
      // Attributes are doubles: a literal beyond that range would read as infinity.
      const overflow = subs(a, 'attrScalar').flatMap((s) => subs(s, 'number').map(only)).find((t) => floatRangeError(t.image, 'f64'));
      if (overflow) err('IR_BAD_ATTR', overflow, `attribute '${key}': ${floatRangeError(overflow.image, 'f64')}`);
      let value: AttrValue;
      if (toks(a, 'LSquare').length === 0) value = scalars[0]!;
      else if (scalars.every((x) => typeof x === 'number')) value = scalars as number[];
      else if (scalars.every((x) => typeof x === 'string')) value = scalars as string[];
      else {
        err('IR_BAD_ATTR', keyTok, `attribute '${key}': a list holds only numbers or only strings`);
        continue;
      }
      if (lookup(attrs, key) !== undefined) err('IR_BAD_ATTR', keyTok, `attribute '${key}' is given twice`);
      define(attrs, key, value);
    }
    return attrs;
  }

  // Graph outputs last: their optional types must agree with the definitions.
  for (const o of subs(cst, 'output')) {
    const tok = toks(o, 'ValueRef')[0]!;
    const v = nameOf(tok);
    map.outputs.push(tok);
    g.outputs.push(v);
    const typeNode = subs(o, 'type')[0];
    const t = typeNode && lowerType(typeNode);
    const have = lookup(g.values, v);
    // Compared as text: exact (NaN scales, -0) and the message shows quant params too.
    if (t && have && formatTensorType(t) !== formatTensorType(have))
      err('VERIFY_TYPE_MISMATCH', tok, `graph output '${v}' is declared ${formatTensorType(t)} here but defined as ${formatTensorType(have)}`);
  }
  return { graph: g, errors, map, untyped, suppressed };
}

function attrScalar(s: CstNode): number | string | boolean {
  const num = subs(s, 'number')[0];
  if (num) return parseNumber(only(num).image);
  const str = toks(s, 'StringLit')[0];
  if (str) return JSON.parse(str.image) as string;
  const w = only(subs(s, 'word')[0]!);
  return w.tokenType.name === 'Kw_true' ? true : w.tokenType.name === 'Kw_false' ? false : w.image;
}

function tokOfScalar(s: CstNode): IToken {
  const num = subs(s, 'number')[0];
  return num ? only(num) : only(s);
}

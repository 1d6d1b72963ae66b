// A rewrite never leaves a graph that fails the verifier (issue #15's reproducers): a root
// redirected to itself is rejected when the file is checked, a redirect to a value of another
// type fails the rewrite like a built replacement of another type, and every pattern pass
// verifies its result and names the pattern whose rewrite broke the graph.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diag } from '../../src/diagnostics/index.js';
import { main } from '../../src/cli/main.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { parseGraph } from '../../src/ir/text/index.js';
import { runPipeline } from '../../src/passes/index.js';
import { applyPatterns, checkPatterns, loadPatterns } from '../../src/patterns/index.js';
import { verify, verifyNodes } from '../../src/ir/verify.js';

let tmp: string;
const file = (name: string, text: string) => {
  writeFileSync(join(tmp, name), text);
  return join(tmp, name);
};
async function cli(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'qforge-safety-'));
});

// x * ones → x on a broadcasting mul: the result is f32[2,4], x is f32[4].
const MUL_ONE = 'pattern mul_one { match { %y = mul(%x, %o: const) } where all_equal(%o, 1.0) rewrite { %x } }\n';
const BROADCAST = `graph m(%x: f32[4]) -> (%r: f32[2,4]) {
  const %o: f32[2,4] = [1, 1, 1, 1, 1, 1, 1, 1]
  %y: f32[2,4] = mul(%x, %o)
  %r: f32[2,4] = relu(%y)
}
`;
// Dropping a requantize keeps dtype and shape but changes the quantization that maxpool2d passes on.
const DROP_RQ = 'pattern drop_rq { match { %y = requantize(%x) } rewrite { %x } }\n';
const REQUANT = `graph m(%a: u8[1,1,2,2] quant(scale=0.25, zp=0)) -> (%r: u8[1,1,2,2] quant(scale=0.5, zp=0)) {
  %q: u8[1,1,2,2] quant(scale=0.5, zp=0) = requantize(%a) {x_scale=0.25, x_zero_point=0, y_scale=0.5, y_zero_point=0, dtype=u8}
  %r: u8[1,1,2,2] quant(scale=0.5, zp=0) = maxpool2d(%q) {kernel_shape=[1, 1]}
}
`;

describe('a rewrite never writes a broken graph', () => {
  it('rewrite { %y } with %y the root is rejected by patterns check and at load', async () => {
    const src = 'pattern self { match { %y = relu(%x) } rewrite { %y } }\n';
    const ds = checkPatterns(src, { file: 's.qpat' }).diagnostics;
    expect(ds.map((d) => [d.key, d.message, d.loc?.line, d.loc?.column])).toEqual([['PAT_STRUCTURE', 'the replacement is the root %y itself', 1, 50]]);
    expect(() => loadPatterns(src)).toThrow(/QF2008/);
    const r = await cli('patterns', 'check', file('self.qpat', src));
    expect(r.code).toBe(1);
    expect(r.err).toContain('self.qpat:1:50: error QF2008: the replacement is the root %y itself');
    // Through an absent optional root, per variant.
    const opt = 'pattern o { match { %c = conv2d(%x, %w)\n %y = relu(%c)? } rewrite { %c } }';
    expect(checkPatterns(opt).diagnostics.map((d) => d.message)).toEqual(['the replacement is the root %c itself (in the variant where %y absent)']);
  });

  it('a redirect to a value of another type fails the rewrite with QF2012, located in the pattern', async () => {
    const r = await cli('opt', file('bcast.qir', BROADCAST), '-p', 'dce', '--patterns', file('mulone.qpat', MUL_ONE));
    expect(r.code).toBe(1);
    expect(r.err).toContain("mulone.qpat:1:88: error QF2012: pattern mul_one at node 'y': the replacement value 'x' is f32[4] but the root is f32[2,4]");
    // Same dtype and shape is fine.
    const same = BROADCAST.replace('%x: f32[4]', '%x: f32[2,4]');
    const ok = runPipeline(parseGraph(same), `patterns{file="${file('mulone2.qpat', MUL_ONE)}"}`);
    expect(ok.graph.nodes.map((n) => n.op)).toEqual(['relu']);
  });

  it('every pattern pass verifies its result and names the pattern that broke the graph', async () => {
    const r = await cli('opt', file('rq.qir', REQUANT), '-p', 'dce', '--patterns', file('droprq.qpat', DROP_RQ));
    expect(r.code).toBe(1);
    expect(r.err).toContain("droprq.qpat:1:9: error QF2015: pattern drop_rq at node 'q' (requantize) left a graph that fails the verifier:");
    expect(r.err).toContain("node 'r' (maxpool2d): error QF0204: result 'r' is declared u8[1,1,2,2] quant");
    // verify=false turns the check off (the graph is then wrong, which is why it is on by default).
    const off = runPipeline(parseGraph(REQUANT), `patterns{file="${join(tmp, 'droprq.qpat')}",verify=false}`);
    expect(off.graph.nodes.map((n) => n.op)).toEqual(['maxpool2d']);
  });

  it('the driver option verifyEach stops at the first rewrite its verifier rejects', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: [2] });
    b.output(b.op('neg', [b.op('neg', [x], {}, 'n1')], {}, 'n2'));
    const set = loadPatterns('pattern to_sig { match { %y = neg(%x) } rewrite { sigmoid(%x) } }', { file: 'p.qpat' });
    let calls = 0;
    const verifyEach = (g: { nodes: { op: string }[] }) => (++calls === 2 ? [diag('VERIFY_TYPE_MISMATCH', `${g.nodes.filter((n) => n.op === 'sigmoid').length} sigmoids`)] : []);
    expect(() => applyPatterns(b.build(), set, { verifyEach })).toThrow(/p\.qpat:1:9: error QF2015: pattern to_sig at node 'n1' \(neg\) left a graph[\s\S]*2 sigmoids/);
    expect(calls).toBe(2);
  });

  it('verifyNodes runs the node checks of the verifier on the named nodes only, plus the outputs', () => {
    const g = parseGraph(REQUANT);
    // Drop the requantize: r now reads a value nothing defines.
    const broken = { ...g, nodes: g.nodes.slice(1) };
    expect(verify(broken).map((d) => d.message)).toContain("operand 0 'q' is not defined anywhere");
    expect(verifyNodes(broken, new Set(['r'])).map((d) => [d.node?.name, d.message])).toEqual([['r', "operand 0 'q' is not defined above its use"]]);
    expect(verifyNodes(broken, new Set())).toEqual([]);
    expect(verifyNodes({ ...g, outputs: ['nope'] }, new Set()).map((d) => d.message)).toEqual(["graph output 'nope' is not defined"]);
  });
});

// `qforge opt` and `qforge passes`, in-process, plus the unified diff behind --print-changes.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { main } from '../../src/cli/main.js';
import { unifiedDiff } from '../../src/cli/unified-diff.js';
import { tensor } from '../../src/ir/index.js';
import { parseGraph, readQir } from '../../src/ir/text/index.js';
import { definePass, listPasses, registerPass } from '../../src/passes/index.js';
import { onnxModel } from '../onnx/build-model.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

// Drops the first node although later nodes use it: for --verify-each.
registerPass(
  definePass({
    kind: 'transform',
    name: 'test-break',
    description: 'breaks the graph',
    options: {},
    run(draft) {
      draft.nodes.shift();
    },
  }),
);

const MODEL = `graph main(%x: f32[2,3]) -> (%out: f32[2,3], %id: f32[2,3]) {
  const %c1: f32[3] = [1, 2, 3]
  const %c2: f32[3] = [1, 2, 3]
  %id: f32[2,3] = identity(%x)
  %r: f32[2,3] = reshape(%id) {shape=[2, 3]}
  %a: f32[2,3] = add(%r, %c1)
  %b: f32[2,3] = add(%c2, %x)
  %dead: f32[2,3] = mul(%x, %x)
  %out: f32[2,3] = mul(%a, %b)
}
`;
let tmp: string, model: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'qforge-opt-'));
  model = join(tmp, 'm.qir');
  writeFileSync(model, MODEL);
});

describe('qforge opt', () => {
  it('runs the pipeline and writes the result, outputs keeping their names', async () => {
    const out = join(tmp, 'out.qir');
    const r = await cli('opt', model, '--pipeline', 'canonicalize,cse', '-o', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/wrote .*out\.qir: 3 nodes \(-3 from 6/);
    const g = readQir(out);
    expect(g.outputs).toEqual(['out', 'id']);
    expect(g.nodes.map((n) => n.op)).toEqual(['identity', 'add', 'mul']);
  });

  it('prints the result to stdout without -o', async () => {
    const r = await cli('opt', model, '-p', 'dce');
    expect(r.code).toBe(0);
    expect(parseGraph(r.out).nodes.length).toBe(5);
  });

  it('--print-ir-before/after print the chosen passes to stderr', async () => {
    const r = await cli('opt', model, '-p', 'remove-identity,cse,dce', '--print-ir-after=cse', '--print-ir-before', 'dce,remove-identity');
    expect(r.code).toBe(0);
    expect(r.err.match(/^\/\/ ----- IR .*$/gm)).toEqual([
      '// ----- IR before remove-identity (step 1) -----',
      '// ----- IR after cse (step 2) -----',
      '// ----- IR before dce (step 3) -----',
    ]);
    const all = await cli('opt', model, '-p', 'fixpoint(cse,dce)', '--print-ir-after=all');
    expect(all.err.match(/^\/\/ ----- IR after .*$/gm)).toEqual(['// ----- IR after fixpoint/cse (step 2) -----', '// ----- IR after fixpoint/dce (step 3) -----']);
  });

  it('--print-changes shows a diff for each pass that changed something, and only those', async () => {
    const r = await cli('opt', model, '-p', 'cse,infer-shapes,dce', '--print-changes');
    expect(r.err.match(/^\+\+\+ .*$/gm)).toEqual(['+++ after cse (step 1)', '+++ after dce (step 3)']);
    expect(r.err).toContain('-  %dead: f32[2,3] = mul(%x, %x)\n');
    expect(r.err).toContain('-  const %c2: f32[3] = [1, 2, 3]\n');
  });

  it('--verify-each names the pass that broke the graph', async () => {
    const r = await cli('opt', model, '-p', 'cse,test-break', '--verify-each');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error QF1004: graph is invalid after pass 'test-break' \(step 2\)/);
  });

  it('--timing prints a row per pass run with statistics', async () => {
    const r = await cli('opt', model, '-p', 'fixpoint(remove-identity,cse,dce)', '--timing');
    const rows = r.err.split('\n').filter((l) => /^\s+\d+\s/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/)[1])).toEqual(['fixpoint', 'remove-identity', 'cse', 'dce']);
    expect(r.err).toMatch(/cse\s+[\d.]+\s+[\d.]+\s+yes\s+nodes-merged=1 constants-merged=1/);
    expect(r.err).toMatch(/^\s+total\s/m);
  });

  it('--dump-dir writes one numbered, readable file per pass', async () => {
    const dir = join(tmp, 'dump');
    const r = await cli('opt', model, '-p', 'remove-identity,fixpoint(cse,dce)', '--dump-dir', dir);
    expect(r.code).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['000-input.qir', '001-remove-identity.qir', '003-fixpoint.cse.qir', '004-fixpoint.dce.qir']);
    expect(readQir(join(dir, '000-input.qir')).nodes.length).toBe(6);
    expect(readQir(join(dir, '004-fixpoint.dce.qir')).nodes.length).toBe(3);
  });

  it('imports .onnx input', async () => {
    const onnx = join(tmp, 'm.onnx');
    writeFileSync(
      onnx,
      onnxModel({
        nodes: [
          { op: 'Identity', inputs: ['x'], outputs: ['i'] },
          { op: 'Add', inputs: ['i', 'w'], outputs: ['y'] },
        ],
        inputs: [['x', 'f32', [2]]],
        outputs: [['y', 'f32', [2]]],
        initializers: { w: tensor('f32', [2], [1, 2]) },
      }),
    );
    const r = await cli('opt', onnx, '-p', 'canonicalize');
    expect(r.code).toBe(0);
    expect(parseGraph(r.out).nodes.map((n) => n.op)).toEqual(['add']);
  });

  it('every error is a clear message and a non-zero exit', async () => {
    const spec = await cli('opt', model, '-p', 'canonicalize,csee');
    expect(spec.code).toBe(1);
    expect(spec.err.split('\n')[0]).toBe("pipeline:1:14: error QF1002: unknown pass 'csee'");
    const flag = await cli('opt', model, '-p', 'cse', '--print-ir-after=dcee');
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--print-ir-after: unknown pass 'dcee'\n {2}hint: did you mean 'dce'\?/);
    const missing = await cli('opt', join(tmp, 'nope.qir'), '-p', 'cse');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error QF0702: cannot read .*nope\.qir/);
    // Checked before the model is even read.
    expect((await cli('opt', join(tmp, 'nope.qir'), '-p', 'cse{x=1}')).err).toMatch(/QF1003/);
  });
});

describe('qforge passes', () => {
  it('lists every registered pass with its options and description', async () => {
    const r = await cli('passes');
    expect(r.code).toBe(0);
    for (const p of listPasses()) {
      expect(r.out).toContain(`  ${p.name}`);
      expect(r.out).toContain(p.description);
      for (const k of Object.keys(p.options)) expect(r.out).toMatch(new RegExp(`^ {4}${k}=`, 'm'));
    }
    expect(r.out).toMatch(/max-iterations=10 {2}\(int\)/);
    const md = await cli('passes', '--markdown');
    expect(md.out).toContain('- **cse**: ');
    expect(md.out).toContain('  - `max-elements` (int, default `4194304`)');
  });
});

// Applying the printed hunks to the old text must give the new one.
function applyDiff(before: string, diff: string): string {
  const a = before.split('\n');
  const out: string[] = [];
  let pos = 0;
  const lines = diff.split('\n').slice(2);
  for (let i = 0; i < lines.length; i++) {
    const h = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i]!);
    if (!h) continue;
    const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1;
    while (pos < start) out.push(a[pos++]!);
    for (i++; i < lines.length && !lines[i]!.startsWith('@@') && lines[i] !== ''; i++) {
      const [k, text] = [lines[i]![0], lines[i]!.slice(1)];
      if (k !== '+') expect(a[pos++]).toBe(text);
      if (k !== '-') out.push(text);
    }
    i--;
  }
  while (pos < a.length) out.push(a[pos++]!);
  return out.join('\n');
}

describe('unified diff', () => {
  const arbText = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 30 }).map((xs) => xs.join('\n'));
  fcTest.prop([arbText, arbText])('its hunks turn the old text into the new one', (a, b) => {
    const d = unifiedDiff(a, b, ['a', 'b']);
    if (a === b) expect(d).toBe('');
    else expect(applyDiff(a, d)).toBe(b);
  });
  it('matches diff -u on a small case', () => {
    expect(unifiedDiff('x\ny\nz', 'x\nY\nz', ['old', 'new'])).toBe('--- old\n+++ new\n@@ -1,3 +1,3 @@\n x\n-y\n+Y\n z\n');
  });
});

// Property tests of the text format: exact round trips (valid random graphs, structurally
// arbitrary graphs, every dtype and bit pattern) and robustness on garbage.
import { describe, expect } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { QforgeError, formatDiagnostic } from '../../src/diagnostics/index.js';
import { parseGraph, printGraph, printGraphSidecar, type Graph } from '../../src/ir/index.js';
import { arbGraph } from '../../src/testing/index.js';
import { arbRawGraph } from '../support/random-raw-graph.js';
import { expectSameGraph } from '../support/graph-equal.js';

function expectRoundTrip(g: Graph, text: string, back: Graph): void {
  expectSameGraph(back, g);
  expect(printGraph(back)).toBe(text);
}

describe('text format round trip', () => {
  fcTest.prop([arbGraph()], { numRuns: 150 })('valid random graphs: parse(print(g)) equals g, and printing again gives the same text', (g) => {
    const text = printGraph(g);
    expectRoundTrip(g, text, parseGraph(text));
  });

  fcTest.prop([arbGraph({ specialFloats: true }), fc.nat(80), fc.nat(200)], { numRuns: 60 })(
    'with a sidecar and any inline limit: every constant comes back bit for bit',
    (g, inlineLimit, threshold) => {
      const { text, sidecar } = printGraphSidecar(g, { inlineLimit, sidecarThreshold: threshold });
      const back = parseGraph(text, sidecar ? { sidecar } : {});
      expectSameGraph(back, g);
      expect(printGraphSidecar(back, { inlineLimit, sidecarThreshold: threshold }).text).toBe(text);
    },
  );

  fcTest.prop([arbRawGraph()], { numRuns: 250 })('arbitrary names, ops, attributes, quant params and constant bits (unverified)', (g) => {
    const text = printGraph(g);
    expectRoundTrip(g, text, parseGraph(text, { verify: false }));
  });
});

/** Parsing must end in a graph or a QforgeError whose diagnostics all format. */
function parsesOrReports(text: string): void {
  try {
    parseGraph(text, { file: 'fuzz.qir' });
  } catch (e) {
    if (!(e instanceof QforgeError)) throw e;
    expect(e.diagnostics.length).toBeGreaterThan(0);
    for (const d of e.diagnostics) expect(formatDiagnostic(d)).toMatch(/error QF\d{4}/);
  }
}

const SNIPPETS = ['%', '@', '"', '[', ']', '{', '}', '(', ')', ',', '=', ':', '->', '#', '_', 'inf', '-inf', 'nan', 'const ', 'graph ', 'quant(', 'splat(', 'sidecar[0, 4]', 'b64"AAAA"', 'f32[2]', 'u8[]', '%x', '%"a/b"', '1e999', '-0', '99999999999999999999', '\n', ' ', 'relu', 'add(%x, %x)'];

/** A valid text with a few edits: deletions, insertions of snippets, duplicated or swapped lines. */
const arbMutated = fc
  .tuple(
    arbGraph({ maxNodes: 5 }).map((g) => printGraph(g)),
    fc.array(fc.tuple(fc.nat(3), fc.nat(), fc.nat(), fc.constantFrom(...SNIPPETS)), { minLength: 1, maxLength: 4 }),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [kind, a, b, snippet] of edits) {
      const i = a % (t.length + 1), j = Math.min(t.length, i + (b % 12));
      const lines = t.split('\n');
      const li = a % lines.length, lj = b % lines.length;
      if (kind === 0) t = t.slice(0, i) + t.slice(j);
      else if (kind === 1) t = t.slice(0, i) + snippet + t.slice(i);
      else if (kind === 2) t = [...lines.slice(0, li + 1), lines[li]!, ...lines.slice(li + 1)].join('\n');
      else {
        [lines[li], lines[lj]] = [lines[lj]!, lines[li]!];
        t = lines.join('\n');
      }
    }
    return t;
  });

describe('parser robustness', () => {
  fcTest.prop([fc.string({ maxLength: 200, unit: 'binary' })], { numRuns: 300 })('random strings never crash the parser', parsesOrReports);

  fcTest.prop([fc.array(fc.constantFrom(...SNIPPETS), { maxLength: 40 }).map((xs) => xs.join(''))], { numRuns: 300 })(
    'random token soup never crashes the parser',
    parsesOrReports,
  );

  fcTest.prop([arbMutated], { numRuns: 300 })('mutated valid texts parse or report', parsesOrReports);
});

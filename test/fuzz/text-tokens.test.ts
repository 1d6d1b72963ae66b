// Fuzz: token-level mutations (delete, duplicate, swap, replace from a vocabulary of edge cases)
// of .qir texts (random graphs, quantized and fixture models) and of the .qpat library files.
// .qir: parseGraph returns a verified graph — which prints and reads back, and runs — or a
// diagnostic. .qpat: checkPatterns never throws; a file that compiles is applied to a graph.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/ir/onnx/index.js';
import { parseGraph, printGraph } from '../../src/ir/text/index.js';
import { qirLexer } from '../../src/ir/text/lexer.js';
import { applyPatterns, checkPatterns, PatternSet } from '../../src/patterns/index.js';
import { qpatLexer } from '../../src/patterns/syntax/lexer.js';
import { quantizeGraph } from '../../src/index.js';
import { arbGraph } from '../../src/testing/index.js';
import { expectBothOutcomes, fuzz, mutateTokens, runs, runSmall, SEED } from './support.js';

const FIX = resolve('../shared/fixtures');
const QIR_VOCAB = ['-1', '0', '1', '2', '1e39', '-1e39', '1e400', '99999999999', '2147483648', 'nan', 'inf', '-inf', '-0', '0.5', 'f32', 'f64', 'i4', 'u4', 'i8', 'u8', 'i64', 'bool', 'quant', 'scale', 'zp', 'axis', '[', ']', '{', '}', '(', ')', ',', '=', ':', '->', '#', '@"n"', '%x', '%"a b"', '%__proto__', 'const', 'splat', 'sidecar', '""', '"\\u0000"', 'b64"AAAA"', 'b64""', 'true', 'false', '_', 'graph', 'add', 'conv2d', 'reshape', 'quantize', 'qlinear_matmul'];
const QPAT_VOCAB = ['%x', '%y', '%c', '_', '...', '?', '??', '|', '(', ')', '[', ']', '{', '}', ',', ':', '=', '==', '!=', '<', '.', 'not', 'and', 'or', 'if', 'then', 'else', 'let', 'const', 'shared', 'as', 'where', 'rewrite', 'match', 'pattern', 'benefit', '0', '-1', '1e39', '99999999999', '0.5', '"s"', 'true', 'relu', 'conv2d', 'clip', 'add', 'f32', 'i8', 'shape', 'rank', 'min', 'max', 'len', 'NoSuchOp'];

function qirTexts(): string[] {
  const random = fc.sample(arbGraph({ maxNodes: 6 }), { numRuns: 12, seed: SEED }).map((g) => printGraph(g));
  const float = importOnnx(join(FIX, 'conv_bn_relu/model.onnx'));
  const digits = importOnnx(join(FIX, 'digits_mlp/model.onnx'));
  const quant = quantizeGraph(digits, { calib: join(FIX, 'digits_mlp/calib.npy') }).graph;
  return [...random, printGraph(float), printGraph(quant)];
}

const tokensOf = (lexer: typeof qirLexer, text: string) => lexer.tokenize(text).tokens.map((t) => t.image);

describe('fuzz: .qir tokens', () => {
  it(`${runs(300)} mutated .qir texts parse to a graph that round-trips and runs, or get a diagnostic`, () => {
    const texts = qirTexts().map((t) => tokensOf(qirLexer, t));
    const outcomes = fuzz('qir-tokens', SEED + 2, runs(300), (i, r) => ({ input: mutateTokens(texts[i % texts.length]!, QIR_VOCAB, r).join(' '), suffix: '.qir' }), (text) => {
      const g = parseGraph(text);
      expect(printGraph(parseGraph(printGraph(g)))).toBe(printGraph(g));
      runSmall(g);
    });
    expectBothOutcomes(outcomes);
  });
});

describe('fuzz: .qpat tokens', () => {
  it(`${runs(300)} mutated pattern files compile or get diagnostics, never throw; what compiles applies cleanly`, () => {
    const dir = resolve('spec/patterns');
    const files = readdirSync(dir).filter((f) => f.endsWith('.qpat')).map((f) => tokensOf(qpatLexer as typeof qirLexer, readFileSync(join(dir, f), 'utf8')));
    const graphs = [importOnnx(join(FIX, 'conv_bn_relu/model.onnx')), importOnnx(join(FIX, 'depthwise_residual/model.onnx'))];
    let compiled = 0;
    fuzz('qpat-tokens', SEED + 3, runs(300), (i, r) => ({ input: mutateTokens(files[i % files.length]!, QPAT_VOCAB, r).join(' '), suffix: '.qpat' }), (text, i) => {
      const { patterns, diagnostics } = checkPatterns(text);
      if (diagnostics.length) return;
      compiled++;
      applyPatterns(graphs[i % graphs.length]!, new PatternSet(patterns));
    });
    expect(compiled).toBeGreaterThan(0);
  });
});

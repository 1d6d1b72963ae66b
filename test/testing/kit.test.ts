// qforge/testing: the tensor comparison and the pattern property check on the built-in library.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/ir/tensor.js';
import { builtinPatterns, loadPatterns } from '../../src/patterns/index.js';
import { checkPatternsPreserveSemantics, compareTensors, ulpDistance } from '../../src/testing/index.js';

const f32 = (xs: number[]) => tensor('f32', [xs.length], xs);
const nanWithPayload = new Float32Array(new Int32Array([0x7fc00001]).buffer)[0]!;

describe('compareTensors', () => {
  it('is bitwise by default: -0 differs from 0, NaN payloads count', () => {
    expect(compareTensors(f32([1, -0]), f32([1, -0]))).toEqual({ equal: true, maxUlps: 0 });
    expect(compareTensors(f32([1, -0]), f32([1, 0]))).toMatchObject({ equal: false, index: 1, reason: 'element 1 is 0, expected 0 (bits differ)' });
    const a = f32([NaN]);
    (a.data as Float32Array)[0] = nanWithPayload;
    expect(compareTensors(a, f32([NaN])).equal).toBe(false);
  });

  it('with ulps: -0 == 0, NaN == NaN, and the distance is counted in f32 steps', () => {
    const one = 1, next = new Float32Array(new Int32Array([0x3f800001]).buffer)[0]!;
    expect(ulpDistance(one, next)).toBe(1);
    expect(ulpDistance(-0, 0)).toBe(0);
    expect(ulpDistance(NaN, 1)).toBe(Infinity);
    expect(ulpDistance(1, 1 + 2 ** -52, 'f64')).toBe(1);
    expect(compareTensors(f32([next, -0, NaN]), f32([one, 0, NaN]), { ulps: 1 })).toEqual({ equal: true, maxUlps: 1 });
    expect(compareTensors(f32([next]), f32([one]), { ulps: 0 })).toMatchObject({ equal: false, maxUlps: 1, reason: expect.stringMatching(/1 ulps apart, 0 allowed/) });
  });

  it('integers are exact in either mode; dtype and shape are checked first', () => {
    expect(compareTensors(tensor('i8', [2], [1, 2]), tensor('i8', [2], [1, 3]), { ulps: 100 })).toMatchObject({ equal: false, index: 1 });
    expect(compareTensors(tensor('i8', [2], [1, 2]), tensor('u8', [2], [1, 2])).reason).toBe('dtype i8, expected u8');
    expect(compareTensors(f32([1, 2]), tensor('f32', [1, 2], [1, 2])).reason).toBe('shape [2], expected [1,2]');
  });
});

describe('checkPatternsPreserveSemantics', () => {
  it('passes the built-in activation fusion bit-exact and says how often it fired', () => {
    const fuse = checkPatternsPreserveSemantics(builtinPatterns('fuse-activation'), { runs: 60, seed: 3 });
    expect(fuse.runs).toBe(60);
    expect(fuse.ops).toEqual(expect.arrayContaining(['conv2d', 'gemm', 'relu', 'clip']));
    expect(fuse.graphsRewritten).toBeGreaterThan(0);
    expect(Object.values(fuse.rewrites).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('takes a .qpat path', () => {
    const r = checkPatternsPreserveSemantics('spec/patterns/fuse-activation.qpat', { runs: 20, seed: 5, ops: ['gemm', 'relu'] });
    expect(r.ops).toEqual(['gemm', 'relu']);
  });

  it('catches a wrong rewrite and prints a replayable failure', () => {
    const wrong = loadPatterns('pattern relu_is_identity {\n  match { %y = relu(%x) }\n  rewrite { %x }\n}\n');
    let message = '';
    try {
      checkPatternsPreserveSemantics(wrong, { runs: 100, seed: 11, ops: ['relu', 'add', 'mul'] });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/changed: .*\npatterns that fired: relu_is_identity ×\d+\n/);
    const path = /path: '([\d:]+)'/.exec(message)![1]!;
    // Replaying the printed seed and path fails again, at once.
    expect(() => checkPatternsPreserveSemantics(wrong, { runs: 1, seed: 11, path, ops: ['relu', 'add', 'mul'] })).toThrow(/relu_is_identity/);
  });
});

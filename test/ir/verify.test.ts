// The verifier: one test per kind of problem, written as (unverified) IR text where possible.
import { describe, expect, it } from 'vitest';
import { QforgeError, type Diagnostic } from '../../src/diagnostics/index.js';
import { parseGraph, tensor, verify, verifyOrThrow, type Graph } from '../../src/ir/index.js';

const raw = (body: string, header = '(%x: f32[2,3]) -> (%y)'): Graph => parseGraph(`graph t${header} {\n${body}\n}`, { verify: false });
const keys = (ds: Diagnostic[]) => ds.map((d) => d.key);
const only = (g: Graph): Diagnostic => {
  const ds = verify(g);
  expect(ds, ds.map((d) => d.message).join('\n')).toHaveLength(1);
  return ds[0]!;
};

describe('verify', () => {
  it('accepts a valid graph, with optional operands left out or marked absent', () => {
    const g = raw(`
      const %w: f32[4,3] = splat(0.5)
      %a: f32[2,4] = gemm(%x, %w) {trans_b=true}
      %b: f32[2,4] = gemm(%x, %w, _) {trans_b=true}
      %y: f32[4,4] = concat(%a, %b) {axis=0}`);
    expect(verify(g)).toEqual([]);
    expect(() => verifyOrThrow(g)).not.toThrow();
  });

  it('reports a use before the definition, naming the node that defines it later', () => {
    const d = only(raw('%y: f32[2,3] = relu(%z)\n%z: f32[2,3] = relu(%x)'));
    expect(d.key).toBe('VERIFY_USE_BEFORE_DEF');
    expect(d.node).toEqual({ name: 'y', op: 'relu' });
    expect(d.message).toMatch(/'z' is used before node 'z' defines it/);
    expect(d.hint).toMatch(/topological order/);
  });

  it('reports operands that nothing defines', () => {
    const d = only(raw('%y: f32[2,3] = add(%x, %nowhere)'));
    expect(d.key).toBe('VERIFY_USE_BEFORE_DEF');
    expect(d.message).toMatch(/operand 1 'nowhere' is not defined anywhere/);
  });

  it('reports a true cycle once, as a cycle, not as uses before definition', () => {
    const g = raw('%a: f32[2,3] = add(%x, %c)\n%b: f32[2,3] = relu(%a)\n%c: f32[2,3] = relu(%b)\n%y: f32[2,3] = relu(%c)');
    const d = only(g);
    expect(d.key).toBe('VERIFY_CYCLE');
    expect(d.message).toBe("nodes 'a' -> 'c' -> 'b' -> 'a' form a cycle (each uses a result of the next)");
    expect(keys(verify(raw('%y: f32[2,3] = add(%x, %y)')))).toEqual(['VERIFY_CYCLE']);
  });

  it('reports values defined twice: by two nodes, over an input, over a constant; and repeated node names', () => {
    expect(keys(verify(raw('%y: f32[2,3] = relu(%x)\n%y: f32[2,3] = neg(%x) @n2')))).toEqual(['VERIFY_REDEFINED']);
    expect(verify(raw('%x: f32[2,3] = relu(%x) @n\n%y: f32[2,3] = relu(%x)'))[0]!.message).toMatch(/'x' is already defined by a graph input/);
    expect(verify(raw('const %c: f32[] = 1\n%c: f32[] = relu(%c) @n\n%y: f32[2,3] = relu(%x)'))[0]!.message).toMatch(/by a constant/);
    expect(only(raw('%a: f32[2,3] = relu(%x) @n\n%y: f32[2,3] = relu(%a) @n')).message).toMatch(/node name 'n'/);
    const g = raw('%y: f32[2,3] = relu(%x)');
    g.inputs.push('x');
    expect(only(g).message).toMatch(/graph input 'x' is listed twice/);
    g.inputs.pop();
    g.constants['x'] = tensor('f32', [2, 3]);
    expect(only(g).message).toMatch(/constant 'x' has the name of a graph input/);
  });

  it('reports unknown ops with the nearest known name', () => {
    const d = only(raw('%y: f32[2,3] = rleu(%x)'));
    expect(d.key).toBe('VERIFY_UNKNOWN_OP');
    expect(d.hint).toBe("did you mean 'relu'?");
  });

  it('reports wrong operand counts, respecting optional and variadic operands', () => {
    expect(only(raw('%y: f32[2,3] = add(%x)')).message).toMatch(/add takes 2 operand\(s\) \(a, b\), the node has 1/);
    expect(only(raw('%y: f32[2,3] = relu(%x, %x)')).key).toBe('VERIFY_OPERANDS');
    expect(only(raw('%y: f32[2,3] = concat() {axis=0}')).message).toMatch(/at least 1/);
    expect(only(raw('%y: f32[2,3] = add(%x, _)')).message).toMatch(/operand 1 \(b\) of add is required/);
    expect(verify(raw('%y: f32[2,3] = concat(%x) {axis=0}'))).toEqual([]);
  });

  it('reports operand dtypes the op does not allow', () => {
    const d = only(raw('%y: f32[2,3] = sigmoid(%x)', '(%x: i32[2,3]) -> (%y)'));
    expect(d.key).toBe('VERIFY_OPERANDS');
    expect(d.message).toMatch(/operand 0 \(x\) of sigmoid is i32; allowed: f32, f64/);
  });

  it('reports bad attributes: unknown, mistyped, missing', () => {
    expect(only(raw('%y: f32[2,3] = relu(%x) {alpha=1}')).key).toBe('IR_BAD_ATTR');
    expect(only(raw('%y: f32[2,3] = softmax(%x) {axis=0.5}')).message).toMatch(/axis.*must be int/);
    expect(only(raw('%y: f32[2,3] = concat(%x)')).message).toMatch(/needs attribute 'axis'/);
  });

  it('reports result counts that disagree with the op, fixed or inferred', () => {
    expect(only(raw('%y: f32[2,3], %z: f32[2,3] = relu(%x)')).message).toMatch(/relu has 1 result\(s\), the node declares 2/);
    const d = only(raw('%y: f32[1,3] = split(%x) {split=[1, 1]}'));
    expect(d.key).toBe('VERIFY_TYPE_MISMATCH');
    expect(d.message).toMatch(/split infers 2 result\(s\), the node declares 1/);
  });

  it('reports declared result types that disagree with inference (dtype, shape, quant params)', () => {
    const d = only(raw('%y: f32[3,2] = relu(%x)'));
    expect(d.key).toBe('VERIFY_TYPE_MISMATCH');
    expect(d.message).toMatch(/'y' is declared f32\[3,2\] but relu infers f32\[2,3\]/);
    const q = only(raw('%y: u8[2,3] quant(scale=0.5, zp=3) = quantize(%x) {scale=[0.5], zero_point=[4], dtype=u8}'));
    expect(q.key).toBe('VERIFY_TYPE_MISMATCH');
    expect(q.message).toMatch(/quant/);
  });

  it('reports operands an op rejects (its inference fails)', () => {
    const d = only(raw('%y: f32[2,3] = add(%x, %z)', '(%x: f32[2,3], %z: f32[4]) -> (%y)'));
    expect(d.key).toBe('OP_INVALID');
    expect(d.message).toMatch(/do not broadcast/);
    expect(d.node).toEqual({ name: 'y', op: 'add' });
  });

  it('reports dangling graph outputs', () => {
    const d = only(raw('%y: f32[2,3] = relu(%x)', '(%x: f32[2,3]) -> (%y, %ghost)'));
    expect(d.key).toBe('VERIFY_DANGLING');
    expect(d.message).toMatch(/'ghost'/);
  });

  it('reports missing and malformed types', () => {
    const g = raw('%y: f32[2,3] = relu(%x)');
    delete g.values['x'];
    expect(only(g).message).toBe("graph input 'x' has no type");
    const h = raw('%y: f32[2,3] = relu(%x)');
    delete h.values['y'];
    expect(only(h).message).toBe("result 'y' has no type");
    expect(only(raw('%y: f32[2,3] = relu(%x)', '(%x: f32[2,3] quant(scale=[0.5, 1], zp=[0, 0])) -> (%y)')).message).toMatch(
      /per-tensor quant params need one scale/,
    );
    const k = raw('%y: f32[2,3] = relu(%x)');
    k.values['x'] = { dtype: 'f16' as 'f32', shape: [2, -3] };
    expect(verify(k).map((d) => d.key)).toEqual(['VERIFY_BAD_TYPE']);
  });

  it('reports constants whose data does not match their type', () => {
    const g = raw('const %c: f32[2] = [1, 2]\nconst %i: i4[2] = [1, 2]\n%y: f32[2,3] = relu(%x)');
    g.constants['c'] = { dtype: 'f32', shape: [2], data: new Float64Array(2) };
    expect(only(g).message).toBe("constant 'c': data is a Float64Array, f32 needs a Float32Array");
    g.constants['c'] = { dtype: 'f32', shape: [2], data: new Float32Array(3) };
    expect(only(g).message).toBe("constant 'c': data has 3 elements, f32[2] needs 2");
    g.constants['c'] = tensor('i8', [2]);
    expect(only(g).message).toMatch(/data is i8\[2\] but the value is declared f32\[2\]/);
    g.constants['c'] = tensor('f32', [2]);
    g.constants['i']!.data[1] = 9;
    expect(only(g).message).toBe("constant 'i': element 1 is 9, outside the i4 range [-8, 7]");
  });

  it('reports typed values that nothing defines', () => {
    const g = raw('%y: f32[2,3] = relu(%x)');
    g.values['stale'] = { dtype: 'f32', shape: [1] };
    const d = only(g);
    expect(d.key).toBe('VERIFY_ORPHAN');
    expect(d.message).toMatch(/'stale'/);
  });

  it('reports every problem at once, each with its node', () => {
    const g = raw('%a: f32[2,3] = rleu(%x)\n%b: f32[9] = relu(%x)\n%c: f32[2,3] = add(%x)\n%y: f32[2,3] = relu(%x) {bogus=1}', '(%x: f32[2,3]) -> (%y, %nope)');
    const ds = verify(g);
    expect(keys(ds)).toEqual(['VERIFY_UNKNOWN_OP', 'VERIFY_TYPE_MISMATCH', 'VERIFY_OPERANDS', 'IR_BAD_ATTR', 'VERIFY_DANGLING']);
    expect(ds.slice(0, 4).map((d) => d.node!.name)).toEqual(['a', 'b', 'c', 'y']);
    try {
      verifyOrThrow(g);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QforgeError);
      expect((e as QforgeError).diagnostics).toHaveLength(5);
    }
  });
});

// Every target against the interpreter, one program per target: the hand-built graphs (conv zoo,
// channel tails, the int16-saturation pattern, pools and elementwise ops, the residual-add convs),
// every fixture model quantized by two quantizers, the x86 quantizer's residual convs of two
// fixtures, and the linear ones in the weight-only and dynamic modes. avx2 runs natively,
// avx512-vnni natively where the host has it and through SIMDe (AVX-512 emulated on AVX2), neon and neon-dot under qemu-aarch64; the
// SIMD kernels replace the portable ones through the kernel interface and must not change a single bit.
import { beforeAll, describe, expect, it } from 'vitest';
import { getTarget, hostCpuFlags, hostRuns } from '../../src/codegen/targets/index.js';
import type { Graph, Tensor } from '../../src/ir/index.js';
import { approximateOutputs, compileRun, FLOAT_TOLERANCE, interpret, mergeGraphs, relErr } from './helpers.js';
import { convZoo, misc, residual, saturation, tails } from './graphs.js';
import { fixtureParts, LINEAR_MODELS, modeParts, MODELS, MODES, QUANTIZERS, x86ResidualParts } from './fixtures.js';

describe(`targets: hand-built graphs and the fixture models (${MODELS.length} models x ${QUANTIZERS.join(', ')}; ${LINEAR_MODELS.length} x ${MODES.map((m) => m.name).join(', ')})`, () => {
  let graph: Graph, inputs: Tensor[], want: Tensor[], exact: boolean[];
  beforeAll(() => {
    const hand = [convZoo(5), tails(6, [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33]), saturation(), misc(7), residual(12)].map((p) => ({ ...p, exact: true }));
    const parts = [...hand, ...fixtureParts(), ...x86ResidualParts(), ...modeParts()];
    ({ graph, inputs } = mergeGraphs(parts));
    const approx = approximateOutputs(graph);
    exact = parts.flatMap((p) => p.graph.outputs.map(() => p.exact)).map((e, i) => e && !approx[i]);
    want = interpret(graph, inputs);
  });

  const check = (target: string, opts = {}) => () => {
    const got = compileRun(graph, target, inputs, opts).outputs;
    const bad = want.flatMap((w, i) => {
      const c = got[i]!;
      const ok = c.data.length === w.data.length && (exact[i] ? c.data.every((v, k) => v === w.data[k]) : relErr(c, w) <= FLOAT_TOLERANCE);
      return ok ? [] : [`${graph.outputs[i]} (${exact[i] ? 'bit-exact' : 'tolerance'}): max rel err ${relErr(c, w)}`];
    });
    expect(bad).toEqual([]);
    // Inexact: outputs of approximate float ops and the attention_block parts (activation matmuls in float), one per mode.
    expect(exact.filter(Boolean).length).toBeGreaterThan(exact.length - 3 - MODES.length);
  };
  it('c', check('c'));
  it.runIf(hostRuns(getTarget('avx2'), hostCpuFlags()))('avx2 (native)', check('avx2'));
  it.runIf(hostRuns(getTarget('avx512-vnni'), hostCpuFlags()))('avx512-vnni (native)', check('avx512-vnni'));
  it('avx512-vnni (SIMDe emulation)', check('avx512-vnni', { emulate: true }));
  it('neon (qemu-aarch64)', check('neon'));
  it('neon-dot (qemu-aarch64 -cpu max)', check('neon-dot'));
});

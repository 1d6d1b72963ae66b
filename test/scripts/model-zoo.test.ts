import { describe, expect, it } from 'vitest';
import { run, type Graph } from '../../src/ir/index.js';
import { mobilenetV2, randomInput, resnet18 } from '../../scripts/lib/model-zoo.js';

function histogram(g: Graph): Record<string, number> {
  const h: Record<string, number> = {};
  for (const n of g.nodes) h[n.op] = (h[n.op] ?? 0) + 1;
  return h;
}

describe('model zoo', () => {
  it('ResNet-18 has torchvision layer counts and full-size shapes', () => {
    const g = resnet18();
    expect(histogram(g)).toEqual({ conv2d: 20, batch_norm: 20, relu: 17, maxpool2d: 1, add: 8, global_avgpool: 1, flatten: 1, gemm: 1 });
    expect(g.values[g.inputs[0]!]!.shape).toEqual([1, 3, 224, 224]);
    const last = g.nodes.find((n) => n.name === 'layer4.1.relu2')!;
    expect(g.values[last.outputs[0]!]!.shape).toEqual([1, 512, 7, 7]);
    expect(g.values[g.outputs[0]!]!.shape).toEqual([1, 1000]);
    const params = Object.values(g.constants).reduce((s, t) => s + t.data.length, 0);
    expect(params).toBeGreaterThan(11.6e6); // 11.69M parameters incl. BN
    expect(params).toBeLessThan(11.8e6);
  });

  it('MobileNetV2 has depthwise convs, relu6 clips and residual adds', () => {
    const g = mobilenetV2();
    expect(histogram(g)).toEqual({ conv2d: 52, batch_norm: 52, clip: 35, add: 10, global_avgpool: 1, flatten: 1, gemm: 1 });
    const depthwise = g.nodes.filter((n) => n.op === 'conv2d' && (n.attrs.group ?? 1) !== 1);
    expect(depthwise).toHaveLength(17);
    expect(g.values[g.outputs[0]!]!.shape).toEqual([1, 1000]);
  });

  it('weights are deterministic per seed', () => {
    const a = mobilenetV2({ size: 32 }), b = mobilenetV2({ size: 32 }), c = mobilenetV2({ size: 32, seed: 7 });
    for (const name of ['features.0.weight', 'features.17.dw.weight', 'features.18.bn.var', 'fc.bias']) {
      expect(a.constants[name]!.data).toEqual(b.constants[name]!.data);
      expect(a.constants[name]!.data).not.toEqual(c.constants[name]!.data);
    }
  });

  it.each([
    ['resnet18', resnet18],
    ['mobilenetV2', mobilenetV2],
  ])('%s runs at reduced size with finite, non-degenerate outputs', (_name, make) => {
    const g = make({ size: 64, classes: 10 });
    const y = run(g, [randomInput(64)]).outputs[0]!;
    expect(y.shape).toEqual([1, 10]);
    const d = [...(y.data as Float32Array)];
    expect(d.every(Number.isFinite)).toBe(true);
    expect(new Set(d).size).toBeGreaterThan(1);
  });
});

describe('model zoo: generator and transformer families', () => {
  it('the DCGAN generator upsamples 100-d noise to a 3x64x64 image in [-1, 1]', async () => {
    const { dcganGenerator } = await import('../../scripts/lib/model-zoo-seq.js');
    const g = dcganGenerator();
    expect(histogram(g)).toEqual({ conv_transpose2d: 5, batch_norm: 4, relu: 4, tanh: 1 });
    expect(g.values[g.outputs[0]!]!.shape).toEqual([1, 3, 64, 64]);
    const z = { dtype: 'f32' as const, shape: [1, 100, 1, 1], data: Float32Array.from({ length: 100 }, (_, i) => Math.sin(i)) };
    const y = run(g, [z]).outputs[0]!.data as Float32Array;
    expect(Math.max(...y)).toBeLessThanOrEqual(1);
    expect(new Set(y).size).toBeGreaterThan(1000);
  });

  it('the transformer encoder keeps [1, 64, 256] through two blocks of attention and a GELU MLP', async () => {
    const { transformerEncoder } = await import('../../scripts/lib/model-zoo-seq.js');
    const g = transformerEncoder();
    const h = histogram(g);
    expect(h).toMatchObject({ matmul: 16, softmax: 2, layer_norm: 4, gelu: 2 });
    expect(g.values[g.outputs[0]!]!.shape).toEqual([1, 64, 256]);
    const y = run(g, [{ dtype: 'f32', shape: [1, 64, 256], data: Float32Array.from({ length: 64 * 256 }, (_, i) => Math.cos(i)) }]).outputs[0]!;
    expect((y.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});

describe('model zoo: dense blocks and window attention', () => {
  it('DenseNet: concatenated dense layers; only the pre-activation batch_norms after a concat stay unfolded', async () => {
    const { densenet } = await import('../../scripts/lib/model-zoo.js');
    const { runPipeline } = await import('../../src/passes/index.js');
    await import('../../src/passes/builtin.js');
    const g = densenet({ size: 32, classes: 10, blocks: [2, 3] });
    // the stem's BN, per layer norm1 + norm2, per transition norm, norm5 at the end
    expect(histogram(g)).toEqual({ conv2d: 12, batch_norm: 13, relu: 13, concat: 5, maxpool2d: 1, avgpool2d: 1, global_avgpool: 1, flatten: 1, gemm: 1 });
    const cat = g.nodes.find((n) => n.name === 'features.denseblock2.cat')!;
    expect(g.values[cat.outputs[0]!]!.shape).toEqual([1, (32 + 2 * 16) / 2 + 3 * 16, 4, 4]);
    const folded = runPipeline(g, ['fold-batchnorm']).graph;
    expect(histogram(folded)['batch_norm']).toBe(5 + 1 + 1); // norm1 of 5 layers, 1 transition, norm5
    const y = run(g, [randomInput(32)]).outputs[0]!.data as Float32Array;
    expect([...y].every(Number.isFinite) && new Set(y).size > 1).toBe(true);
  });

  it('Swin: shifted windows carry torchvision\'s attention mask; blocks keep [1, H, W, C]', async () => {
    const { swin } = await import('../../scripts/lib/model-zoo-seq.js');
    const g = swin({ size: 56, classes: 10, depths: [2, 2], heads: [2, 4] }); // 14x14 then 7x7 tokens, window 7
    expect(histogram(g)).toMatchObject({ matmul: 4 * 6 + 1, softmax: 4, layer_norm: 4 * 2 + 3, erf: 4, gather: 12 });
    const res = g.nodes.find((n) => n.name === 'features.1.1.res2')!;
    expect(g.values[res.outputs[0]!]!.shape).toEqual([1, 14, 14, 48]);
    // only the stage whose window is smaller than the grid shifts
    expect(g.nodes.filter((n) => n.name.endsWith('.attn.masked')).map((n) => n.name)).toEqual(['features.1.1.attn.masked']);
    // torchvision: label 9 regions of the shifted 14x14 grid, window-partition them, mask unequal labels with -100
    const hw = 14, ws = 7, s = 3, label = (i: number) => (i < hw - ws ? 0 : i < hw - s ? 1 : 2);
    const mask = g.constants['features.1.1.attn.mask']!;
    expect(mask.shape).toEqual([1, 4, 1, 49, 49]);
    for (let w = 0; w < 4; w++)
      for (let a = 0; a < 49; a += 5)
        for (let c = 0; c < 49; c += 3) {
          const at = (t: number) => 3 * label(Math.floor(w / 2) * ws + Math.floor(t / ws)) + label((w % 2) * ws + (t % ws));
          expect(mask.data[(w * 49 + a) * 49 + c]).toBe(at(a) === at(c) ? 0 : -100);
        }
    const y = run(g, [randomInput(56)]).outputs[0]!.data as Float32Array;
    expect([...y].every(Number.isFinite) && new Set(y).size > 1).toBe(true);
  });
});

// Two more bench families with seeded weights, built like the CNNs of model-zoo.ts: a DCGAN
// generator (conv_transpose2d + batch_norm + relu, tanh out) and a transformer encoder (linear
// projections, batched attention matmuls, softmax, LayerNorm, GELU), the shapes of the classic
// PyTorch DCGAN (nz 100, ngf 64, 64x64 images) and of a small BERT-style encoder.
import type { Graph } from '../../src/ir/index.js';
import { Net, type ZooOptions } from './model-zoo.js';

/** DCGAN generator: [1, 100, 1, 1] noise -> [1, 3, 64, 64] image. */
export function dcganGenerator(opts: ZooOptions = {}): Graph {
  const n = new Net('dcgan_generator', opts.seed ?? 64);
  let x = n.b.input('input', { dtype: 'f32', shape: [1, 100, 1, 1] });
  const layers: [number, number, number, number][] = [[100, 512, 1, 0], [512, 256, 2, 1], [256, 128, 2, 1], [128, 64, 2, 1]];
  for (const [i, [cin, cout, s, p]] of layers.entries()) {
    const w = n.weight(`up${i}.weight`, [cin, cout, 4, 4], Math.sqrt(2 / (cin * 4)));
    const y = n.b.op('conv_transpose2d', [x, w], { strides: [s, s], pads: [p, p, p, p] }, `up${i}`);
    x = n.relu(n.bn(`up${i}.bn`, y, cout), `up${i}.relu`);
  }
  const w = n.weight('out.weight', [64, 3, 4, 4], Math.sqrt(1 / (64 * 4)));
  return finish(n, n.b.op('tanh', [n.b.op('conv_transpose2d', [x, w], { strides: [2, 2], pads: [1, 1, 1, 1] }, 'out')], {}, 'image'));
}

function finish(n: Net, out: string): Graph {
  n.b.output(out);
  return n.b.build();
}

/** Transformer encoder: [1, T, D] tokens through `layers` post-norm blocks (attention, then a GELU MLP). */
export function transformerEncoder(opts: ZooOptions & { tokens?: number; dim?: number; heads?: number; layers?: number } = {}): Graph {
  const T = opts.tokens ?? 64, D = opts.dim ?? 256, H = opts.heads ?? 4, L = opts.layers ?? 2, Dh = D / H;
  const n = new Net('transformer_encoder', opts.seed ?? 12);
  const linear = (name: string, x: string, cin: number, cout: number) =>
    n.b.op('add', [n.b.op('matmul', [x, n.weight(`${name}.weight`, [cin, cout], Math.sqrt(1 / cin))], {}, `${name}.matmul`), n.uniform(`${name}.bias`, cout, -0.1, 0.1)], {}, name);
  const norm = (name: string, x: string) => n.b.op('layer_norm', [x, n.uniform(`${name}.weight`, D, 0.8, 1.2), n.uniform(`${name}.bias`, D, -0.1, 0.1)], { axis: -1 }, name);
  const heads = (name: string, x: string) =>
    n.b.op('transpose', [n.b.op('reshape', [x], { shape: [1, T, H, Dh] }, `${name}.split`)], { perm: [0, 2, 1, 3] }, `${name}.heads`);
  let x = n.b.input('input', { dtype: 'f32', shape: [1, T, D] });
  for (let l = 0; l < L; l++) {
    const p = `layer${l}`;
    const q = heads(`${p}.q`, linear(`${p}.q`, x, D, D)), k = heads(`${p}.k`, linear(`${p}.k`, x, D, D)), v = heads(`${p}.v`, linear(`${p}.v`, x, D, D));
    const kt = n.b.op('transpose', [k], { perm: [0, 1, 3, 2] }, `${p}.kT`);
    const scores = n.b.op('mul', [n.b.op('matmul', [q, kt], {}, `${p}.qk`), n.b.constant(`${p}.scale`, { dtype: 'f32', shape: [], data: Float32Array.of(1 / Math.sqrt(Dh)) })], {}, `${p}.scores`);
    const attn = n.b.op('matmul', [n.b.op('softmax', [scores], { axis: -1 }, `${p}.softmax`), v], {}, `${p}.attn`);
    const merged = n.b.op('reshape', [n.b.op('transpose', [attn], { perm: [0, 2, 1, 3] }, `${p}.merge`)], { shape: [1, T, D] }, `${p}.merged`);
    x = norm(`${p}.norm1`, n.add(x, linear(`${p}.out`, merged, D, D), `${p}.res1`));
    const h = n.b.op('gelu', [linear(`${p}.fc1`, x, D, 4 * D)], {}, `${p}.gelu`);
    x = norm(`${p}.norm2`, n.add(x, linear(`${p}.fc2`, h, 4 * D, D), `${p}.res2`));
  }
  return finish(n, x);
}

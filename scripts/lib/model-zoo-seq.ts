// More bench families with seeded weights, built like the CNNs of model-zoo.ts: a DCGAN
// generator (conv_transpose2d + batch_norm + relu, tanh out), a transformer encoder (linear
// projections, batched attention matmuls, softmax, LayerNorm, GELU) and a Swin transformer
// (window attention), the shapes of the classic PyTorch DCGAN (nz 100, ngf 64, 64x64 images), of
// a small BERT-style encoder and of torchvision's swin_t at bench size.
import { tensor, type Graph } from '../../src/ir/index.js';
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

/**
 * Swin transformer as torchvision's swin_t exports (torch.onnx.export's default opset 17): patch
 * embedding conv 4x4/4, channels-last [1, H, W, C] activations, stages of Swin blocks (pre-norm
 * window attention over 7x7 windows, every second block on windows shifted by 3 with torch.roll's
 * slice+concat and the -100 attention mask, then a GELU MLP) and patch merging (four strided
 * slices, concat, LayerNorm, bias-free linear). As that exporter writes them: nn.LayerNorm is one
 * LayerNormalization (layer_norm), nn.GELU the erf chain x·(1 + erf(x/√2))·0.5 (ONNX Gelu is
 * opset 20), F.linear a MatMul with the transposed weight plus an Add, qkv[i] a Gather, and the
 * relative position bias (a table lookup by constant indices) a folded [heads, N, N] constant.
 */
export function swin(opts: ZooOptions & { dim?: number; depths?: number[]; heads?: number[]; window?: number } = {}): Graph {
  const { size = 112, classes = 1000, dim = 48, depths = [2, 2, 2], heads = [2, 4, 8], window: ws = 7 } = opts;
  const n = new Net('swin', opts.seed ?? 7);
  const b = n.b;
  const f32 = (name: string, shape: number[], data: Float32Array) => b.constant(name, tensor('f32', shape, data));
  const scalar = (name: string, v: number) => f32(name, [], Float32Array.of(v));
  const linear = (name: string, x: string, cin: number, cout: number, bias = true) => {
    const y = b.op('matmul', [x, n.weight(`${name}.weight`, [cin, cout], Math.sqrt(1 / cin))], {}, bias ? `${name}.matmul` : name);
    return bias ? b.op('add', [y, n.uniform(`${name}.bias`, cout, -0.1, 0.1)], {}, name) : y;
  };
  const norm = (name: string, x: string, c: number) =>
    b.op('layer_norm', [x, n.uniform(`${name}.weight`, c, 0.8, 1.2), n.uniform(`${name}.bias`, c, -0.1, 0.1)], { axis: -1, epsilon: 1e-5 }, name);
  const gelu = (name: string, x: string) => {
    const e = b.op('erf', [b.op('div', [x, scalar(`${name}.sqrt2`, Math.SQRT2)], {}, `${name}.div`)], {}, `${name}.erf`);
    return b.op('mul', [b.op('mul', [x, b.op('add', [e, scalar(`${name}.one`, 1)], {}, `${name}.add`)], {}, `${name}.mul`), scalar(`${name}.half`, 0.5)], {}, name);
  };
  // torch.roll by `s` along dims 1 and 2: a slice+concat per dim
  const roll = (name: string, x: string, s: number, hw: number) => {
    for (const axis of [1, 2]) {
      const cut = ((-s % hw) + hw) % hw;
      const tail = b.op('slice', [x], { starts: [cut], ends: [hw], axes: [axis] }, `${name}.${axis}.tail`);
      const head = b.op('slice', [x], { starts: [0], ends: [cut], axes: [axis] }, `${name}.${axis}.head`);
      x = b.op('concat', [tail, head], { axis }, `${name}.${axis}`);
    }
    return x;
  };
  const N = ws * ws;
  let x = b.input('input', { dtype: 'f32', shape: [1, 3, size, size] });
  const w0 = n.weight('features.0.0.weight', [dim, 3, 4, 4], Math.sqrt(2 / 48));
  x = b.op('conv2d', [x, w0, n.uniform('features.0.0.bias', dim, -0.1, 0.1)], { strides: [4, 4] }, 'features.0.0');
  x = norm('features.0.2', b.op('transpose', [x], { perm: [0, 2, 3, 1] }, 'features.0.1'), dim);
  let hw = size / 4, c = dim;
  depths.forEach((depth, stage) => {
    const H = heads[stage]!, hd = c / H, nW = (hw / ws) ** 2;
    for (let blk = 0; blk < depth; blk++) {
      const p = `features.${2 * stage + 1}.${blk}`;
      const shift = blk % 2 === 1 && ws < hw ? ws >> 1 : 0;
      let h = norm(`${p}.norm1`, x, c);
      if (shift) h = roll(`${p}.roll`, h, -shift, hw);
      h = b.op('reshape', [h], { shape: [1, hw / ws, ws, hw / ws, ws, c] }, `${p}.attn.view`);
      h = b.op('reshape', [b.op('transpose', [h], { perm: [0, 1, 3, 2, 4, 5] }, `${p}.attn.partition`)], { shape: [nW, N, c] }, `${p}.attn.windows`);
      const qkv = b.op('transpose', [b.op('reshape', [linear(`${p}.attn.qkv`, h, c, 3 * c)], { shape: [nW, N, 3, H, hd] }, `${p}.attn.qkv.split`)], { perm: [2, 0, 3, 1, 4] }, `${p}.attn.qkv.heads`);
      const [q, k, v] = [0, 1, 2].map((i) => b.op('gather', [qkv, b.constant(`${p}.attn.idx${i}`, tensor('i64', [], BigInt64Array.of(BigInt(i))))], { axis: 0 }, `${p}.attn.${'qkv'[i]}`));
      const qs = b.op('mul', [q!, scalar(`${p}.attn.scale`, hd ** -0.5)], {}, `${p}.attn.q_scaled`);
      let attn = b.op('matmul', [qs, b.op('transpose', [k!], { perm: [0, 1, 3, 2] }, `${p}.attn.kT`)], {}, `${p}.attn.qk`);
      attn = b.op('add', [attn, n.weight(`${p}.attn.relative_position_bias`, [H, N, N], 0.02)], {}, `${p}.attn.bias`);
      if (shift) {
        attn = b.op('reshape', [attn], { shape: [1, nW, H, N, N] }, `${p}.attn.view_mask`);
        attn = b.op('add', [attn, f32(`${p}.attn.mask`, [1, nW, 1, N, N], shiftMask(hw, ws, shift))], {}, `${p}.attn.masked`);
        attn = b.op('reshape', [attn], { shape: [nW, H, N, N] }, `${p}.attn.unview_mask`);
      }
      attn = b.op('softmax', [attn], { axis: -1 }, `${p}.attn.softmax`);
      let o = b.op('transpose', [b.op('matmul', [attn, v!], {}, `${p}.attn.av`)], { perm: [0, 2, 1, 3] }, `${p}.attn.merge`);
      o = linear(`${p}.attn.proj`, b.op('reshape', [o], { shape: [nW, N, c] }, `${p}.attn.merged`), c, c);
      o = b.op('reshape', [o], { shape: [1, hw / ws, hw / ws, ws, ws, c] }, `${p}.attn.unwindow`);
      o = b.op('reshape', [b.op('transpose', [o], { perm: [0, 1, 3, 2, 4, 5] }, `${p}.attn.reverse`)], { shape: [1, hw, hw, c] }, `${p}.attn.out`);
      if (shift) o = roll(`${p}.unroll`, o, shift, hw);
      x = n.add(x, o, `${p}.res1`);
      const m = linear(`${p}.mlp.2`, gelu(`${p}.mlp.1`, linear(`${p}.mlp.0`, norm(`${p}.norm2`, x, c), c, 4 * c)), 4 * c, c);
      x = n.add(x, m, `${p}.res2`);
    }
    if (stage < depths.length - 1) {
      const p = `features.${2 * stage + 2}`;
      const parts = [[0, 0], [1, 0], [0, 1], [1, 1]].map(([i, j]) =>
        b.op('slice', [x], { starts: [i!, j!], ends: [hw, hw], axes: [1, 2], steps: [2, 2] }, `${p}.x${2 * j! + i!}`));
      x = linear(`${p}.reduction`, norm(`${p}.norm`, b.op('concat', parts, { axis: -1 }, `${p}.cat`), 4 * c), 4 * c, 2 * c, false);
      hw /= 2;
      c *= 2;
    }
  });
  x = b.op('transpose', [norm('norm', x, c)], { perm: [0, 3, 1, 2] }, 'permute');
  return n.classifier(x, c, classes);
}

/** Swin's shifted-window mask [1, nW, 1, N, N]: -100 between tokens that came from different regions. */
function shiftMask(hw: number, ws: number, shift: number): Float32Array {
  const region = (i: number) => (i < hw - ws ? 0 : i < hw - shift ? 1 : 2);
  const nw = hw / ws, N = ws * ws, out = new Float32Array(nw * nw * N * N);
  for (let wy = 0; wy < nw; wy++)
    for (let wx = 0; wx < nw; wx++)
      for (let a = 0; a < N; a++)
        for (let c = 0; c < N; c++) {
          const ra = region(wy * ws + Math.floor(a / ws)) * 3 + region(wx * ws + (a % ws));
          const rc = region(wy * ws + Math.floor(c / ws)) * 3 + region(wx * ws + (c % ws));
          out[((wy * nw + wx) * N + a) * N + c] = ra === rc ? 0 : -100;
        }
  return out;
}

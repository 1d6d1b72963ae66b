// Full-size benchmark models built in code with seeded random weights: a ResNet-18 and a
// MobileNetV2 (torchvision layer shapes), with batch_norm nodes left in so BN folding has work.
// Weights are He-initialised (std sqrt(2/fan_in)) so activations stay finite through the depth;
// BN statistics are perturbed away from 0/1 (as in the fixtures) so folding changes the weights.
import { GraphBuilder, tensor, type Graph, type Tensor } from '../../src/ir/index.js';

export interface ZooOptions {
  /** Input height and width (default 224). */
  size?: number;
  /** Classifier outputs (default 1000). */
  classes?: number;
  seed?: number;
}

import { mulberry32 } from '../../src/util/prng.js';
export { mulberry32 };

/** Fills `out` with standard normal samples times `std` (Box-Muller over mulberry32, both outputs used). */
export function fillNormal(rand: () => number, out: Float32Array, std: number): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand())) * std, t = 2 * Math.PI * rand();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** A 1x3xSxS input of standard normal values. */
export function randomInput(size = 224, seed = 5000): Tensor {
  return tensor('f32', [1, 3, size, size], fillNormal(mulberry32(seed), new Float32Array(3 * size * size), 1));
}

/** Graph-building helpers bound to one builder and one random stream. */
export class Net {
  readonly b: GraphBuilder;
  private readonly rand: () => number;

  constructor(name: string, seed: number) {
    this.b = new GraphBuilder(name);
    this.rand = mulberry32(seed);
  }

  weight(name: string, shape: number[], std: number): string {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.b.constant(name, tensor('f32', shape, fillNormal(this.rand, new Float32Array(n), std)));
  }

  uniform(name: string, n: number, lo: number, hi: number): string {
    return this.b.constant(name, tensor('f32', [n], Float32Array.from({ length: n }, () => lo + (hi - lo) * this.rand())));
  }

  /** conv2d (no bias, as torchvision convs before BN) then batch_norm. */
  convBn(name: string, x: string, cin: number, cout: number, k: number, stride: number, group = 1): string {
    const w = this.weight(`${name}.weight`, [cout, cin / group, k, k], Math.sqrt(2 / ((cin / group) * k * k)));
    const p = (k - 1) >> 1;
    const y = this.b.op('conv2d', [x, w], { strides: [stride, stride], pads: [p, p, p, p], group }, name);
    const bn = [
      this.uniform(`${name}.bn.scale`, cout, 0.5, 1.5),
      this.uniform(`${name}.bn.bias`, cout, -0.25, 0.25),
      this.uniform(`${name}.bn.mean`, cout, -0.1, 0.1),
      this.uniform(`${name}.bn.var`, cout, 0.75, 1.25),
    ];
    return this.b.op('batch_norm', [y, ...bn], {}, `${name}.bn`);
  }

  /** conv2d with a bias and no batch_norm (squeeze-excite's 1x1 convolutions). */
  convBias(name: string, x: string, cin: number, cout: number): string {
    const w = this.weight(`${name}.weight`, [cout, cin, 1, 1], Math.sqrt(2 / cin));
    return this.b.op('conv2d', [x, w, this.uniform(`${name}.bias`, cout, -0.1, 0.1)], {}, name);
  }

  /** batch_norm with perturbed statistics on its own (e.g. after a concat, where it cannot fold). */
  bn(name: string, x: string, c: number): string {
    const p = [this.uniform(`${name}.scale`, c, 0.5, 1.5), this.uniform(`${name}.bias`, c, -0.25, 0.25), this.uniform(`${name}.mean`, c, -0.1, 0.1), this.uniform(`${name}.var`, c, 0.75, 1.25)];
    return this.b.op('batch_norm', [x, ...p], {}, name);
  }

  /** SiLU as two ops, x · sigmoid(x) (how torch.onnx exports nn.SiLU). */
  silu = (x: string, name: string) => this.b.op('mul', [x, this.b.op('sigmoid', [x], {}, `${name}.sigmoid`)], {}, name);
  maxpoolCeil = (x: string, name: string) => this.b.op('maxpool2d', [x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: true }, name);
  relu = (x: string, name: string) => this.b.op('relu', [x], {}, name);
  relu6 = (x: string, name: string) => this.b.op('clip', [x], { min: 0, max: 6 }, name);
  add = (x: string, y: string, name: string) => this.b.op('add', [x, y], {}, name);

  /** global_avgpool, flatten, Linear (gemm with a [classes, features] weight, as torch stores it). */
  classifier(x: string, features: number, classes: number): Graph {
    const pooled = this.b.op('global_avgpool', [x], {}, 'avgpool');
    const flat = this.b.op('flatten', [pooled], {}, 'flatten');
    const w = this.weight('fc.weight', [classes, features], Math.sqrt(1 / features));
    const bias = this.uniform('fc.bias', classes, -0.1, 0.1);
    return this.b.output(this.b.op('gemm', [flat, w, bias], { trans_b: true }, 'fc')).build();
  }
}

/** ResNet-18: 7x7 stem, max pool, 4 stages of 2 BasicBlocks (64..512 wide), classifier. */
export function resnet18(opts: ZooOptions = {}): Graph {
  const { size = 224, classes = 1000, seed = 18 } = opts;
  const n = new Net('resnet18', seed);
  let x = n.b.input('input', { dtype: 'f32', shape: [1, 3, size, size] });
  x = n.relu(n.convBn('conv1', x, 3, 64, 7, 2), 'relu');
  x = n.b.op('maxpool2d', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool');
  let cin = 64;
  [64, 128, 256, 512].forEach((width, stage) => {
    for (let blk = 0; blk < 2; blk++) {
      const p = `layer${stage + 1}.${blk}`, stride = stage > 0 && blk === 0 ? 2 : 1;
      const h = n.relu(n.convBn(`${p}.conv1`, x, cin, width, 3, stride), `${p}.relu1`);
      const y = n.convBn(`${p}.conv2`, h, width, width, 3, 1);
      const identity = stride !== 1 || cin !== width ? n.convBn(`${p}.downsample`, x, cin, width, 1, stride) : x;
      x = n.relu(n.add(y, identity, `${p}.add`), `${p}.relu2`);
      cin = width;
    }
  });
  return n.classifier(x, 512, classes);
}

// torchvision's inverted residual settings: expand ratio t, output channels c, repeats n, first stride s.
const MOBILENET_V2: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** MobileNetV2: inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 project) with relu6 = clip 0..6. */
export function mobilenetV2(opts: ZooOptions = {}): Graph {
  const { size = 224, classes = 1000, seed = 2 } = opts;
  const n = new Net('mobilenet_v2', seed);
  let x = n.b.input('input', { dtype: 'f32', shape: [1, 3, size, size] });
  x = n.relu6(n.convBn('features.0', x, 3, 32, 3, 2), 'features.0.relu6');
  let cin = 32, idx = 1;
  for (const [t, c, reps, s] of MOBILENET_V2) {
    for (let r = 0; r < reps; r++, idx++) {
      const p = `features.${idx}`, stride = r === 0 ? s : 1, hidden = cin * t;
      let h = x;
      if (t !== 1) h = n.relu6(n.convBn(`${p}.expand`, h, cin, hidden, 1, 1), `${p}.expand.relu6`);
      h = n.relu6(n.convBn(`${p}.dw`, h, hidden, hidden, 3, stride, hidden), `${p}.dw.relu6`);
      h = n.convBn(`${p}.project`, h, hidden, c, 1, 1);
      x = stride === 1 && cin === c ? n.add(x, h, `${p}.add`) : h;
      cin = c;
    }
  }
  x = n.relu6(n.convBn(`features.${idx}`, x, cin, 1280, 1, 1), `features.${idx}.relu6`);
  return n.classifier(x, 1280, classes);
}

/**
 * A small SE/ceil-mode network of the families that left float islands in int8 builds
 * (MobileNetV3/EfficientNet blocks, SqueezeNet/GoogLeNet pools and concats): SiLU, squeeze-excite
 * gates (global pool, 1x1 convs, relu, hardsigmoid, channel multiply), ceil-mode max pools, and a
 * concat of two branches followed by a batch_norm that cannot fold.
 */
export function seNet(opts: ZooOptions = {}): Graph {
  const { size = 224, classes = 1000, seed = 3 } = opts;
  const n = new Net('se_net', seed);
  let x = n.b.input('input', { dtype: 'f32', shape: [1, 3, size, size] });
  x = n.silu(n.convBn('stem', x, 3, 16, 3, 2), 'stem.silu');
  x = n.maxpoolCeil(x, 'stem.pool');
  let cin = 16;
  [24, 40, 80].forEach((c, i) => {
    const p = `block${i + 1}`, hidden = cin * 4;
    let h = n.silu(n.convBn(`${p}.expand`, x, cin, hidden, 1, 1), `${p}.expand.silu`);
    h = n.silu(n.convBn(`${p}.dw`, h, hidden, hidden, 3, 1, hidden), `${p}.dw.silu`);
    // squeeze-excite: per-channel gate in [0, 1] from the pooled features
    const s = n.b.op('global_avgpool', [h], {}, `${p}.se.pool`);
    const r = n.relu(n.convBias(`${p}.se.reduce`, s, hidden, hidden / 4), `${p}.se.relu`);
    const gate = n.b.op('hardsigmoid', [n.convBias(`${p}.se.expand`, r, hidden / 4, hidden)], { alpha: 1 / 6, beta: 0.5 }, `${p}.se.gate`);
    h = n.b.op('mul', [h, gate], {}, `${p}.se.scale`);
    // two projections concatenated, then a batch_norm over the concat (not foldable) and a ceil-mode pool
    const a = n.convBn(`${p}.proj_a`, h, hidden, c / 2, 1, 1), b = n.convBn(`${p}.proj_b`, h, hidden, c / 2, 3, 1);
    const cat = n.b.op('concat', [a, b], { axis: 1 }, `${p}.cat`);
    x = n.maxpoolCeil(n.relu(n.bn(`${p}.cat.bn`, cat, c), `${p}.relu`), `${p}.pool`);
    cin = c;
  });
  return n.classifier(x, cin, classes);
}

/**
 * DenseNet (torchvision's DenseNet-121 structure at bench size: fewer, narrower layers): every
 * layer of a dense block reads the concat of all earlier outputs through a pre-activation
 * BN-ReLU-conv1x1-BN-ReLU-conv3x3 bottleneck. The first BN of each layer (after a concat, before
 * its relu) cannot fold into a conv; the second follows conv1x1 directly and folds. Transitions:
 * BN-ReLU-conv1x1 (halving the channels), 2x2 average pool.
 */
export function densenet(opts: ZooOptions & { growth?: number; blocks?: number[] } = {}): Graph {
  const { size = 128, classes = 1000, seed = 121, growth = 16, blocks = [4, 6, 4] } = opts;
  const n = new Net('densenet', seed);
  const bottleneck = growth * 4;
  let x = n.b.input('input', { dtype: 'f32', shape: [1, 3, size, size] });
  x = n.relu(n.convBn('features.conv0', x, 3, 32, 7, 2), 'features.relu0');
  x = n.b.op('maxpool2d', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'features.pool0');
  let c = 32;
  const conv = (name: string, h: string, cin: number, cout: number, k: number) => {
    const p = (k - 1) >> 1;
    return n.b.op('conv2d', [h, n.weight(`${name}.weight`, [cout, cin, k, k], Math.sqrt(2 / (cin * k * k)))], { pads: [p, p, p, p] }, name);
  };
  blocks.forEach((layers, bi) => {
    const features = [x];
    for (let l = 0; l < layers; l++) {
      const p = `features.denseblock${bi + 1}.denselayer${l + 1}`;
      const cin = c + l * growth;
      const cat = features.length === 1 ? features[0]! : n.b.op('concat', [...features], { axis: 1 }, `${p}.cat`);
      const h = conv(`${p}.conv1`, n.relu(n.bn(`${p}.norm1`, cat, cin), `${p}.relu1`), cin, bottleneck, 1);
      features.push(conv(`${p}.conv2`, n.relu(n.bn(`${p}.norm2`, h, bottleneck), `${p}.relu2`), bottleneck, growth, 3));
    }
    c += layers * growth;
    x = n.b.op('concat', features, { axis: 1 }, `features.denseblock${bi + 1}.cat`);
    if (bi < blocks.length - 1) {
      const p = `features.transition${bi + 1}`;
      x = conv(`${p}.conv`, n.relu(n.bn(`${p}.norm`, x, c), `${p}.relu`), c, c / 2, 1);
      x = n.b.op('avgpool2d', [x], { kernel_shape: [2, 2], strides: [2, 2] }, `${p}.pool`);
      c /= 2;
    }
  });
  x = n.relu(n.bn('features.norm5', x, c), 'features.relu5');
  return n.classifier(x, c, classes);
}

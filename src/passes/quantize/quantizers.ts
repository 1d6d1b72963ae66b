// The built-in quantizers, written in the same config format users write (spec/quantizers/), and
// resolution of a `quantizer=` value: a built-in name or a path to a JSON config.
// Where each default comes from is in the comments; the README's "Quantizers" section sums them up.
import { existsSync } from 'node:fs';
import { fail } from '../../diagnostics/index.js';
import { suggestion } from '../../util/suggest.js';
import type { QuantizerConfig, RuleConfig } from './config-types.js';
import { mergeConfig, readConfigFile } from './config.js';
import { getQuantizer, quantizerNames, registerQuantizer, type Quantizer } from './quantizer.js';
import { RuleQuantizer } from './rules.js';

/** PT2E quantizers pass eps = 2^-12 to every observer (pt2e-semantics.md §3). */
const PT2E_EPS = 2 ** -12;
/**
 * The int32 bias of the integer kernels: scale = scale(input) · scale(weight)[c], zero point 0.
 * The PT2E-named quantizers (xnnpack, x86) keep it in their specs for configs that extend them
 * but leave the bias float as PT2E does; lower-quantized then makes the same int32 bias.
 */
const BIAS = { derived: { from: ['0', '1'] as [string, string] } };
/**
 * nn.Linear on an N-D input as ONNX exports it (MatMul + Add of a constant bias): one linear, no
 * q/dq between the matmul and the bias add (the bias stays float).
 */
const ND_LINEAR: RuleConfig[] = [
  { match: ['matmul', 'add', 'relu'], when: ['constant:b', 'constant:add.other'], inputs: { a: 'act', b: 'weight' }, output: 'act', comment: 'linear_relu, N-D input' },
  { match: ['matmul', 'add'], when: ['constant:b', 'constant:add.other'], inputs: { a: 'act', b: 'weight' }, output: 'act', comment: 'linear, N-D input' },
];

/**
 * conv1d as the importer lifts it (reshape → conv2d → reshape): one conv, observed before the
 * first reshape and after the last — no q/dq of their own for the reshapes (a per-tensor
 * quantize commutes with a reshape; lower-quantized moves q/dq back to the conv2d).
 */
const CONV1D: RuleConfig[] = [
  { match: ['reshape', 'conv2d', 'reshape', 'relu'], inputs: { x: 'act', 'conv2d.w': 'weight' }, output: 'act', comment: 'conv1d_relu' },
  { match: ['reshape', 'conv2d', 'reshape'], inputs: { x: 'act', 'conv2d.w': 'weight' }, output: 'act', comment: 'conv1d' },
];

/** Bounded-output ops and their fixed-qparams spec names. */
const FIXED_RULES: RuleConfig[] = [
  { match: ['sigmoid|hardsigmoid|softmax'], inputs: { x: 'act' }, output: 'fixed_0to1', comment: 'output in [0, 1]: scale 1/256' },
  { match: ['tanh'], inputs: { x: 'act' }, output: 'fixed_neg1to1', comment: 'output in [-1, 1]: scale 2/256' },
];

/**
 * XNNPACKQuantizer with get_symmetric_quantization_config(is_per_channel=True): int8 affine
 * activations [-128, 127] (HistogramObserver), int8 symmetric per-channel weights [-127, 127]
 * (axis = output channel), eps 2^-12. Rule order follows its STATIC_OPS list, then
 * propagate_annotation. The bias stays fp32 as in PT2E (the lowering quantizes it to int32).
 * Difference: sigmoid/tanh/softmax/hardsigmoid get fixed qparams (PyTorch leaves them to other
 * quantizers).
 */
const XNNPACK: QuantizerConfig = {
  name: 'xnnpack',
  description: 'PyTorch XNNPACKQuantizer (static, per-channel): i8 activations, i8 symmetric per-channel weights [-127,127], fp32 bias',
  specs: {
    act: { dtype: 'i8', scheme: 'affine', observer: 'histogram', eps: PT2E_EPS, bins: 2048, upsampleRate: 16 },
    weight: { dtype: 'i8', qmin: -127, qmax: 127, scheme: 'symmetric', granularity: 'per-channel', axis: 'out', observer: 'minmax', eps: PT2E_EPS },
    bias: BIAS,
    fixed_0to1: { dtype: 'i8', fixed: '0to1' },
    fixed_neg1to1: { dtype: 'i8', fixed: 'neg1to1' },
  },
  rules: [
    { match: ['gemm', 'relu'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' }, output: 'act', comment: 'linear_relu' },
    { match: ['gemm'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' }, output: 'act', comment: 'linear' },
    ...ND_LINEAR,
    { match: ['matmul', 'relu'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' }, output: 'act' },
    { match: ['matmul'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' }, output: 'act' },
    { match: ['matmul'], inputs: { a: 'act', b: 'act' }, output: 'act', comment: 'activation x activation' },
    ...CONV1D,
    { match: ['conv2d', 'batch_norm?', 'relu'], inputs: { x: 'act', w: 'weight' }, output: 'act', comment: 'conv_relu (batch_norm only if not folded)' },
    { match: ['conv2d', 'batch_norm?'], inputs: { x: 'act', w: 'weight' }, output: 'act', comment: 'conv' },
    { match: ['conv_transpose2d', 'batch_norm?', 'relu'], inputs: { x: 'act', w: 'weight' }, output: 'act', comment: 'conv_transpose_relu' },
    { match: ['conv_transpose2d', 'batch_norm?'], inputs: { x: 'act', w: 'weight' }, output: 'act', comment: 'conv_transpose' },
    { match: ['global_avgpool'], when: ['observed:x'], inputs: { x: { share: 'producer:x' } }, output: { share: 'x' }, comment: 'adaptive_avg_pool2d after a quantized op' },
    { match: ['global_avgpool'], inputs: { x: 'act' }, output: { share: 'x' }, comment: 'adaptive_avg_pool2d' },
    { match: ['maxpool2d|avgpool2d'], when: ['observed:x'], inputs: { x: 'act' }, output: { share: 'x' }, comment: 'max_pool2d (pytorch copy): only after a quantized op' },
    { match: ['add', 'relu'], when: ['no-large-scalar:*'], inputs: { '*': 'act' }, output: 'act', comment: 'add_relu' },
    { match: ['add'], when: ['no-large-scalar:*'], inputs: { '*': 'act' }, output: 'act' },
    { match: ['mul', 'relu'], when: ['no-large-scalar:*'], inputs: { '*': 'act' }, output: 'act', comment: 'mul_relu' },
    { match: ['mul'], when: ['no-large-scalar:*'], inputs: { '*': 'act' }, output: 'act' },
    { match: ['concat'], inputs: { 'xs[0]': 'act', 'xs[1:]': { share: 'xs[0]' } }, output: { share: 'xs[0]' }, comment: 'cat: one qparam set' },
    ...FIXED_RULES,
    {
      match: ['clip|reduce_mean|transpose|squeeze|unsqueeze|reshape|flatten|slice|relu|maxpool2d|avgpool2d|global_avgpool'],
      when: ['observed:x'],
      inputs: { x: { share: 'producer:x' } },
      output: { share: 'producer:x' },
      comment: 'propagate_annotation: keep the producer qparams',
    },
  ],
};

/**
 * X86InductorQuantizer static config: u8 affine activations [0, 255] (HistogramObserver), i8
 * symmetric per-channel weights [-128, 127], eps 2^-12. Conv/linear outputs get no output spec:
 * the next consumer quantizes its input edge. For conv + add the extra add operand is annotated
 * too; for linear + add it is not (its test_linear_binary). Int8-in-int8-out ops are annotated
 * only when all inputs come from quantized patterns; flatten only when it feeds a quantizable op.
 * The bias stays fp32 as in PT2E; activation × activation matmul is left out as in its default
 * op set.
 */
const X86_QUANTIZABLE = 'conv2d|conv_transpose2d|gemm|matmul|concat|maxpool2d|avgpool2d|global_avgpool|flatten|add|mul';
const X86: QuantizerConfig = {
  name: 'x86',
  description: 'PyTorch X86InductorQuantizer (static): u8 activations, i8 symmetric per-channel weights, fp32 bias',
  specs: {
    act: { dtype: 'u8', scheme: 'affine', observer: 'histogram', eps: PT2E_EPS, bins: 2048, upsampleRate: 16 },
    weight: { dtype: 'i8', scheme: 'symmetric', granularity: 'per-channel', axis: 'out', observer: 'minmax', eps: PT2E_EPS },
    bias: BIAS,
  },
  rules: [
    { match: ['conv2d', 'batch_norm?', 'add', 'relu'], inputs: { x: 'act', w: 'weight', 'add.other': 'act' } },
    { match: ['conv2d', 'batch_norm?', 'add'], inputs: { x: 'act', w: 'weight', 'add.other': 'act' } },
    { match: ['conv2d', 'batch_norm?', 'relu|clip|hardswish'], inputs: { x: 'act', w: 'weight' } },
    // Beyond X86InductorQuantizer (its conv + SiLU applies SiLU to the conv's float result): the
    // conv result and the SiLU output are quantized, so the conv is integer and SiLU one table.
    { match: ['conv2d', 'batch_norm?', 'silu'], inputs: { x: 'act', w: 'weight', 'sigmoid.x': 'act', 'mul.other': { share: 'sigmoid.x' } }, output: 'act', comment: 'conv + SiLU: beyond X86InductorQuantizer' },
    { match: ['reshape', 'conv2d', 'reshape'], inputs: { x: 'act', 'conv2d.w': 'weight' }, comment: 'conv1d' },
    { match: ['conv2d', 'batch_norm?'], inputs: { x: 'act', w: 'weight' } },
    // Beyond X86InductorQuantizer (it leaves ConvTranspose2d in float): conv_transpose2d like
    // conv2d, weights per output channel (axis 1) when group = 1, else per tensor.
    { match: ['conv_transpose2d', 'batch_norm?', 'relu|clip|hardswish'], inputs: { x: 'act', w: 'weight' }, comment: 'beyond X86InductorQuantizer' },
    { match: ['conv_transpose2d', 'batch_norm?'], inputs: { x: 'act', w: 'weight' }, comment: 'beyond X86InductorQuantizer' },
    { match: ['gemm', 'add', 'relu'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' } },
    { match: ['gemm', 'add'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' } },
    { match: ['gemm', 'relu|leaky_relu|tanh|gelu'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' } },
    { match: ['gemm'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' } },
    { match: ['matmul', 'add', 'relu|leaky_relu|tanh|gelu'], when: ['constant:b', 'constant:add.other'], inputs: { a: 'act', b: 'weight' }, comment: 'linear + unary, N-D input' },
    { match: ['matmul', 'add'], when: ['constant:b', 'constant:add.other'], inputs: { a: 'act', b: 'weight' }, comment: 'linear, N-D input' },
    { match: ['matmul', 'relu|leaky_relu|tanh|gelu'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' }, comment: 'linear (no bias) + unary, N-D input' },
    { match: ['matmul'], when: ['constant:b'], inputs: { a: 'act', b: 'weight' }, comment: 'linear (no bias), N-D input' },
    { match: ['mul'], when: ['same-shape'], inputs: { '*': 'act' } },
    // Beyond X86InductorQuantizer (it leaves both in float): a sigmoid/hardsigmoid gate read by a
    // mul, after a quantized op, becomes a table; a mul of two quantized results (the
    // squeeze-excite channel scale, broadcast) becomes a qmul.
    { match: ['sigmoid|hardsigmoid'], when: ['quantized:x', 'feeds:mul'], inputs: { x: 'act' }, output: 'act', comment: 'gate: beyond X86InductorQuantizer' },
    { match: ['mul'], when: ['quantized:*'], inputs: { '*': 'act' }, comment: 'gated mul: beyond X86InductorQuantizer' },
    { match: ['maxpool2d|avgpool2d|global_avgpool'], when: ['quantized:x'], inputs: { x: 'act' }, output: { share: 'x' }, comment: 'int8-in-int8-out' },
    { match: ['flatten'], when: ['quantized:x', `feeds:${X86_QUANTIZABLE}`], inputs: { x: 'act' }, output: { share: 'x' }, comment: 'int8-in-int8-out when a user is quantizable' },
    { match: ['concat'], when: ['quantized:xs'], inputs: { 'xs[0]': 'act', 'xs[1:]': { share: 'xs[0]' } }, output: { share: 'xs[0]' } },
  ],
};

/**
 * get_default_x86_inductor_quantization_config(is_dynamic=True): the linear layers only, their
 * input quantized at run time (u8 affine [0, 255], eps 2^-12: choose_qparams → quantize →
 * dequantize in the graph, one choose_qparams per activation however many linears read it),
 * i8 symmetric per-channel weights; no output specs.
 */
const X86_DYNAMIC: QuantizerConfig = {
  name: 'x86-dynamic',
  extends: 'x86',
  description: 'PyTorch X86InductorQuantizer, dynamic: linear inputs quantized at run time (u8), i8 symmetric per-channel weights',
  specs: { act: { dtype: 'u8', scheme: 'affine', dynamic: true, eps: PT2E_EPS } },
  dropRules: ['conv2d', 'conv_transpose2d', 'reshape', 'mul', 'maxpool2d', 'avgpool2d', 'global_avgpool', 'flatten', 'concat'],
};

/**
 * The torch 1.13 FX flow the fixtures were made with (prepare_fx + get_native_backend_config,
 * QNNPACK): u8 affine MinMax activations [0, 255] with eps 2^-23, per-channel symmetric i8
 * weights [-128, 127] on axis 0 (output channel), per-tensor symmetric weights for
 * conv-transpose (1.13 has no per-channel conv-transpose), tanh fixed 2/256 zero point 128,
 * sigmoid/hardsigmoid/softmax fixed 1/256. Fusions: conv(+bn)+relu, linear+relu, add+relu,
 * mul+relu; conv-transpose+relu is not fused. Share-qparams ops (pools, flatten, reshape,
 * relu6/hardtanh, standalone relu, identity) use their input's observer.
 */
const PYTORCH_FX: QuantizerConfig = {
  name: 'pytorch-fx',
  description: 'torch 1.13 FX post-training quantization (qnnpack): u8 MinMax activations, i8 per-channel symmetric weights',
  specs: {
    act: { dtype: 'u8', scheme: 'affine', observer: 'minmax' },
    weight: { dtype: 'i8', scheme: 'symmetric', granularity: 'per-channel', axis: 'out', observer: 'minmax' },
    weight_per_tensor: { dtype: 'i8', scheme: 'symmetric', observer: 'minmax' },
    bias: BIAS,
    fixed_0to1: { dtype: 'u8', fixed: '0to1' },
    fixed_neg1to1: { dtype: 'u8', fixed: 'neg1to1' },
  },
  rules: [
    { match: ['conv2d', 'batch_norm?', 'relu'], inputs: { x: 'act', w: 'weight', b: 'bias' }, output: 'act', comment: 'ConvReLU2d' },
    { match: ['conv2d', 'batch_norm?'], inputs: { x: 'act', w: 'weight', b: 'bias' }, output: 'act' },
    { match: ['conv_transpose2d', 'batch_norm?'], inputs: { x: 'act', w: 'weight_per_tensor', b: 'bias' }, output: 'act', comment: 'no relu fusion in 1.13' },
    { match: ['gemm', 'relu'], when: ['constant:b'], inputs: { a: 'act', b: 'weight', c: 'bias' }, output: 'act', comment: 'LinearReLU' },
    { match: ['gemm'], when: ['constant:b'], inputs: { a: 'act', b: 'weight', c: 'bias' }, output: 'act' },
    { match: ['add|mul', 'relu'], inputs: { '*': 'act' }, output: 'act', comment: 'quantized::add_relu / mul_relu' },
    { match: ['add|mul'], inputs: { '*': 'act' }, output: 'act' },
    { match: ['concat'], inputs: { 'xs[0]': 'act', 'xs[1:]': { share: 'xs[0]' } }, output: { share: 'xs[0]' } },
    ...FIXED_RULES,
    {
      match: ['maxpool2d|avgpool2d|global_avgpool|flatten|reshape|transpose|squeeze|unsqueeze|identity|relu|clip'],
      inputs: { x: 'act' },
      output: { share: 'x' },
      comment: 'share-qparams ops: the output uses the input observer',
    },
  ],
};

/** The same with HistogramObserver activations (bins 2048, upsample rate 128: torch 1.13). */
const PYTORCH_FX_HISTOGRAM: QuantizerConfig = {
  name: 'pytorch-fx-histogram',
  extends: 'pytorch-fx',
  description: 'pytorch-fx with HistogramObserver activations (torch 1.13: 2048 bins, upsample rate 128)',
  specs: { act: { dtype: 'u8', scheme: 'affine', observer: 'histogram', bins: 2048, upsampleRate: 128 } },
};

const CONFIGS = new Map<string, QuantizerConfig>();

function addBuiltin(c: QuantizerConfig): void {
  const full = c.extends ? mergeConfig(CONFIGS.get(c.extends)!, c) : c;
  CONFIGS.set(c.name, full);
  registerQuantizer(new RuleQuantizer(full, `built-in quantizer '${c.name}'`));
}
[XNNPACK, X86, X86_DYNAMIC, PYTORCH_FX, PYTORCH_FX_HISTOGRAM].forEach(addBuiltin);

/** A built-in quantizer's config (with `extends` resolved), e.g. to start a custom one from. */
export const builtinConfig = (name: string): QuantizerConfig | undefined => CONFIGS.get(name);

/** A quantizer by built-in name (xnnpack, x86, x86-dynamic, pytorch-fx, pytorch-fx-histogram, or one registered) or by JSON config path. */
export function resolveQuantizer(nameOrPath: string): Quantizer {
  const q = getQuantizer(nameOrPath);
  if (q) return q;
  if (nameOrPath.endsWith('.json') || existsSync(nameOrPath)) {
    const cfg = readConfigFile(nameOrPath);
    if (!cfg.extends) return new RuleQuantizer(cfg, nameOrPath);
    const base = CONFIGS.get(cfg.extends);
    if (!base) fail('QUANT_CONFIG', `${nameOrPath}: extends '${cfg.extends}', which is not a built-in quantizer`, { hint: suggestion(cfg.extends, [...CONFIGS.keys()], 'built-in quantizers') });
    return new RuleQuantizer(mergeConfig(base, cfg), nameOrPath);
  }
  fail('QUANT_CONFIG', `unknown quantizer '${nameOrPath}'`, { hint: `${suggestion(nameOrPath, quantizerNames(), 'quantizers')}, or a path to a .json config` });
}

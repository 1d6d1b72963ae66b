// The whole ONNX backend test suite (Debian's libonnx-testdata: node/, pytorch-converted/,
// pytorch-operator/, simple/) through import + interpreter, as `qforge onnx-test` runs it: no test
// may fail, every unsupported one must be stopped by a documented limit, and no op that typical
// CNN, MLP or transformer exports (or onnxruntime's quantizer) use may be among them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findTests, runCase, summarize, type CaseResult } from '../../src/ir/onnx/conformance.js';

const DATA = '/usr/share/libonnx-testdata/data';
const FOLDERS = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'];

// What may stop a test, and why. A new entry needs a reason users can accept.
const TRAINING = 'training-only';
const CONTROL = 'control flow, sequences or optionals (qforge graphs are static dataflow over tensors)';
const DYNAMIC = 'result shape depends on the data (qforge needs static shapes)';
const RARE = 'not used by typical CNN / MLP / transformer exports';
const TYPE = 'element type qforge does not hold (float16, bfloat16, string, uint32, uint64)';
const ALLOWED: Record<string, string> = {
  NegativeLogLikelihoodLoss: TRAINING, SoftmaxCrossEntropyLoss: TRAINING, 'Dropout: training-mode Dropout': TRAINING,
  'BatchNormalization: training_mode = 1': TRAINING, Bernoulli: 'random', RandomUniformLike: 'random',
  'ai.onnx.preview.training.Momentum': TRAINING, 'ai.onnx.preview.training.Adagrad': TRAINING,
  'ai.onnx.preview.training.Adam': TRAINING, 'ai.onnx.preview.training.Gradient': TRAINING,
  Loop: CONTROL, If: CONTROL, Scan: CONTROL, SequenceEmpty: CONTROL, SequenceLength: CONTROL, SequenceMap: CONTROL,
  SequenceAt: CONTROL, SequenceConstruct: CONTROL, SequenceInsert: CONTROL, SequenceErase: CONTROL, SplitToSequence: CONTROL,
  ConcatFromSequence: CONTROL, OptionalGetElement: CONTROL, OptionalHasElement: CONTROL, 'type sequence': CONTROL, 'type optional': CONTROL,
  NonMaxSuppression: DYNAMIC, Unique: DYNAMIC, Compress: DYNAMIC, NonZero: DYNAMIC,
  'QuantizeLinear: scale computed at run time': 'scale and zero point must be constants (DynamicQuantizeLinear covers run-time ones)',
  'Conv: 3-D Conv': '3 spatial dims', 'ConvTranspose: 3-D ConvTranspose': '3 spatial dims',
  'MaxPool: 3-D MaxPool': '3 spatial dims', 'AveragePool: 3-D AveragePool': '3 spatial dims', 'MaxPool: the Indices output': RARE,
  MaxUnpool: RARE, BitShift: RARE, GridSample: RARE, RoiAlign: RARE, ReverseSequence: RARE, Det: RARE,
  GRU: 'recurrent', LSTM: 'recurrent', RNN: 'recurrent',
  StringNormalizer: 'strings', TfIdfVectorizer: 'strings',
  DFT: 'signal processing', STFT: 'signal processing', BlackmanWindow: 'signal processing', HammingWindow: 'signal processing',
  HannWindow: 'signal processing', MelWeightMatrix: 'signal processing',
  'type float16': TYPE, 'type bfloat16': TYPE, 'type string': TYPE, 'type uint32': TYPE, 'type uint64': TYPE,
};

// ONNX ops of typical CNN / MLP / transformer exports and of onnxruntime's quantizer output.
const TYPICAL = [
  'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization', 'InstanceNormalization',
  'LayerNormalization', 'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu', 'Softplus', 'Clip', 'Erf',
  'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Softmax', 'LogSoftmax',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceLogSumExp', 'ArgMax', 'ArgMin', 'TopK', 'CumSum',
  'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements', 'GatherND',
  'ScatterND', 'Pad', 'Expand', 'Tile', 'Shape', 'Cast', 'CastLike', 'Constant', 'ConstantOfShape', 'Range', 'Identity', 'Dropout',
  'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Where', 'Trilu', 'Einsum', 'Sin', 'Cos', 'Sign', 'Round',
  'Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth',
  'QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'DynamicQuantizeLinear',
];

// Passing tests when this suite was written: a regression guard (more may pass as ops are added).
const PASS_FLOOR: Record<string, number> = { node: 672, 'pytorch-converted': 69, 'pytorch-operator': 35, simple: 7 };

const results = new Map<string, CaseResult[]>();

describe.skipIf(!existsSync(DATA))('ONNX backend test suite', () => {
  beforeAll(() => {
    for (const f of FOLDERS) results.set(f, findTests([join(DATA, f)]).map(runCase));
    const rows = FOLDERS.map((f) => {
      const s = summarize(results.get(f)!);
      return `${f.padEnd(18)} ${String(s.passed).padStart(4)} passed ${String(s.failed).padStart(3)} failed ${String(s.unsupported).padStart(4)} unsupported`;
    });
    console.log(rows.join('\n'));
  });

  it.each(FOLDERS)('%s: no test fails', (folder) => {
    const failed = results.get(folder)!.filter((r) => r.status === 'fail').map((r) => `${r.name}: ${r.message}`);
    expect(failed).toEqual([]);
  });

  it.each(FOLDERS)('%s: every test folder is counted once', (folder) => {
    const rs = results.get(folder)!, s = summarize(rs);
    expect(rs.length).toBeGreaterThan(0);
    expect(s.passed + s.failed + s.unsupported).toBe(findTests([join(DATA, folder)]).length);
    expect(new Set(rs.map((r) => r.name)).size).toBe(rs.length);
    expect(s.passed).toBeGreaterThanOrEqual(PASS_FLOOR[folder]!);
  });

  it('every unsupported test is stopped by a documented limit', () => {
    const all = [...results.values()].flat(), byOp = summarize(all).byOp;
    const undocumented = [...byOp.keys()].filter((op) => !Object.hasOwn(ALLOWED, op)).map((op) => `${op}: ${byOp.get(op)!.join(', ')}`);
    expect(undocumented).toEqual([]);
    console.log(`unsupported: ${[...byOp].sort((a, b) => b[1].length - a[1].length).map(([op, ts]) => `${op} ×${ts.length}`).join(', ')}`);
  });

  it('no op of typical CNN, MLP and transformer models is unsupported, and each one passes a suite test', () => {
    const all = [...results.values()].flat();
    const whole = new Set([...summarize(all).byOp.keys()].filter((op) => !op.includes(':')));
    expect(TYPICAL.filter((op) => whole.has(op))).toEqual([]);
    // Each typical op that the suite tests on its own has a passing test named after it.
    const norm = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');
    const untested = TYPICAL.filter((op) => {
      const named = all.filter((r) => norm(r.name).startsWith(`test${norm(op)}`));
      return named.length > 0 && !named.some((r) => r.status === 'pass');
    });
    expect(untested).toEqual([]);
  });

  it('integer (quantized) tests match bit for bit', () => {
    const node = results.get('node')!;
    const quant = ['qlinearconv', 'qlinearmatmul_2D', 'qlinearmatmul_3D', 'basic_convinteger', 'convinteger_with_padding', 'convinteger_without_padding',
      'matmulinteger', 'dynamicquantizelinear', 'dynamicquantizelinear_max_adjusted', 'dynamicquantizelinear_min_adjusted',
      'quantizelinear', 'quantizelinear_axis', 'dequantizelinear', 'dequantizelinear_axis'];
    // compare() is exact for integer outputs; these all pass.
    expect(quant.map((n) => [n, node.find((r) => r.name === `test_${n}`)?.status])).toEqual(quant.map((n) => [n, 'pass']));
  });
});

import '../src/passes/builtin.js';
import { parseGraph as parseQir } from '../src/ir/text/index.js';
import { readFileSync } from 'node:fs';
import { exportOnnx } from '../src/ir/onnx/index.js';
import { runPipeline } from '../src/passes/index.js';
import * as ort from 'onnxruntime-node';
const g = runPipeline(parseQir(readFileSync('/tmp/ln.qir', 'utf8')), ['lower-quantized']).graph;
exportOnnx(g, '/tmp/ln.onnx');
try { await ort.InferenceSession.create('/tmp/ln.onnx'); console.log('ok'); } catch (e) { console.log(String(e)); }

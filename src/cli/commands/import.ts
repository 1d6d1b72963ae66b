// qforge import model.onnx -o model.qir: ONNX -> the text IR (plus a .bin sidecar for big constants).
import { existsSync } from 'node:fs';
import { printGraph, sidecarPath, writeQir } from '../../ir/text/index.js';
import { formatBytes, formatCount } from '../format.js';
import type { RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';
import { numel } from '../../ir/types.js';
import { dtypeInfo } from '../../ir/dtype.js';

export const registerImport: RegisterVerb = (program, io) => {
  const cmd = program
    .command('import')
    .description('import an ONNX model and write it as qforge IR text (.qir)')
    .argument('<model.onnx>', 'the ONNX model')
    .option('-o, --output <file.qir>', 'where to write the IR (default: print it to stdout)');
  withShapeOptions(cmd).action((model: string, opts: ShapeOptions & { output?: string }) => {
    const g = loadModel(model, opts);
    if (!opts.output) return io.out(printGraph(g));
    writeQir(opts.output, g);
    const params = Object.values(g.constants).reduce((a, t) => a + numel(t.shape), 0);
    const bytes = Object.values(g.constants).reduce((a, t) => a + numel(t.shape) * dtypeInfo(t.dtype).bytes, 0);
    const side = sidecarPath(opts.output);
    io.out(
      `wrote ${opts.output}${existsSync(side) ? ` (+ ${side})` : ''}: ${g.nodes.length} nodes, ` +
        `${formatCount(params)} parameters (${formatBytes(bytes)})\n`,
    );
  });
};

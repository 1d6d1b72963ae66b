// qforge inspect model.(onnx|qir) [--json]: op histogram, parameters, MACs, tensor sizes.
import { formatBytes, formatCount, formatShort } from '../format.js';
import type { RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';
import { modelStats, type ModelStats } from '../inspect-model.js';

export const registerInspect: RegisterVerb = (program, io) => {
  const cmd = program
    .command('inspect')
    .description('summarise a model: ops, parameters, MACs, tensor sizes and activation memory')
    .argument('<model>', 'a .onnx or .qir model')
    .option('--json', 'print the statistics as JSON');
  withShapeOptions(cmd).action((model: string, opts: ShapeOptions & { json?: boolean }) => {
    const stats = modelStats(loadModel(model, opts));
    io.out(opts.json ? JSON.stringify(stats, null, 2) + '\n' : render(stats));
  });
};

function render(s: ModelStats): string {
  const lines: string[] = [];
  const list = (xs: { name: string; type: string }[]) => xs.map((x) => `${x.name} ${x.type}`).join(', ');
  lines.push(`model ${s.name}`);
  lines.push(`  inputs:  ${list(s.inputs)}`);
  lines.push(`  outputs: ${list(s.outputs)}`);
  lines.push(`  nodes: ${s.nodes}`);
  lines.push(`  parameters: ${formatCount(s.parameters)} (${formatBytes(s.parameterBytes)})`);
  const byOp = Object.entries(s.macsByOp).map(([op, m]) => `${op} ${formatShort(m)}`).join(', ');
  lines.push(`  MACs: ${formatCount(s.macs)} (${formatShort(s.macs)})${byOp ? ` = ${byOp}` : ''}`);
  lines.push(`  activations: ${formatBytes(s.activationBytes)} in total, ${formatBytes(s.peakActivationBytes)} peak live`);
  lines.push('ops:');
  const w = Math.max(...Object.keys(s.ops).map((k) => k.length), 2);
  for (const [op, n] of Object.entries(s.ops)) lines.push(`  ${op.padEnd(w)} ${String(n).padStart(4)}`);
  lines.push('tensors:');
  const nw = Math.min(48, Math.max(...s.tensors.map((t) => t.name.length), 4));
  const tw = Math.max(...s.tensors.map((t) => t.type.length), 4);
  for (const t of s.tensors) lines.push(`  ${t.name.padEnd(nw)} ${t.kind.padEnd(10)} ${t.type.padEnd(tw)} ${formatBytes(t.bytes).padStart(10)}`);
  return lines.join('\n') + '\n';
}

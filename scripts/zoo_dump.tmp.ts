import { zooModel, quantize } from './lib/bench/models.js';
const [name, q] = [process.argv[2]!, process.argv[3] ?? 'xnnpack'];
const m = zooModel(name, 2);
const { graph } = quantize(m, q);
for (const n of graph.nodes) {
  if (!n.name.includes(process.argv[4] ?? '')) continue;
  const t = graph.values[n.outputs[0]!]!;
  console.log(n.op.padEnd(16), n.name.padEnd(44), t.dtype, JSON.stringify(t.shape), n.inputs.map((i) => graph.values[i]?.dtype).join(','));
}

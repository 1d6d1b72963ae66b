import { zooModel, quantize } from './lib/bench/models.js';
for (const name of ['resnet18', 'mobilenet_v2']) for (const qz of ['x86', 'xnnpack']) {
  const q = quantize(zooModel(name, 1), qz);
  const ops: Record<string, number> = {};
  for (const n of q.graph.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  console.log(name, qz, (q.int8MacShare * 100).toFixed(1) + '%', JSON.stringify(ops));
}

// A calibration worker (sample-runner.ts): runs the graph on each sample it is sent and sends
// back the watched nodes' outputs, in execution order; the main thread feeds the observers.
import { workerData } from 'node:worker_threads';
import { QforgeError } from '../../diagnostics/index.js';
import { run } from '../../ir/interpreter.js';
import { getOp } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';
import type { WorkerReply, WorkerSetup } from './sample-runner.js';

const { graph, watch, port, signal } = workerData as WorkerSetup;
const watched = new Map(watch.map((k) => [graph.nodes[k]!, k]));

function reply(r: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(r, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

const missing = graph.nodes.find((n) => !getOp(n.op));
if (missing) reply({ cannot: `no op '${missing.op}' here` }); // e.g. registered at run time in the main thread only
else
  port.on('message', ({ i, inputs }: { i: number; inputs: Tensor[] }) => {
    const outs: Extract<WorkerReply, { outs: unknown }>['outs'] = [];
    try {
      run(graph, inputs, {
        onNode(node, [out]) {
          const k = watched.get(node);
          // A copy: the output may share its buffer with values the run still needs.
          if (k !== undefined) outs.push({ node: k, dtype: out!.dtype, shape: [...out!.shape], data: out!.data.slice() });
        },
      });
    } catch (e) {
      reply({ i, error: { message: e instanceof Error ? e.message : String(e), ...(e instanceof QforgeError ? { diagnostics: e.diagnostics } : {}) } });
      return;
    }
    reply({ i, outs }, outs.map((o) => o.data.buffer as ArrayBuffer));
  });

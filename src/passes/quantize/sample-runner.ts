// Runs a graph over every sample of a dataset and hands chosen node outputs to a callback, in
// sample order and, within a sample, in execution order — whether the forward passes run in this
// thread or in worker threads. Order-dependent consumers (histogram observers re-bin as they go)
// therefore see exactly what a sequential run shows them, bit for bit.
//
// Sample 0 always runs here (it times a pass); when the rest is worth it, jobs − 1 workers start
// and share the rest with this thread, which computes a sample whenever it has nothing to feed.
// The callback stays on this thread; workers send the watched outputs back, and this thread
// blocks on a shared counter (Atomics.wait) when it waits, so the whole run stays synchronous.
import { availableParallelism, loadavg } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { QforgeError, type Diagnostic } from '../../diagnostics/index.js';
import type { Graph, Node } from '../../ir/graph.js';
import { run } from '../../ir/interpreter.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Dataset } from './dataset.js';

export interface SampleRunOptions {
  /** Forward passes at once, this thread's included: 1 runs all here; default: idleCores(). */
  jobs?: number;
  /** Called after each sample's outputs were handed over (1-based count). */
  onSample?: (done: number) => void;
}

/** Below this much compute left after sample 0 (ms), starting workers (module loading, the graph's copy, a cold JIT) does not pay. */
const WORKER_START_MS = 1000;

/** worker -> main: one sample's watched outputs, in execution order, or why it could not run. */
export type WorkerReply =
  | { i: number; outs: { node: number; dtype: Tensor['dtype']; shape: number[]; data: Tensor['data'] }[] }
  | { i: number; error: { message: string; diagnostics?: Diagnostic[] } }
  /** The worker cannot run this graph (an op registered at run time in this thread only, a failed start): run here. */
  | { cannot: string };

export interface WorkerSetup {
  graph: Graph;
  /** Indices into graph.nodes whose outputs go back. */
  watch: number[];
  port: MessagePort;
  /** Incremented (and notified) after every reply. */
  signal: Int32Array;
}

/**
 * Calls feed(node, output) for every node of `first` on sample 0 and of `later` on the others
 * (constants' observers need them once), in sample order then execution order. Returns how many
 * threads ran forward passes (1 when workers did not pay or could not run the graph).
 */
export function runSamples(g: Graph, data: Dataset, first: Set<Node>, later: Set<Node>, feed: (node: Node, out: Tensor) => void, opts: SampleRunOptions = {}): number {
  const t0 = performance.now();
  for (const o of runHere(g, data, 0, first)) feed(o.node, o.out);
  opts.onSample?.(1);
  const workers = Math.min((opts.jobs ?? idleCores()) - 1, data.size - 2);
  // Asked for explicitly, workers start even when they do not pay (tests, small models).
  const pays = opts.jobs !== undefined || (data.size - 1) * (performance.now() - t0) > WORKER_START_MS;
  let next = 1;
  if (workers > 0 && pays) next = runShared(g, data, later, feed, workers, opts.onSample);
  const threads = workers > 0 && pays && next === data.size ? workers + 1 : 1;
  for (; next < data.size; next++) {
    for (const o of runHere(g, data, next, later)) feed(o.node, o.out);
    opts.onSample?.(next + 1);
  }
  return threads;
}

/** Cores not busy with other work: threads beyond those only take turns with it. */
export const idleCores = (): number => Math.max(1, Math.round(availableParallelism() - loadavg()[0]!));

type Outputs = { node: Node; out: Tensor }[];

function runHere(g: Graph, data: Dataset, i: number, watch: Set<Node>): Outputs {
  const outs: Outputs = [];
  run(g, data.sample(i), { onNode: (node, [out]) => watch.has(node) && outs.push({ node, out: out! }) });
  return outs;
}

/**
 * The worker's entry: loads calibrate-worker (from the TypeScript sources through tsx's loader,
 * as tests and scripts run) and, should that fail, says so instead of leaving this thread waiting.
 */
function bootstrap(): string {
  const ts = import.meta.url.endsWith('.ts');
  const script = JSON.stringify(new URL(`./calibrate-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href);
  let loader = 'Promise.resolve()';
  if (ts)
    try {
      loader = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => m.register())`;
    } catch {
      loader = `Promise.reject(new Error('no tsx to load the TypeScript worker'))`; // the samples run here
    }
  return `const { port, signal } = require('node:worker_threads').workerData;
${loader}.then(() => import(${script})).catch((e) => {
  port.postMessage({ cannot: String(e && e.stack || e) });
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});`;
}

/**
 * Samples 1.. on this thread and `count` workers: each sample goes to a worker with room (two
 * queued each, so none idles while this thread feeds) or, when this thread would otherwise wait,
 * runs here. Returns the first sample left to run here alone (a worker could not run the graph).
 */
function runShared(g: Graph, data: Dataset, later: Set<Node>, feed: (node: Node, out: Tensor) => void, count: number, onSample?: (done: number) => void): number {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const watch = g.nodes.flatMap((n, k) => (later.has(n) ? [k] : []));
  const workers = Array.from({ length: count }, () => {
    const { port1, port2 } = new MessageChannel();
    const setup: WorkerSetup = { graph: g, watch, port: port2, signal };
    const worker = new Worker(bootstrap(), { eval: true, workerData: setup, transferList: [port2] });
    return { worker, port: port1, busy: 0 };
  });
  const done = new Map<number, Outputs | Error>();
  let sent = 1, next = 1;
  try {
    while (next < data.size) {
      for (const w of workers)
        while (w.busy < 2 && sent < data.size) {
          // A copy of just this sample: a view would carry its whole dataset buffer along.
          const inputs = data.sample(sent).map((t) => ({ ...t, data: t.data.slice() }));
          w.port.postMessage({ i: sent, inputs }, inputs.map((t) => t.data.buffer as ArrayBuffer));
          sent++;
          w.busy++;
        }
      const seen = Atomics.load(signal, 0);
      for (const w of workers)
        for (let m = receiveMessageOnPort(w.port); m; m = receiveMessageOnPort(w.port)) {
          const r = m.message as WorkerReply;
          if ('cannot' in r) return next;
          w.busy--;
          done.set(r.i, 'error' in r ? (r.error.diagnostics ? new QforgeError(r.error.diagnostics) : new Error(r.error.message)) : r.outs.map((o) => ({ node: g.nodes[o.node]!, out: { dtype: o.dtype, shape: o.shape, data: o.data } as Tensor })));
        }
      if (!done.has(next)) {
        if (sent < data.size) {
          const i = sent++;
          try {
            done.set(i, runHere(g, data, i, later));
          } catch (e) {
            done.set(i, e instanceof Error ? e : new Error(String(e))); // thrown in sample order, as a sequential run would
          }
        } else Atomics.wait(signal, 0, seen);
        continue;
      }
      for (let r = done.get(next); r; r = done.get(next)) {
        done.delete(next);
        if (r instanceof Error) throw r;
        for (const o of r) feed(o.node, o.out);
        onSample?.(++next);
      }
    }
    return next;
  } finally {
    for (const w of workers) {
      w.port.close();
      void w.worker.terminate();
    }
  }
}

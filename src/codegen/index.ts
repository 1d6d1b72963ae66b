// Public API of the C code generator: generateC turns a (quantized or float) graph into the files
// of a C program; buildC compiles them for a target; runC runs the result on tensors.
import { makeDir, writeFileOrFail } from '../util/fs-error.js';
import { join } from 'node:path';
import { fail } from '../diagnostics/index.js';
import type { Graph } from '../ir/graph.js';
import { getOp } from '../ir/ops/index.js';
import { ConstPool, Names } from './emit/consts.js';
import { quantizedEdges } from './emit/edges.js';
import { foldDequantizedWeights } from './emit/fold-weights.js';
import { renderMain } from './emit/harness.js';
import { Lowering } from './emit/lower.js';
import { arenaBytes, plan, renderHeader, renderSource, type Program } from './emit/assemble.js';
import { COMMON_SOURCES, kernelSource } from './kernels/sources.js';
import { FLOAT_KC } from './ops/fpack.js';
import { checkSupported, EMITTERS } from './ops/index.js';
import { getTarget } from './targets/index.js';
import type { Target } from './targets/target.js';
import { renderMakefile } from './build.js';

export { buildC, runC, type BuildOptions, type BuildResult, type RunCOptions, type RunCResult } from './build.js';
export { TARGETS, TARGET_NAMES, getTarget, nativeTarget } from './targets/index.js';
export { compiledOps } from './ops/index.js';

export interface GenerateOptions {
  target: string | Target;
  /** C identifier prefix of the API (default: the graph name, or `model`). */
  name?: string;
  /** Allow a graph without quantized ops (the --float comparison model). Default false. */
  float?: boolean;
}

export interface Generated {
  name: string;
  target: Target;
  /** File name -> contents. */
  files: Map<string, string>;
  /** Arena bytes the API asks for, and the peak of live tensor bytes (the planner's lower bound). */
  arenaBytes: number;
  arenaLowerBound: number;
  /** Bytes of constant data (weights, tables). */
  constBytes: number;
}

/** Whether the graph has int8 work: a quantize, requantize or quantized op. */
export const isQuantized = (g: Graph): boolean => g.nodes.some((n) => n.op === 'quantize' || getOp(n.op)?.category === 'quantized');

export function modelName(g: Graph, given?: string): string {
  const name = given ?? (g.name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, 'm_') || 'model');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name) || /^(main|qf_.*|qforge_.*)$/.test(name))
    fail('CODEGEN_NAME', `'${name}' cannot name the model: it must be a C identifier (letters, digits, _) and not main, qf_* or qforge_*`);
  return name;
}

export function generateC(graph: Graph, opts: GenerateOptions): Generated {
  const target = typeof opts.target === 'string' ? getTarget(opts.target) : opts.target;
  const name = modelName(graph, opts.name);
  if (!opts.float && !isQuantized(graph))
    fail('CODEGEN_FLOAT_GRAPH', `graph '${graph.name}' has no quantized ops: int8 code needs a quantized graph`, {
      hint: graph.nodes.some((n) => n.op === 'dequantize')
        ? "a weight-only graph in dequantize → gemm/matmul form (--emit qdq): run 'qforge opt -p lower-weight-only' first"
        : "run 'qforge quantize' first, or compile the float model with --float",
    });
  checkSupported(graph);
  const folded = foldDequantizedWeights(graph);
  const names = new Names();
  const pool = new ConstPool(names);
  const progs: Program[] = [];
  for (const [fn, g] of [['run', folded], ['run_quantized', quantizedEdges(folded)]] as const) {
    const L = new Lowering(g, target, pool, names);
    for (const node of g.nodes) {
      L.node = node;
      EMITTERS[node.op]!.emit(node, L);
    }
    L.finish(g.outputs);
    progs.push({ fn, L, plan: plan(L) });
  }
  const arena = arenaBytes(progs);
  const lowerBound = Math.max(...progs.map((p) => p.plan.lowerBound));
  const files = new Map<string, string>();
  files.set(`${name}.h`, renderHeader(name, target, arena, lowerBound, progs));
  files.set(`${name}.c`, renderSource(name, target, pool, progs, arena, lowerBound));
  for (const f of COMMON_SOURCES) files.set(f, kernelSource(f));
  files.set('qforge_config.h', configHeader(target));
  if (target.kernelFile) files.set(target.kernelFile, kernelSource(target.kernelFile));
  files.set('main.c', renderMain(name, progs[0]!.L.graph, progs[1]!.L.graph));
  files.set('Makefile', renderMakefile(name, target, [...files.keys()].filter((f) => f.endsWith('.c'))));
  return { name, target, files, arenaBytes: arena, arenaLowerBound: lowerBound, constBytes: pool.dataBytes };
}

/** Writes the generated files into `dir` (created if needed); returns their paths. */
export function writeGenerated(dir: string, gen: Generated): string[] {
  makeDir(dir);
  return [...gen.files].map(([f, text]) => {
    const path = join(dir, f);
    writeFileOrFail(path, text);
    return path;
  });
}

function configHeader(t: Target): string {
  return [
    `/* qforge_config.h: target '${t.name}' (${t.doc}); QF_HAVE_<KERNEL> marks the kernels it implements. */`,
    '#ifndef QFORGE_CONFIG_H',
    '#define QFORGE_CONFIG_H',
    `#define QF_TARGET "${t.name}"`,
    ...t.provides.map((k) => `#define QF_HAVE_${k.toUpperCase()} 1`),
    ...(t.float.vec === 'scalar' ? [] : [`#define QF_FVEC_${t.float.vec.toUpperCase()} 1`]),
    `#define QF_FMR ${t.float.mr} /* float GEMM tile (qforge_fvec.h) */`,
    `#define QF_FNR ${t.float.nr}`,
    `#define QF_FKC ${FLOAT_KC} /* float GEMM k block (row panels are packed by it) */`,
    '#endif',
    '',
  ].join('\n');
}

// qforge opt model.(qir|onnx) --pipeline "canonicalize,cse" [-o out.qir]: runs a pass pipeline,
// with the debugging flags of a compiler driver: print the IR before/after chosen passes, print
// only what changed (a unified diff per pass), verify after every pass, time every pass, dump
// every intermediate graph. Everything but the result goes to stderr, so stdout can carry it.
import { makeDir } from '../../util/fs-error.js';
import { join } from 'node:path';
import { fail, formatWarning as asWarning } from '../../diagnostics/index.js';
import type { Graph } from '../../ir/graph.js';
import { printGraph, writeQir } from '../../ir/text/index.js';
import { verify } from '../../ir/verify.js';
import { flattenRecords, parsePipeline, passNames, resolvePipeline, runSteps, type Instrumentation, type PassEvent, type PassRecord } from '../../passes/index.js';
import { suggestion } from '../../util/suggest.js';
import type { Io, RegisterVerb } from '../io.js';
import { loadModel, withShapeOptions, type ShapeOptions } from '../load-model.js';
import { patternSteps, withPatternFlags, type PatternFlags } from '../pattern-flags.js';
import { unifiedDiff } from '../unified-diff.js';
import { timingTable } from '../timing-table.js';

interface OptOpts extends ShapeOptions, PatternFlags {
  pipeline?: string;
  output?: string;
  printIrBefore: string[];
  printIrAfter: string[];
  printChanges?: boolean;
  verifyEach?: boolean;
  timing?: boolean;
  dumpDir?: string;
}

const list = (v: string, prev: string[]): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** Which passes a --print-ir-* flag selects: names checked against the registry. */
function selector(flag: string, names: string[]): (ev: PassEvent) => boolean {
  const known = [...passNames(), 'fixpoint'];
  for (const n of names)
    if (n !== 'all' && !known.includes(n)) fail('CLI_USAGE', `${flag}: unknown pass '${n}'`, { hint: suggestion(n, ['all', ...known], 'names') });
  const all = names.includes('all'), set = new Set(names);
  // `all` means every pass that transforms (groups and composites would repeat their last step).
  return (ev) => (all && ev.kind === 'transform') || set.has(ev.name);
}

const heading = (when: string, ev: PassEvent) => `// ----- IR ${when} ${ev.path} (step ${ev.index}) -----\n`;

function instrumentations(opts: OptOpts, io: Io): Instrumentation[] {
  const out: Instrumentation[] = [];
  if (opts.printIrBefore.length) {
    const pick = selector('--print-ir-before', opts.printIrBefore);
    out.push({ beforePass: (ev, g) => pick(ev) && io.err(heading('before', ev) + printGraph(g)) });
  }
  if (opts.printIrAfter.length) {
    const pick = selector('--print-ir-after', opts.printIrAfter);
    out.push({ afterPass: (ev, _b, g) => pick(ev) && io.err(heading('after', ev) + printGraph(g)) });
  }
  if (opts.printChanges)
    out.push({
      afterPass: (ev, before, after, rec) => {
        if (ev.kind !== 'transform' || !rec.changed) return;
        io.err(unifiedDiff(printGraph(before), printGraph(after), [`before ${ev.path} (step ${ev.index})`, `after ${ev.path} (step ${ev.index})`]));
      },
    });
  if (opts.dumpDir) {
    const dir = opts.dumpDir;
    makeDir(dir);
    let first = true;
    out.push({
      beforePass: (_ev, g) => {
        if (first) writeQir(join(dir, '000-input.qir'), g);
        first = false;
      },
      afterPass: (ev, _b, g) => {
        if (ev.kind === 'transform') writeQir(join(dir, `${String(ev.index).padStart(3, '0')}-${ev.path.replaceAll('/', '.')}.qir`), g);
      },
    });
  }
  return out;
}

export const registerOpt: RegisterVerb = (program, io) => {
  const cmd = program
    .command('opt')
    .description('run a pass pipeline over a model (see `qforge passes`), with IR printing, diffs, verification and timing')
    .argument('<model>', 'a .qir or .onnx model')
    .option('-p, --pipeline <spec>', 'passes to run, e.g. "canonicalize,quantize{quantizer=xnnpack},fixpoint(cse,dce){max-iterations=5}"')
    .option('-o, --output <file.qir>', 'where to write the result (default: print it to stdout)')
    .option('--print-ir-before <pass|all>', 'print the IR before these passes to stderr (comma-separated, repeatable)', list, [])
    .option('--print-ir-after <pass|all>', 'print the IR after these passes to stderr (comma-separated, repeatable)', list, [])
    .option('--print-changes', 'print a unified diff of the IR for every pass that changed it')
    .option('--verify-each', 'run the verifier after every pass and name the pass that broke the graph')
    .option('--timing', 'print a table of per-pass times and statistics')
    .option('--dump-dir <dir>', 'write the graph after every pass to <dir>/NNN-<pass>.qir (000-input.qir first)');
  withPatternFlags(withShapeOptions(cmd)).action((model: string, opts: OptOpts) => {
    // Check everything the user wrote before doing any work.
    const steps = parsePipeline(opts.pipeline ?? '');
    const extra = patternSteps(opts, io);
    const instr = instrumentations(opts, io);
    const g: Graph = loadModel(model, opts);
    const all = [...steps, ...resolvePipeline(extra)];
    const t0 = performance.now();
    const { graph, records } = runSteps(g, all, { instrumentations: instr, verifyEach: opts.verifyEach, verifier: verify });
    const ms = performance.now() - t0;
    for (const r of flattenRecords(records)) for (const w of r.warnings) io.err(asWarning(w) + '\n');
    if (opts.timing) io.err(timingTable(records, ms));
    if (!opts.output) return io.out(printGraph(graph));
    writeQir(opts.output, graph);
    io.err(`wrote ${opts.output}: ${graph.nodes.length} nodes (${describeChange(g, graph, records)})\n`);
  });
};

function describeChange(before: Graph, after: Graph, records: PassRecord[]): string {
  const changed = flattenRecords(records).filter((r) => r.changed && !r.children).length;
  const d = after.nodes.length - before.nodes.length;
  return `${d <= 0 ? d : `+${d}`} from ${before.nodes.length}; ${changed} pass run(s) changed the graph`;
}

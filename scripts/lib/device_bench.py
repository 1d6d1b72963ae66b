#!/usr/bin/env python3
"""The benchmark on a machine without node or clang (scripts/device-bench.sh runs this).

Reads a bundle written by `npm run bench -- --device-bundle DIR`: static binaries of our int8 C
(avx512-vnni, avx2) and, where small, float C; the QDQ ONNX; the float ONNX where small (else a
float model is rebuilt from the QDQ one with the `onnx` package: weights dequantized, activation
Q/DQ pairs removed, integer clamps turned into float Clips -- the same layers and shapes, for
timing); the input, the float reference output and our int8 output from the build machine.
Times our binaries with their own --bench median (no process startup) and onnxruntime with
perf_counter around session.run after warm-up, single thread, in interleaved rounds, and prints
the table of `npm run bench`. With --threads 1,4,16 it also times our int8 binaries on a ctx of
each thread count (--threads T) and onnxruntime int8 at intra_op_num_threads T, and prints a
second table: milliseconds, our speed-up over one thread, and ours against onnxruntime at T.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time

import numpy as np

# Ops that run on the integers between a QuantizeLinear and its DequantizeLinear in our QDQ export.
PASS = {'MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Clip', 'Identity', 'Relu'}
FLAGS = {'avx512-vnni': {'avx512f', 'avx512bw', 'avx512_vnni'}, 'avx2': {'avx2', 'fma'}}


def cpu():
    flags, name = set(), 'unknown CPU'
    try:
        text = open('/proc/cpuinfo').read()
        m = re.search(r'^flags\s*:(.*)$', text, re.M)
        flags = set(m.group(1).split()) if m else set()
        n = re.search(r'^model name\s*:\s*(.*)$', text, re.M)
        name = n.group(1).strip() if n else name
    except OSError:
        pass
    return flags, name


def sqnr(ref, got):
    ref, got = np.asarray(ref, np.float64).ravel(), np.asarray(got, np.float64).ravel()
    noise = np.sum((ref - got) ** 2)
    return float('inf') if noise == 0 else float(10 * np.log10(np.sum(ref ** 2) / noise))


def run_binary(exe, inp, runs, out_dir, threads=1):
    """One harness process: its median over `runs` timed runs (on `threads` threads) and its outputs."""
    r = subprocess.run([exe, '-i', f'x={inp}', '-o', out_dir, '--bench', str(runs), '--threads', str(threads)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'{exe} exited {r.returncode}: {r.stderr.strip()[:300]}')
    ms = float(re.search(r'^median_ms ([\d.]+)$', r.stdout, re.M).group(1))
    outs = [np.load(p) for p in re.findall(r'^output \d+ (.*)$', r.stdout, re.M)]
    return ms, outs


def float_from_qdq(path, out):
    """A float model with the QDQ model's layers: constant DequantizeLinear folded into float
    initializers, QuantizeLinear(->Clip)->DequantizeLinear chains on activations replaced by the
    float value (a Clip in float where the integers were clamped)."""
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(path)
    g = m.graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    prod = {o: n for n in g.node for o in n.output}

    def arr(name):
        return init[name] if name in init else None

    def dq(n):
        x, s = arr(n.input[0]), arr(n.input[1])
        z = arr(n.input[2]) if len(n.input) > 2 and n.input[2] else np.zeros_like(s, dtype=np.int64)
        axis = next((a.i for a in n.attribute if a.name == 'axis'), 1)
        shape = [1] * x.ndim
        if s.ndim == 1 and x.ndim > 0:
            shape[axis % x.ndim] = -1
        return ((x.astype(np.int64) - z.astype(np.int64).reshape(shape)).astype(np.float32) * s.astype(np.float32).reshape(shape)).astype(np.float32)

    rename, nodes, new_init = {}, [], {}
    for n in g.node:
        if n.op_type == 'DequantizeLinear' and n.input[0] in init:
            new_init[n.output[0]] = dq(n)
        elif n.op_type == 'DequantizeLinear':
            # Walk back through integer-domain ops (pools, reshapes, clamps) to the QuantizeLinear,
            # then redo them on the float value: max and reshapes commute with dequantization.
            chain, p = [], prod.get(n.input[0])
            while p is not None and p.op_type in PASS:
                chain.append(p)
                p = prod.get(p.input[0])
            if p is None or p.op_type != 'QuantizeLinear':
                raise ValueError(f'DequantizeLinear {n.name}: no QuantizeLinear behind it')
            s = float(arr(p.input[1]))
            zq = arr(p.input[2]) if len(p.input) > 2 and p.input[2] else np.zeros((), np.uint8)
            z, info = float(zq), np.iinfo(zq.dtype)
            # QuantizeLinear saturates (that is how a fused relu with zero point 0 looks) and an
            # integer Clip narrows: one float Clip to the same range, then the other ops in float.
            lo, hi = (info.min - z) * s, (info.max - z) * s
            for c in chain:
                if c.op_type == 'Clip':
                    lo = max(lo, (float(arr(c.input[1])) - z) * s) if len(c.input) > 1 and c.input[1] else lo
                    hi = min(hi, (float(arr(c.input[2])) - z) * s) if len(c.input) > 2 and c.input[2] else hi
            rest = [c for c in reversed(chain) if c.op_type != 'Clip']
            steps = [('Clip', None)] + [(c.op_type, c) for c in rest]
            cur = p.input[0]
            for k, (op, c) in enumerate(steps):
                res = n.output[0] if k == len(steps) - 1 else f'{n.output[0]}__f{k}'
                if c is None:
                    new_init[f'{res}__lo'], new_init[f'{res}__hi'] = np.array(lo, np.float32), np.array(hi, np.float32)
                    nodes.append(helper.make_node('Clip', [cur, f'{res}__lo', f'{res}__hi'], [res], name=f'{res}__clip'))
                else:
                    f = helper.make_node(op, [cur] + list(c.input[1:]), [res], name=f'{c.name}__float{k}_{n.output[0]}')
                    f.attribute.extend(c.attribute)
                    nodes.append(f)
                cur = res
        else:
            nodes.append(n)
    for n in nodes:
        for i, v in enumerate(n.input):
            while v in rename:
                v = rename[v]
            n.input[i] = v
    outs = []
    for o in g.output:
        name = o.name
        while name in rename:
            name = rename[name]
        outs.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    # The integer side of each Q(->Clip)->DQ chain is dead now: drop nodes nobody reads.
    while True:
        used = {v for n in nodes for v in n.input} | {o.name for o in outs}
        live = [n for n in nodes if any(o in used for o in n.output)]
        if len(live) == len(nodes):
            break
        nodes = live
    keep = [numpy_helper.from_array(v, k) for k, v in {**init, **new_init}.items() if k in used and np.asarray(v).dtype == np.float32]
    keep += [numpy_helper.from_array(v, k) for k, v in init.items() if k in used and np.asarray(v).dtype != np.float32]
    graph = helper.make_graph(nodes, g.name + '_float', list(g.input), outs, keep)
    fm = helper.make_model(graph, opset_imports=list(m.opset_import), ir_version=m.ir_version)
    onnx.save(fm, out)
    return out


class Ort:
    def __init__(self, path, x, threads=1):
        import onnxruntime as ort
        o = ort.SessionOptions()
        o.intra_op_num_threads, o.inter_op_num_threads = threads, 1
        o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        o.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.s = ort.InferenceSession(path, o, providers=['CPUExecutionProvider'])
        self.feeds = {self.s.get_inputs()[0].name: x}

    def outputs(self):
        return self.s.run(None, self.feeds)

    def time(self, runs, warmup):
        for _ in range(warmup):
            self.s.run(None, self.feeds)
        ts = []
        for _ in range(runs):
            t = time.perf_counter()
            self.s.run(None, self.feeds)
            ts.append((time.perf_counter() - t) * 1e3)
        return float(np.median(ts))


def fmt_ms(v):
    return '–' if v is None else f'{v:.3f}' if v < 1 else f'{v:.2f}' if v < 10 else f'{v:.1f}'


def fmt_x(num, den):
    return '–' if num is None or den is None or den <= 0 else f'{num / den:.2f}x'


def fmt_db(v):
    return '–' if v is None else 'exact' if v == float('inf') else f'{v:.1f}'


def fmt_macs(m):
    return f'{m / 1e9:.2f} G' if m >= 1e9 else f'{m / 1e6:.1f} M' if m >= 1e6 else f'{m / 1e3:.1f} k'


def table(rows):
    head = ['model', 'MACs', 'int8 MACs', 'ours int8 ms', 'ours float ms', 'ort fp32 ms', 'ort int8 ms', 'vs ort int8', 'vs ort fp32',
            'vs our float', 'int8 GMAC/s', 'SQNR ours int8 dB', 'SQNR ort int8 dB', 'ours = build host']
    body = []
    for r in rows:
        ms, i8 = r['ms'], r['ms']['oursInt8']
        share = r['int8MacShare']
        body.append([
            f"{r['model']} [{r['target']}]", fmt_macs(r['macs']), '100%' if share == 1 else '>99%' if share >= 0.995 else f'{share * 100:.0f}%',
            fmt_ms(i8), fmt_ms(ms['oursFloat']), fmt_ms(ms['ortFp32']), fmt_ms(ms['ortInt8']),
            fmt_x(ms['ortInt8'], i8), fmt_x(ms['ortFp32'], i8), fmt_x(ms['oursFloat'], i8),
            '–' if not i8 else f"{r['macs'] / (i8 * 1e6):.1f}", fmt_db(r['sqnr']['oursInt8']), fmt_db(r['sqnr']['ortInt8']),
            '–' if r['sameAsHost'] is None else 'yes' if r['sameAsHost'] else 'NO'])
    return markdown(head, body)


def markdown(head, body):
    w = [max(len(x[c]) for x in [head] + body) for c in range(len(head))]
    line = lambda x: '| ' + ' | '.join(s.ljust(w[c]) if c == 0 else s.rjust(w[c]) for c, s in enumerate(x)) + ' |'
    sep = '|' + '|'.join((':' + '-' * (n + 1)) if c == 0 else ('-' * (n + 1) + ':') for c, n in enumerate(w)) + '|'
    return '\n'.join([line(head), sep] + [line(x) for x in body])


def thread_table(rows):
    """One line per model, target and thread count: ours and onnxruntime int8 at that count."""
    head = ['model', 'threads', 'ours int8 ms', 'speed-up vs 1 thread', 'ort int8 ms', 'vs ort int8']
    body = []
    for r in rows:
        one = r['ms']['oursInt8']
        for t, m in sorted(r['threads'].items()):
            body.append([f"{r['model']} [{r['target']}]", str(t), fmt_ms(m['oursInt8']), fmt_x(one, m['oursInt8']),
                         fmt_ms(m['ortInt8']), fmt_x(m['ortInt8'], m['oursInt8'])])
    return markdown(head, body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('bundle')
    ap.add_argument('--runs', type=int, default=20)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--models', help='comma-separated subset')
    ap.add_argument('--threads', default='1', help='comma-separated thread counts, e.g. 1,4,16 (1 is always timed)')
    ap.add_argument('--json', help='write the rows here')
    a = ap.parse_args()
    a.threads = sorted({int(t) for t in a.threads.split(',') if t.strip()} - {1})
    man = json.load(open(os.path.join(a.bundle, 'manifest.json')))
    flags, cpu_name = cpu()
    targets = [t for t in man['targets'] if FLAGS.get(t, set()) <= flags]
    skipped = [t for t in man['targets'] if t not in targets]
    print(f'device bench: {cpu_name}; targets {", ".join(targets) or "none"}'
          + (f' (this CPU lacks {", ".join(skipped)})' if skipped else '') + f'; load {os.getloadavg()}', file=sys.stderr)
    try:
        import onnxruntime
        ort_note = f'onnxruntime {onnxruntime.__version__}'
    except ImportError:
        onnxruntime, ort_note = None, 'no onnxruntime: its columns stay empty'
    rows, notes, tmp = [], [], tempfile.mkdtemp(prefix='qforge-device-')
    try:
        bench(a, man, targets, onnxruntime, rows, notes, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'\nqforge (quantizer {man["quantizer"]}, built {man["created"]}) vs {ort_note} (int8: QDQ export, quantizer {man.get("ortQuantizer", man["quantizer"])}), single thread, {cpu_name}, '
          f'median over {a.rounds} rounds of the median of {a.runs} runs; load average {" ".join(f"{v:.2f}" for v in os.getloadavg())}\n')
    print(table(rows))
    if a.threads:
        print(f'\nthreads (ours: <name>_run_ctx on a ctx of T threads; onnxruntime int8: intra_op_num_threads T), {os.cpu_count()} CPUs\n')
        print(thread_table(rows))
    for n in notes:
        print(f'  {n}')
    if a.json:
        with open(a.json, 'w') as f:
            exact = lambda v: 'exact' if v == float('inf') else v  # strict JSON has no Infinity
            for r in rows:
                r['sqnr'] = {k: exact(v) for k, v in r['sqnr'].items()}
            json.dump({'cpu': cpu_name, 'threads': [1] + a.threads, 'flags': sorted(flags & set().union(*FLAGS.values())), 'rows': rows}, f, indent=1)


def bench(a, man, targets, onnxruntime, rows, notes, tmp):
    for mm in man['models']:
        if a.models and mm['name'] not in a.models.split(','):
            continue
        d = lambda k: os.path.join(a.bundle, mm['files'][k])
        sub = os.path.join(a.bundle, mm['name'])
        inp = os.path.join(sub, 'input.npy')
        x = np.load(inp)
        ref = [np.load(os.path.join(sub, f'reference_fp32_{k}.npy')) for k in range(mm['outputs'])]
        host = [np.load(os.path.join(sub, f'ours_int8_{k}.npy')) for k in range(mm['outputs'])]
        print(f"{mm['name']}:", file=sys.stderr)
        sessions, sq = {}, {'ortInt8': None, 'ortFp32': None}
        if onnxruntime is not None:
            fp32 = d('float') if 'float' in mm['files'] else None
            if fp32 is None:
                try:
                    fp32 = float_from_qdq(d('qdq'), os.path.join(tmp, f"{mm['name']}.float.onnx"))
                    notes.append(f"{mm['name']}: ort fp32 runs a float model rebuilt from the QDQ one (dequantized weights, activation ranges as Clips; same layers)")
                except Exception as e:  # no onnx package, or an unexpected QDQ shape
                    notes.append(f"{mm['name']}: no float model for ort fp32 ({type(e).__name__}: {e})")
            for key, path in (('ortInt8', d('qdq')), ('ortFp32', fp32)):
                if path is None:
                    continue
                try:
                    sessions[key] = Ort(path, x)
                    for t in a.threads if key == 'ortInt8' else []:
                        sessions[('ortInt8', t)] = Ort(path, x, t)
                    sq[key] = sqnr(np.concatenate([r.ravel() for r in ref]), np.concatenate([o.ravel() for o in sessions[key].outputs()]))
                except Exception as e:
                    notes.append(f"{mm['name']}: onnxruntime {key} failed: {e}")
        # Binaries of every target and the onnxruntime sessions, interleaved round by round.
        runs, out_rows = {}, []
        for t in targets:
            exes = {'oursInt8': d(f'int8-{t}')}
            if f'float-{t}' in mm['files']:
                exes['oursFloat'] = d(f'float-{t}')
            row = {'model': mm['name'], 'target': t, 'macs': mm['macs'], 'int8MacShare': mm['int8MacShare'],
                   'ms': {}, 'rounds': {k: [] for k in ('oursInt8', 'oursFloat', 'ortFp32', 'ortInt8')},
                   'sqnr': {'oursInt8': None, **sq}, 'sameAsHost': None,
                   'threads': {t: {'oursInt8': None, 'ortInt8': None} for t in a.threads}}
            try:
                _, outs = run_binary(exes['oursInt8'], inp, 1, tmp)
                row['sqnr']['oursInt8'] = sqnr(np.concatenate([r.ravel() for r in ref]), np.concatenate([o.ravel() for o in outs]))
                row['sameAsHost'] = all(np.array_equal(o, h) for o, h in zip(outs, host))
                runs[t] = exes
            except Exception as e:
                notes.append(f"{mm['name']} [{t}]: {e}")
            out_rows.append(row)
        ort_rounds = {k: [] for k in sessions}
        mt_rounds = {(row['target'], t): [] for row in out_rows for t in a.threads}
        for r in range(a.rounds):
            for row in out_rows:
                for k, exe in runs.get(row['target'], {}).items():
                    row['rounds'][k].append(run_binary(exe, inp, a.runs, tmp)[0])
                    for t in a.threads if k == 'oursInt8' else []:
                        mt_rounds[(row['target'], t)].append(run_binary(exe, inp, a.runs, tmp, t)[0])
            for k, s in sessions.items():
                ort_rounds[k].append(s.time(a.runs, a.warmup if r == 0 else 0))
        med = lambda v: float(np.median(v)) if v else None
        for row in out_rows:
            row['rounds'].update({k: v for k, v in ort_rounds.items() if isinstance(k, str)})
            row['ms'] = {k: med(v) for k, v in row['rounds'].items()}
            for t in a.threads:
                row['threads'][t] = {'oursInt8': med(mt_rounds[(row['target'], t)]), 'ortInt8': med(ort_rounds.get(('ortInt8', t), []))}
            rows.append(row)
            print(f"  {row['target']}: ours int8 {fmt_ms(row['ms']['oursInt8'])} ms, ort int8 {fmt_ms(row['ms']['ortInt8'])} ms", file=sys.stderr)

if __name__ == '__main__':
    main()

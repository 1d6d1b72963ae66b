// qforge onnx-test DIR...: runs ONNX backend-test folders (model.onnx + test_data_set_*/) through
// import and the reference interpreter; one line per test, then `N passed, N failed, N unsupported`.
// Exit code 1 when any test fails (unsupported ones do not count as failures).
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fail } from '../../diagnostics/index.js';
import { findTests, formatResult, formatSummary, runCase, summarize, TOLERANCE, type CaseResult } from '../../ir/onnx/conformance.js';
import type { RegisterVerb } from '../io.js';

interface Opts {
  failuresOnly?: boolean;
}

export const registerOnnxTest: RegisterVerb = (program, io) => {
  program
    .command('onnx-test')
    .description('run ONNX backend test folders (model.onnx + test_data_set_*) through import and the interpreter')
    .argument('<dir...>', 'test folders, or folders holding them (searched recursively)')
    .option('--failures-only', 'print only failed and unsupported tests (the summary line always)')
    .addHelpText(
      'after',
      `\nA test passes when every output matches: floats within |ours - expected| <= ${TOLERANCE.atol} + ${TOLERANCE.rtol}·|expected|` +
        ' (the onnx backend runner defaults; NaN matches NaN), integers and bools exactly.' +
        '\nUnsupported: the model uses an op type or feature qforge does not import (listed per test).' +
        '\nGraph inputs that qforge needs as constants (shapes, axes, quantization parameters) are frozen to the test data.\n',
    )
    .action((dirs: string[], opts: Opts) => {
      for (const d of dirs) if (!existsSync(d)) fail('ONNX_TEST_NONE', `${d} does not exist`);
      const results: CaseResult[] = [];
      for (const arg of dirs) {
        const tests = findTests([arg]);
        if (!tests.length) fail('ONNX_TEST_NONE', `${arg}: no test folders (a folder with model.onnx) found`);
        // Labels relative to the argument's parent: `node/test_abs` for DIR = .../node.
        const base = dirname(resolve(arg));
        for (const t of tests) {
          const r = runCase(t);
          results.push(r);
          if (!opts.failuresOnly || r.status !== 'pass') io.out(formatResult(r, relative(base, resolve(t))) + '\n');
        }
      }
      const s = summarize(results);
      if (s.byOp.size) {
        const ops = [...s.byOp].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
        io.out(`unsupported: ${ops.map(([op, ts]) => `${op} ×${ts.length}`).join(', ')}\n`);
      }
      io.out(formatSummary(s) + '\n');
      if (s.failed) fail('ONNX_TEST_FAILED', `${s.failed} of ${results.length} ONNX test${results.length > 1 ? 's' : ''} failed`);
    });
};

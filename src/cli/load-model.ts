// Loading a model for any verb: .onnx through the importer (with --dim/--shape for dynamic
// inputs), .qir through the text format.
import { extname } from 'node:path';
import type { Command } from 'commander';
import { fail } from '../diagnostics/index.js';
import type { Graph } from '../ir/graph.js';
import { importOnnx } from '../ir/onnx/index.js';
import { readQir } from '../ir/text/index.js';
import { collect } from './io.js';

export interface ShapeOptions {
  dim: string[];
  shape: string[];
}

/** Adds --dim NAME=N and --shape INPUT=D,D,... (both repeatable) to a verb that loads a model. */
export function withShapeOptions(cmd: Command): Command {
  return cmd
    .option('--dim <name=value>', 'value of a symbolic ONNX dimension, e.g. batch_size=1 (repeatable)', collect, [])
    .option('--shape <input=dims>', 'static shape of an ONNX input, e.g. input=1,3,224,224 (repeatable)', collect, []);
}

function keyValue(flag: string, s: string): [string, string] {
  const eq = s.lastIndexOf('=');
  if (eq <= 0 || eq === s.length - 1) fail('CLI_USAGE', `${flag} expects NAME=VALUE, got '${s}'`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

function count(flag: string, s: string): number {
  if (!/^\d+$/.test(s.trim())) fail('CLI_USAGE', `${flag}: '${s}' is not a non-negative integer`);
  return Number(s);
}

export function loadModel(path: string, opts: Partial<ShapeOptions> = {}): Graph {
  const ext = extname(path).toLowerCase();
  if (ext === '.qir') return readQir(path);
  if (ext !== '.onnx') fail('CLI_USAGE', `cannot tell the format of '${path}': expected a .onnx or .qir file`);
  const dims: Record<string, number> = {};
  for (const d of opts.dim ?? []) {
    const [k, v] = keyValue('--dim', d);
    dims[k] = count('--dim', v);
  }
  const inputShapes: Record<string, number[]> = {};
  for (const s of opts.shape ?? []) {
    const [k, v] = keyValue('--shape', s);
    inputShapes[k] = v.split(/[,x]/).map((x) => count('--shape', x));
  }
  return importOnnx(path, { dims, inputShapes });
}

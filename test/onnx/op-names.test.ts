// The ONNX names of the op table (OpDef.onnx) are the one source of the importer's and exporter's
// name tables: derived both ways they round-trip, each op type has a converter, attribute-free
// ops export by their facts alone, and each ONNX type's own backend node tests import as the op
// its facts name (which ties the hand-written converters to the facts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allOps, getOp } from '../../src/ir/ops/index.js';
import { converters, onnxImportTable } from '../../src/ir/onnx/converters.js';
import { exporterFor } from '../../src/ir/onnx/export.js';
import { same } from '../../src/ir/onnx/export-ops.js';
import { findTests, importTest } from '../../src/ir/onnx/conformance.js';
import { decodeModel } from '../../src/ir/onnx/import.js';

/** Ops that one ONNX type means exactly (composites carry only `since`). */
const withFacts = () => allOps().filter((d) => d.onnx?.opType);

describe('ONNX names on OpDef', () => {
  it('the import table (ONNX type -> op) and the export names (op -> ONNX type) round-trip', () => {
    const imports = onnxImportTable();
    for (const d of withFacts()) {
      expect(imports.get(d.onnx!.opType!), d.name).toBe(d.name);
      for (const t of d.onnx!.alsoFrom ?? []) expect(imports.get(t), `${t} -> ${d.name}`).toBe(d.name);
    }
    const exported = new Set(withFacts().map((d) => d.onnx!.opType));
    expect([...imports].filter(([t, op]) => !exported.has(t) && !allOps().find((d) => d.name === op)?.onnx?.alsoFrom?.includes(t))).toEqual([]);
  });

  it('every ONNX type of the import table has a converter', () => {
    const table = converters();
    expect([...onnxImportTable().keys()].filter((t) => !Object.hasOwn(table, t))).toEqual([]);
  });

  it('an op with facts and no attributes exports without an exporter of its own; one with attributes needs one', () => {
    const plain = withFacts().filter((d) => Object.keys(d.attrs).length === 0);
    expect(plain.filter((d) => !exporterFor(d)).map((d) => d.name)).toEqual([]);
    // No silent attribute loss: an op with attributes is exported only by an exporter that writes them.
    const lossy = withFacts().filter((d) => Object.keys(d.attrs).length > 0 && exporterFor(d) === same);
    expect(lossy.map((d) => d.name)).toEqual([]);
  });

  it('minimum opsets are at least the export floor; an op without an ONNX type says only its opset', () => {
    for (const d of allOps()) if (d.onnx?.since !== undefined) expect(d.onnx.since, d.name).toBeGreaterThan(13);
    for (const d of allOps()) if (d.onnx && !d.onnx.opType) expect(Object.keys(d.onnx), d.name).toEqual(['since']);
  });

  it('a composite export declares its opset on the op: qlayernorm writes LayerNormalization (17)', () => {
    expect(getOp('qlayernorm')!.onnx).toEqual({ since: 17 });
  });
});

const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

describe.skipIf(!existsSync(NODE_TESTS))('each ONNX type imports as the op its facts name (backend node tests)', () => {
  // Single-node backend tests by op type.
  const byType = new Map<string, string[]>();
  for (const dir of findTests([NODE_TESTS])) {
    const nodes = decodeModel(readFileSync(join(dir, 'model.onnx')), dir).graph!.node;
    if (nodes.length === 1) byType.set(nodes[0]!.opType, [...(byType.get(nodes[0]!.opType) ?? []), dir]);
  }
  const cases = [...onnxImportTable()].filter(([t]) => byType.has(t));

  it('covers most of the import table', () => {
    expect(cases.length).toBeGreaterThan(onnxImportTable().size * 0.9);
  });

  it.each(cases)('%s -> %s', (t, op) => {
    // Some node tests stop at documented limits (3-D convolutions, training mode): one must import.
    const ops = byType.get(t)!.flatMap((dir) => {
      try {
        return [importTest(dir).nodes.map((n) => n.op)];
      } catch {
        return [];
      }
    });
    expect(ops.length, `no ${t} test imports`).toBeGreaterThan(0);
    // Shape's result is known from the static type: it imports as a constant.
    if (t === 'Shape') return expect(ops.every((o) => o.length === 0)).toBe(true);
    expect(ops.some((o) => o.includes(op)), `${t} imported as ${ops.map((o) => o.join('+')).join(' | ')}`).toBe(true);
  });
});

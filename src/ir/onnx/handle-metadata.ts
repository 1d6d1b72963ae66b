// Debug handles in ONNX files. Import gives every node it emits for ONNX node i the handle i + 1
// (all the nodes one ONNX node becomes share it), so two imports of one file agree and a float
// model and its quantized form can be compared node by node. Export writes each node's handle
// into the NodeProto's metadata_props, and import reads it back from there when present.
import type { OnnxNode } from './schema.js';

export const HANDLE_KEY = 'qforge.debug_handle';

/** The handle of each ONNX node: its stored one, else its position + 1 (after the largest stored one). */
export function onnxDebugHandles(nodes: readonly OnnxNode[]): number[] {
  const stored = nodes.map((n) => {
    const e = n.metadataProps?.find((p) => p.key === HANDLE_KEY);
    const h = e ? Number(e.value) : NaN;
    return Number.isSafeInteger(h) && h >= 0 ? h : undefined;
  });
  const base = Math.max(0, ...stored.map((h) => h ?? 0));
  return stored.map((h, i) => h ?? base + i + 1);
}

/** The NodeProto metadata entry carrying a handle. */
export const handleProp = (handle: number): { key: string; value: string } => ({ key: HANDLE_KEY, value: String(handle) });

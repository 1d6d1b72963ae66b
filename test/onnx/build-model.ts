// Builds small ONNX models in tests by encoding ModelProto with our own schema.
import { ModelProto, tensorToProto, TO_ONNX } from '../../src/ir/onnx/index.js';
import type { DType } from '../../src/ir/dtype.js';
import type { Tensor } from '../../src/ir/tensor.js';

export type Attr = Record<string, unknown>;
export const ai = (name: string, i: number): Attr => ({ name, type: 2, i });
export const af = (name: string, f: number): Attr => ({ name, type: 1, f });
export const aints = (name: string, ints: number[]): Attr => ({ name, type: 7, ints });
export const afloats = (name: string, floats: number[]): Attr => ({ name, type: 6, floats });
export const astr = (name: string, s: string): Attr => ({ name, type: 3, s: new TextEncoder().encode(s) });
export const atensor = (name: string, t: Tensor): Attr => ({ name, type: 4, t: tensorToProto(t) });

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Attr[];
}

export interface ModelSpec {
  nodes: NodeSpec[];
  /** [name, dtype, dims]; a string dim is symbolic. */
  inputs: [string, DType, (number | string)[]][];
  outputs: [string, DType, (number | string)[]?][];
  initializers?: Record<string, Tensor | Record<string, unknown>>;
  valueInfo?: [string, DType, (number | string)[]][];
  opset?: number;
}

const valueInfo = ([name, dtype, dims]: [string, DType, (number | string)[]?]) => ({
  name,
  type: {
    tensorType: {
      elemType: TO_ONNX[dtype],
      ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
    },
  },
});

export function onnxModel(spec: ModelSpec): Uint8Array {
  const init = Object.entries(spec.initializers ?? {}).map(([name, t]) =>
    'dtype' in t ? tensorToProto(t as Tensor, name) : { name, ...(t as Record<string, unknown>) },
  );
  const msg = ModelProto.fromObject({
    irVersion: 8,
    producerName: 'qforge-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n) => ({
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        name: n.name ?? '',
        domain: n.domain ?? '',
        attribute: n.attrs ?? [],
      })),
      initializer: init,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      valueInfo: (spec.valueInfo ?? []).map(valueInfo),
    },
  });
  return ModelProto.encode(msg).finish();
}

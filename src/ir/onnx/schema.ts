// The subset of onnx.proto (IR version 3-10) that qforge reads, as a protobufjs JSON descriptor.
// Field numbers follow onnx/onnx.proto; fields we never read are left out (protobuf skips them).
import protobuf from 'protobufjs';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            domain: f(4, 'string'),
            modelVersion: f(5, 'int64'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            metadataProps: f(14, 'StringStringEntryProto', 'repeated'),
            functions: f(25, 'FunctionProto', 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
        // Only the name is read: a model-local function is reported as an unsupported op.
        FunctionProto: { fields: { name: f(1, 'string'), domain: f(10, 'string') } },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            // Kept as opaque bytes, only to report that sparse initializers are not supported.
            sparseInitializer: f(15, 'bytes', 'repeated'),
            docString: f(10, 'string'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
            valueInfo: f(13, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'),
            output: f(2, 'string', 'repeated'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            domain: f(7, 'string'),
            attribute: f(5, 'AttributeProto', 'repeated'),
            docString: f(6, 'string'),
            // IR 10: qforge keeps debug handles here (onnx/handle-metadata.ts).
            metadataProps: f(9, 'StringStringEntryProto', 'repeated'),
          },
        },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            refAttrName: f(21, 'string'),
            docString: f(13, 'string'),
            type: f(20, 'AttributeType'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            t: f(5, 'TensorProto'),
            g: f(6, 'GraphProto'),
            floats: f(7, 'float', 'repeated'),
            ints: f(8, 'int64', 'repeated'),
            strings: f(9, 'bytes', 'repeated'),
            tensors: f(10, 'TensorProto', 'repeated'),
            graphs: f(11, 'GraphProto', 'repeated'),
          },
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
                TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
              },
            },
          },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto'), docString: f(3, 'string') } },
        TypeProto: {
          fields: {
            tensorType: f(1, 'Tensor'),
            // Non-tensor types are kept as opaque bytes, only to say that they are not supported.
            sequenceType: f(4, 'bytes'),
            mapType: f(5, 'bytes'),
            sparseTensorType: f(8, 'bytes'),
            optionalType: f(9, 'bytes'),
            denotation: f(6, 'string'),
          },
          nested: {
            Tensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
          },
        },
        TensorShapeProto: {
          fields: { dim: f(1, 'Dimension', 'repeated') },
          nested: {
            Dimension: { fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string'), denotation: f(3, 'string') } },
          },
        },
        TensorProto: {
          fields: {
            dims: f(1, 'int64', 'repeated'),
            dataType: f(2, 'int32'),
            floatData: f(4, 'float', 'repeated'),
            int32Data: f(5, 'int32', 'repeated'),
            stringData: f(6, 'bytes', 'repeated'),
            int64Data: f(7, 'int64', 'repeated'),
            name: f(8, 'string'),
            docString: f(12, 'string'),
            rawData: f(9, 'bytes'),
            externalData: f(13, 'StringStringEntryProto', 'repeated'),
            dataLocation: f(14, 'DataLocation'),
            doubleData: f(10, 'double', 'repeated'),
            uint64Data: f(11, 'uint64', 'repeated'),
          },
          nested: { DataLocation: { values: { DEFAULT: 0, EXTERNAL: 1 } } },
        },
      },
    },
  },
};

export const onnxRoot = protobuf.Root.fromJSON(DESCRIPTOR);
export const ModelProto = onnxRoot.lookupType('onnx.ModelProto');
export const TensorProtoType = onnxRoot.lookupType('onnx.TensorProto');

/** protobufjs yields int64 fields as Long objects (or numbers); this is the shape we rely on. */
export interface LongLike {
  low: number;
  high: number;
  toNumber(): number;
}
export type Int64 = number | LongLike;

export interface OnnxModel {
  irVersion: Int64;
  opsetImport: { domain: string; version: Int64 }[];
  producerName: string;
  producerVersion: string;
  graph?: OnnxGraph;
  functions: { name: string; domain: string }[];
}
export interface OnnxGraph {
  node: OnnxNode[];
  name: string;
  initializer: OnnxTensor[];
  sparseInitializer: Uint8Array[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}
export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: OnnxAttribute[];
  metadataProps?: { key: string; value: string }[];
}
export interface OnnxAttribute {
  name: string;
  refAttrName: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: OnnxTensor[];
  graphs: OnnxGraph[];
}
export interface OnnxValueInfo {
  name: string;
  type?: {
    tensorType?: { elemType: number; shape?: { dim: { dimValue?: Int64; dimParam?: string }[] } };
    sequenceType?: Uint8Array;
    mapType?: Uint8Array;
    sparseTensorType?: Uint8Array;
    optionalType?: Uint8Array;
  };
}
export interface OnnxTensor {
  dims: Int64[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  name: string;
  rawData: Uint8Array;
  externalData: { key: string; value: string }[];
  dataLocation: number;
  doubleData: number[];
  uint64Data: Int64[];
}

export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

export const int64ToNumber = (v: Int64): number => (typeof v === 'number' ? v : v.toNumber());
export const int64ToBigInt = (v: Int64): bigint =>
  typeof v === 'number' ? BigInt(v) : (BigInt(v.high) << 32n) | BigInt(v.low >>> 0);
